//! `spof completions SHELL` and `spof man` come from the clap definitions.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("spof")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_know_commands_and_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run(&["completions", shell]);
        assert!(script.contains("check"), "{shell}");
        // fish names long flags `-l format`.
        let long = |flag: &str| match shell {
            "fish" => format!("-l {flag}"),
            _ => format!("--{flag}"),
        };
        assert!(script.contains(&long("format")), "{shell}");
        assert!(script.contains(&long("force-exclude")), "{shell}");
        assert!(script.contains("init"), "{shell}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::cargo_bin("spof")
        .unwrap()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_with_the_commands() {
    let page = run(&["man"]);
    assert!(page.starts_with(".TH spof 1"), "{page}");
    assert!(page.contains("spof\\-check(1)"));
    assert!(page.contains(".SH SUBCOMMANDS"));

    let check = run(&["man", "check"]);
    assert!(check.starts_with(".TH spof-check 1"), "{check}");
    assert!(check.contains("\\fBspof check\\fR"));
    assert!(check.contains("\\-\\-format"));
}
