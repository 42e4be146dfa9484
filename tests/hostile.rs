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
            (name, d.message.to_string())
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
    write_hostile_terraform(dir);

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
    for name in ["good.tf", "empty.tf", "bom-crlf.tf"] {
        assert!(
            !failed.iter().any(|f| f == name),
            "{name} reported: {failed:?}"
        );
    }
    // Of the bombs, only the module calling itself is an input error.
    let bombs: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Error)
        .filter(|d| {
            report
                .sources
                .get(d.span.file)
                .path
                .ends_with("bombs/main.tf")
        })
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(bombs, ["module-cycle"]);
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

/// Hostile Terraform beside a good configuration: deep nesting, bad bytes,
/// broken syntax, empty and BOM files; evaluation bombs under `bombs/`.
fn write_hostile_terraform(dir: &Path) {
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

// ── Counted Terraform resources (issue 23): every instance judged, linearly ──

/// `spof check` in `dir` with only the Terraform files there.
fn terraform_case(files: &[(&str, String)]) -> (tempfile::TempDir, Run) {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let run = spof(tmp.path(), &["."]);
    (tmp, run)
}

/// (rule, message) of each finding, sorted.
fn messages(run: &Run) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = run
        .findings()
        .into_iter()
        .map(|(rule, message, ..)| (rule, message))
        .collect();
    found.sort();
    found
}

/// Thousands of instances of one block in one zone: one finding per block,
/// naming how many instances it covers, all of them (a shared budget used
/// to drop every instance past the first hundred or so).
#[test]
fn counted_resources_in_one_zone_are_one_complete_finding_per_block() {
    let main = "resource \"aws_instance\" \"web\" {\n  count             = 2000\n  \
                ami               = \"ami-1\"\n  availability_zone = \"us-east-1a\"\n}\n\n\
                resource \"aws_db_instance\" \"db\" {\n  count             = 2000\n  \
                engine            = \"postgres\"\n  availability_zone = \"us-east-1a\"\n  \
                multi_az          = false\n}\n\n\
                resource \"aws_db_instance\" \"keyed\" {\n  \
                for_each          = { for i in range(500) : \"db${i}\" => i }\n  \
                engine            = \"postgres\"\n  multi_az          = false\n}\n";
    let (_tmp, run) = terraform_case(&[("main.tf", main.to_string())]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.json["summary"]["entities"], 4500, "{}", run.stdout);
    assert_eq!(
        messages(&run),
        [
            (
                "SPOF018".to_string(),
                "each of the 2000 instances of `aws_db_instance.db` (`[0]`, `[1]`, `[2]` and \
                 1997 more) runs in one availability zone with no standby"
                    .to_string()
            ),
            (
                "SPOF018".to_string(),
                "each of the 500 instances of `aws_db_instance.keyed` (`[\"db0\"]`, \
                 `[\"db1\"]`, `[\"db2\"]` and 497 more) runs in one availability zone with no \
                 standby"
                    .to_string()
            ),
            (
                "SPOF019".to_string(),
                "each of the 2000 instances of `aws_instance.web` (`[0]`, `[1]`, `[2]` and 1997 \
                 more) is a single EC2 instance in one availability zone"
                    .to_string()
            ),
        ]
    );
    // Each points at the line to fix: the zone, or `multi_az = false`.
    let mut lines: Vec<u64> = run.findings().iter().map(|f| f.2).collect();
    lines.sort_unstable();
    assert_eq!(lines, [4, 11, 17]);
}

/// A counted module of counted resources: every instance of every module
/// instance is covered, in one finding per block.
#[test]
fn counted_resources_in_counted_modules_are_complete() {
    let root = "module \"m\" {\n  source = \"./m\"\n  count  = 5\n}\n".to_string();
    let module = "resource \"aws_instance\" \"app\" {\n  count             = 400\n  \
                  ami               = \"ami-1\"\n  availability_zone = \"us-east-1a\"\n}\n\n\
                  resource \"aws_db_instance\" \"db\" {\n  count    = 400\n  \
                  engine   = \"postgres\"\n  multi_az = false\n  \
                  availability_zone = \"us-east-1b\"\n}\n\n\
                  resource \"aws_db_instance\" \"one\" {\n  engine   = \"postgres\"\n  \
                  multi_az = false\n}\n"
        .to_string();
    let (_tmp, run) = terraform_case(&[("main.tf", root), ("m/main.tf", module)]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.json["summary"]["entities"], 4005, "{}", run.stdout);
    assert_eq!(
        messages(&run),
        [
            (
                "SPOF018".to_string(),
                "each of the 2000 instances of `module.m.aws_db_instance.db` \
                 (`module.m[0].aws_db_instance.db[0]`, `module.m[0].aws_db_instance.db[1]`, \
                 `module.m[0].aws_db_instance.db[2]` and 1997 more) runs in one availability \
                 zone with no standby"
                    .to_string()
            ),
            (
                "SPOF018".to_string(),
                "each of the 5 instances of `module.m.aws_db_instance.one` \
                 (`module.m[0].aws_db_instance.one`, `module.m[1].aws_db_instance.one`, \
                 `module.m[2].aws_db_instance.one` and 2 more) runs in one availability zone \
                 with no standby"
                    .to_string()
            ),
            (
                "SPOF019".to_string(),
                "each of the 2000 instances of `module.m.aws_instance.app` \
                 (`module.m[0].aws_instance.app[0]`, `module.m[0].aws_instance.app[1]`, \
                 `module.m[0].aws_instance.app[2]` and 1997 more) is a single EC2 instance in \
                 one availability zone"
                    .to_string()
            ),
        ]
    );
}

