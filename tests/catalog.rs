//! The catalog's examples are true (each `trigger` example produces its rule,
//! each `clean` example does not), and `docs/rules/` is generated from the
//! catalog.

use spof::check::{Loaded, Report, RunOptions, Setup, check_estate, compare, setup_from};
use spof::estate::Estate;
use spof::rules::{Example, Rule, Settings, baseline, catalog, docs};
use spof::source::{SourceFile, SourceMap};
use std::path::Path;

/// Checks an example as `spof check` would: with its spof.toml, with its
/// baseline as `--baseline` over the whole example, and, when it has a
/// base, as `--diff-base` of that base. The codes reported.
fn run_example(example: &Example) -> Vec<String> {
    let report = match &example.base {
        None => check_example(example, &example.content).0,
        Some(base) => {
            let (base, base_estate, _) = check_example(example, base);
            let (head, head_estate, settings) = check_example(example, &example.content);
            compare(&base, &base_estate, head, &head_estate, &settings, |_| true)
        }
    };
    report
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect()
}

/// `content` checked as the example's file.
fn check_example(example: &Example, content: &str) -> (Report, Estate, Settings) {
    let (file, config) = (example.file.as_str(), example.config.as_deref());
    let mut sources = SourceMap::default();
    let (setup, cluster) = match config {
        Some(text) => {
            let config_file = sources.add(SourceFile::new("spof.toml".into(), text));
            let (config, errors) = spof::config::parse(text, config_file, ".".into());
            assert!(errors.is_empty(), "example config has errors: {errors:?}");
            let (setup, errors) = setup_from(&config, &RunOptions::default());
            assert!(errors.is_empty());
            let cluster = config.cluster_of(Path::new(file));
            (setup, cluster)
        }
        None => (Setup::default(), None),
    };
    let id = sources.add(SourceFile::new(file.into(), content));
    let (mut report, estate) =
        check_estate(sources, &[Loaded { file: id, cluster }], &setup, Vec::new());
    if let Some(text) = &example.baseline {
        let file = report
            .sources
            .add(SourceFile::new("spof-baseline.json".into(), text.as_str()));
        let parsed = baseline::parse(file, report.sources.get(file));
        let parsed = parsed.unwrap_or_else(|e| panic!("example baseline is invalid: {e:?}"));
        report.apply_baseline(&parsed, |_| true, &setup.settings);
    }
    (report, estate, setup.settings)
}

#[test]
fn examples_trigger_exactly_as_documented() {
    for (rule, meta) in catalog() {
        for example in &meta.examples {
            let codes = run_example(example);
            assert!(
                !codes.iter().any(|c| c == "parse-error"),
                "{}: example does not parse",
                meta.code
            );
            let hits = codes.iter().filter(|c| *c == rule.code()).count();
            match example.expect.as_str() {
                "trigger" => assert!(
                    hits >= 1,
                    "{}: trigger example produced {codes:?}",
                    meta.code
                ),
                "clean" => assert_eq!(hits, 0, "{}: clean example produced {codes:?}", meta.code),
                other => panic!("{}: unknown expectation {other}", meta.code),
            }
        }
    }
}

#[test]
fn rule_docs_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let mut expected: Vec<(String, String)> = Rule::ALL
        .iter()
        .map(|r| (docs::file_name(*r), docs::page(*r)))
        .collect();
    expected.push(("README.md".into(), docs::index()));
    if std::env::var_os("SPOF_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    present.retain(|p| !expected.iter().any(|(n, _)| n == p));
    assert!(
        stale.is_empty() && present.is_empty(),
        "docs/rules is stale (run `SPOF_UPDATE_DOCS=1 cargo test --test integration catalog::`): changed {stale:?}, extra {present:?}"
    );
}

#[test]
fn readme_rule_table_is_fresh() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = docs::table("docs/rules/");
    assert!(
        readme.contains(&table),
        "README.md's rule table differs from the catalog; replace it with:\n{table}"
    );
}

