//! Command-line behaviour as data: every `tests/cmd/*.toml` runs the `spof`
//! binary with its `args` in its `fs.cwd` (a fixture repository under
//! `testdata/cli/`), feeds it the case's `.stdin` if any, and compares the
//! exit status, `.stdout` and `.stderr`. Adding a case is adding files.
//! A `tests/cmd/*.trycmd` case runs several commands, one after the other,
//! in a scratch copy of its `.in/` directory, and compares the files named
//! in its `.out/` directory afterwards.
//!
//! `TRYCMD=overwrite cargo test --test integration cli::` rewrites the expected outputs;
//! read the diff before committing it.

#[test]
fn cli() {
    trycmd::TestCases::new()
        .register_bin("spof", trycmd::cargo::cargo_bin("spof"))
        .case("tests/cmd/*.toml")
        .case("tests/cmd/*.trycmd");
}
