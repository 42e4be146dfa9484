//! Per-rule fixtures: `testdata/rules/<CODE>-<name>/trigger/*` must produce
//! the rule, `clean/*` must not. A case is a file (checked alone, without
//! configuration), a directory (checked as a repository, with its
//! spof.toml if it has one, and with its `spof-baseline.json` as
//! `--baseline` if it has one), or a directory holding `base/` and `head/`
//! (two such repositories: the change from one to the other, as
//! `spof check --diff-base` reports it). Each case's rendered diagnostics
//! are a snapshot. Adding a case is adding a file. Cases are checked as of
//! [`TODAY`], so that `until=` dates do not make snapshots rot. Every rule
//! of the catalog has a folder, with both kinds of case.

use spof::check::{self, BaselineMode, Loaded, Report, RunOptions, Setup, check_sources};
use spof::date::Date;
use spof::render::{self, Format};
use spof::rules::{Rule, Settings};
use spof::source::{SourceFile, SourceMap};
use std::path::{Path, PathBuf};

/// The day every case is checked as of.
const TODAY: &str = "2026-11-26";

/// A case directory's baseline, applied as `--baseline`.
const BASELINE: &str = "spof-baseline.json";

/// A case checked with every rule on but `off`.
fn check_case(path: &Path, off: Option<Rule>) -> Report {
    let today = Date::parse(TODAY).unwrap();
    let ignore: Vec<String> = off.iter().map(|r| r.code().to_string()).collect();
    let mut settings = Settings::default();
    if let Some(rule) = off {
        settings.enabled.remove(&rule);
    }
    let (base, head) = (path.join("base"), path.join("head"));
    if base.is_dir() && head.is_dir() {
        // A change: what `spof check --diff-base` reports, each side checked
        // from its own directory so that both print the same paths.
        let side = |dir: &Path| {
            let config = dir.join("spof.toml").exists();
            check::run_estate(&RunOptions {
                paths: vec![".".into()],
                isolated: !config,
                config: config.then(|| "spof.toml".into()),
                ignore: ignore.clone(),
                today: Some(today),
                cwd: Some(dir.to_path_buf()),
                ..RunOptions::default()
            })
        };
        let (base, base_estate) = side(&base);
        let (head, head_estate) = side(&head);
        return check::compare(&base, &base_estate, head, &head_estate, &settings, |_| true);
    }
    if path.join(BASELINE).is_file() {
        // Checked from its own directory, as the baseline's paths are
        // written: `spof check --baseline spof-baseline.json`.
        let config = path.join("spof.toml").exists();
        return check::run(&RunOptions {
            paths: vec![".".into()],
            isolated: !config,
            config: config.then(|| "spof.toml".into()),
            baseline: Some(BaselineMode::Apply(BASELINE.into())),
            ignore,
            today: Some(today),
            cwd: Some(path.to_path_buf()),
            ..RunOptions::default()
        });
    }
    if path.is_dir() {
        let config = path.join("spof.toml");
        let options = RunOptions {
            paths: vec![path.to_path_buf()],
            isolated: !config.exists(),
            config: config.exists().then_some(config),
            ignore,
            today: Some(today),
            ..RunOptions::default()
        };
        check::run(&options)
    } else {
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
                today,
                settings,
                ..Setup::default()
            },
            Vec::new(),
        )
    }
}

/// Snapshots show the findings as a 100-column terminal shows them, so that
/// the wrapping of long messages is under test too.
const AS_ON_A_TERMINAL: render::Style = render::Style {
    color: false,
    width: Some(100),
};

fn rendered(report: &Report) -> String {
    let output = report.output();
    let mut out = Vec::new();
    render::render(Format::Human, &output, AS_ON_A_TERMINAL, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn rule_fixtures() {
    let root = Path::new("testdata/rules");
    let mut failures = Vec::new();
    let mut seen = 0;
    for rule_dir in cases(root) {
        let dir_name = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        let code = dir_name.split('-').next().unwrap().to_string();
        let rule = spof::rules::Rule::lookup(&code)
            .unwrap_or_else(|| panic!("{dir_name}: no rule {code}"));
        assert_eq!(
            dir_name,
            format!("{}-{}", rule.code(), rule.name()),
            "fixture folder name"
        );
        let triggers = cases(&rule_dir.join("trigger"));
        let cleans = cases(&rule_dir.join("clean"));
        assert!(
            !triggers.is_empty() && !cleans.is_empty(),
            "{dir_name}: needs trigger and clean cases"
        );
        for (case, expect) in triggers
            .iter()
            .map(|c| (c, true))
            .chain(cleans.iter().map(|c| (c, false)))
        {
            seen += 1;
            let report = check_case(case, None);
            let hits = report.diagnostics.iter().filter(|d| d.code == code).count();
            if expect == (hits == 0) {
                failures.push(format!(
                    "{}: expected {} of {code}, got {hits}",
                    case.display(),
                    if expect { "some" } else { "none" }
                ));
            }
            let name = case
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace(['/', '.'], "_");
            insta::with_settings!({snapshot_path => "../testdata/snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
                insta::assert_snapshot!(name, rendered(&report));
            });
        }
    }
    assert!(seen > 0, "no fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A rule turned off reports nothing and changes nothing else: each rule's
/// own cases, checked with it off, report what they report with it on,
/// less that rule — its findings, and the notes on a parse error about its
/// findings that error hides. (In debug builds `rules::run` also asserts
/// that no family computed a finding of a rule that is off.)
#[test]
fn a_rule_turned_off_reports_nothing_and_changes_nothing_else() {
    let mut failures = Vec::new();
    for rule_dir in cases(Path::new("testdata/rules")) {
        let dir_name = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        let code = dir_name.split('-').next().unwrap();
        let rule = Rule::lookup(code).unwrap();
        let all = cases(&rule_dir.join("trigger"))
            .into_iter()
            .chain(cases(&rule_dir.join("clean")));
        for case in all {
            let on = check_case(&case, None);
            let off = check_case(&case, Some(rule));
            let hidden = format!("not reported ({code})");
            let without = |report: &Report| {
                let diagnostics: Vec<_> = report
                    .diagnostics
                    .iter()
                    .filter(|d| d.code != code)
                    .map(|d| {
                        let mut d = d.clone();
                        d.related.retain(|r| !r.message.contains(&hidden));
                        d
                    })
                    .collect();
                let suppressed: Vec<_> = report
                    .suppressed
                    .iter()
                    .filter(|(d, _)| d.code != code)
                    .collect();
                format!("{diagnostics:#?}\n{suppressed:#?}")
            };
            let reported = off.diagnostics.iter().any(|d| d.code == code)
                || off.suppressed.iter().any(|(d, _)| d.code == code);
            if reported || without(&on) != without(&off) {
                failures.push(format!("{}: {code} off", case.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every rule of the catalog has its fixture folder, named after its code
/// and name, with cases that must produce it and cases that must not.
#[test]
fn every_rule_has_fixtures() {
    let missing: Vec<String> = Rule::ALL
        .iter()
        .map(|rule| format!("testdata/rules/{}-{}", rule.code(), rule.name()))
        .filter(|dir| {
            let dir = Path::new(dir);
            cases(&dir.join("trigger")).is_empty() || cases(&dir.join("clean")).is_empty()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no trigger/ or no clean/ cases in {missing:?} (CONTRIBUTING.md, \"Adding a rule\")"
    );
}
