//! Robustness over `../shared/corpus` (or `$SPOF_CORPUS`): about 3,000 real
//! third-party configs. Every file runs through the whole pipeline without a
//! panic, and every file that fails to parse is reported as an error naming
//! it. Skipped, and said so, where the corpus is absent; failed under CI
//! (see [`crate::test_corpus`]).

use crate::test_corpus::corpus;
use spof::check::{self, RunOptions};
use spof::diagnostic::{Kind, Severity};
use spof::parse::yaml::{Limits, parse_stream};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let file_type = entry.file_type().unwrap();
            if file_type.is_dir() {
                todo.push(path);
            } else if file_type.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Whether spof reads the file: by its name, and for `*.hcl` by its text
/// (Nomad jobs only).
fn is_manifest(path: &Path) -> bool {
    match spof::frontends::classify(path) {
        // One that cannot be read is reported, whatever it holds.
        Some(kind) if kind.by_content => match std::fs::read_to_string(path) {
            Ok(text) => spof::frontends::confirms(kind, &text),
            Err(_) => true,
        },
        kind => kind.is_some(),
    }
}

/// Whether spof's parsers reject the file: HCL for Terraform
/// configurations, the YAML frontend for everything written in YAML or
/// JSON.
fn fails_to_parse(path: &Path, text: &str) -> bool {
    let name = path.to_string_lossy();
    if name.ends_with(".tf")
        || name.ends_with(".tfvars")
        || name.ends_with(".nomad")
        || name.ends_with(".hcl")
    {
        text.parse::<hcl_edit::structure::Body>().is_err()
    } else if name.ends_with(".toml") {
        text.parse::<toml::Table>().is_err()
    } else {
        parse_stream(text, &Limits::default()).1.is_some()
    }
}

/// Whether a file is a Helm chart's own (its templates, subcharts, values,
/// `Chart.yaml`), which spof renders rather than parses.
fn in_chart(path: &Path) -> bool {
    path.ancestors().skip(1).any(|dir| {
        dir.join("Chart.yaml").is_file()
            && path.strip_prefix(dir).is_ok_and(|rel| {
                let rel = rel.to_string_lossy();
                rel.starts_with("templates/")
                    || rel.starts_with("charts/")
                    || (!rel.contains('/')
                        && (rel.starts_with("values") || rel.starts_with("Chart.")))
            })
    })
}

#[test]
fn every_corpus_file_is_analysed_or_reported() {
    let Some(corpus) = corpus("") else { return };
    let report = check::run(&RunOptions {
        paths: vec![corpus.clone()],
        excludes: vec!["helm-templates/".into()],
        isolated: true,
        ..RunOptions::default()
    });
    // A chart's files are rendered, not parsed: a template that fails is a
    // render-error in the chart, and is not expected to parse as YAML.
    let rendering: BTreeSet<PathBuf> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error && d.code == "render-error")
        .map(|d| report.sources.get(d.span.file).path.clone())
        .collect();
    assert!(rendering.iter().all(|p| in_chart(p)), "{rendering:?}");
    // A kustomization is built, not only parsed: an entry naming a file
    // the corpus copy lacks is a kustomize-error (a remote resource or a
    // plugin is a SPOF022 finding); it sits in the kustomization file
    // itself.
    let building: Vec<&spof::diagnostic::Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error && d.code.starts_with("kustomize-"))
        .collect();
    for d in &building {
        let path = &report.sources.get(d.span.file).path;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            ["kustomization.yaml", "kustomization.yml", "Kustomization"].contains(&name),
            "{}: {} {}",
            path.display(),
            d.code,
            d.message
        );
    }
    // Few: most kustomizations of the corpus build whole.
    assert!(
        building.len() < 100,
        "{} kustomize diagnostics",
        building.len()
    );
    let reported: BTreeSet<PathBuf> = report
        .diagnostics
        .iter()
        .filter(|d| {
            // An info note (a generator not read, a release not rendered)
            // is not an input error.
            d.kind == Kind::Error
                && d.severity != Severity::Info
                && d.code != "render-error"
                && !d.code.starts_with("kustomize-")
        })
        .map(|d| report.sources.get(d.span.file).path.clone())
        .collect();
    let mut expected = BTreeSet::new();
    let mut manifests = 0;
    for path in files_under(&corpus) {
        let relative = path.strip_prefix(&corpus).unwrap();
        // The walk skips hidden files and directories, as ripgrep does.
        let hidden = relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if !is_manifest(&path) || hidden || relative.starts_with("helm-templates") {
            continue;
        }
        manifests += 1;
        let Ok(text) = std::fs::read_to_string(&path) else {
            expected.insert(path);
            continue;
        };
        if fails_to_parse(&path, &text) && !in_chart(&path) {
            expected.insert(path);
        }
    }
    assert!(
        manifests > 1000,
        "corpus looks truncated: {manifests} manifests"
    );
    assert_eq!(report.summary.files, manifests, "every manifest is read");
    assert_eq!(
        reported, expected,
        "parse failures and error diagnostics differ"
    );
}

#[test]
fn unrendered_templates_are_errors_with_a_hint() {
    let Some(templates) = corpus("helm-templates") else {
        return;
    };
    let report = check::run(&RunOptions {
        paths: vec![templates],
        isolated: true,
        ..RunOptions::default()
    });
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .collect();
    assert!(!errors.is_empty(), "unrendered templates parse as YAML?");
    let with_hint = errors
        .iter()
        .filter(|d| {
            d.help
                .as_deref()
                .is_some_and(|h| h.contains("helm template"))
        })
        .count();
    assert!(
        with_hint * 10 >= errors.len() * 9,
        "only {with_hint} of {} template errors suggest rendering",
        errors.len()
    );
}

/// Real files YAML 1.2 read to the letter refuses and libyaml (PyYAML,
/// go-yaml, so kubectl and compose) loads: flow sequences closed at their
/// key's column. `bench/yaml-parity.py` lists every such file of the corpus.
#[test]
fn yaml_the_consumers_accept_loads() {
    let Some(corpus) = corpus("") else { return };
    for (file, key) in [
        (
            "istio__istio/samples/security/spire/spire-quickstart.yaml",
            "args",
        ),
        (
            "terraform-google-modules__terraform-google-kubernetes-engine/examples/\
             acm-terraform-blog-part2/config-root/audit-config.yaml",
            "excludedNamespaces",
        ),
    ] {
        let text = std::fs::read_to_string(corpus.join(file)).unwrap();
        let (docs, error) = parse_stream(&text, &Limits::default());
        assert!(error.is_none(), "{file}: {error:?}");
        let found = docs.iter().any(|d| has_key(&d.root, key));
        assert!(found, "{file}: no `{key}`");
    }
}

fn has_key(node: &spof::parse::Node, key: &str) -> bool {
    use spof::parse::Value;
    match &node.value {
        Value::Scalar { .. } => false,
        Value::Seq(items) => items.iter().any(|n| has_key(n, key)),
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.as_str() == Some(key) || has_key(v, key)),
    }
}
