//! The operator knowledge base (`rules/operators/*.toml`): every kind has
//! fixtures under `testdata/operators/<group>_<Kind>/`, a `trigger.yaml`
//! that must produce a finding (its rendering is a snapshot) and a
//! `clean.yaml` that must produce none; and the table of kinds in
//! docs/kubernetes.md is generated from the files.

use spof::check::{Loaded, Report, Setup, check_sources};
use spof::date::Date;
use spof::diagnostic::Kind;
use spof::render::{self, Format};
use spof::source::{SourceFile, SourceMap};
use std::path::{Path, PathBuf};

fn check_file(path: &Path) -> Report {
    let mut sources = SourceMap::default();
    let text = std::fs::read_to_string(path).unwrap();
    let file = sources.add(SourceFile::new(path.to_path_buf(), text));
    check_sources(
        sources,
        &[Loaded {
            file,
            cluster: None,
        }],
        &Setup {
            today: Date::parse("2026-11-26").unwrap(),
            ..Setup::default()
        },
        Vec::new(),
    )
}

fn rendered(report: &Report) -> String {
    let mut out = Vec::new();
    let style = render::Style {
        color: false,
        width: Some(100),
    };
    render::render(Format::Human, &report.output(), style, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Each `[custom-resource."group/Kind"]` of the builtin files, with its
/// table, in file and key order.
fn kinds(root: &Path) -> Vec<(String, String, toml::Table)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("rules/operators"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let doc: toml::Table = std::fs::read_to_string(&file).unwrap().parse().unwrap();
        let Some(toml::Value::Table(kinds)) = doc.get("custom-resource") else {
            continue;
        };
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for (kind, entry) in kinds {
            out.push((
                stem.clone(),
                kind.clone(),
                entry.as_table().unwrap().clone(),
            ));
        }
    }
    out
}

#[test]
fn every_kind_has_a_trigger_and_a_clean_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let kinds = kinds(root);
    assert!(kinds.len() >= 20, "fewer than 20 kinds");
    let mut failures = Vec::new();
    for (_, kind, _) in &kinds {
        let dir_name = kind.replacen('/', "_", 1);
        // Relative, as the snapshots print it.
        let dir = Path::new("testdata/operators").join(&dir_name);
        let trigger = check_file(&dir.join("trigger.yaml"));
        let findings = trigger
            .diagnostics
            .iter()
            .filter(|d| d.kind == Kind::Finding)
            .count();
        if findings == 0 || trigger.diagnostics.len() != findings {
            failures.push(format!(
                "{dir_name}/trigger.yaml: {:?}",
                trigger.diagnostics
            ));
        }
        insta::with_settings!({snapshot_path => "../testdata/snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("operator-{dir_name}"), rendered(&trigger));
        });
        let clean = check_file(&dir.join("clean.yaml"));
        if !clean.diagnostics.is_empty() {
            failures.push(format!("{dir_name}/clean.yaml: {}", rendered(&clean)));
        }
    }
    let dirs = std::fs::read_dir(root.join("testdata/operators"))
        .unwrap()
        .count();
    assert_eq!(dirs, kinds.len(), "a fixture folder names no kind");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where the generated table sits in docs/kubernetes.md.
const TABLE_START: &str = "<!-- operators-table: generated from rules/operators/*.toml -->";
const TABLE_END: &str = "<!-- end of operators-table -->";

fn code(text: &str) -> String {
    format!("`{}`", text.replace('|', "\\|"))
}

fn paths(entry: &toml::Table, key: &str) -> Vec<String> {
    match entry.get(key) {
        Some(toml::Value::String(s)) => vec![code(s)],
        Some(toml::Value::Array(items)) => {
            items.iter().filter_map(|i| i.as_str().map(code)).collect()
        }
        _ => Vec::new(),
    }
}

/// The table of the operator knowledge base: each kind, its role, where its
/// count is (with its default), where its spread is, its quorum rule, and
/// the Services and pod labels its operator creates.
fn operators_table(root: &Path) -> String {
    let mut out = String::from(
        "| Kind | Operator | Role | Replicas (default) | Spread | Quorum | Services, pod labels |\n|---|---|---|---|---|---|---|\n",
    );
    for (_, kind, entry) in kinds(root) {
        let s = |k: &str| entry.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let role = s("role");
        let replicas = if let Some(toml::Value::Table(scales)) = entry.get("scales") {
            let minimum = paths(scales, "minimum").join(", ");
            let default = scales.get("default").and_then(toml::Value::as_integer);
            format!("target's minimum: {minimum} ({})", default.unwrap_or(0))
        } else if role == "autoscaler" {
            "no effect on the count".to_string()
        } else {
            let found = paths(&entry, "replicas").join(" or ");
            let default = entry
                .get("default-replicas")
                .and_then(toml::Value::as_integer)
                .map_or("not judged".to_string(), |d| d.to_string());
            let found = if found.is_empty() {
                "—".to_string()
            } else {
                found
            };
            let sum = if s("aggregate") == "min" {
                ", the least of its items"
            } else {
                ""
            };
            format!("{found}{sum} ({default})")
        };
        let mut spread: Vec<String> = paths(&entry, "template")
            .into_iter()
            .map(|t| format!("{t} pod template"))
            .collect();
        spread.extend(paths(&entry, "pod-spec"));
        if let Some(toml::Value::Array(anti)) = entry.get("anti-affinity") {
            for a in anti {
                let key = a.get("key").and_then(|k| k.as_str()).unwrap_or("");
                let how = match a.get("required") {
                    Some(toml::Value::Boolean(false)) => "preferred",
                    Some(toml::Value::Table(_)) => "required when set so",
                    _ => "required",
                };
                let parent = if a.get("from-parent").is_some() {
                    " (of its parent)"
                } else {
                    ""
                };
                spread.push(format!("{}{parent} ({how})", code(key)));
            }
        }
        let spread = if spread.is_empty() {
            "— (the operator's configuration)".to_string()
        } else {
            spread.join(", ")
        };
        let quorum = if entry.get("quorum").and_then(toml::Value::as_bool) == Some(true) {
            "majority"
        } else {
            "—"
        };
        let mut created = paths(&entry, "services");
        if let Some(toml::Value::Table(labels)) = entry.get("pod-labels") {
            created.extend(
                labels
                    .iter()
                    .map(|(k, v)| code(&format!("{k}: {}", v.as_str().unwrap_or("")))),
            );
        }
        let created = if created.is_empty() {
            "—".to_string()
        } else {
            created.join(", ")
        };
        out.push_str(&format!(
            "| `{kind}` | {} | {role} | {replicas} | {spread} | {quorum} | {created} |\n",
            s("product")
        ));
    }
    out
}

#[test]
fn kubernetes_doc_operators_table_is_generated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    super::catalog::generated_section(
        "docs/kubernetes.md",
        (TABLE_START, TABLE_END),
        &operators_table(root),
        "operators table",
        "operators::",
    );
}
