//! Hostile input: every bad file is a diagnostic naming it, nothing panics
//! or hangs, the good file is still analysed, and the exit code is 2.

use spof::check::{self, RunOptions};
use spof::diagnostic::{Kind, Severity};
use std::path::Path;

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn hostile_files_are_reported_and_the_rest_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "good.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
    );
    // Billion laughs: ten levels of ten aliases each.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in 'b'..='k' {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{c}: &{c} [{refs}]\n"));
        prev = c;
    }
    write(dir, "bomb.yaml", bomb);
    write(dir, "deep.yaml", "[".repeat(100_000));
    write(
        dir,
        "deep.json",
        format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)),
    );
    write(dir, "nul.yaml", "a: \0\n");
    write(dir, "latin1.yaml", b"name: caf\xe9\n");
    write(dir, "tabs.yaml", "a:\n\tb: 1\n");
    write(dir, "big.yaml", "a".repeat(2_000_000));
    write(dir, "empty.yaml", "");
    write(dir, "dashes.yaml", "---\n");
    write(dir, "manydocs.yaml", "---\n".repeat(200_000));
    write(
        dir,
        "bom-crlf.yaml",
        "\u{feff}apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: crlf\r\n",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", dir.join("loop")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.join("outside.yaml")).unwrap();
        let _ = std::process::Command::new("mkfifo")
            .arg(dir.join("fifo.yaml"))
            .status();
    }

    let report = check::run(&RunOptions {
        paths: vec![dir.to_path_buf()],
        isolated: true,
        max_file_size: 1_000_000,
        ..RunOptions::default()
    });
    let errors: Vec<(String, String)> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .map(|d| {
            let path = report.sources.get(d.span.file).path.clone();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, d.message.clone())
        })
        .collect();
    let failed: Vec<&str> = errors.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "bomb.yaml",
        "deep.yaml",
        "deep.json",
        "nul.yaml",
        "latin1.yaml",
        "tabs.yaml",
        "big.yaml",
    ] {
        assert!(failed.contains(&name), "{name} not reported: {errors:?}");
    }
    for name in [
        "good.yaml",
        "empty.yaml",
        "dashes.yaml",
        "manydocs.yaml",
        "bom-crlf.yaml",
    ] {
        assert!(!failed.contains(&name), "{name} reported: {errors:?}");
    }
    // Walks never follow links: neither the loop nor the link out of the tree.
    assert!(!failed.contains(&"outside.yaml") && !failed.contains(&"loop"));
    let findings: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Finding)
        .filter_map(|d| d.entity.as_deref())
        .collect();
    assert!(
        findings.contains(&"k8s:Deployment/default/web"),
        "{findings:?}"
    );
    assert!(findings.contains(&"k8s:Pod/default/crlf"), "{findings:?}");
    assert_eq!(report.exit_code(Severity::Warning), 2);

    // Named explicitly, a link out of the tree is refused, not read.
    #[cfg(unix)]
    {
        let report = check::run(&RunOptions {
            paths: vec![dir.join("outside.yaml")],
            isolated: true,
            ..RunOptions::default()
        });
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.kind == Kind::Error && d.message.contains("outside the checked tree")),
            "{:?}",
            report.diagnostics
        );
    }
}

/// The same for Terraform: deep nesting, bad bytes, broken syntax, a module
/// calling itself and a `count` bomb are reported or bounded; the good
/// configuration is still analysed.
#[test]
fn hostile_terraform_is_reported_and_the_rest_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "good.tf",
        "resource \"aws_db_instance\" \"db\" {\n  multi_az = false\n}\n",
    );
    write(dir, "deep.tf", format!("a = {}", "[".repeat(100_000)));
    write(
        dir,
        "deep-braces.tf",
        format!("a = {}", "{".repeat(100_000)),
    );
    write(
        dir,
        "deep-parens.tf",
        format!("a = {}1", "(".repeat(100_000)),
    );
    write(
        dir,
        "deep.tf.json",
        format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)),
    );
    write(dir, "nul.tf", "resource \"a\" \"b\" {\0}\n");
    write(dir, "latin1.tf", b"variable \"caf\xe9\" {}\n");
    write(
        dir,
        "broken.tf",
        "resource \"aws_instance\" \"x\" {\n  ami = \n",
    );
    write(dir, "empty.tf", "");
    write(
        dir,
        "bom-crlf.tf",
        "\u{feff}resource \"aws_instance\" \"crlf\" {\r\n  ami = \"ami-1\"\r\n}\r\n",
    );
    // Evaluation bombs: a huge count, a long `range`, a module calling
    // itself, locals referring to each other.
    std::fs::create_dir(dir.join("bombs")).unwrap();
    write(
        &dir.join("bombs"),
        "main.tf",
        r#"
locals {
  a = local.b
  b = local.a
  big = [for i in range(1000) : [for j in range(1000) : "${i}-${j}"]]
}
resource "aws_instance" "many" {
  count = 100000000
  ami   = "ami-1"
}
module "self" {
  source = "./"
}
"#,
    );

    let started = std::time::Instant::now();
    let report = check::run(&RunOptions {
        paths: vec![dir.to_path_buf()],
        isolated: true,
        ..RunOptions::default()
    });
    // Bounded, not merely eventually finished (a loose bound: debug build,
    // shared machine).
    assert!(started.elapsed().as_secs() < 120, "{:?}", started.elapsed());
    let failed: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .map(|d| {
            let path = &report.sources.get(d.span.file).path;
            path.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    for name in [
        "deep.tf",
        "deep-braces.tf",
        "deep-parens.tf",
        "deep.tf.json",
        "nul.tf",
        "latin1.tf",
        "broken.tf",
    ] {
        assert!(
            failed.iter().any(|f| f == name),
            "{name} not reported: {failed:?}"
        );
    }
    for name in ["good.tf", "empty.tf", "bom-crlf.tf", "main.tf"] {
        assert!(
            !failed.iter().any(|f| f == name),
            "{name} reported: {failed:?}"
        );
    }
    let entities: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Finding)
        .filter_map(|d| d.entity.as_deref())
        .collect();
    assert!(
        entities.iter().any(|e| e.ends_with("aws_db_instance.db")),
        "{entities:?}"
    );
    assert_eq!(report.exit_code(Severity::Warning), 2);
}
