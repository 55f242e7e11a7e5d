#!/usr/bin/env python3
"""The arm64 (Graviton) package end to end on this x86_64 machine: its `bootstrap`,
run under qemu-aarch64, driven as Lambda drives it through the Runtime API stand-in
(tests/support/peers/runtime_api.py), with KMS on moto (codes minted by the Python Encryption
SDK), email through the signed webhook to a local receiver, SMS through SNS on
moto, templates from a layer zip extracted under /opt as Lambda extracts layers,
and one init that must be refused.

    e2e_arm64.py dist/switchboard-arm64.zip dist/switchboard-templates.zip

Called by scripts/e2e-arm64, which installs qemu and builds the package.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
import zipfile
import http.server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_cargo_lambda import WEBHOOK_SECRET, Receiver, check, local_kms, start_moto  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "tests", "support", "peers")  # the test peers the Rust tests start too
SYSROOT = "/usr/aarch64-linux-gnu"
LAYER_ROOT = "/opt/switchboard"


def install_layer(layer):
    """Extracts the templates layer under /opt, as Lambda does with a layer."""
    if os.path.exists(LAYER_ROOT):
        sys.exit(f"FAILED: {LAYER_ROOT} already exists; remove it (this check installs the layer there)")
    with zipfile.ZipFile(layer) as z:
        names = z.namelist()
        check(names and all(n.startswith("switchboard/templates/") for n in names),
              f"the layer holds its {len(names)} files under switchboard/templates/")
        z.extractall("/opt")


def main():
    package, layer = sys.argv[1:3]
    work = tempfile.mkdtemp()
    with zipfile.ZipFile(package) as z:
        z.extract("bootstrap", work)
    bootstrap = os.path.join(work, "bootstrap")
    os.chmod(bootstrap, 0o755)
    kind = subprocess.run(["file", "-b", bootstrap], capture_output=True, text=True).stdout
    check("aarch64" in kind or "ARM aarch64" in kind, f"the package holds an arm64 executable ({kind.strip()})")
    runner = os.path.join(work, "run-bootstrap")
    with open(runner, "w") as f:
        f.write(f"#!/bin/sh\nexec qemu-aarch64 -L {SYSROOT} {bootstrap} \"$@\"\n")
    os.chmod(runner, 0o755)

    moto, moto_port = start_moto()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    install_layer(layer)
    try:
        endpoint, env, key = local_kms(moto_port)

        def event_file(name, code, phone=None):
            with open(os.path.join(ROOT, "examples", "events", name)) as f:
                event = json.load(f)
            event["request"]["code"] = subprocess.run(
                [sys.executable, os.path.join(PEERS, "mint_cognito_code.py"), key, event["userPoolId"], code],
                env=env, check=True, capture_output=True, text=True).stdout.strip()
            if phone:
                event["request"]["userAttributes"]["phone_number"] = phone
            path = os.path.join(work, name)
            with open(path, "w") as f:
                json.dump(event, f)
            return path

        def run(events, function_env):
            out = os.path.join(work, "results.json")
            result = subprocess.run([sys.executable, os.path.join(PEERS, "runtime_api.py"), "--binary", runner,
                                     "--out", out, *events], env=function_env, capture_output=True, text=True,
                                    timeout=600)
            check(result.returncode == 0, "the Runtime API stand-in ran"
                  + ("" if result.returncode == 0 else f" ({result.stderr[-800:]})"))
            with open(out) as f:
                return json.load(f), result.stderr

        function_env = dict(env, **{
            "SWITCHBOARD_DECRYPT__KEY_ARN": key,
            "SWITCHBOARD_APP__NAME": "Acme",
            "SWITCHBOARD_EMAIL__FROM": "Acme <no-reply@acme.test>",
            "SWITCHBOARD_PROVIDERS__HOOK__TYPE": "webhook",
            "SWITCHBOARD_PROVIDERS__HOOK__URL": f"http://127.0.0.1:{receiver.server_address[1]}/hook",
            "SWITCHBOARD_PROVIDERS__HOOK__SECRET": WEBHOOK_SECRET,
            "SWITCHBOARD_PROVIDERS__SNS__TYPE": "sns",
            "SWITCHBOARD_EMAIL__PROVIDERS": "hook",
            "SWITCHBOARD_SMS__PROVIDERS": "sns",
            "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT": "false",
        })
        email = event_file("CustomEmailSender_ForgotPassword.json", "602214")
        sms = event_file("CustomSMSSender_Authentication.json", "314159", "+12025550142")
        results, printed = run([email, sms], function_env)
        statuses = [i["status"] for i in results["invocations"]]
        check(statuses == ["response", "response"], "both events answered under qemu-aarch64"
              + ("" if statuses == ["response", "response"] else f" ({statuses}; {printed[-800:]})"))
        texts = [b.get("text") or "" for b in Receiver.bodies]
        check(any("602214" in t for t in texts), "the webhook received the email with the decrypted code")
        check(any("Someone (hopefully you)" in t for t in texts),
              "in the wording of the layer's forgot-password.txt")
        check(len(Receiver.verified_ids) == len(Receiver.bodies),
              "signed as Standard Webhooks (verified with the reference library)")
        data = json.load(urllib.request.urlopen(f"{endpoint}/moto-api/data.json"))
        check(any(m["phone_number"] == "+12025550142" and "314159" in m["message"] for m in data["sns"]["SMS"]),
              "SNS (moto) received the SMS with the code")
        check(any(m["message"] == "314159 is your Acme sign-in code. Support will never ask for it."
                  for m in data["sns"]["SMS"]), "in the wording of the layer's authentication.sms")
        cold = results["cold_start_to_first_response_ms"]
        print(f"arm64 under qemu: cold start to first answer {cold:.0f} ms (emulated, not a Graviton figure)")

        refused_env = dict(function_env)
        del refused_env["SWITCHBOARD_DECRYPT__KEY_ARN"]
        results, printed = run([email], refused_env)
        # Lambda's Rust runtime has no init-error call: the process exits non-zero
        # with the reason as its last log line, which Lambda reports as
        # Runtime.ExitError with that log.
        check(results["exit_code_before_stop"] not in (None, 0)
              and "insecure development key is refused" in printed,
              f"an init without the KMS key is refused, with the reason (exit {results['exit_code_before_stop']})"
              + ("" if "insecure development key is refused" in printed else f": {printed[-800:]}"))
        check(results["invocations"] == [], "and no event was handled")
        print("arm64 end to end: all checks passed")
    finally:
        moto.kill()
        receiver.shutdown()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(LAYER_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