/// Past the budget of instances, a `count` or `for_each` is one unknown
/// instance, and an info finding says where: never silently.
#[test]
fn instances_past_the_budget_are_reported_where_they_are_made() {
    let main = "resource \"aws_instance\" \"huge\" {\n  count = 100001\n  ami   = \"ami-1\"\n}\n\n\
                module \"many\" {\n  source = \"./m\"\n  count  = 10001\n}\n"
        .to_string();
    let (_tmp, run) = terraform_case(&[
        ("main.tf", main),
        (
            "m/main.tf",
            "variable \"x\" {\n  default = 1\n}\n".to_string(),
        ),
    ]);
    let limits: Vec<u64> = run
        .findings()
        .iter()
        .filter(|f| f.0 == "SPOF027")
        .map(|f| f.2)
        .collect();
    // Each `count` or `for_each` that does not fit, at its line.
    assert_eq!(limits, [2, 8], "{}", run.stdout);
    assert!(
        run.findings()
            .iter()
            .all(|f| f.0 != "SPOF027" || f.1.contains("100000 resource instances")),
        "{}",
        run.stdout
    );
    assert_eq!(run.errors(), []);
}

// ---- Outputs and positions (issue 23): long lines, report files, stdout ----

/// A `terraform show -json` plan written on one line: `filler` buckets (each
/// with a non-ASCII tag, so characters are not bytes), then a single-AZ
/// database. Returns the text and the database's `"multi_az"` byte offset.
fn one_line_plan(filler: usize) -> (String, usize) {
    let mut text = String::from(
        r#"{"format_version":"1.2","terraform_version":"1.8.5","planned_values":{"root_module":{"resources":["#,
    );
    for i in 0..filler {
        text.push_str(&format!(
            r#"{{"address":"aws_s3_bucket.b{i}","mode":"managed","type":"aws_s3_bucket","name":"b{i}","provider_name":"registry.terraform.io/hashicorp/aws","schema_version":0,"values":{{"bucket":"bucket-{i}","tags":{{"Name":"é"}}}}}},"#
        ));
    }
    text.push_str(
        r#"{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db","provider_name":"registry.terraform.io/hashicorp/aws","schema_version":2,"values":{"engine":"postgres","identifier":"db","instance_class":"db.r6g.large","#,
    );
    let at = text.len();
    text.push_str(r#""multi_az":false}}]}}}"#);
    (text, at)
}

/// `spof check --isolated ARGS` in `cwd`: exit code, stdout, stderr; fails
/// on a crash or after a minute.
fn spof_raw(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(cwd)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap_or_else(|e| panic!("spof {args:?} did not finish: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("spof {args:?} was killed: {stderr}"));
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (
        code,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

/// A finding past column 65,535 of a 200 KB line: its true line and column
/// in every format, and the human format shows a window of the line rather
/// than failing (miette cannot draw past that column) or printing it whole.
#[test]
fn a_finding_far_into_a_one_line_plan_is_shown() {
    let (text, at) = one_line_plan(1_100);
    assert!(text.len() > 200_000 && !text.contains('\n'));
    let column = text[..at].chars().count() + 1;
    assert!(column > 65_535);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "plan.json", &text);

    let check = ["check", "--isolated", "--color", "never", "--format"];
    let (code, concise, _) = spof_raw(dir.path(), &[&check[..], &["concise", "."]].concat());
    assert_eq!(code, 1, "{concise}");
    assert!(
        concise.contains(&format!("plan.json:1:{column}: SPOF018 ")),
        "{concise}"
    );
    let (code, human, _) = spof_raw(dir.path(), &[&check[..], &["human", "."]].concat());
    assert_eq!(code, 1, "{human}");
    assert!(
        human.contains(&format!("[plan.json:1:{column}]")),
        "{human}"
    );
    assert!(
        human.contains("…") && human.contains(r#""multi_az":false"#),
        "{human}"
    );
    assert!(human.len() < 4_000, "{human}");
    // So does the audit report's excerpt.
    let report = ["report", "--isolated", "--format", "markdown", "."];
    let (code, markdown, _) = spof_raw(dir.path(), &report);
    assert_eq!(code, 0);
    assert!(markdown.contains(&format!("plan.json:1:{column}")));
    let longest = markdown.lines().map(str::len).max().unwrap();
    assert!(longest < 400, "{longest}");
}

/// A tree with `web.yaml`, and `elsewhere/precious.txt` outside it.
fn output_case() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let tree = root.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::copy(fixtures().join("web.yaml"), tree.join("web.yaml")).unwrap();
    let precious = root.path().join("precious.txt");
    std::fs::write(&precious, "keep me\n").unwrap();
    (root, tree, precious)
}

/// Every command's output path that is a symbolic link (as a hostile tree
/// can commit one) is refused before the run, in one line naming it; what
/// the link leads to is untouched.
#[cfg(unix)]
#[test]
fn outputs_are_never_written_through_a_symbolic_link() {
    let (_root, tree, precious) = output_case();
    std::os::unix::fs::symlink(&precious, tree.join("out.json")).unwrap();
    let commands: [&[&str]; 5] = [
        &["check", "--isolated", "--output", "json=out.json", "."],
        &[
            "check",
            "--isolated",
            "--output",
            "sarif=out.json",
            "--format",
            "concise",
            ".",
        ],
        &["check", "--isolated", "--write-baseline", "out.json", "."],
        &["graph", "--isolated", "-o", "out.json", "."],
        &[
            "report",
            "--isolated",
            "--format",
            "json",
            "-o",
            "out.json",
            ".",
        ],
    ];
    for args in commands {
        let (code, stdout, stderr) = spof_raw(&tree, args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert_eq!(
            stderr,
            "error: cannot write out.json: it is a symbolic link, which spof never writes through\n",
            "{args:?}"
        );
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
        let link = tree.join("out.json").symlink_metadata().unwrap();
        assert!(link.file_type().is_symlink(), "{args:?}");
    }
}

/// A file the run reads is never replaced by one of its outputs: a named
/// file, a variables file, the configuration, the baseline applied.
#[test]
fn outputs_never_replace_an_input_of_the_run() {
    let (_root, tree, _) = output_case();
    let web = std::fs::read_to_string(tree.join("web.yaml")).unwrap();
    write(&tree, "vars.tfvars", "zone = \"a\"\n");
    write(&tree, "spof.toml", "");
    let config = std::fs::read_to_string(tree.join("spof.toml")).unwrap();
    write(&tree, "base.json", r#"{"version": 1, "findings": []}"#);
    let base = std::fs::read_to_string(tree.join("base.json")).unwrap();
    let commands: [(&[&str], &str); 7] = [
        (
            &[
                "check",
                "--isolated",
                "--output",
                "json=web.yaml",
                "web.yaml",
            ],
            "web.yaml",
        ),
        (
            &[
                "check",
                "--isolated",
                "--write-baseline",
                "web.yaml",
                "web.yaml",
            ],
            "web.yaml",
        ),
        (
            &["graph", "--isolated", "-o", "web.yaml", "web.yaml"],
            "web.yaml",
        ),
        (
            &["report", "--isolated", "-o", "web.yaml", "web.yaml"],
            "web.yaml",
        ),
        (
            &[
                "check",
                "--isolated",
                "--var-file",
                "vars.tfvars",
                "--output",
                "json=vars.tfvars",
                ".",
            ],
            "vars.tfvars",
        ),
        (
            &["report", "--format", "json", "-o", "spof.toml", "."],
            "spof.toml",
        ),
        (
            &[
                "check",
                "--isolated",
                "--baseline",
                "base.json",
                "--output",
                "json=base.json",
                ".",
            ],
            "base.json",
        ),
    ];
    for (args, name) in commands {
        let (code, _, stderr) = spof_raw(&tree, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.ends_with(&format!(
                "error: cannot write {name}: it is an input of this run\n"
            )),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(std::fs::read_to_string(tree.join("web.yaml")).unwrap(), web);
    assert_eq!(
        std::fs::read_to_string(tree.join("vars.tfvars")).unwrap(),
        "zone = \"a\"\n"
    );
    assert_eq!(
        std::fs::read_to_string(tree.join("spof.toml")).unwrap(),
        config
    );
    assert_eq!(
        std::fs::read_to_string(tree.join("base.json")).unwrap(),
        base
    );
    // A report from a previous run, in the tree, is neither read nor refused.
    for _ in 0..2 {
        let (code, _, stderr) = spof_raw(
            &tree,
            &["check", "--isolated", "--output", "json=r.json", "."],
        );
        assert_eq!(code, 1, "{stderr}");
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(tree.join("r.json")).unwrap()).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
}

/// A baseline is replaced whole or not at all: a write that fails (a file
/// size limit standing in for a full disk, which binds root too) leaves the
/// old one intact and no temporary file; so does a path that is a directory.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_baseline_write_keeps_the_old_baseline() {
    let (_root, tree, _) = output_case();
    for i in 0..40 {
        let text = std::fs::read_to_string(tree.join("web.yaml")).unwrap();
        write(
            &tree,
            &format!("web{i}.yaml"),
            text.replace("name: web", &format!("name: web{i}")),
        );
    }
    let (code, _, stderr) = spof_raw(
        &tree,
        &["check", "--isolated", "--write-baseline", "b.json", "."],
    );
    assert_eq!(code, 0, "{stderr}");
    let old = std::fs::read(tree.join("b.json")).unwrap();
    assert!(old.len() > 4_096, "{}", old.len());
    // One more finding to record, in more than the 512 bytes allowed.
    write(
        &tree,
        "more.yaml",
        std::fs::read_to_string(tree.join("web.yaml"))
            .unwrap()
            .replace("name: web", "name: more"),
    );
    let bin = assert_cmd::cargo::cargo_bin("spof");
    let output = std::process::Command::new("sh")
        .current_dir(&tree)
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" check --isolated --write-baseline b.json .")
        .arg(&bin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("error: cannot write b.json: ")),
        "{stderr}"
    );
    // One error line (beside the line naming the configuration).
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{stderr}"
    );
    assert_eq!(std::fs::read(tree.join("b.json")).unwrap(), old);
    let names: Vec<String> = std::fs::read_dir(&tree)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(names, Vec::<String>::new());

    std::fs::create_dir(tree.join("dir.json")).unwrap();
    let (code, _, stderr) = spof_raw(
        &tree,
        &["check", "--isolated", "--write-baseline", "dir.json", "."],
    );
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: cannot write dir.json: it is a directory\n");
    assert!(tree.join("dir.json").is_dir());
}

/// The commands that print, each with arguments that make it print, in a
/// tree from [`output_case`] with [`ZONED`] added.
const ZONED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: zoned\nspec:\n  \
    template:\n    spec:\n      nodeSelector:\n        topology.kubernetes.io/zone: a\n";

const PRINTING: [&[&str]; 12] = [
    &["check", "--isolated", "web.yaml"],
    &["check", "--isolated", "--format", "sarif", "web.yaml"],
    &["completions", "bash"],
    &["completions", "zsh"],
    &["man"],
    &["rules"],
    &["explain", "SPOF001"],
    &["graph", "--isolated", "web.yaml"],
    &["report", "--isolated", "web.yaml"],
    &["simulate", "--isolated", "--fail", "a", "zoned.yaml"],
    &["init", "--stdout", "."],
    &["--help"],
];

/// A full disk on standard output is exit 2 and one line naming the error,
/// from every command: never a panic.
#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_reported() {
    let (_root, tree, _) = output_case();
    write(&tree, "zoned.yaml", ZONED);
    for args in PRINTING {
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("spof"))
            .current_dir(&tree)
            .args(args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.ends_with("error: cannot write output: No space left on device (os error 28)\n"),
            "{args:?}: {stderr}"
        );
    }
}

/// A pipe closed by its reader (`spof completions zsh | head -1`) ends the
/// command quietly, with the exit code it would have had.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_quietly() {
    let (_root, tree, _) = output_case();
    write(&tree, "zoned.yaml", ZONED);
    for args in PRINTING {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("spof"))
            .current_dir(&tree)
            .args(args)
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        let findings = args[0] == "check";
        assert_eq!(
            code,
            Some(if findings { 1 } else { 0 }),
            "{args:?}: {stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error"),
            "{args:?}: {stderr}"
        );
    }
}

