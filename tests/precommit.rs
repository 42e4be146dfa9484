//! The pre-commit hooks, run by pre-commit itself.
//!
//! pre-commit is installed from PyPI into a virtualenv cached under
//! `target/tmp/`; `pre-commit try-repo` then runs this repository's
//! `spof-system` hook (with the `spof` just built first on PATH) in a
//! scratch git repository. Where Python, venv or PyPI is unavailable the
//! test says "skipped: pre-commit unavailable: …" and passes.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// File A, committed: a single-replica database pinned to one zone, and its
/// Service. Its own findings must never be reported when only B or C is
/// checked.
const DB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      nodeSelector:
        topology.kubernetes.io/zone: zone-a
      containers:
        - name: postgres
          image: postgres:16
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  selector: {app: db}
  ports: [{port: 5432}]
";

/// A workload that is redundant on its own (three replicas spread over
/// zones, a disruption budget), with `extra` container lines.
fn workload(name: &str, extra: &str) -> String {
    format!(
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: DoNotSchedule
          labelSelector:
            matchLabels: {{app: {name}}}
      containers:
        - name: {name}
          image: example.com/{name}:1
{extra}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {{app: {name}}}
"
    )
}

/// File B: reaches A's database through an env var (SPOF007 here).
fn api() -> String {
    workload(
        "api",
        "          env:\n            - name: DATABASE_URL\n              \
         value: postgres://db:5432/app\n",
    )
}

/// A command with no git variables from the environment (the test may run
/// inside a git hook, which sets `GIT_DIR` and `GIT_INDEX_FILE`).
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The Python of a virtualenv holding pre-commit, created on first use.
fn pre_commit_python() -> Result<PathBuf, String> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-venv");
    let python = cache.join("bin/python");
    if works(&python) {
        return Ok(python);
    }
    // Built beside the cache and renamed into place, so that a run
    // interrupted halfway leaves no broken cache. The venv's own python finds
    // its packages through `pyvenv.cfg` beside it, wherever it moved.
    let building = cache.with_file_name(format!("pre-commit-venv.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
        let output = cmd
            .output()
            .map_err(|e| format!("cannot run {what}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("{what} failed\n{}", text(&output)))
        }
    };
    let result = run(
        command("python3").args(["-m", "venv"]).arg(&building),
        "python3 -m venv",
    )
    .and_then(|()| {
        run(
            command(building.join("bin/python")).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--retries",
                "1",
                "--timeout",
                "30",
                "pre-commit",
            ]),
            "pip install pre-commit",
        )
    });
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&building);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&cache);
    if std::fs::rename(&building, &cache).is_err() {
        // Another run put its cache in place first.
        let _ = std::fs::remove_dir_all(&building);
    }
    if works(&python) {
        Ok(python)
    } else {
        Err("the pre-commit virtualenv does not run".to_string())
    }
}