#[test]
fn cli_doc_check_help_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/cli.md")).unwrap();
    // tests/cmd/check-help.stdout is what `spof check --help` prints (the CLI
    // tests keep it true); docs/cli.md quotes it.
    let help = std::fs::read_to_string(root.join("tests/cmd/check-help.stdout")).unwrap();
    assert!(
        page.contains(help.trim_end()),
        "docs/cli.md's `spof check --help` block differs from tests/cmd/check-help.stdout"
    );
}

/// Where the generated coverage table sits in docs/terraform.md.
const KB_TABLE_START: &str = "<!-- knowledge-base-table: generated from rules/providers/*.toml -->";
const KB_TABLE_END: &str = "<!-- end of knowledge-base-table -->";

/// The coverage table of the provider knowledge base, made from its data
/// files: each `[resource.*]` entry, its role, and the single failures its
/// facts report (none: an entity and a dependency, never a finding of its
/// own).
fn knowledge_base_table(root: &Path) -> String {
    let mut out =
        String::from("| Provider | Resource type | Role | Reported when it |\n|---|---|---|---|\n");
    for (provider, name) in [
        ("aws", "AWS"),
        ("google", "Google Cloud"),
        ("azurerm", "Azure"),
    ] {
        let text =
            std::fs::read_to_string(root.join(format!("rules/providers/{provider}.toml"))).unwrap();
        let kb: toml::Table = text.parse().unwrap();
        let Some(resources) = kb.get("resource").and_then(|r| r.as_table()) else {
            continue;
        };
        let mut kinds: Vec<&String> = resources.keys().collect();
        kinds.sort();
        for kind in kinds {
            let entry = &resources[kind];
            let role = entry.get("role").and_then(|r| r.as_str()).unwrap_or("");
            let mut facts: Vec<String> = entry
                .get("fact")
                .and_then(|f| f.as_array())
                .map(|facts| {
                    facts
                        .iter()
                        .filter_map(|f| f.get("message")?.as_str())
                        .map(|m| m.replace('|', "\\|"))
                        .collect()
                })
                .unwrap_or_default();
            facts.dedup();
            let judged = if facts.is_empty() {
                "— (entity only)".to_string()
            } else {
                facts.join("; ")
            };
            out.push_str(&format!("| {name} | `{kind}` | {role} | {judged} |\n"));
        }
    }
    out
}

#[test]
fn terraform_doc_knowledge_base_table_is_generated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    generated_section(
        "docs/terraform.md",
        (KB_TABLE_START, KB_TABLE_END),
        &knowledge_base_table(root),
        "knowledge-base table",
        "catalog::",
    );
}

/// Where the generated table of functions sits in docs/terraform.md.
const FUNCTIONS_TABLE: (&str, &str) = (
    "<!-- functions-table: generated from src/frontends/terraform/functions.rs -->",
    "<!-- end of functions-table -->",
);

/// Every built-in function of Terraform and how spof evaluates it.
fn functions_table() -> String {
    use spof::frontends::terraform::functions::{Status, catalog};
    let mut out = String::from("| Function | Evaluated |\n|---|---|\n");
    for (name, status) in catalog() {
        let how = match status {
            Status::Implemented => "yes".to_string(),
            Status::Unknown(why) => format!("unknown: {why}"),
        };
        out.push_str(&format!("| `{name}` | {how} |\n"));
    }
    out
}

#[test]
fn terraform_doc_functions_table_is_generated() {
    generated_section(
        "docs/terraform.md",
        FUNCTIONS_TABLE,
        &functions_table(),
        "functions table",
        "catalog::",
    );
}