// ---------------------------------------------------------------------------
// Discovery and configuration: ignore files and spof.toml stop at the
// repository root, ignore files are bounded, and a run that reads nothing
// says so.
// ---------------------------------------------------------------------------

/// `spof check ARGS` (JSON) in `cwd`, without `--isolated`: the
/// configuration lookup is what is tested. Fails after a minute.
fn spof_configured(cwd: &Path, args: &[&str]) -> (Run, String) {
    let output = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(cwd)
        .env("SPOF_TODAY", "2026-01-01")
        .args(["check", "--format", "json", "--no-cache"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap_or_else(|e| panic!("spof {args:?} did not finish: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("spof {args:?} was killed: {stderr}"));
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (Run { code, json, stdout }, stderr)
}

/// A directory holding a checkout: `parent/repo` (a git repository with
/// web.yaml) beside `parent/sibling` (another project).
fn checkout_in_a_parent() -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    let repo = parent.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::copy(fixtures().join("web.yaml"), repo.join("web.yaml")).unwrap();
    std::fs::create_dir_all(parent.path().join("sibling")).unwrap();
    std::fs::write(
        parent.path().join("sibling/other.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sibling-project\n",
    )
    .unwrap();
    (parent, repo)
}

/// Ignore files in the directories that hold a checkout are not the
/// repository's: a `*.yaml` there hid every file (`All checks passed: 0
/// files`, exit 0).
#[test]
fn ignore_files_above_the_repository_root_are_not_read() {
    let (parent, repo) = checkout_in_a_parent();
    std::fs::write(parent.path().join(".gitignore"), "*.yaml\n").unwrap();
    std::fs::write(parent.path().join(".ignore"), "*.yaml\n").unwrap();
    let (run, _) = spof_configured(&repo, &["."]);
    assert_clean(&run, "a parent's ignore files");
    assert_eq!(run.json["summary"]["files"], 1, "{}", run.stdout);
}

/// An ignore file over the limit (256 KiB, or --max-file-size if smaller) is
/// an error naming it, and is not applied; it costs nothing to refuse. (A
/// 9 MB `.gitignore` took more than a minute and 3.5 GB to compile.)
#[test]
fn an_oversize_ignore_file_is_reported_and_not_applied() {
    let dir = case_dir(
        "web.yaml",
        &std::fs::read(fixtures().join("web.yaml")).unwrap(),
    );
    let mut huge = String::from("web.yaml\n");
    let mut i = 0;
    while huge.len() <= 9 * 1024 * 1024 {
        huge.push_str(&format!("build/out{i}/\n*.tmp{i}\nsrc/**/gen{i}.yaml\n"));
        i += 1;
    }
    std::fs::write(dir.path().join(".gitignore"), &huge).unwrap();
    let started = std::time::Instant::now();
    let (run, _) = spof_configured(dir.path(), &["--isolated", "."]);
    assert!(started.elapsed() < Duration::from_secs(30));
    let limit = spof::discover::MAX_IGNORE_FILE_SIZE;
    let needle = format!(
        "ignore file is too large ({} bytes; the limit is {limit})",
        huge.len()
    );
    assert_reported(&run, ".gitignore", 1, &needle);
    // Under --max-file-size (which web.yaml is within), a smaller one is
    // refused too.
    let limit = std::fs::metadata(fixtures().join("web.yaml"))
        .unwrap()
        .len();
    let padded = format!("web.yaml\n{}\n", "#".repeat(limit as usize));
    std::fs::write(dir.path().join(".gitignore"), padded).unwrap();
    let limit = limit.to_string();
    let (run, _) = spof_configured(dir.path(), &["--isolated", "--max-file-size", &limit, "."]);
    assert_reported(&run, ".gitignore", 1, &format!("the limit is {limit}"));
}

/// A spof.toml in the parent of a repository is not its configuration: it
/// would silence SPOF001 here.
#[test]
fn a_spof_toml_above_the_repository_root_is_not_used() {
    let (parent, repo) = checkout_in_a_parent();
    std::fs::write(
        parent.path().join("spof.toml"),
        "[rules]\nignore = [\"SPOF001\", \"SPOF002\", \"SPOF003\"]\n",
    )
    .unwrap();
    let (run, _) = spof_configured(&repo, &["."]);
    assert_clean(&run, "a parent's spof.toml");
    // Named with --config, it applies.
    let (run, _) = spof_configured(&repo, &["--config", "../spof.toml", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// A run that names files builds the graph of the repository, never of the
/// directory that holds it: a spof.toml named from there does not make the
/// sibling project part of it.
#[test]
fn explicit_files_never_read_beyond_the_repository() {
    let (parent, repo) = checkout_in_a_parent();
    std::fs::write(parent.path().join("spof.toml"), "").unwrap();
    std::fs::write(
        repo.join("other.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    )
    .unwrap();
    for args in [&["web.yaml"][..], &["--config", "../spof.toml", "web.yaml"]] {
        let (run, _) = spof_configured(&repo, args);
        assert_clean(&run, "web.yaml");
        // web.yaml and other.yaml: the repository, not the sibling.
        assert_eq!(run.json["summary"]["files"], 2, "{args:?}: {}", run.stdout);
        assert!(!run.stdout.contains("sibling"), "{}", run.stdout);
    }
}

/// A run that reads no file passes, but says so; with --fail-if-no-files
/// (or `[check] fail-if-no-files` in spof.toml) it is an input error.
#[test]
fn a_run_that_reads_nothing_is_never_silent() {
    let dir = tempfile::tempdir().unwrap();
    // A repository: spof.toml is looked for up to its root.
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/README.md"), "no manifests here\n").unwrap();
    let (run, stderr) = spof_configured(dir.path(), &["deploy"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json["summary"]["files"], 0);
    assert!(
        stderr.contains("warning: no infrastructure files found in deploy"),
        "{stderr}"
    );
    let (run, _) = spof_configured(dir.path(), &["--fail-if-no-files", "deploy"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(
        run.errors(),
        [(
            "deploy".to_string(),
            1,
            "no infrastructure files found under deploy".to_string()
        )]
    );
    std::fs::write(
        dir.path().join("spof.toml"),
        "[check]\nfail-if-no-files = true\n",
    )
    .unwrap();
    let (run, _) = spof_configured(dir.path(), &["deploy"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    // Files found: nothing to say.
    std::fs::copy(
        fixtures().join("web.yaml"),
        dir.path().join("deploy/web.yaml"),
    )
    .unwrap();
    let (run, stderr) = spof_configured(dir.path(), &["deploy"]);
    assert_clean(&run, "deploy");
    assert!(!stderr.contains("warning"), "{stderr}");
}

// ---------------------------------------------------------------------------
// Terraform evaluation: remainders by zero, values that double, work that
// multiplies, module cycles.

/// A resource every Terraform case below holds, after the hostile
/// expression: its finding shows the file was still analysed.
const DB: &str = "resource \"aws_db_instance\" \"db\" {\n  multi_az = false\n}\n";

fn has_entity(run: &Run, suffix: &str) -> bool {
    run.entities().iter().any(|e| e.ends_with(suffix))
}

/// `%` by zero, in HCL and in `.tf.json`, and the one remainder that
/// overflows: no panic, the value is unknown, the rest of the file and
/// web.yaml are analysed.
#[test]
fn terraform_remainder_by_zero_is_unknown_not_a_crash() {
    let cases = [
        (
            "azs.tf",
            format!(
                "variable \"azs\" {{\n  default = []\n}}\n\
                 resource \"aws_instance\" \"web\" {{\n  count = 2\n  \
                 availability_zone = var.azs[count.index % length(var.azs)]\n}}\n{DB}"
            ),
        ),
        (
            "float.tf",
            format!("locals {{\n  x = 1.5 % 0.0\n}}\noutput \"x\" {{\n  value = local.x\n}}\n{DB}"),
        ),
        (
            "min.tf",
            format!("output \"x\" {{\n  value = -9223372036854775808 % -1\n}}\n{DB}"),
        ),
        (
            "main.tf.json",
            r#"{"resource": {"aws_instance": {"web": {"ami": "${2 % 0}"}},
 "aws_db_instance": {"db": {"multi_az": false}}}}"#
                .to_string(),
        ),
    ];
    for (name, text) in cases {
        let dir = case_dir(name, text.as_bytes());
        let run = spof(dir.path(), &["."]);
        assert_clean(&run, name);
        assert!(
            has_entity(&run, "aws_db_instance.db"),
            "{name}: {}",
            run.stdout
        );
    }
}

/// Locals that double a string 59 times (2^59 bytes if evaluated): the
/// run finishes, with one info finding at the first value past the limit,
/// and the rest is analysed.
#[test]
fn terraform_doubling_locals_are_bounded() {
    let mut text = String::from("locals {\n  s1 = \"xx\"\n");
    for i in 2..60 {
        let p = i - 1;
        text.push_str(&format!("  s{i} = \"${{local.s{p}}}${{local.s{p}}}\"\n"));
    }
    text.push_str("}\nresource \"aws_instance\" \"web\" {\n  ami = local.s59\n}\n");
    text.push_str(DB);
    let dir = case_dir("main.tf", text.as_bytes());
    let started = std::time::Instant::now();
    let run = spof(dir.path(), &["."]);
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    assert_eq!(run.errors(), []);
    let limits: Vec<_> = run
        .findings()
        .into_iter()
        .filter(|f| f.0 == "SPOF027")
        .collect();
    // s24 is the first string over 16 MiB: line 25, its template.
    assert_eq!(limits.len(), 1, "{limits:?}");
    assert_eq!((limits[0].2, limits[0].3), (25, 9), "{limits:?}");
    assert!(limits[0].1.contains("larger than 16 MiB"), "{limits:?}");
    assert!(has_entity(&run, "aws_db_instance.db"), "{}", run.stdout);
    assert!(has_entity(&run, "aws_instance.web"), "{}", run.stdout);
    assert!(run.entities().iter().any(|e| e == WEB), "{}", run.stdout);
}

/// Ten module instances × `count = 1000` × a `for` over 1000: the work
/// budget is shared by the whole instance tree, so it cannot multiply out.
#[test]
fn terraform_nested_work_is_bounded_as_a_whole() {
    let dir = case_dir(
        "main.tf",
        format!("module \"m\" {{\n  count  = 10\n  source = \"./m\"\n}}\n{DB}").as_bytes(),
    );
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(
        dir.path().join("m/main.tf"),
        "resource \"null_resource\" \"x\" {\n  count = 1000\n  \
         triggers = { n = length([for i in range(1000) : \"${i}-${count.index}\"]) }\n}\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let run = spof(dir.path(), &["."]);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    assert_eq!(run.errors(), []);
    let limits: Vec<_> = run
        .findings()
        .into_iter()
        .filter(|f| f.0 == "SPOF027")
        .collect();
    assert_eq!(limits.len(), 1, "{limits:?}");
    assert!(limits[0].1.contains("more work"), "{limits:?}");
    assert!(has_entity(&run, "aws_db_instance.db"), "{}", run.stdout);
}

/// A dynamic block of 10,000 blocks in each of 10,000 blocks: each block
/// is charged to the work budget, so they stop at it. (What is evaluated
/// after the budget is spent is unknown: the database comes first.)
#[test]
fn terraform_nested_dynamic_blocks_are_bounded() {
    let text = format!(
        "{DB}locals {{\n  many = flatten([for i in range(1000) : [for j in range(10) : \"${{i}}-${{j}}\"]])\n}}\n\
         resource \"aws_security_group\" \"x\" {{\n  dynamic \"ingress\" {{\n    for_each = local.many\n    \
         content {{\n      dynamic \"egress\" {{\n        for_each = local.many\n        content {{}}\n      \
         }}\n    }}\n  }}\n}}\n"
    );
    let dir = case_dir("main.tf", text.as_bytes());
    let run = spof(dir.path(), &["."]);
    assert_eq!(run.errors(), []);
    let limits: Vec<_> = run
        .findings()
        .into_iter()
        .filter(|f| f.0 == "SPOF027")
        .collect();
    assert_eq!(limits.len(), 1, "{limits:?}");
    assert!(limits[0].1.contains("more work"), "{limits:?}");
    assert!(has_entity(&run, "aws_db_instance.db"), "{}", run.stdout);
}

/// Two modules that call each other, and a module that calls itself: the
/// call that closes the cycle is an input error at its `source`; every
/// module's resources are analysed once.
#[test]
fn terraform_module_cycles_are_reported_and_each_module_analysed() {
    let call = |to: &str| format!("module \"next\" {{\n  source = \"{to}\"\n}}\n{DB}");
    let dir = case_dir("a/main.tf", call("../b").as_bytes());
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/main.tf"), call("../a")).unwrap();
    let run = spof(dir.path(), &["."]);
    assert_reported(&run, "b/main.tf", 2, "a module it is itself part of");
    assert_eq!(run.errors().len(), 1, "{:?}", run.errors());
    let dbs: Vec<String> = run
        .entities()
        .into_iter()
        .filter(|e| e.ends_with("aws_db_instance.db"))
        .collect();
    assert_eq!(dbs.len(), 2, "{dbs:?}");

    let dir = case_dir("self/main.tf", call("./").as_bytes());
    let run = spof(dir.path(), &["."]);
    assert_reported(&run, "self/main.tf", 2, "a module it is itself part of");
    assert!(has_entity(&run, "aws_db_instance.db"), "{}", run.stdout);
}

// ---------------------------------------------------------------------
// Graph and output size (issue 23): long dependency chains and selector
// fan-out stay linear in the input, and every finding is still reported.
// ---------------------------------------------------------------------

/// Hops of a chain a finding lists before it counts the rest
/// (`spof::analysis::CHAIN_HOPS`).
const CHAIN_HOPS: usize = spof::analysis::CHAIN_HOPS;

/// A `spof.services.toml` of `n` services, `s{i}` depending on `s{i+1}`,
/// the last one in one site: every service fails with that site.
fn chain_manifest(n: usize) -> String {
    let mut text = String::from("[sites.a]\n\n[sites.b]\n");
    for i in 0..n {
        let sites = if i + 1 == n {
            r#"["a"]"#
        } else {
            r#"["a", "b"]"#
        };
        text.push_str(&format!("\n[services.s{i}]\nsites = {sites}\n"));
        if i + 1 < n {
            text.push_str(&format!("depends_on = [\"s{}\"]\n", i + 1));
        }
    }
    text
}

/// `services` Services selecting the same `deployments` Deployments.
fn fan_out(services: usize, deployments: usize) -> String {
    let mut text = String::new();
    for d in 0..deployments {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{d}, namespace: x}}\n\
             spec:\n  replicas: 3\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    \
             metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: c, image: i}}]}}\n"
        ));
    }
    for s in 0..services {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{s}, namespace: x}}\n\
             spec:\n  selector: {{app: web}}\n"
        ));
    }
    text
}

