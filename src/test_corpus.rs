//! Where the tests find the shared corpus of real third-party
//! configurations: `$SPOF_CORPUS`, else `../shared/corpus` beside the
//! crate. The unit tests in `src/` and the integration tests in `tests/`
//! (which include this file by path) share it.
//!
//! A test that needs the corpus and does not find it fails under CI (`CI`
//! set, as `CI=true`): a CI run that skipped it would prove nothing.
//! Elsewhere it is reported as skipped, on the process's stderr, which the
//! test harness does not capture: never a silent pass.

use std::io::Write;
use std::path::{Path, PathBuf};

/// `relative` inside the corpus (`""` for the corpus itself), or `None`
/// when it is absent and the calling test is to be skipped.
pub fn corpus(relative: &str) -> Option<PathBuf> {
    let root = std::env::var_os("SPOF_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    let path = if relative.is_empty() {
        root
    } else {
        root.join(relative)
    };
    if path.is_dir() {
        return Some(path);
    }
    let test = std::thread::current()
        .name()
        .map_or_else(|| "a test".to_string(), str::to_string);
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(
        !ci,
        "{test}: the corpus directory {} is absent; set SPOF_CORPUS to the corpus",
        path.display()
    );
    // Straight to stderr: `eprintln!` would be captured with the output of
    // a passing test, and the skip would go unseen.
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED {test}: the corpus directory {} is absent (set SPOF_CORPUS; with CI=true this fails)",
        path.display()
    );
    None
}
