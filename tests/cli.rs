//! Command-line behaviour as data: every `tests/cmd/*.toml` runs the `spof`
//! binary with its `args` in its `fs.cwd` (a fixture repository under
//! `testdata/cli/`), feeds it the case's `.stdin` if any, and compares the
//! exit status, `.stdout` and `.stderr`. Adding a case is adding files.
//!
//! `TRYCMD=overwrite cargo test --test cli` rewrites the expected outputs;
//! read the diff before committing it.

fn cases(glob: &str) {
    trycmd::TestCases::new()
        .register_bin("spof", trycmd::cargo::cargo_bin("spof"))
        .case(glob);
}

#[test]
fn cli() {
    cases("tests/cmd/*.toml");
}

/// Cases whose expected output is the correct behaviour that spof does not
/// have yet; each names the bug in its first comment. They move to
/// `tests/cmd/` once fixed.
#[test]
fn cli_known_bugs() {
    cases("tests/cmd/bugs/*.toml");
}
