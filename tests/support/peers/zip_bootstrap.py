#!/usr/bin/env python3
"""Writes a stand-in Lambda package: ZIP BOOTSTRAP -> a zip with BOOTSTRAP as `bootstrap`."""
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1], "w") as package:
    package.write(sys.argv[2], "bootstrap")
