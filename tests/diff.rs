//! `spof check --diff-base REF` in real git repositories: only what the
//! working tree adds to REF is reported.

use assert_cmd::Command;
use std::path::Path;

const BASE: &str = r#"[sites.a]
[sites.b]

[services.web]
sites = ["a", "b"]
replicas = 2
depends_on = ["db"]

[services.db]
sites = ["a"]
replicas = 2
role = "datastore"
"#;

const CACHE: &str = r#"
[services.cache]
sites = ["b"]
replicas = 2
"#;

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A repository whose one commit holds `files`.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), files);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// `spof check --diff-base HEAD ARGS` in `dir`: exit code and standard
/// output and error.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(dir)
        .env_remove("SPOF_TODAY")
        .args(["check", "--color", "never", "--diff-base", "HEAD"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn only_the_added_finding_is_reported() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    write(
        dir.path(),
        &[("spof.services.toml", &format!("{BASE}{CACHE}"))],
    );
    let (code, stdout, stderr) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(stderr, "");
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_change_that_adds_nothing_passes() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    let (code, stdout, _) = check(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "All checks passed: 1 file, 2 entities; 2 already in the base revision.\n"
    );
}

#[test]
fn findings_that_moved_lines_are_not_new() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    let moved = format!("# The estate.\n\n[services.cache]\nsites = [\"a\", \"b\"]\n\n{BASE}");
    write(dir.path(), &[("spof.services.toml", &moved)]);
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "All checks passed: 1 file, 3 entities; 2 already in the base revision.\n"
    );
    // Without --diff-base both are there, on other lines.
    let out = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "concise"])
        .output()
        .unwrap();
    let full = String::from_utf8(out.stdout).unwrap();
    assert!(full.contains("spof.services.toml:12:15: SPOF007"), "{full}");
}

#[test]
fn a_file_added_at_head_is_all_new() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    write(dir.path(), &[("more/cache.spof.toml", CACHE)]);
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "more/cache.spof.toml:3:10: SPOF004 `Service cache` is pinned to one zone (`zone:b`) by its site list\n\
         \n\
         Found 1 finding (0 errors, 1 warning, 0 info) in 2 files; 2 already in the base revision.\n"
    );
}

#[test]
fn a_file_deleted_at_head_adds_nothing() {
    let dir = repo(&[
        ("spof.services.toml", BASE),
        ("more/cache.spof.toml", CACHE),
    ]);
    std::fs::remove_file(dir.path().join("more/cache.spof.toml")).unwrap();
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "All checks passed: 1 file, 2 entities; 2 already in the base revision.\n"
    );
}

#[test]
fn a_second_identical_finding_is_new() {
    // Two services pinned by identical lines: the base has one.
    let one = "[sites.a]\n[sites.b]\n\n[services.x]\nsites = [\"a\"]\n";
    let dir = repo(&[("spof.services.toml", one)]);
    let two = format!("{one}\n[services.y]\nsites = [\"a\"]\n");
    write(dir.path(), &[("spof.services.toml", &two)]);
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("`Service y`"), "{stdout}");
    assert!(!stdout.contains("`Service x`"), "{stdout}");
}

#[test]
fn paths_are_relative_to_a_subdirectory() {
    let dir = repo(&[("estate/spof.services.toml", BASE)]);
    write(
        dir.path(),
        &[("estate/spof.services.toml", &format!("{BASE}{CACHE}"))],
    );
    let sub = dir.path().join("estate");
    let (code, stdout, _) = check(&sub, &["--format", "concise", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "spof.services.toml:15:10: SPOF004 `Service cache` is pinned to one zone (`zone:b`) by its site list\n\
         \n\
         Found 1 finding (0 errors, 1 warning, 0 info) in 1 file; 2 already in the base revision.\n"
    );
    let (code, stdout, _) = check(dir.path(), &["--format", "concise", "estate"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("estate/spof.services.toml:15:10: SPOF004"),
        "{stdout}"
    );
}

#[test]
fn the_working_trees_input_errors_are_reported() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    write(dir.path(), &[("broken.spof.toml", "[sites.a\n")]);
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 2);
    assert!(stdout.starts_with("broken.spof.toml:1:"), "{stdout}");
}

#[test]
fn outside_a_repository_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("spof.services.toml", BASE)]);
    let (code, stdout, stderr) = check(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: --diff-base needs a git repository: not a git repository"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_revision_is_a_usage_error() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    let out = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--diff-base", "no-such-branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: --diff-base: `no-such-branch` is not a revision"),
        "{stderr}"
    );
    // An option-like name is a revision name, not an option to git.
    let out = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--diff-base=--output=x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("x").exists());
}