fn works(python: &Path) -> bool {
    command(python)
        .args(["-m", "pre_commit", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Scratch {
    dir: tempfile::TempDir,
    python: PathBuf,
    home: tempfile::TempDir,
}

impl Scratch {
    fn new(python: PathBuf) -> Self {
        let scratch = Self {
            dir: tempfile::tempdir().unwrap(),
            python,
            home: tempfile::tempdir().unwrap(),
        };
        scratch.git(&["init", "--quiet"]);
        scratch.git(&["config", "user.name", "spof test"]);
        scratch.git(&["config", "user.email", "spof-test@example.com"]);
        scratch.git(&["config", "commit.gpgsign", "false"]);
        scratch
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    fn git(&self, args: &[&str]) {
        let output = command("git")
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}\n{}", text(&output));
    }

    /// `pre-commit try-repo <this repository> spof-system [extra...]`.
    fn try_repo(&self, extra: &[&str]) -> Output {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_spof"))
            .parent()
            .unwrap()
            .to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![bin_dir];
        dirs.extend(std::env::split_paths(&path));
        command(&self.python)
            .args(["-m", "pre_commit", "try-repo", "--color", "never"])
            .arg(env!("CARGO_MANIFEST_DIR"))
            .arg("spof-system")
            .args(extra)
            .current_dir(self.path())
            .env("PATH", std::env::join_paths(dirs).unwrap())
            .env("PRE_COMMIT_HOME", self.home.path())
            .output()
            .unwrap()
    }
}

#[test]
fn spof_system_hook_reports_only_on_the_files_being_committed() {
    let python = match pre_commit_python() {
        Ok(python) => python,
        Err(reason) => {
            // Straight to the process's stderr: the test harness would
            // swallow `println!` from a passing test, hiding the skip.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: pre-commit unavailable: {reason}"
            );
            return;
        }
    };

    // The hooks file is valid for pre-commit, both hooks included.
    let validate = command(&python)
        .args([
            "-m",
            "pre_commit",
            "validate-manifest",
            ".pre-commit-hooks.yaml",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(validate.status.success(), "{}", text(&validate));

    let repo = Scratch::new(python);
    repo.write("db.yaml", DB);
    repo.git(&["add", "db.yaml"]);
    repo.git(&["commit", "--quiet", "-m", "database"]);
    repo.write("api.yaml", &api());
    repo.git(&["add", "api.yaml"]);

    // B named explicitly, and B as the staged file: the finding is B's
    // dependency on A's database, located in B; A's own findings (single
    // replica, pinned to one zone) are not reported, though the graph that
    // proves B's comes from the whole repository.
    for extra in [&["--files", "api.yaml"][..], &[]] {
        let run = repo.try_repo(extra);
        let out = text(&run);
        assert_eq!(run.status.code(), Some(1), "{extra:?}\n{out}");
        assert!(out.contains("SPOF007 (depends-on-spof)"), "{out}");
        assert!(out.contains("╭─[api.yaml:24:22]"), "{out}");
        assert!(
            out.contains("Found 1 finding (0 errors, 1 warning, 0 info)"),
            "{out}"
        );
        assert!(
            !out.contains("SPOF001") && !out.contains("SPOF004"),
            "{out}"
        );
        // One finding; A appears only in its explanation chain.
        assert_eq!(out.matches("⚠ SPOF").count(), 1, "{out}");
        assert!(out.contains("☞ `Deployment default/db` is pinned"), "{out}");
    }

    // A clean file passes, although the repository still holds A and B.
    repo.git(&["reset", "--quiet", "api.yaml"]);
    repo.write("web.yaml", &workload("web", ""));
    repo.git(&["add", "web.yaml"]);
    for extra in [&["--files", "web.yaml"][..], &[]] {
        let run = repo.try_repo(extra);
        let out = text(&run);
        assert_eq!(run.status.code(), Some(0), "{extra:?}\n{out}");
        assert!(out.contains("Passed"), "{out}");
        assert!(!out.contains("SPOF"), "{out}");
    }
}

/// Both hooks run the same check; docs/ci.md's `repo: local` example uses
/// the same file pattern. Read with spof's own parser, with or without
/// pre-commit installed.
#[test]
fn hooks_file_declares_both_hooks_alike() {
    use spof::parse::Node;
    use spof::parse::yaml::{Limits, parse_stream};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let (docs, error) = parse_stream(&text, &Limits::default());
    assert!(error.is_none(), "{error:?}");
    let hooks = docs[0].root.as_seq();
    let field = |hook: &Node, key: &str| {
        hook.get(key)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let ids: Vec<String> = hooks.iter().map(|h| field(h, "id")).collect();
    assert_eq!(ids, ["spof", "spof-system"]);
    let languages: Vec<String> = hooks.iter().map(|h| field(h, "language")).collect();
    // `spof` installs the wheel (or builds it from this repository's
    // pyproject.toml); tests/wheel.sh runs it through a hooks mirror.
    assert_eq!(languages, ["python", "system"]);
    let files = field(&hooks[0], "files");
    assert_eq!(files, r"\.(ya?ml|json|tf|tfvars|hcl|nomad|toml)$");
    for hook in hooks {
        assert_eq!(field(hook, "entry"), "spof");
        assert_eq!(field(hook, "require_serial"), "true");
        assert_eq!(field(hook, "files"), files);
        let args: Vec<&str> = hook
            .get("args")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(args, ["check", "--force-exclude"]);
    }
    let docs = std::fs::read_to_string(root.join("docs/ci.md")).unwrap();
    assert!(docs.contains(&format!("        files: {files}\n")));
    assert!(docs.contains("id: spof-system"));
}
