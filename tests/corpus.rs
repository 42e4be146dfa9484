//! Robustness over `../shared/corpus`: about 3,000 real third-party configs.
//! Every file runs through the whole pipeline without a panic, and every
//! file that fails to parse is reported as an error naming it. Passes (with a
//! message) where the corpus is absent.

use spof::check::{self, RunOptions};
use spof::diagnostic::Kind;
use spof::parse::yaml::{Limits, parse_stream};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

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

fn is_manifest(path: &Path) -> bool {
    spof::discover::classify(path).is_some()
}

/// Whether spof's parsers reject the file: HCL for Terraform
/// configurations, the YAML frontend for everything written in YAML or
/// JSON.
fn fails_to_parse(path: &Path, text: &str) -> bool {
    let name = path.to_string_lossy();
    if name.ends_with(".tf")
        || name.ends_with(".tfvars")
        || name.ends_with(".nomad")
        || name.ends_with(".nomad.hcl")
    {
        text.parse::<hcl_edit::structure::Body>().is_err()
    } else if name.ends_with(".toml") {
        text.parse::<toml::Table>().is_err()
    } else {
        parse_stream(text, &Limits::default()).1.is_some()
    }
}

#[test]
fn every_corpus_file_is_analysed_or_reported() {
    let Some(corpus) = corpus() else { return };
    let report = check::run(&RunOptions {
        paths: vec![corpus.clone()],
        excludes: vec!["helm-templates/".into()],
        isolated: true,
        ..RunOptions::default()
    });
    let reported: BTreeSet<PathBuf> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
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
        if fails_to_parse(&path, &text) {
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
    let Some(corpus) = corpus() else { return };
    let templates = corpus.join("helm-templates");
    if !templates.is_dir() {
        return;
    }
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