/// Runs the `spof` binary with `args` in `cwd` under the watchdog; its exit
/// code and standard output.
fn spof_output(cwd: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(cwd)
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
    (code, String::from_utf8(output.stdout).unwrap())
}

/// Every output of a run over `make(n)` and over `make(2n)`: doubling the
/// input must not much more than double the output (a quadratic one
/// quadruples).
fn assert_linear(make: impl Fn(usize) -> (&'static str, String), n: usize) {
    let outputs = [
        vec!["check", "--isolated", "--format", "json", "."],
        vec!["check", "--isolated", "--format", "sarif", "."],
        vec!["check", "--isolated", "--color", "never", "."],
        vec!["report", "--isolated", "--format", "json", "."],
        vec!["report", "--isolated", "--format", "markdown", "."],
        vec!["report", "--isolated", "--format", "html", "."],
    ];
    let sizes: Vec<(usize, usize)> = {
        let dirs: Vec<tempfile::TempDir> = [n, 2 * n]
            .iter()
            .map(|&size| {
                let tmp = tempfile::tempdir().unwrap();
                let (name, text) = make(size);
                write(tmp.path(), name, text);
                tmp
            })
            .collect();
        outputs
            .iter()
            .map(|args| {
                let size = |dir: &tempfile::TempDir| spof_output(dir.path(), args).1.len();
                (size(&dirs[0]), size(&dirs[1]))
            })
            .collect()
    };
    for (args, (small, big)) in outputs.iter().zip(sizes) {
        let ratio = big as f64 / small as f64;
        assert!(
            ratio < 2.6,
            "{args:?}: {small} bytes at {n}, {big} bytes at {}",
            2 * n
        );
    }
}

#[test]
fn a_long_chain_gives_output_linear_in_its_length() {
    assert_linear(|n| ("spof.services.toml", chain_manifest(n)), 150);
}

#[test]
fn selector_fan_out_gives_output_linear_in_the_input() {
    assert_linear(|n| ("fan.yaml", fan_out(n, n / 5)), 200);
}

/// Every service of a chain has its finding; each lists at most
/// `CHAIN_HOPS` hops and its root cause, a longer chain counting the hops
/// it leaves out; the JSON report's blast radius gives each hop once, the
/// chain whole through `next`.
#[test]
fn every_finding_of_a_long_chain_is_reported_with_a_capped_chain() {
    let n = 150;
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "spof.services.toml", chain_manifest(n));
    let run = spof(tmp.path(), &["."]);
    assert_eq!(run.code, 1);
    let findings = run.json["findings"].as_array().unwrap();
    for i in 0..n {
        let entity = format!("manifest:s{i}");
        let rule = if i + 1 == n { "SPOF004" } else { "SPOF007" };
        assert!(
            findings
                .iter()
                .any(|f| f["entity"] == entity.as_str() && f["rule"] == rule),
            "no {rule} for {entity}"
        );
    }
    let root = format!(
        "`Service s{}` is pinned to `zone:a` by its site list",
        n - 1
    );
    for f in findings.iter().filter(|f| f["rule"] == "SPOF007") {
        let related: Vec<&str> = f["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["message"].as_str().unwrap())
            .collect();
        assert!(related.len() <= CHAIN_HOPS + 1, "{related:?}");
        assert_eq!(related.last(), Some(&root.as_str()), "{related:?}");
    }
    let first = findings
        .iter()
        .find(|f| f["entity"] == "manifest:s0" && f["rule"] == "SPOF007")
        .unwrap();
    let related = first["related"].as_array().unwrap();
    // s0 -> s1 is the finding itself; s1 to the last one is n - 2 hops.
    let left_out = n - 2 - CHAIN_HOPS;
    assert_eq!(
        related[CHAIN_HOPS - 1]["message"],
        format!(
            "… {left_out} more hops, then `Service s{}` depends on `Service s{}` (depends_on in the manifest)",
            n - 2,
            n - 1
        )
    );
    assert_eq!(related[CHAIN_HOPS - 1]["line"], 7 + 4 * (n - 2) as u64);

    let (code, report) = spof_output(
        tmp.path(),
        &["report", "--isolated", "--format", "json", "."],
    );
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&report).unwrap();
    let zone_a = report["blast_radius"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["domain"] == "zone:a")
        .unwrap();
    let down = zone_a["down"].as_array().unwrap();
    assert_eq!(down.len(), n);
    // Each service says its own hop once: the chain is followed through
    // `next`, whole, with no hop left out; a dependency hop names its
    // declaration, worded once in `declarations`.
    let declarations = report["declarations"].as_array().unwrap();
    assert_eq!(declarations.len(), n - 1);
    let by_id: std::collections::HashMap<&str, &Value> = down
        .iter()
        .map(|f| (f["entity"].as_str().unwrap(), f))
        .collect();
    let mut at = "manifest:s0";
    for i in 0..n - 1 {
        let hop = by_id[at];
        assert!(hop.get("because").is_none(), "{hop}");
        let declaration = &declarations[hop["declaration"].as_u64().unwrap() as usize];
        assert_eq!(declaration["from"], at);
        assert_eq!(declaration["to"], hop["next"]);
        assert_eq!(
            declaration["text"],
            format!(
                "`Service s{i}` depends on `Service s{}` (depends_on in the manifest)",
                i + 1
            )
        );
        assert_eq!(declaration["location"]["line"], 7 + 4 * i as u64);
        at = hop["next"].as_str().unwrap();
    }
    let end = by_id[at];
    assert_eq!(at, format!("manifest:s{}", n - 1));
    assert!(end.get("next").is_none(), "{end}");
    assert!(end.get("declaration").is_none(), "{end}");
    assert!(
        end["because"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("`zone:a` fails"),
        "{end}"
    );
    // Every domain that takes the chain down names the same declarations.
    for blast in report["blast_radius"].as_array().unwrap() {
        for fallen in blast["down"].as_array().unwrap() {
            if let Some(d) = fallen.get("declaration") {
                let declaration = &declarations[d.as_u64().unwrap() as usize];
                assert_eq!(declaration["from"], fallen["entity"], "{fallen}");
            }
        }
    }
}

/// Services selecting the same Deployments: every Deployment's findings,
/// the Services' dependencies in the report as one shared target set.
#[test]
fn services_selecting_the_same_deployments_share_one_target_set() {
    let (services, deployments) = (300, 60);
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "fan.yaml", fan_out(services, deployments));
    let run = spof(tmp.path(), &["."]);
    assert_eq!(run.code, 1);
    for d in 0..deployments {
        let entity = format!("k8s:Deployment/x/d{d}");
        let rules: Vec<&str> = run.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["entity"] == entity.as_str())
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["SPOF002", "SPOF009"], "{entity}");
    }
    let (_, report) = spof_output(
        tmp.path(),
        &["report", "--isolated", "--format", "json", "."],
    );
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["target_sets"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["target_sets"][0].as_array().unwrap().len(),
        deployments
    );
    let dependencies = report["dependencies"].as_array().unwrap();
    assert_eq!(dependencies.len(), services);
    assert!(dependencies.iter().all(|d| d["to_set"] == 0));
}

