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
    assert_eq!(
        stderr,
        "no configuration (no spof.toml at or above the checked paths)\n"
    );
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

// Unchanged findings are not new in any kind of estate (issue 16 §4): the
// revision's copy is checked as if spof ran in it, so Terraform roots, and
// the entity ids named by them, are the working tree's.

const TERRAFORM: &str = r#"resource "aws_db_instance" "orders" {
  engine   = "postgres"
  multi_az = false
}

module "app" {
  source = "./modules/app"
}
"#;

const TERRAFORM_MODULE: &str = r#"resource "aws_instance" "web" {
  ami           = "ami-1"
  instance_type = "t3.micro"
}
"#;

const TERRAFORM_ADDED: &str = r#"
resource "aws_db_instance" "billing" {
  engine   = "postgres"
  multi_az = false
}
"#;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
";

const COMPOSE: &str = "services:
  web:
    image: nginx
    depends_on: [db]
  db:
    image: postgres
";

/// An estate's files: path and text.
type Files = Vec<(&'static str, &'static str)>;

/// Each estate, its files at the base revision, and a directory of it.
fn estates() -> Vec<(&'static str, Files, &'static str)> {
    vec![
        (
            "terraform",
            vec![
                ("infra/main.tf", TERRAFORM),
                ("infra/modules/app/main.tf", TERRAFORM_MODULE),
            ],
            "infra",
        ),
        ("kubernetes", vec![("k8s/web.yaml", DEPLOYMENT)], "k8s"),
        ("compose", vec![("app/compose.yaml", COMPOSE)], "app"),
        (
            "manifest",
            vec![("estate/spof.services.toml", BASE)],
            "estate",
        ),
    ]
}

#[test]
fn unchanged_findings_are_not_new_in_any_estate() {
    for (name, files, sub) in estates() {
        let dir = repo(&files);
        // From the repository root, from the estate's directory, naming it,
        // naming a file of it (as pre-commit does).
        let file = files[0].0;
        let runs: [(&Path, Vec<&str>); 4] = [
            (dir.path(), vec![]),
            (&dir.path().join(sub), vec![]),
            (dir.path(), vec![sub]),
            (dir.path(), vec![file]),
        ];
        for (cwd, args) in runs {
            let mut args = args.clone();
            args.extend(["--format", "json"]);
            let (code, stdout, stderr) = check(cwd, &args);
            let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(json["findings"], serde_json::json!([]), "{name} {args:?}");
            assert!(
                json["summary"]["preexisting"].as_u64() > Some(0),
                "{name} {args:?}: {stdout}"
            );
            assert_eq!((code, stderr.as_str()), (0, ""), "{name} {args:?}");
        }
    }
}

#[test]
fn an_added_terraform_finding_is_the_only_new_one() {
    let dir = repo(&[
        ("infra/main.tf", TERRAFORM),
        ("infra/modules/app/main.tf", TERRAFORM_MODULE),
    ]);
    write(
        dir.path(),
        &[("infra/main.tf", &format!("{TERRAFORM}{TERRAFORM_ADDED}"))],
    );
    for (cwd, prefix) in [
        (dir.path().to_path_buf(), "infra/"),
        (dir.path().join("infra"), ""),
    ] {
        let (code, stdout, _) = check(&cwd, &["--format", "concise"]);
        assert_eq!(code, 1, "{stdout}");
        assert_eq!(
            stdout,
            format!(
                "{prefix}main.tf:12:3: SPOF018 `aws_db_instance.billing` runs in one availability zone with no standby\n\
                 \n\
                 Found 1 finding (0 errors, 1 warning, 0 info) in 2 files; 2 already in the base revision.\n"
            )
        );
    }
}

/// Each side applies the spof.toml at or above the checked path, in its own
/// revision: the base's ignored the single replica, the working tree's no
/// longer does.
#[test]
fn each_side_applies_the_configuration_of_the_checked_path() {
    let ignore = "[rules]\nignore = [\"single-replica\"]\n";
    let dir = repo(&[
        ("estate/spof.toml", ignore),
        ("estate/k8s/web.yaml", DEPLOYMENT),
    ]);
    let (code, stdout, stderr) = check(dir.path(), &["--format", "concise", "estate"]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "All checks passed: 1 file, 1 entity.\n", "")
    );
    write(dir.path(), &[("estate/spof.toml", "[rules]\n")]);
    let (code, stdout, stderr) = check(dir.path(), &["estate"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("SPOF001"), "{stdout}");
    assert_eq!(stderr, "using spof.toml at estate/spof.toml\n");
}

/// A file git tracks although a `.gitignore` pattern matches it is read on
/// both sides: its unchanged finding is not new.
#[test]
fn tracked_files_under_an_ignore_pattern_are_read_on_both_sides() {
    let dir = repo(&[
        ("rendered/web.yaml", DEPLOYMENT),
        (".gitignore", "rendered/\n"),
    ]);
    // `repo` adds with -A, which skips ignored files: add it by force.
    git(dir.path(), &["add", "-f", "rendered/web.yaml"]);
    git(dir.path(), &["commit", "-q", "-m", "rendered"]);
    let (code, stdout, _) = check(dir.path(), &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1, "{stdout}");
    assert_eq!(json["findings"], serde_json::json!([]), "{stdout}");
    assert!(
        json["summary"]["preexisting"].as_u64() > Some(0),
        "{stdout}"
    );
    assert_eq!(code, 0);
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
