//! Hostile input: every bad file is a diagnostic naming it, nothing panics
//! or hangs, the good file is still analysed, and the exit code is 2.
//!
//! Small fixtures are in `testdata/hostile/` (its README lists every case);
//! big ones are generated here into a temporary directory. Each case also
//! runs the `spof` binary with a watchdog, so that a hang fails the test
//! instead of blocking it, and a crash (a stack overflow aborts the process)
//! is seen as one. Timings are measured by `bench/hostile.sh`, not here.

use assert_cmd::Command;
use serde_json::Value;
use spof::check::{self, RunOptions};
use spof::diagnostic::{Kind, Severity};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
        max_file_size: Some(1_000_000),
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

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile")
}

/// The entity of `testdata/hostile/web.yaml`, whose finding every run must
/// still report.
const WEB: &str = "k8s:Deployment/default/web";

/// What one `spof check --isolated --format json` run printed.
struct Run {
    code: i32,
    json: Value,
    stdout: String,
}

impl Run {
    /// The input errors as (path, line, message).
    fn errors(&self) -> Vec<(String, u64, String)> {
        self.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_string(),
                    e["line"].as_u64().unwrap(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn entities(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["entity"].as_str().map(str::to_string))
            .collect()
    }

    /// (rule, message, line, column, end line, end column) of each finding.
    fn findings(&self) -> Vec<(String, String, u64, u64, u64, u64)> {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let at = &f["location"];
                let n = |k: &str| at[k].as_u64().unwrap();
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                    n("line"),
                    n("column"),
                    n("end_line"),
                    n("end_column"),
                )
            })
            .collect()
    }
}

/// Runs `spof check --isolated --format json ARGS` in `cwd`; fails after a
/// minute instead of hanging, and on any crash.
fn spof(cwd: &Path, args: &[&str]) -> Run {
    let output = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(cwd)
        .args(["check", "--isolated", "--format", "json"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap_or_else(|e| panic!("spof {args:?} did not finish: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("spof {args:?} was killed: {stderr}"));
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("spof {args:?}: {e}: {stdout} {stderr}"));
    Run { code, json, stdout }
}

/// A directory holding `web.yaml` and the hostile file `name`.
fn case_dir(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("web.yaml"), tmp.path().join("web.yaml")).unwrap();
    let path = tmp.path().join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    tmp
}

/// `name` is an error located in it at `line`, whose message contains
/// `needle`; exit 2; web.yaml's finding is still reported.
fn assert_reported(run: &Run, name: &str, line: u64, needle: &str) {
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|(path, l, message)| path == name && *l == line && message.contains(needle)),
        "{name}: expected an error at line {line} containing {needle:?}: {errors:?}"
    );
    assert_eq!(run.code, 2, "{name}: {errors:?}");
    assert!(
        run.entities().iter().any(|e| e == WEB),
        "{name}: {}",
        run.stdout
    );
}

/// `name` is read without a diagnostic: exit 1, for web.yaml's finding.
fn assert_clean(run: &Run, name: &str) {
    assert_eq!(run.errors(), [], "{name}");
    assert_eq!(run.code, 1, "{name}");
    assert!(
        run.entities().iter().any(|e| e == WEB),
        "{name}: {}",
        run.stdout
    );
}

/// The committed fixtures, one at a time beside web.yaml.
#[test]
fn each_small_fixture_is_reported_alone() {
    let errors: [(&str, u64, &str); 11] = [
        (
            "billion-laughs.yaml",
            6,
            "YAML aliases expand beyond the limit",
        ),
        ("nul.yaml", 4, "NUL byte in the file"),
        ("invalid-utf8.yaml", 5, "file is not valid UTF-8"),
        ("tabs.yaml", 4, "tabs disallowed"),
        ("duplicate-keys.yaml", 8, "duplicate key `replicas`"),
        // Values the consumer would refuse to decode: never read as a
        // default or a clamped number.
        (
            "replicas-float.yaml",
            6,
            "`replicas` of `Deployment default/float` must be a whole number from 0 to 2147483647, not `1e300`",
        ),
        ("replicas-nan.yaml", 6, "not `.nan`"),
        ("replicas-overflow.yaml", 6, "not `4294967297`"),
        (
            "budget-percent.yaml",
            6,
            "`minAvailable` of `PodDisruptionBudget default/web` must be a whole number from 0 to 2147483647 or a percentage, not `half`",
        ),
        // Terraform JSON whose structure is not Terraform's.
        (
            "plan-resources-string.json",
            5,
            "`resources` must be an array of objects",
        ),
        (
            "resource-string.tf.json",
            2,
            "`resource` must be an object whose keys are the block's labels",
        ),
    ];
    for (name, line, needle) in errors {
        let bytes = std::fs::read(fixtures().join(name)).unwrap();
        let dir = case_dir(name, &bytes);
        assert_reported(&spof(dir.path(), &["."]), name, line, needle);
    }
    for name in ["empty.yaml", "dashes-only.yaml"] {
        let bytes = std::fs::read(fixtures().join(name)).unwrap();
        let dir = case_dir(name, &bytes);
        assert_clean(&spof(dir.path(), &["."]), name);
    }
}

