//! `action.yml`, read with spof's own YAML parser: a composite action with
//! the documented inputs, which uses only the inputs it declares.

use spof::parse::yaml::{Limits, parse_stream};
use spof::parse::{Node, Value};

fn action() -> Node {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"))
        .expect("action.yml at the repository root");
    let (mut docs, error) = parse_stream(&text, &Limits::default());
    assert!(error.is_none(), "action.yml does not parse: {error:?}");
    assert_eq!(docs.len(), 1);
    docs.remove(0).root
}

fn text<'a>(node: &'a Node, path: &[&str]) -> &'a str {
    node.path(path)
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("action.yml has no `{}`", path.join(".")))
}

fn scalars<'a>(node: &'a Node, out: &mut Vec<&'a str>) {
    match &node.value {
        Value::Scalar { text, .. } => out.push(text),
        Value::Seq(items) => items.iter().for_each(|n| scalars(n, out)),
        Value::Map(entries) => entries.iter().for_each(|(_, v)| scalars(v, out)),
    }
}

#[test]
fn action_is_composite_with_its_inputs() {
    let action = action();
    assert_eq!(text(&action, &["name"]), "spof");
    assert!(!text(&action, &["description"]).is_empty());
    assert_eq!(text(&action, &["runs", "using"]), "composite");
    for (input, default) in [
        ("version", ""),
        ("paths", "."),
        ("config", ""),
        ("args", ""),
        ("working-directory", "."),
        ("format", ""),
        ("fail-on", "warning"),
        ("baseline", ""),
        ("diff-base", ""),
        ("sarif", "true"),
    ] {
        assert_eq!(
            text(&action, &["inputs", input, "default"]),
            default,
            "{input}"
        );
        assert!(!text(&action, &["inputs", input, "description"]).is_empty());
    }
}

#[test]
fn action_uses_only_declared_inputs_and_steps() {
    let action = action();
    let declared: Vec<&str> = action
        .get("inputs")
        .map(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, _)| k.as_str())
        .collect();
    let steps = action.path(&["runs", "steps"]).expect("runs.steps");
    let ids: Vec<&str> = steps
        .as_seq()
        .iter()
        .filter_map(|s| s.get("id").and_then(Node::as_str))
        .collect();
    let mut values = Vec::new();
    scalars(&action, &mut values);
    for value in &values {
        for (_, rest) in value
            .match_indices("inputs.")
            .map(|(i, _)| value.split_at(i + 7))
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            assert!(
                declared.contains(&name.as_str()),
                "undeclared input `{name}`"
            );
        }
        for (_, rest) in value
            .match_indices("steps.")
            .map(|(i, _)| value.split_at(i + 6))
        {
            let id: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            assert!(ids.contains(&id.as_str()), "unknown step `{id}`");
        }
    }
    // Every `run` step names its shell, as composite actions require.
    for step in steps.as_seq() {
        if step.get("run").is_some() {
            assert_eq!(step.get("shell").and_then(Node::as_str), Some("bash"));
        }
    }
}

fn step<'a>(action: &'a Node, id: &str) -> &'a Node {
    action
        .path(&["runs", "steps"])
        .expect("runs.steps")
        .as_seq()
        .iter()
        .find(|s| s.get("id").and_then(Node::as_str) == Some(id))
        .unwrap_or_else(|| panic!("no step `{id}`"))
}

#[test]
fn action_downloads_verifies_falls_back_checks_and_uploads() {
    let action = action();
    let steps = action.path(&["runs", "steps"]).expect("runs.steps");
    let uses: Vec<&str> = steps
        .as_seq()
        .iter()
        .filter_map(|s| s.get("uses").and_then(Node::as_str))
        .collect();
    assert_eq!(
        uses,
        ["actions/cache@v4", "github/codeql-action/upload-sarif@v3"]
    );
    // Every platform of the release workflow has its archive.
    let resolve = text(step(&action, "resolve"), &["run"]);
    let release = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.github/workflows/release.yml"
    ))
    .unwrap();
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(resolve.contains(&format!("target={target}")), "{target}");
        assert!(
            release.contains(&format!("target: {target}, os:")),
            "{target}"
        );
    }
    // The download verifies the checksum, and a mismatch fails the step.
    let download = text(step(&action, "download"), &["run"]);
    assert!(download.contains("releases/download/v$VERSION/$archive"));
    assert!(download.contains("\"$url.sha256\""));
    assert!(download.contains("if [ -z \"$expected\" ] || [ \"$expected\" != \"$actual\" ]; then"));
    assert!(download.contains("exit 1\n"));
    // Built from source only when nothing was downloaded.
    let install = steps
        .as_seq()
        .iter()
        .find(|s| text(s, &["name"]) == "Install spof")
        .expect("install step");
    assert!(
        text(install, &["run"]).contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\"")
    );
    assert_eq!(
        text(install, &["if"]),
        "steps.download.outputs.version == '' && steps.cache.outputs.cache-hit != 'true'"
    );
    let key = text(step(&action, "cache"), &["with", "key"]);
    assert!(key.contains("runner.os") && key.contains("github.action_ref"));
    let check = step(&action, "check");
    assert_eq!(
        text(check, &["working-directory"]),
        "${{ inputs.working-directory }}"
    );
    let check = text(check, &["run"]);
    for flag in [
        "--format",
        "--fail-on",
        "--config",
        "--baseline",
        "--diff-base",
        "--output \"sarif=$sarif\"",
        "args+=(\"${extra[@]}\")",
    ] {
        assert!(check.contains(flag), "{flag}");
    }
    // One annotation per finding: with the SARIF upload the log is not
    // `github` annotations unless asked for.
    assert!(check.contains(
        "if [ \"$INPUT_SARIF\" = \"true\" ]; then format=concise; else format=github; fi"
    ));
    // The step fails as spof does.
    assert!(check.contains("exit \"$status\""));
    let upload = steps.as_seq().last().expect("steps");
    assert!(text(upload, &["if"]).starts_with("always() && inputs.sarif == 'true'"));
    assert_eq!(
        text(upload, &["with", "sarif_file"]),
        "${{ steps.check.outputs.sarif-file }}"
    );
}

/// Every `run` script of the action passes shellcheck, when shellcheck is on
/// PATH (`.ci/run` installs it; under CI its absence fails the test). The
/// scripts hold no `${{ }}` expressions: inputs arrive as environment
/// variables.
#[test]
fn action_scripts_pass_shellcheck() {
    let action = action();
    let scripts: Vec<&str> = action
        .path(&["runs", "steps"])
        .expect("runs.steps")
        .as_seq()
        .iter()
        .filter_map(|s| s.get("run").and_then(Node::as_str))
        .collect();
    assert!(scripts.len() >= 5);
    for script in &scripts {
        assert!(
            !script.contains("${{"),
            "an expression in a script:\n{script}"
        );
    }
    let available = std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        assert!(!ci, "CI must check the action's scripts with shellcheck");
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "skipped: shellcheck is not on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, script) in scripts.iter().enumerate() {
        let path = dir.path().join(format!("step{i}.sh"));
        std::fs::write(&path, format!("#!/usr/bin/env bash\n{script}")).unwrap();
        let output = std::process::Command::new("shellcheck")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "shellcheck on\n{script}\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}
