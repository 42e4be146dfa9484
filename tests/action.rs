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
        ("paths", "."),
        ("format", "github"),
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

#[test]
fn action_installs_caches_checks_and_uploads() {
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
    let step = |id: &str| {
        steps
            .as_seq()
            .iter()
            .find(|s| s.get("id").and_then(Node::as_str) == Some(id))
            .unwrap_or_else(|| panic!("no step `{id}`"))
    };
    let key = text(step("cache"), &["with", "key"]);
    assert!(key.contains("runner.os") && key.contains("github.action_ref"));
    let install = steps
        .as_seq()
        .iter()
        .find(|s| text(s, &["name"]) == "Install spof")
        .expect("install step");
    assert!(
        text(install, &["run"])
            .contains("cargo install --locked --path \"${{ github.action_path }}\"")
    );
    assert_eq!(
        text(install, &["if"]),
        "steps.cache.outputs.cache-hit != 'true'"
    );
    let check = text(step("check"), &["run"]);
    for flag in [
        "--format",
        "--fail-on",
        "--baseline",
        "--diff-base",
        "--output \"sarif=spof.sarif\"",
    ] {
        assert!(check.contains(flag), "{flag}");
    }
    // The step fails as spof does.
    assert!(check.contains("exit \"$status\""));
    let upload = steps.as_seq().last().expect("steps");
    assert!(text(upload, &["if"]).starts_with("always() && inputs.sarif == 'true'"));
    assert_eq!(text(upload, &["with", "sarif_file"]), "spof.sarif");
}