#[test]
fn standard_input_and_write_baseline_are_usage_errors() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    let (code, _, stderr) = check(dir.path(), &["-"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: --diff-base cannot read standard input (`-`)\n"
    );
    let (code, _, stderr) = check(dir.path(), &["--write-baseline", "b.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    assert!(!dir.path().join("b.json").exists());
}

#[test]
fn a_baseline_still_applies_to_the_working_tree() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    write(
        dir.path(),
        &[("spof.services.toml", &format!("{BASE}{CACHE}"))],
    );
    let written = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--write-baseline", "spof-baseline.json"])
        .output()
        .unwrap();
    assert_eq!(written.status.code(), Some(0));
    let (code, stdout, _) = check(
        dir.path(),
        &["--format", "concise", "--baseline", "spof-baseline.json"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "All checks passed: 1 file, 3 entities; 3 in baseline.\n"
    );
}

#[test]
fn a_risk_group_that_shrank_is_reported() {
    let three = "[sites.a]\n[sites.b]\n[sites.c]\n\n[services.checkout]\nsites = [\"a\", \"b\", \"c\"]\nreplicas = 3\n";
    let dir = repo(&[("spof.services.toml", three)]);
    let two = three.replace("\"a\", \"b\", \"c\"", "\"a\", \"b\"");
    write(dir.path(), &[("spof.services.toml", &two)]);
    let (code, stdout, _) = check(dir.path(), &["--format", "concise"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "spof.services.toml:5:11: SPOF026 `Service checkout` now goes down when zone:a and zone:b both fail\n\
         \n\
         Found 1 finding (0 errors, 1 warning, 0 info) in 1 file.\n"
    );
    let (code, _, _) = check(dir.path(), &["--ignore", "SPOF026"]);
    assert_eq!(code, 0);
    // The other way round, nothing shrank.
    git(dir.path(), &["commit", "-q", "-a", "-m", "two"]);
    write(dir.path(), &[("spof.services.toml", three)]);
    let (code, _, _) = check(dir.path(), &[]);
    assert_eq!(code, 0);
}

#[test]
fn the_json_summary_counts_what_the_base_had() {
    let dir = repo(&[("spof.services.toml", BASE)]);
    let (code, stdout, _) = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["summary"]["preexisting"], 2);
    assert_eq!(json["findings"], serde_json::json!([]));
}

#[test]
fn absolute_paths_match_the_base_too() {
    let dir = repo(&[("estate/spof.services.toml", BASE)]);
    write(
        dir.path(),
        &[(
            "estate/spof.services.toml",
            &format!("# moved\n{BASE}{CACHE}"),
        )],
    );
    let estate = dir.path().join("estate");
    let (code, stdout, _) = check(
        dir.path(),
        &["--format", "concise", estate.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        format!(
            "{}:16:10: SPOF004 `Service cache` is pinned to one zone (`zone:b`) by its site list\n\
             \n\
             Found 1 finding (0 errors, 1 warning, 0 info) in 1 file; 2 already in the base revision.\n",
            estate.join("spof.services.toml").display()
        )
    );
}

/// SIGTERM in the middle of a run: the revision's temporary directory,
/// readable by its owner alone while it exists, is removed before the
/// signal ends the process.
#[cfg(unix)]
#[test]
fn a_signal_removes_the_revisions_temporary_directory() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::ExitStatusExt;
    // Enough files that the run lasts while the directory is looked for.
    let files: Vec<(String, String)> = (0..1500)
        .map(|i| {
            let text = format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i}}}\n\
                 spec: {{replicas: 1}}\n"
            );
            (format!("k8s/{}/app{i}.yaml", i % 30), text)
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = repo(&files);
    let tmp = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("spof"))
        .current_dir(dir.path())
        .env("TMPDIR", tmp.path())
        .args(["check", "--format", "json", "--diff-base", "HEAD"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let materialized = || -> Option<std::path::PathBuf> {
        std::fs::read_dir(tmp.path())
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("spof-diff-base-"))
            })
    };
    let start = std::time::Instant::now();
    let seen = loop {
        if let Some(path) = materialized() {
            break path;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its directory was seen"
        );
        assert!(
            start.elapsed().as_secs() < 60,
            "no directory after a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mode = std::fs::metadata(&seen).map(|m| m.permissions().mode() & 0o777);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(mode.unwrap(), 0o700);
    assert!(materialized().is_none(), "{} left behind", seen.display());
}
