//! spof's own service manifest, through the whole pipeline.

use spof::check::{Loaded, Report, Setup, check_sources};
use spof::diagnostic::{Diagnostic, Kind};
use spof::frontends::manifest;
use spof::model::{Model, Reference, Role};
use spof::render::{self, Format};
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;

const ESTATE: &str = "testdata/manifest/estate.spof.toml";

fn check(files: &[(&str, &str)]) -> Report {
    let mut sources = SourceMap::default();
    let loaded: Vec<Loaded> = files
        .iter()
        .map(|(path, text)| Loaded {
            file: sources.add(SourceFile::new(PathBuf::from(path), *text)),
            cluster: None,
        })
        .collect();
    check_sources(sources, &loaded, &Setup::default(), Vec::new())
}

fn estate() -> Report {
    let text = std::fs::read_to_string(ESTATE).unwrap();
    check(&[(ESTATE, &text)])
}

fn about<'a>(report: &'a Report, id: &str) -> Vec<&'a Diagnostic> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.entity.as_deref() == Some(id))
        .collect()
}

fn codes(diagnostics: &[&Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.code.to_string()).collect()
}

fn concise(report: &Report) -> String {
    let mut out = Vec::new();
    render::render(
        Format::Concise,
        &report.output(),
        render::Style::PLAIN,
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn estate_reads_without_errors() {
    let report = estate();
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report.summary.files, 1);
    println!("{}", concise(&report));
}

#[test]
fn a_service_in_two_sites_is_not_a_single_point() {
    let report = estate();
    assert_eq!(
        codes(&about(&report, "manifest:search")),
        Vec::<String>::new()
    );
    // A quorum over three sites survives one.
    assert_eq!(
        codes(&about(&report, "manifest:coordination")),
        Vec::<String>::new()
    );
}

#[test]
fn a_service_in_one_site_is_pinned_to_it() {
    let report = estate();
    let db = about(&report, "manifest:talk-db");
    assert_eq!(codes(&db), ["SPOF004"], "{db:#?}");
    assert!(db[0].message.contains("zone:pangyo"), "{}", db[0].message);
    assert!(db[0].message.contains("site list"), "{}", db[0].message);
    // One replica in one site is a single replica too.
    let one = check(&[(
        "one.spof.toml",
        "[sites.a]\n[services.api]\nsites = [\"a\"]\n",
    )]);
    let mut found = codes(&about(&one, "manifest:api"));
    found.sort();
    assert_eq!(found, ["SPOF001", "SPOF004"]);
}

#[test]
fn depending_on_a_single_site_database_is_a_finding_with_the_chain() {
    let report = estate();
    let api = about(&report, "manifest:talk-api");
    let chain: Vec<&&Diagnostic> = api.iter().filter(|d| d.code == "SPOF007").collect();
    assert_eq!(chain.len(), 1, "{api:#?}");
    let finding = chain[0];
    let text = &report.sources.get(finding.span.file).text();
    let at = |s: spof::source::Span| &text[s.range.start as usize..s.range.end as usize];
    assert_eq!(at(finding.span), "\"talk-db\"");
    assert!(finding.message.contains("talk-db"), "{}", finding.message);
    assert!(
        finding.related.iter().any(|r| at(r.span) == "\"pangyo\""),
        "{:#?}",
        finding.related
    );
}

#[test]
fn tools_are_tools_with_what_they_manage() {
    let text = std::fs::read_to_string(ESTATE).unwrap();
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(PathBuf::from(ESTATE), text));
    let mut model = Model::default();
    let errors = manifest::extract(&[(file, sources.get(file))], &mut model);
    assert!(errors.is_empty(), "{errors:#?}");
    let console = model
        .entities
        .iter()
        .find(|e| e.id == "manifest:deploy-console")
        .unwrap();
    assert_eq!(console.role, Role::Tool);
    assert_eq!(console.tool_kind.as_deref(), Some("deploy"));
    let manages: Vec<&Reference> = console.instances[0]
        .manages
        .iter()
        .map(|m| &m.target)
        .collect();
    assert_eq!(
        manages,
        [
            &Reference::Id("manifest:talk-api".into()),
            &Reference::Id("manifest:search".into())
        ]
    );
}

#[test]
fn errors_are_input_errors_and_the_rest_is_checked() {
    let report = check(&[(
        "bad.spof.toml",
        "[sites.a]\n[services.api]\nsites = [\"a\", \"b\"]\nrepicas = 2\n",
    )]);
    assert_eq!(report.exit_code(spof::diagnostic::Severity::Error), 2);
    let out = concise(&report);
    assert!(
        out.contains("bad.spof.toml:3:15: manifest-error unknown site `b`"),
        "{out}"
    );
    assert!(
        out.contains("bad.spof.toml:4:1: manifest-error unknown key `repicas` in [services.api]"),
        "{out}"
    );
    // The service is still there, in its one valid site.
    assert!(
        codes(&about(&report, "manifest:api")).contains(&"SPOF004".to_string()),
        "{out}"
    );
}