/// The human format of a finding whose chain is capped.
#[test]
fn a_capped_chain_in_human_output() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "spof.services.toml", chain_manifest(12));
    let (code, out) = spof_output(
        tmp.path(),
        &["check", "--isolated", "--color", "never", "."],
    );
    assert_eq!(code, 1);
    let first = out
        .split("\n\n")
        .find(|block| block.contains("`Service s0` depends on"))
        .unwrap();
    insta::assert_snapshot!("capped_chain_human", first);
}

// Evidence (issue 16 §2): kustomizations and custom resources.

/// A kustomization's paths are resolved among the scanned files, never
/// opened beyond them: paths out of the tree, absolute ones and directories
/// read nothing and are errors at their line. A custom resource nested down to the depth
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
    // Every path that leaves the tree or names nothing spof reads is an
    // error at its line, and nothing outside is read; web.yaml, built
    // through the kustomization, is still analysed.
    let errors = run.errors();
    assert!(errors.len() >= 6, "{errors:?}");
    for (path, _, message) in &errors {
        assert_eq!(path, "kustomization.yaml", "{errors:?}");
        assert!(
            message.contains("outside the scanned tree") || message.contains("is not a file"),
            "{errors:?}"
        );
    }
    assert!(!run.stdout.contains("root:"), "{}", run.stdout);
    assert_eq!(run.code, 2, "{errors:?}");
    assert!(run.entities().iter().any(|e| e == WEB), "{}", run.stdout);
}

