//! Baselines over real fixtures: findings recorded with `--write-baseline`
//! stay accepted when lines move and unrelated lines change, come back when
//! the offending line itself changes, and entries that match nothing are
//! reported only for the paths checked.

use spof::check::{self, BaselineMode, Report, RunOptions};
use spof::diagnostic::Kind;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "testdata/rules/SPOF007-depends-on-spof/trigger/chain-three-hops.yaml";

fn run(paths: &[&Path], baseline: BaselineMode) -> Report {
    check::run(&RunOptions {
        paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        isolated: true,
        baseline: Some(baseline),
        ..RunOptions::default()
    })
}

fn write(paths: &[&Path], baseline: &Path) -> usize {
    let report = run(paths, BaselineMode::Write(baseline.to_path_buf()));
    assert!(!report.has_input_errors());
    check::write_baseline(&report, baseline, &[]).unwrap()
}

fn codes(report: &Report) -> Vec<&str> {
    report.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// 0-based lines holding a finding's primary location.
fn finding_lines(report: &Report) -> Vec<usize> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Finding)
        .map(|d| {
            let file = report.sources.get(d.span.file);
            file.lines().line_of(d.span.range.start)
        })
        .collect()
}

#[test]
fn baseline_survives_moved_and_unrelated_lines_but_not_an_edited_finding_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("chain.yaml");
    let original = std::fs::read_to_string(FIXTURE).unwrap();
    std::fs::write(&manifest, &original).unwrap();
    let baseline = dir.path().join("spof-baseline.json");

    let recorded = write(&[dir.path()], &baseline);
    let before = run(&[dir.path()], BaselineMode::Write(baseline.clone()));
    assert!(recorded >= 2, "the fixture has several findings");
    assert_eq!(finding_lines(&before).len(), recorded);

    // Lines above everything, and an edit to a line no finding is on.
    let image = original
        .lines()
        .position(|l| l.contains("image: ghcr.io/example/api:1.4.0"))
        .unwrap();
    assert!(!finding_lines(&before).contains(&image));
    let shifted = format!(
        "# moved down by a header\n\n{}",
        original.replace("ghcr.io/example/api:1.4.0", "ghcr.io/example/api:1.5.0")
    );
    std::fs::write(&manifest, &shifted).unwrap();
    let after = run(&[dir.path()], BaselineMode::Apply(baseline.clone()));
    assert_eq!(codes(&after), Vec::<&str>::new());
    assert_eq!(after.summary.baselined, recorded);
    assert_eq!(after.exit_code(spof::diagnostic::Severity::Info), 0);

    // Editing the line a finding is on makes it a new finding, and its old
    // entry stale.
    let edited = shifted.replacen("  replicas: 1\n", "  replicas: 1 # for now\n", 1);
    assert_ne!(edited, shifted);
    std::fs::write(&manifest, &edited).unwrap();
    let report = run(&[dir.path()], BaselineMode::Apply(baseline.clone()));
    let mut got = codes(&report);
    got.sort_unstable();
    assert_eq!(got, ["SPOF001", "SPOF017"]);
    assert_eq!(report.summary.baselined, recorded - 1);
    assert_eq!(report.exit_code(spof::diagnostic::Severity::Warning), 1);
    let stale = report
        .diagnostics
        .iter()
        .find(|d| d.code == "SPOF017")
        .unwrap();
    let file = report.sources.get(stale.span.file);
    assert_eq!(file.path, baseline);
    let line = file.line_text(file.lines().line_of(stale.span.range.start));
    assert!(line.trim_start().starts_with("\"fingerprint\": "), "{line}");
}

#[test]
fn entries_are_stale_only_for_the_paths_checked() {
    let dir = tempfile::tempdir().unwrap();
    let single = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: NAME\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: NAME}\n  template:\n    metadata:\n      labels: {app: NAME}\n    spec:\n      containers:\n        - name: app\n          image: example/app:1.0\n";
    let a: PathBuf = dir.path().join("a");
    let b: PathBuf = dir.path().join("b");
    for (sub, name) in [(&a, "web"), (&b, "db")] {
        std::fs::create_dir(sub).unwrap();
        std::fs::write(sub.join("app.yaml"), single.replace("NAME", name)).unwrap();
    }
    let baseline = dir.path().join("baseline.json");
    assert_eq!(write(&[dir.path()], &baseline), 2);

    // Fix the workload in a/; check b/ alone: a/'s entry is not in scope.
    let fixed = single
        .replace("NAME", "web")
        .replace("replicas: 1", "replicas: 2");
    std::fs::write(a.join("app.yaml"), fixed).unwrap();
    let only_b = run(&[&b], BaselineMode::Apply(baseline.clone()));
    assert!(!codes(&only_b).contains(&"SPOF017"), "{:?}", codes(&only_b));
    assert_eq!(only_b.summary.baselined, 1);

    let all = run(&[dir.path()], BaselineMode::Apply(baseline.clone()));
    let stale: Vec<String> = all
        .diagnostics
        .iter()
        .filter(|d| d.code == "SPOF017")
        .map(|d| d.message.to_string())
        .collect();
    assert_eq!(stale.len(), 1);
    assert!(
        stale[0].contains("`k8s:Deployment/default/web`"),
        "{}",
        stale[0]
    );
    assert!(
        stale[0].contains("SPOF001 (single-replica)"),
        "{}",
        stale[0]
    );
}

#[test]
fn baseline_file_is_never_read_as_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(FIXTURE, dir.path().join("chain.yaml")).unwrap();
    let baseline = dir.path().join("baseline.json");
    write(&[dir.path()], &baseline);
    // Even when it is not valid JSON any more (a merge conflict), a run
    // that rewrites it does not read it as an input.
    std::fs::write(&baseline, "<<<<<<< ours\n").unwrap();
    let report = run(&[dir.path()], BaselineMode::Write(baseline.clone()));
    assert!(!report.has_input_errors());
    assert_eq!(report.summary.files, 1);
    let applied = run(&[dir.path()], BaselineMode::Apply(baseline.clone()));
    assert_eq!(
        codes(&applied)
            .iter()
            .filter(|c| **c == "baseline-error")
            .count(),
        1
    );
    assert_eq!(applied.exit_code(spof::diagnostic::Severity::Error), 2);
}