/// The generated cases: too big to commit.
#[test]
fn each_generated_case_is_reported_alone() {
    let deep = 100_000;
    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        (
            "deep-flow.yaml",
            "[".repeat(deep).into(),
            1,
            "nesting is too deep",
        ),
        (
            "deep-block.yaml",
            format!("{}1\n", "- ".repeat(deep)).into(),
            1,
            "nesting is too deep",
        ),
        (
            "deep.json",
            format!("{}1{}", "{\"a\":".repeat(deep), "}".repeat(deep)).into(),
            1,
            "nesting is too deep",
        ),
        (
            "deep.tf",
            format!("a = {}", "[".repeat(deep)).into(),
            1,
            "nesting is too deep",
        ),
        (
            "deep.nomad",
            format!("job \"x\" {{\n  a = {}\n}}\n", "[".repeat(deep)).into(),
            2,
            "nesting is too deep",
        ),
        (
            "deep.spof.toml",
            format!("a = {}", "[".repeat(deep)).into(),
            1,
            "cannot recurse further",
        ),
        (
            // One line of 20 MB: over the default 16 MiB, not read at all.
            "huge-line.yaml",
            format!("data: {{a: {}}}\n", "x".repeat(20_000_000)).into(),
            1,
            "file is too large (20000012 bytes; the limit is 16777216)",
        ),
    ];
    for (name, bytes, line, needle) in cases {
        let dir = case_dir(name, &bytes);
        assert_reported(&spof(dir.path(), &["."]), name, line, needle);
    }
    let clean: Vec<(&str, Vec<u8>)> = vec![
        ("many-documents.yaml", "---\n".repeat(200_000).into()),
        ("merge.yaml", merge_of_many_keys(30_000).into()),
    ];
    for (name, bytes) in clean {
        let dir = case_dir(name, &bytes);
        assert_clean(&spof(dir.path(), &["."]), name);
    }
}

/// A mapping of `n` keys merging an alias of `n` other keys.
fn merge_of_many_keys(n: usize) -> String {
    let mut text = String::from("base: &b {");
    for i in 0..n {
        text.push_str(&format!("k{i}: 1, "));
    }
    text.push_str("}\nm:\n  <<: *b\n");
    for i in 0..n {
        text.push_str(&format!("  o{i}: 2\n"));
    }
    text
}

/// A line of 2 MB under a raised --max-file-size is read and parsed (the
/// 20 MB one is timed by bench/hostile.sh: a debug build takes long).
#[test]
fn a_long_line_under_the_limit_is_parsed() {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata: {{a: {}}}\n",
        "x".repeat(2_000_000)
    );
    let dir = case_dir("long-line.yaml", text.as_bytes());
    let run = spof(dir.path(), &["--max-file-size", "4000000", "."]);
    assert_clean(&run, "long-line.yaml");
}

/// A byte order mark and CRLF line endings change nothing: the same
/// findings, at the same lines and columns, as the plain file, for every
/// format. The variants are made here from the plain files so that no
/// checkout setting can alter their bytes.
#[test]
fn bom_and_crlf_give_the_same_findings() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let plain = [
        (
            "deploy.yaml",
            "SPOF001-single-replica/trigger/explicit-one-replica.yaml",
        ),
        (
            "statefulset.json",
            "SPOF001-single-replica/trigger/statefulset-json-list.json",
        ),
        (
            "rds.tf",
            "SPOF018-single-zone-datastore/trigger/rds-single-az.tf",
        ),
        (
            "job.nomad",
            "SPOF004-pinned-to-single-domain/trigger/nomad-one-datacenter.nomad",
        ),
        (
            "compose.yaml",
            "SPOF004-pinned-to-single-domain/trigger/compose-one-host/compose.yaml",
        ),
        (
            "spof.services.toml",
            "SPOF004-pinned-to-single-domain/trigger/manifest-one-site/spof.services.toml",
        ),
    ];
    for (name, source) in plain {
        let text = std::fs::read_to_string(rules.join(source)).unwrap();
        assert!(!text.contains('\r'), "{source}");
        let twisted = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        let plain_dir = case_dir(name, text.as_bytes());
        let twisted_dir = case_dir(name, twisted.as_bytes());
        let (a, b) = (
            spof(plain_dir.path(), &["."]),
            spof(twisted_dir.path(), &["."]),
        );
        assert_eq!(a.errors(), [], "{name}");
        assert_eq!(b.errors(), [], "{name} with BOM and CRLF");
        assert!(a.findings().len() > 1, "{name}: {}", a.stdout);
        assert_eq!(a.findings(), b.findings(), "{name}");
        assert_eq!(a.code, b.code);
    }
}