// ---------------------------------------------------------------------------
// Memory of large inputs (issue 23, "Measured"): a JSON or flow-style YAML
// document is parsed as it is read, not held whole as tokens first.
// ---------------------------------------------------------------------------

/// The YAML scanner holds the tokens it reads while the first of them may
/// still be a key. A document written as one flow mapping (every JSON file)
/// starts with such a token, which upstream saphyr ruled out only at the
/// mapping's end: a 15 MB plan was held whole as tokens before its first
/// event (spof's peak memory on it went from 0.91 to 0.35 GB with the fix). A key cannot run past its line or 1024 characters, so the
/// first events come within the first kilobytes, however long the document.
#[test]
fn a_json_document_is_parsed_as_it_is_read() {
    for (name, text) in [
        (
            "one line",
            format!("{{\"a\": [{}]}}", vec!["1"; 100_000].join(", ")),
        ),
        (
            "one item a line",
            format!("{{\"a\": [\n{}]}}", vec!["1"; 100_000].join(",\n")),
        ),
    ] {
        let read = std::cell::Cell::new(0usize);
        let chars = text.chars().inspect(|_| read.set(read.get() + 1));
        let mut parser = saphyr_parser::Parser::new_from_iter(chars);
        // Stream, document, mapping, key `a`, sequence, first item.
        for _ in 0..6 {
            parser.next().unwrap().unwrap();
        }
        assert!(
            read.get() < 4096,
            "{name}: {} of {} characters read before the first item",
            read.get(),
            text.len()
        );
    }
}

