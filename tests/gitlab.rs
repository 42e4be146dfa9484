//! `ci/gitlab/spof.gitlab-ci.yml`, read with spof's own YAML parser, and its
//! job's script lines run in `sh` here: the download from a release (a
//! `file://` directory holding an archive of the spof just built, as the
//! release workflow lays it out), the checksum, the cached binary on PATH,
//! and the Code Quality report.
#![cfg(unix)]

use spof::parse::Node;
use spof::parse::yaml::{Limits, parse_stream};
use std::path::Path;
use std::process::{Command, Output};

const TARGET: &str = "x86_64-unknown-linux-musl";

fn template() -> Node {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ci/gitlab/spof.gitlab-ci.yml");
    let text = std::fs::read_to_string(path).expect("the GitLab template");
    let (mut docs, error) = parse_stream(&text, &Limits::default());
    assert!(error.is_none(), "the template does not parse: {error:?}");
    assert_eq!(docs.len(), 1);
    docs.remove(0).root
}

fn lines<'a>(job: &'a Node, key: &str) -> Vec<&'a str> {
    job.get(key)
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect()
}

fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A release directory as the release workflow publishes it, for
/// `version`: `v<version>/spof-<target>.tar.gz` and its `.sha256`.
fn release(dir: &Path, version: &str) {
    let stage = dir.join("stage");
    let name = format!("spof-{TARGET}");
    std::fs::create_dir_all(stage.join(&name)).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_spof"), stage.join(&name).join("spof")).unwrap();
    let out = dir.join(format!("v{version}"));
    std::fs::create_dir_all(&out).unwrap();
    let archive = format!("{name}.tar.gz");
    let run = |cmd: &mut Command| {
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "{}", text(&output));
        output
    };
    run(Command::new("tar")
        .arg("-czf")
        .arg(out.join(&archive))
        .arg("-C")
        .arg(&stage)
        .arg(&name));
    let sum = run(Command::new("sha256sum").arg(&archive).current_dir(&out));
    std::fs::write(out.join(format!("{archive}.sha256")), sum.stdout).unwrap();
}

/// The job's `before_script` and `script`, one shell, as the runner runs
/// them (stopping at the first failing line), in `project`.
fn run_job(job: &Node, project: &Path, releases: &str) -> Output {
    let variables = job.get("variables").expect("variables");
    let mut script = String::from("set -e\n");
    for line in lines(job, "before_script")
        .into_iter()
        .chain(lines(job, "script"))
    {
        script.push_str(line);
        script.push('\n');
    }
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(&script).current_dir(project);
    for (key, value) in variables.as_map() {
        cmd.env(key.as_str().unwrap(), value.as_str().unwrap());
    }
    // spof is not on PATH otherwise: only what the job installs runs.
    cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("CI_PROJECT_DIR", project)
        .env("SPOF_RELEASES", releases)
        .env("SPOF_VERSION", env!("CARGO_PKG_VERSION"))
        .output()
        .unwrap()
}

#[test]
fn gitlab_template_downloads_caches_and_reports() {
    let template = template();
    let job = template.get("spof").expect("a `spof` job");
    assert_eq!(
        job.path(&["variables", "SPOF_VERSION"])
            .and_then(Node::as_str),
        Some(env!("CARGO_PKG_VERSION")),
        "the template names the current version"
    );
    assert_eq!(
        job.path(&["artifacts", "reports", "codequality"])
            .and_then(Node::as_str),
        Some("gl-code-quality-report.json")
    );
    assert_eq!(
        job.path(&["artifacts", "when"]).and_then(Node::as_str),
        Some("always")
    );
    let cached: Vec<&str> = job
        .path(&["cache", "paths"])
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(cached, [".spof/bin/"]);
    assert!(
        lines(job, "before_script").contains(&"export PATH=\"$CI_PROJECT_DIR/.spof/bin:$PATH\"")
    );

    for tool in ["curl", "tar", "sha256sum"] {
        if !available(tool) {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            assert!(!ci, "CI must run the GitLab template: {tool} is missing");
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "skipped: {tool} is not on PATH");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let releases = dir.path().join("releases");
    release(&releases, env!("CARGO_PKG_VERSION"));
    let project = dir.path().join("project");
    let estate = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/estates/two-datacenters");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(&estate)
        .arg(&project)
        .output()
        .unwrap();
    assert!(copy.status.success(), "{}", text(&copy));
    let url = format!("file://{}", releases.display());

    // First run: downloaded, verified, on PATH; findings fail the job and the
    // report is written.
    let first = run_job(job, &project, &url);
    let out = text(&first);
    assert_eq!(first.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("spof {}\n", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(out.contains(": OK"), "the checksum was checked\n{out}");
    assert!(out.contains("Found 6 findings"), "{out}");
    let report = std::fs::read_to_string(project.join("gl-code-quality-report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let issues = report
        .as_array()
        .expect("a Code Quality report is an array");
    assert_eq!(issues.len(), 6);
    assert!(issues.iter().any(|i| {
        i["check_name"]
            .as_str()
            .is_some_and(|c| c.starts_with("SPOF007"))
            && i["location"]["path"] == "clusters/ansan/talk-api.yaml"
    }));

    // Second run: the cached binary, nothing downloaded (the release is gone).
    std::fs::remove_file(project.join("gl-code-quality-report.json")).unwrap();
    let second = run_job(job, &project, "file:///nonexistent");
    let out = text(&second);
    assert_eq!(second.status.code(), Some(1), "{out}");
    assert!(!out.contains(": OK"), "{out}");
    assert!(project.join("gl-code-quality-report.json").is_file());

    // A checksum that does not match stops the job before spof is installed.
    std::fs::remove_dir_all(project.join(".spof")).unwrap();
    let sums = releases.join(format!(
        "v{}/spof-{TARGET}.tar.gz.sha256",
        env!("CARGO_PKG_VERSION")
    ));
    std::fs::write(&sums, format!("{}  spof-{TARGET}.tar.gz\n", "0".repeat(64))).unwrap();
    let bad = run_job(job, &project, &url);
    let out = text(&bad);
    assert_ne!(bad.status.code(), Some(0), "{out}");
    assert!(out.contains("FAILED"), "{out}");
    assert!(!out.contains("Found 6 findings"), "{out}");
    assert!(!project.join(".spof/bin/spof").exists());
}
