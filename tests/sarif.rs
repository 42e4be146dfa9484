//! `--format sarif`, checked from outside: every case below is rendered to
//! a file and
//! 1. validated against the SARIF 2.1.0 JSON schema
//!    (`testdata/sarif/sarif-2.1.0.json`, see the README there);
//! 2. validated by Microsoft's SARIF multitool (`validate`, installed by
//!    `.ci/run` into `target/npm`), with its SARIF rules and with its rules
//!    for GitHub code scanning;
//! 3. the scenario estate's log is a snapshot;
//! 4. fingerprints survive lines moving.

use serde_json::Value;
use spof::check::{self, Loaded, Report, RunOptions, Setup, check_sources};
use spof::render::{self, Format};
use spof::source::{SourceFile, SourceMap};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `.ci/run` installs the multitool (`npm install --prefix`).
const NPM_PREFIX: &str = "target/npm";
const MULTITOOL: &str = "@microsoft/sarif-multitool@5.7.0";

fn run(paths: &[&str], config: Option<&str>) -> Report {
    check::run(&RunOptions {
        paths: paths.iter().map(PathBuf::from).collect(),
        isolated: config.is_none(),
        config: config.map(PathBuf::from),
        ..RunOptions::default()
    })
}

fn sarif(report: &Report) -> String {
    let mut out = Vec::new();
    render::render(
        Format::Sarif,
        &report.output(),
        render::Style::PLAIN,
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

fn estate() -> Report {
    let dir = "testdata/estates/two-datacenters";
    run(&[dir], Some(&format!("{dir}/spof.toml")))
}

/// A manifest read from standard input.
fn stdin() -> Report {
    let mut sources = SourceMap::default();
    let text = std::fs::read_to_string("tests/cmd/check-stdin.stdin").unwrap();
    let file = sources.add(SourceFile::new(PathBuf::from("-"), text));
    check_sources(
        sources,
        &[Loaded {
            file,
            cluster: None,
        }],
        &Setup::default(),
        Vec::new(),
    )
}

/// Cases whose artifacts are files in the repository.
fn file_cases() -> Vec<(&'static str, Report)> {
    vec![
        ("two-datacenters", estate()),
        ("parse-error", run(&["testdata/cli/parse-error"], None)),
        ("suppression", run(&["testdata/cli/suppression"], None)),
        // Accepted risks are results with an `external` suppression.
        (
            "accepted",
            run(&["testdata/accept"], Some("testdata/accept/spof.toml")),
        ),
        (
            "suppression-problems",
            run(&["testdata/cli/suppression-problems"], None),
        ),
        (
            "config-error",
            run(
                &["testdata/cli/config-unknown-key"],
                Some("testdata/cli/config-unknown-key/spof.toml"),
            ),
        ),
        (
            "chain",
            run(
                &["testdata/rules/SPOF007-depends-on-spof/trigger/chain-three-hops.yaml"],
                None,
            ),
        ),
        ("helm-packaged", run(&[HELM_PACKAGED], None)),
    ]
}

/// A chart whose packaged subchart's own values line decides a finding.
const HELM_PACKAGED: &str =
    "testdata/rules/SPOF001-single-replica/trigger/helm-packaged-subchart-values";

/// A manifest of a chain of 20 services, each depending on the next, the
/// last one in one site: findings whose chains are capped.
fn long_chain() -> Report {
    let mut text = String::from("[sites.a]\n\n[sites.b]\n");
    for i in 0..20 {
        let sites = if i == 19 { r#"["a"]"# } else { r#"["a", "b"]"# };
        text.push_str(&format!("\n[services.s{i}]\nsites = {sites}\n"));
        if i < 19 {
            text.push_str(&format!("depends_on = [\"s{}\"]\n", i + 1));
        }
    }
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(PathBuf::from("spof.services.toml"), text));
    check_sources(
        sources,
        &[Loaded {
            file,
            cluster: None,
        }],
        &Setup::default(),
        Vec::new(),
    )
}

fn all_cases() -> Vec<(&'static str, Report)> {
    let mut cases = file_cases();
    cases.push(("stdin", stdin()));
    cases.push(("long-chain", long_chain()));
    cases
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("SARIF output is JSON")
}

fn results(doc: &Value) -> &[Value] {
    doc["runs"][0]["results"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// The cases cover what they are meant to: results with and without
/// suppressions, dependency chains, notifications for input errors.
#[test]
fn cases_cover_suppressions_chains_and_input_errors() {
    let docs: Vec<(&str, Value)> = all_cases()
        .iter()
        .map(|(name, report)| (*name, parse(&sarif(report))))
        .collect();
    let doc = |name: &str| &docs.iter().find(|(n, _)| *n == name).unwrap().1;

    let suppressed = &results(doc("suppression"))[0];
    assert_eq!(suppressed["ruleId"], "SPOF001");
    assert_eq!(
        suppressed["suppressions"],
        serde_json::json!([{
            "kind": "inSource",
            "justification": "the nightly batch retries until it succeeds",
            "location": {"physicalLocation": {
                "artifactLocation": {"uri": "testdata/cli/suppression/batch.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 7, "startColumn": 3, "endLine": 7, "endColumn": 69},
            }},
        }])
    );
    // A suppression without a reason still silences the finding; it is
    // reported itself (SPOF014).
    let problems = results(doc("suppression-problems"));
    let codes: Vec<&str> = problems
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"SPOF014"), "{codes:?}");
    let silenced: Vec<&Value> = problems
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(silenced.len(), 1);
    assert!(
        silenced[0]["suppressions"][0]
            .get("justification")
            .is_none()
    );

    for name in ["parse-error", "config-error"] {
        let invocation = &doc(name)["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false, "{name}");
        let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert!(!notes.is_empty(), "{name}");
        for note in notes {
            assert_eq!(note["level"], "error");
            let uri = &note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            assert!(uri.as_str().unwrap().starts_with("testdata/cli/"), "{uri}");
        }
        // Input errors are not results, yet findings elsewhere still are.
        assert!(
            results(doc(name))
                .iter()
                .all(|r| { r["ruleId"].as_str().unwrap().starts_with("SPOF") })
        );
        assert!(!results(doc(name)).is_empty(), "{name}");
    }
    assert_eq!(
        doc("two-datacenters")["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );

    let chain = results(doc("chain"))
        .iter()
        .find(|r| r["ruleId"] == "SPOF007")
        .unwrap();
    assert!(chain["relatedLocations"].as_array().unwrap().len() >= 2);

    // A chain of 18 hops lists 7, one counting the 10 left out, and the
    // root cause.
    let first = results(doc("long-chain"))
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("`Service s0`")
        })
        .unwrap();
    let related: Vec<&str> = first["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(related.len(), 9, "{related:?}");
    assert_eq!(
        related[7],
        "… 10 more hops, then `Service s18` depends on `Service s19` (depends_on in the manifest)"
    );
    assert_eq!(
        related[8],
        "`Service s19` is pinned to `zone:a` by its site list"
    );

    let from_stdin = &results(doc("stdin"))[0]["locations"][0]["physicalLocation"];
    assert!(from_stdin["artifactLocation"].get("uri").is_none());
    assert_eq!(from_stdin["region"]["startLine"], 9);
}

#[test]
fn output_is_valid_against_the_sarif_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("testdata/sarif/sarif-2.1.0.json").unwrap())
            .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let mut failures = Vec::new();
    for (name, report) in all_cases() {
        let doc = parse(&sarif(&report));
        for error in validator.iter_errors(&doc) {
            failures.push(format!("{name}: {} at {}", error, error.instance_path()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The validator does catch what it should.
    let mut broken = parse(&sarif(&estate()));
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    let mut broken = parse(&sarif(&estate()));
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "a b.yaml".into();
    assert!(!validator.is_valid(&broken), "formats are asserted");
}

/// The multitool's native binary, installed by `.ci/run`, or why there is
/// none.
fn multitool() -> Result<PathBuf, String> {
    let prefix = Path::new(env!("CARGO_MANIFEST_DIR")).join(NPM_PREFIX);
    let hint = format!("npm install --prefix {NPM_PREFIX} --ignore-scripts --no-save {MULTITOOL}");
    if !prefix
        .join("node_modules/@microsoft/sarif-multitool")
        .is_dir()
    {
        return Err(format!(
            "{MULTITOOL} is not installed; `{hint}` installs it"
        ));
    }
    // The package resolves to the binary of this platform.
    let resolved = Command::new("node")
        .current_dir(&prefix)
        .args(["-p", "require('@microsoft/sarif-multitool')"])
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let path = String::from_utf8_lossy(&resolved.stdout).trim().to_string();
    if !resolved.status.success() || !Path::new(&path).is_file() {
        return Err(format!(
            "{MULTITOOL} has no binary for this platform: {}",
            String::from_utf8_lossy(&resolved.stderr).trim()
        ));
    }
    let path = PathBuf::from(path);
    make_executable(&path)?;
    Ok(path)
}

/// What the package's install script would do (`chmod u+x`); `.ci/run`
/// installs without running scripts.
#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions();
    if permissions.mode() & 0o100 == 0 {
        permissions.set_mode(permissions.mode() | 0o100);
        std::fs::set_permissions(path, permissions)
            .map_err(|e| format!("cannot make {} executable: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), String> {
    Ok(())
}

/// A finding of the multitool about one of the logs.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Complaint {
    level: String,
    rule: String,
    message: String,
    file: String,
}

/// Runs `Sarif.Multitool validate` with `rule_kind` over `files` and
/// returns its errors and warnings.
fn validate(tool: &Path, rule_kind: &str, files: &[PathBuf], out: &Path) -> Vec<Complaint> {
    let run = Command::new(tool)
        .arg("validate")
        .args(["--rule-kind", rule_kind])
        .args(["--level", "Error;Warning"])
        .args(["--log", "ForceOverwrite"])
        .arg("--output")
        .arg(out)
        .args(files)
        // The multitool is .NET: run it without the ICU libraries.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("the multitool runs");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "multitool failed:\n{console}");
    let log = parse(&std::fs::read_to_string(out).unwrap());
    let run = &log["runs"][0];
    let invocation = &run["invocations"][0];
    assert_eq!(
        invocation["executionSuccessful"], true,
        "multitool run:\n{console}"
    );
    assert!(
        invocation.get("toolExecutionNotifications").is_none(),
        "multitool could not analyse every file:\n{console}"
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    results(&log)
        .iter()
        .map(|r| {
            let rule = &rules[usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap()];
            // A result's level defaults to its rule's, then to `warning`.
            let level = r["level"]
                .as_str()
                .or_else(|| rule["defaultConfiguration"]["level"].as_str())
                .unwrap_or("warning");
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("");
            Complaint {
                level: level.to_string(),
                rule: r["ruleId"].as_str().unwrap_or("").to_string(),
                message: r["message"]["id"].as_str().unwrap_or("").to_string(),
                file: uri.rsplit('/').next().unwrap_or("").to_string(),
            }
        })
        .collect()
}

#[test]
fn multitool_finds_no_errors_or_warnings() {
    let tool = match multitool() {
        Ok(tool) => tool,
        Err(reason) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: SARIF multitool validation: {reason}");
            return;
        }
        Err(reason) => panic!("CI must validate SARIF with the multitool: {reason}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(format!("{name}.sarif"));
        std::fs::write(&path, text).unwrap();
        path
    };
    let files: Vec<PathBuf> = file_cases()
        .iter()
        .map(|(name, report)| write(name, sarif(report)))
        .collect();
    // The multitool reports nothing at all, for any file of the run, when
    // one log has a value it cannot read (an unknown `level`, say). A
    // control log with a known schema error shows that the run reported.
    let mut control = parse(&sarif(&estate()));
    control["runs"][0]["results"][0]["unknownProperty"] = true.into();
    let control = write("control", serde_json::to_string_pretty(&control).unwrap());
    let mut all = files.clone();
    all.push(write("stdin", sarif(&stdin())));
    all.push(control.clone());
    let is_control = |c: &Complaint| c.file == "control.sarif";
    let control_error = |complaints: &[Complaint]| {
        complaints
            .iter()
            .any(|c| is_control(c) && c.level == "error" && c.rule == "JSON1005")
    };

    // SARIF's own rules. The one warning kept: spof names no
    // `informationUri` (nor rules a `helpUri`), since the crate declares no
    // repository or homepage URL to point at.
    let complaints = validate(&tool, "Sarif", &all, &dir.path().join("sarif-rules.sarif"));
    assert!(control_error(&complaints), "{complaints:#?}");
    let kept = |c: &Complaint| {
        c.level == "warning"
            && c.rule == "SARIF2005"
            && c.message == "Warning_ProvideToolnformationUri"
    };
    let unexpected: Vec<&Complaint> = complaints
        .iter()
        .filter(|c| !is_control(c) && !kept(c))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");

    // GitHub code scanning's ingestion rules, over logs of files (a
    // manifest read from standard input has no URI, which GitHub requires).
    let mut files = files;
    files.push(control);
    let complaints = validate(&tool, "Gh", &files, &dir.path().join("github-rules.sarif"));
    assert!(control_error(&complaints), "{complaints:#?}");
    let unexpected: Vec<&Complaint> = complaints.iter().filter(|c| !is_control(c)).collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}

/// The scenario estate's whole log, with the checkout's path made stable.
#[test]
fn estate_snapshot() {
    let text = sarif(&estate());
    let doc = parse(&text);
    let root = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let version = format!(
        "\"name\": \"spof\",\n          \"version\": \"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&version), "the driver's version");
    let stable = text.replace(root, "file:///[SRCROOT]/").replace(
        &version,
        "\"name\": \"spof\",\n          \"version\": \"[VERSION]\"",
    );
    insta::with_settings!({
        snapshot_path => "../testdata/sarif/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("two-datacenters", stable);
    });
}

/// A file inside a packaged subchart is an artifact of its own, shown at
/// the archive's path then its path inside the archive, with the line and
/// column inside it: the values line that decides, and the template line
/// as the related location.
#[test]
fn packaged_subchart_files_have_their_own_locations() {
    let doc = parse(&sarif(&run(&[HELM_PACKAGED], None)));
    let result = &results(&doc)[0];
    let place = |location: &Value| {
        let physical = &location["physicalLocation"];
        format!(
            "{}:{}:{}",
            physical["artifactLocation"]["uri"].as_str().unwrap(),
            physical["region"]["startLine"],
            physical["region"]["startColumn"]
        )
    };
    let related: Vec<String> = result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(place)
        .collect();
    insta::with_settings!({
        snapshot_path => "../testdata/sarif/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(
            "helm-packaged",
            format!("{}\n{}", place(&result["locations"][0]), related.join("\n"))
        );
    });
}

/// The repository is the git root: URIs are the paths from it, whatever
/// directory the run names them from.
#[test]
fn uris_are_relative_to_the_repository_root() {
    let doc = parse(&sarif(&estate()));
    let root = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let uri = results(&doc)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    let file = Path::new(root.trim_start_matches("file://")).join(&uri);
    assert_eq!(
        file,
        manifest_dir.join("testdata/estates/two-datacenters/clusters/ansan/talk-api.yaml")
    );
}

fn prints_and_lines(doc: &Value) -> (BTreeSet<String>, Vec<u64>) {
    let prints = results(doc)
        .iter()
        .map(|r| {
            r["partialFingerprints"]["spof/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let lines = results(doc)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    (prints, lines)
}

#[test]
fn fingerprints_survive_lines_moving() {
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        "testdata/cli/findings/api.yaml",
        "testdata/cli/findings/db.yaml",
        "testdata/cli/suppression/batch.yaml",
    ];
    let copy = |prefix: &str| {
        for source in sources {
            let text = std::fs::read_to_string(source).unwrap();
            let name = Path::new(source).file_name().unwrap();
            std::fs::write(dir.path().join(name), format!("{prefix}{text}")).unwrap();
        }
        parse(&sarif(&run(&[dir.path().to_str().unwrap()], None)))
    };
    let before = copy("");
    let after = copy("# moved down by a comment\n\n");
    let (prints_before, lines_before) = prints_and_lines(&before);
    let (prints_after, lines_after) = prints_and_lines(&after);
    assert!(prints_before.len() >= 3, "{prints_before:?}");
    assert_eq!(prints_before.len(), results(&before).len(), "unique");
    assert!(
        results(&before)
            .iter()
            .any(|r| r.get("suppressions").is_some())
    );
    assert_eq!(prints_before, prints_after);
    let moved: Vec<u64> = lines_before.iter().map(|l| l + 2).collect();
    assert_eq!(lines_after, moved);
}

/// `spof check --format sarif` from the command line: the same log on
/// standard output, exit status as for every format.
#[test]
fn command_line_writes_sarif() {
    let out = assert_cmd::Command::cargo_bin("spof")
        .unwrap()
        .current_dir("testdata/cli")
        .args(["check", "--format", "sarif", "findings"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = parse(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(doc["version"], "2.1.0");
    let uris: BTreeSet<&str> = results(&doc)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.iter().all(|u| u.starts_with("testdata/cli/findings/")),
        "{uris:?}"
    );
}
