//! Headless Chromium (Debian's `chromium` package), to look at pages as a
//! reader's browser shows them: the DOM after scripts ran, and screenshots.
//! `./scripts/test` installs it and names it in `SB_CHROMIUM`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A Chromium binary.
#[derive(Debug, Clone)]
pub struct Chromium {
    binary: PathBuf,
}

impl Chromium {
    /// `SB_CHROMIUM`, else `chromium` on `PATH`; panics (never skips) when
    /// there is none.
    pub fn find() -> Self {
        let binary = std::env::var_os("SB_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("PATH").and_then(|path| {
                    std::env::split_paths(&path)
                        .map(|dir| dir.join("chromium"))
                        .find(|candidate| candidate.is_file())
                })
            })
            .unwrap_or_else(|| {
                panic!("no Chromium: set SB_CHROMIUM or install it (`./scripts/test` runs `./scripts/setup-browser`, which does)")
            });
        Chromium { binary }
    }

    fn run(&self, extra: &[&str], page: &Path) -> std::process::Output {
        let url = format!("file://{}", page.canonicalize().unwrap().display());
        let profile = tempfile::tempdir().unwrap();
        let output = Command::new(&self.binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-extensions",
                "--no-first-run",
                "--hide-scrollbars",
                // Our own test pages read the gallery pages they frame.
                "--allow-file-access-from-files",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()));
        assert!(
            output.status.success(),
            "chromium failed on {url} ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// The page's DOM after its load handlers ran.
    pub fn dump_dom(&self, page: &Path) -> String {
        let output = self.run(&["--dump-dom"], page);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// A PNG of the page at `width` × `height` CSS pixels, written to `png`.
    pub fn screenshot(&self, page: &Path, width: u32, height: u32, png: &Path) {
        let screenshot = format!("--screenshot={}", png.display());
        let size = format!("--window-size={width},{height}");
        self.run(&[&screenshot, &size], page);
        assert!(png.is_file(), "no screenshot at {}", png.display());
    }
}