// HCL read by content (issue 16 §3): a `.hcl` file is a Nomad job only by
// its top level, found in one bounded lexical pass.

/// A `.hcl` job with a syntax error, or nested past every limit, is an input
/// error at its line, even where the lexical pass cannot follow it; HCL
/// that is no job is never parsed, so its own errors, nesting, and strings
/// or comments never closed are not reported and cost nothing.
#[test]
fn hcl_files_are_jobs_by_their_top_level_only() {
    let dir = case_dir(
        "jobs/api.hcl",
        b"job \"api\" {\n  group \"g\" {\n    count = \n  }\n}\n",
    );
    let deep = |block: &str| {
        format!(
            "{block} {{\n  x = {}{}\n}}\n",
            "[".repeat(200_000),
            "]".repeat(200_000)
        )
    };
    for (name, text) in [
        ("jobs/deep.hcl", deep("job \"deep\"")),
        ("deep.pkr.hcl", deep("build")),
        (
            "open-string.hcl",
            "storage \"raft\" {\n  path = \"/v\n}\n".into(),
        ),
        (
            "open-comment.hcl",
            "/* never closed\njob \"a\" {\n}\n".into(),
        ),
        ("broken.hcl", "listener \"tcp\" {{{ = = \n".into()),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let run = spof(dir.path(), &["."]);
    assert_eq!(run.errors().len(), 2, "{:?}", run.errors());
    assert_reported(&run, "jobs/api.hcl", 3, "cannot parse");
    assert_reported(&run, "jobs/deep.hcl", 2, "nesting is too deep");
}

// Scope (issue 16 §1): a budget over many workloads.

/// One PodDisruptionBudget selecting 2,000 Deployments, half of them
/// autoscaled: its pods are counted once for the whole scope and each
/// autoscaler is found by its target, so the run stays linear (it used to
/// count the scope again for each workload, looking through every
/// autoscaler for each one); every Deployment is judged over all the pods.
#[test]
fn a_budget_over_thousands_of_workloads_is_counted_once() {
    let n = 2000;
    let mut text = String::new();
    for d in 0..n {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{d}, namespace: x}}\n\
             spec:\n  replicas: 3\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    \
             metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: c, image: i}}]}}\n"
        ));
        if d % 2 == 0 {
            text.push_str(&format!(
                "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n\
                 metadata: {{name: h{d}, namespace: x}}\nspec:\n  scaleTargetRef: \
                 {{apiVersion: apps/v1, kind: Deployment, name: d{d}}}\n  minReplicas: 2\n  \
                 maxReplicas: 5\n"
            ));
        }
    }
    text.push_str(
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p, namespace: x}\n\
         spec:\n  minAvailable: 1\n  selector: {matchLabels: {app: web}}\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "budget.yaml", text);
    let run = spof(tmp.path(), &["."]);
    let pods = n / 2 * 3 + n / 2 * 2;
    let label = format!("of the {pods} pods it selects");
    let judged = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SPOF011" && f["label"].as_str().unwrap_or("").contains(&label))
        .count();
    assert_eq!(judged, n, "{}", run.stdout);
}
