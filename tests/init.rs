//! `spof init` on a copy of a repository: it writes spof.toml, refuses to
//! replace one without --force, and what it writes is accepted unchanged by
//! `spof check`.

use assert_cmd::Command;
use std::path::Path;

const FIXTURE: &str = "testdata/cli/init";

fn spof() -> Command {
    Command::cargo_bin("spof").unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn repository() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_tree(Path::new(FIXTURE), temp.path());
    temp
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn writes_what_stdout_prints_and_check_accepts_it() {
    let repo = repository();
    let printed = spof()
        .args(["init", "--stdout"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", stderr(&printed));
    assert!(
        !repo.path().join("spof.toml").exists(),
        "--stdout writes nothing"
    );

    let written = spof().arg("init").arg(repo.path()).output().unwrap();
    assert!(written.status.success(), "{}", stderr(&written));
    let text = std::fs::read_to_string(repo.path().join("spof.toml")).unwrap();
    assert_eq!(text.as_bytes(), printed.stdout);
    assert!(stderr(&written).contains("3 clusters (dr, prod, staging)"));

    // `spof check` reads it without a configuration error, and uses it: the
    // `dr` cluster, where only Velero runs, is in the region its volume
    // names, and in no zone: a volume's zone is not where the nodes are.
    let check = spof()
        .args(["check", "--format", "concise", "--color", "never"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let report = String::from_utf8(check.stdout).unwrap();
    assert!(!report.contains("config-error"), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.contains(" SPOF023 ") && l.contains("`region:ap-northeast-1`")),
        "{report}"
    );
    assert!(!report.contains("zone:ap-northeast-1a"), "{report}");
    // The only input error is the Helm template init already pointed at.
    let errors: Vec<&str> = report.lines().filter(|l| l.contains("-error ")).collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert!(errors[0].starts_with("charts/tool/templates/deploy.yaml:1:"));
    assert!(text.contains("#   charts/tool/templates/deploy.yaml: line 1:"));
}

#[test]
fn refuses_to_replace_without_force() {
    let repo = repository();
    let config = repo.path().join("spof.toml");
    std::fs::write(&config, "# mine\n").unwrap();
    let refused = spof().arg("init").arg(repo.path()).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("already exists; pass --force"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");

    let forced = spof()
        .args(["init", "--force"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("[[cluster]]\nname = \"prod\""));
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(repo.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn force_replaces_a_symlink_instead_of_writing_through_it() {
    let repo = repository();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("precious.toml");
    std::fs::write(&target, "keep me\n").unwrap();
    let link = repo.path().join("spof.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let refused = spof().arg("init").arg(repo.path()).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));

    let forced = spof()
        .args(["init", "--force"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert!(!link.symlink_metadata().unwrap().file_type().is_symlink());
}

#[test]
fn a_missing_directory_is_a_usage_error() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("nope");
    let out = spof().arg("init").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"));
    assert!(!missing.exists());

    let file = temp.path().join("file.yaml");
    std::fs::write(&file, "a: 1\n").unwrap();
    let out = spof().arg("init").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a directory"));
}

#[test]
fn stdout_and_force_do_not_mix() {
    let out = spof()
        .args(["init", "--stdout", "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