/// Checks that the text of the doc at `rel` between the `markers` is
/// `table` (after a newline), or writes it there when `SPOF_UPDATE_DOCS`
/// is set; `tests` is the filter that regenerates it.
pub(crate) fn generated_section(
    rel: &str,
    (open, close): (&str, &str),
    table: &str,
    what: &str,
    tests: &str,
) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let doc = std::fs::read_to_string(&path).unwrap();
    let (Some(start), Some(end)) = (doc.find(open), doc.find(close)) else {
        panic!("{rel} has no {what} markers");
    };
    let body_start = start + open.len();
    let expected = format!("\n{table}");
    if std::env::var_os("SPOF_UPDATE_DOCS").is_some() {
        let fresh = format!("{}{expected}{}", &doc[..body_start], &doc[end..]);
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    assert_eq!(
        &doc[body_start..end],
        expected,
        "{rel}'s {what} is stale (run `SPOF_UPDATE_DOCS=1 cargo test --test integration {tests}`)"
    );
}

#[test]
fn knowledge_base_table_lists_every_type() {
    // The table is made from the same files the binary embeds: every entry
    // of each file has its row.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = knowledge_base_table(root);
    for provider in ["aws", "google", "azurerm"] {
        let kb =
            std::fs::read_to_string(root.join(format!("rules/providers/{provider}.toml"))).unwrap();
        for line in kb.lines() {
            if let Some(kind) = line
                .strip_prefix("[resource.")
                .and_then(|l| l.strip_suffix(']'))
            {
                assert!(
                    table.contains(&format!("| `{kind}` |")),
                    "{kind} has no row"
                );
            }
        }
    }
    assert!(
        table.lines().count() >= 152,
        "fewer than 150 resource types"
    );
}

/// The table of the module knowledge base in docs/terraform.md, made from
/// `rules/modules/*.toml`: each module, the rule its findings are, and the
/// arguments that decide. `SPOF_UPDATE_DOCS=1` rewrites it.
fn module_table(root: &Path) -> String {
    fn attrs(value: &toml::Value, out: &mut std::collections::BTreeSet<String>) {
        match value {
            toml::Value::Table(t) => {
                if let Some(toml::Value::String(a)) = t.get("attr") {
                    out.insert(a.clone());
                }
                t.values().for_each(|v| attrs(v, out));
            }
            toml::Value::Array(items) => items.iter().for_each(|v| attrs(v, out)),
            _ => {}
        }
    }
    let mut files: Vec<_> = std::fs::read_dir(root.join("rules/modules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        let Some(toml::Value::Table(modules)) = doc.get("module") else {
            continue;
        };
        for (address, entry) in modules {
            let role = entry.get("role").and_then(|r| r.as_str()).unwrap_or("");
            let rule = match role {
                "network" => "SPOF020",
                "compute" | "cluster" => "SPOF019",
                _ => "SPOF018",
            };
            let mut names = std::collections::BTreeSet::new();
            if let Some(toml::Value::Array(placement)) = entry.get("placement") {
                names.extend(
                    placement
                        .iter()
                        .filter_map(|p| p.as_str().map(String::from)),
                );
            }
            if let Some(facts) = entry.get("fact") {
                attrs(facts, &mut names);
            }
            if let Some(inline) = entry.get("inline") {
                attrs(inline, &mut names);
            }
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            let names = if names.is_empty() {
                "none: an entity with no finding of its own".to_string()
            } else {
                names.join(", ")
            };
            rows.push(format!("| `{address}` | {rule} | {names} |"));
        }
    }
    let mut table = String::from("| Module | Rule | Arguments that decide |\n|---|---|---|\n");
    for row in rows {
        table.push_str(&row);
        table.push('\n');
    }
    table
}

#[test]
fn terraform_doc_module_table_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("docs/terraform.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("-->\n", "<!-- end modules-table -->");
    let open = doc
        .find("<!-- modules-table:")
        .expect("the table's opening marker");
    let from = open + doc[open..].find(start).unwrap() + start.len();
    let to = doc.find(end).expect("the table's closing marker");
    let table = module_table(root);
    if std::env::var_os("SPOF_UPDATE_DOCS").is_some() {
        std::fs::write(&path, format!("{}{table}{}", &doc[..from], &doc[to..])).unwrap();
        return;
    }
    assert_eq!(
        &doc[from..to],
        table,
        "docs/terraform.md's module table is stale: run with SPOF_UPDATE_DOCS=1"
    );
}