/// Links: a loop, a link out of the tree (to a file and to a directory), a
/// link to a device, and a FIFO. Walks never follow links and skip what is
/// not a regular file; named, each is an error. Nothing outside the tree
/// is ever read: the file there names an entity that must never appear.
#[cfg(unix)]
#[test]
fn links_and_special_files_are_never_followed_out() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: outside-secret\n",
    )
    .unwrap();
    let dir = case_dir(
        "web.yaml",
        &std::fs::read(fixtures().join("web.yaml")).unwrap(),
    );
    let root = dir.path();
    symlink("loop.yaml", root.join("loop.yaml")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    symlink("..", root.join("sub/up")).unwrap();
    symlink(
        outside.path().join("secret.yaml"),
        root.join("outside.yaml"),
    )
    .unwrap();
    symlink(outside.path(), root.join("outdir")).unwrap();
    symlink("/dev/zero", root.join("zero.yaml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("fifo.yaml"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");

    // The walk: nothing but web.yaml is read, nothing blocks.
    let run = spof(root, &["."]);
    assert_clean(&run, "the walk");
    assert_eq!(run.json["summary"]["files"], 1, "{}", run.stdout);
    assert!(!run.stdout.contains("outside-secret") && !run.stdout.contains("secret.yaml"));

    // Named, each is an error naming it; web.yaml is named too.
    let target = std::fs::canonicalize(outside.path()).unwrap();
    let named: [(&str, &str); 7] = [
        ("loop.yaml", "Too many levels of symbolic links"),
        ("outside.yaml", "outside the checked tree"),
        (
            "outdir",
            &format!(
                "symbolic link to {} outside the checked tree",
                target.display()
            ),
        ),
        ("outdir/secret.yaml", "outside the checked tree"),
        ("sub/up/outdir", "outside the checked tree"),
        (
            "zero.yaml",
            "symbolic link to /dev/zero outside the checked tree",
        ),
        ("fifo.yaml", "not a regular file"),
    ];
    for (name, needle) in named {
        let run = spof(root, &[name, "web.yaml"]);
        assert_reported(&run, name, 1, needle);
        assert!(
            !run.stdout.contains("outside-secret"),
            "{name}: {}",
            run.stdout
        );
    }
}

/// At the highest --max-depth (1024), files nested just under it are read
/// and analysed without exhausting a thread's stack: the ceiling is safe.
#[test]
fn nesting_at_the_depth_ceiling_is_analysed() {
    // A Deployment whose env list nests 1,010 collections deeper.
    let mut deep = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: deep\nspec:\n  replicas: 1\n  \
         template:\n    spec:\n      containers:\n        - name: c\n          image: postgres\n          \
         env:\n",
    );
    let mut indent = 12;
    for _ in 0..505 {
        deep.push_str(&format!("{}- k:\n", " ".repeat(indent)));
        indent += 4;
    }
    deep.push_str(&format!("{}1\n", " ".repeat(indent)));
    let dir = case_dir("deep.yaml", deep.as_bytes());
    let compose = format!(
        "services:\n  a:\n    image: x\n    environment:\n      {}1\n",
        "- ".repeat(1015)
    );
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    let run = spof(dir.path(), &["--max-depth", "1024", "."]);
    assert_clean(&run, "deep.yaml");
    assert!(
        run.entities()
            .iter()
            .any(|e| e == "k8s:Deployment/default/deep"),
        "{}",
        run.stdout
    );
    // Under a lower limit, both are errors at the first level too deep.
    let run = spof(dir.path(), &["--max-depth", "1000", "."]);
    assert_reported(&run, "deep.yaml", 510, "nesting is too deep");
    assert_reported(&run, "compose.yaml", 5, "nesting is too deep");
}

// Evidence (issue 16 §2): kustomizations and custom resources.

/// A kustomization's patch paths are compared with the scanned files, never
/// opened: paths out of the tree, absolute ones and directories exclude
/// nothing and read nothing. A custom resource nested down to the depth
/// ceiling is sifted and searched for pod labels without exhausting the
/// stack.
#[test]
fn kustomization_paths_and_deep_custom_resources_are_bounded() {
    let kustomization = "resources: [web.yaml, /etc, ../../..]\n\
         patches:\n  - path: ../../../../etc/passwd\n  - path: /etc/passwd\n  - path: .\n  \
         - path: ''\n  - {patch: {not: text}}\n\
         patchesStrategicMerge: [/, '..', {a: b}]\n";
    let dir = case_dir("kustomization.yaml", kustomization.as_bytes());
    let mut deep =
        String::from("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n");
    let mut indent = 2;
    for _ in 0..500 {
        deep.push_str(&format!(
            "{}labels: {{app: web}}\n{}x:\n",
            " ".repeat(indent),
            " ".repeat(indent)
        ));
        indent += 2;
    }
    deep.push_str(&format!("{}1\n", " ".repeat(indent)));
    std::fs::write(dir.path().join("widget.yaml"), deep).unwrap();
    let run = spof(dir.path(), &["--max-depth", "1024", "."]);
    assert_clean(&run, "kustomization.yaml");
}
