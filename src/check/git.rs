//! A git revision's files in a temporary directory, for `--diff-base`:
//! read with `git ls-tree` and `git cat-file --batch`, so that neither the
//! working tree nor the index is touched and nothing from the repository
//! runs (no checkout, no filters, no hooks).
//!
//! Only the files a run reads are written (see [`materialize`]), readable by
//! their owner alone, and the directory is removed when the run ends, also
//! when a signal (SIGINT, SIGTERM, SIGHUP) ends it. A temporary directory
//! rather than the blobs in memory: the run that reads it is the one that
//! reads the working tree (discovery with its ignore files, the
//! configuration, Terraform modules found by path), which works on files.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};

/// A revision written out: `dir` holds its tree as the repository root
/// holds the working tree. Dropping it removes the directory.
pub struct Materialized {
    pub dir: PathBuf,
}

/// The directories of revisions written out, removed by the signal
/// watcher before the signal ends the process. Held while a directory is
/// created, written to or removed, so that the watcher never removes one
/// that is being written (which would come back) or misses one.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

impl Drop for Materialized {
    fn drop(&mut self) {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = std::fs::remove_dir_all(&self.dir);
        live.retain(|dir| *dir != self.dir);
    }
}

/// From the first revision written out on, SIGINT, SIGTERM and SIGHUP
/// remove the directories in [`LIVE`], then end the process as the signal
/// would have.
#[cfg(unix)]
fn watch_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static WATCHING: std::sync::Once = std::sync::Once::new();
    WATCHING.call_once(|| {
        // Without a watcher the run goes on; a signal leaves the directory.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Kept locked: nothing is written past this point.
                let live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
                for dir in live.iter() {
                    let _ = std::fs::remove_dir_all(dir);
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
    });
}

#[cfg(not(unix))]
fn watch_signals() {}

/// A new directory, readable by its owner alone (`0700`).
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// `path`'s missing parents below `top`, each created as
/// [`create_private_dir`] does.
fn create_private_parents(top: &Path, path: &Path) -> std::io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if parent == top || parent.is_dir() {
        return Ok(());
    }
    create_private_parents(top, parent)?;
    create_private_dir(parent)
}

/// A new file holding `bytes`, readable by its owner alone (`0600`).
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// The root of the git repository holding `cwd`.
pub fn repository_root(cwd: &Path) -> Result<PathBuf, String> {
    let out = git(cwd, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("--diff-base needs git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "--diff-base needs a git repository: {}",
            first_line(&out.stderr)
        ));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| "--diff-base: the repository path is not UTF-8".to_string())?;
    Ok(PathBuf::from(text.trim_end_matches(['\n', '\r'])))
}

/// The commit checked out in the git repository holding `dir`, and whether
/// its working tree has changes not committed (untracked files count;
/// ignored ones do not). `None` outside a repository, before the first
/// commit, or when git cannot be run: never an error.
pub fn head(dir: &Path) -> Option<(String, bool)> {
    let out = git(dir, &["rev-parse", "--verify", "--quiet", "HEAD"]).ok()?;
    if !out.status.success() {
        return None;
    }
    let commit = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if commit.is_empty() {
        return None;
    }
    let status = git(dir, &["status", "--porcelain", "--ignore-submodules=none"]).ok()?;
    if !status.status.success() {
        return None;
    }
    Some((commit, !status.stdout.is_empty()))
}

/// Writes the regular files of `reference`'s tree (in the repository at
/// `root`) that `wanted` accepts (by their paths from the root) and that are
/// no larger than `max_file_size` into a new temporary directory. Symbolic
/// links and submodules are skipped; so are paths that would leave the
/// directory.
pub fn materialize(
    root: &Path,
    reference: &str,
    max_file_size: u64,
    wanted: impl Fn(&Path) -> bool,
) -> Result<Materialized, String> {
    let spec = format!("{reference}^{{tree}}");
    let out = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .map_err(|e| format!("--diff-base: cannot run git: {e}"))?;
    if !out.status.success() || reference.is_empty() {
        return Err(format!(
            "--diff-base: `{reference}` is not a revision of the repository at {}",
            root.display()
        ));
    }
    let tree = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = git(root, &["ls-tree", "-r", "-z", "-l", "--full-tree", &tree])
        .map_err(|e| format!("--diff-base: cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "--diff-base: cannot list the files of `{reference}`: {}",
            first_line(&out.stderr)
        ));
    }
    // Every file written is tracked, and git ignores `.gitignore` for
    // tracked files: without them the walk hides none, as the working
    // tree's walk hides no tracked file.
    let blobs: Vec<Blob> = parse_ls_tree(&out.stdout)
        .into_iter()
        .filter(|b| {
            b.size <= max_file_size
                && wanted(&b.path)
                && b.path.file_name() != Some(".gitignore".as_ref())
        })
        .collect();
    watch_signals();
    let base = {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        let mut builder = tempfile::Builder::new();
        builder.prefix("spof-diff-base-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder
            .tempdir()
            .map_err(|e| format!("--diff-base: cannot create a temporary directory: {e}"))?
            .keep();
        live.push(dir.clone());
        Materialized { dir }
    };
    // Walks and `git_root` see a repository root, as in the working tree.
    let created = {
        let _live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        create_private_dir(&base.dir.join(".git"))
    };
    created.map_err(|e| format!("--diff-base: cannot write the temporary directory: {e}"))?;
    write_blobs(root, &blobs, &base.dir)?;
    Ok(base)
}

/// One regular file of a tree.
#[derive(Debug, PartialEq, Eq)]
struct Blob {
    oid: String,
    size: u64,
    path: PathBuf,
}

/// The regular files (modes 100644 and 100755) of `git ls-tree -r -z -l`
/// output whose paths stay inside the tree.
fn parse_ls_tree(out: &[u8]) -> Vec<Blob> {
    out.split(|&b| b == 0)
        .filter_map(|record| {
            let record = std::str::from_utf8(record).ok()?;
            let (meta, path) = record.split_once('\t')?;
            let mut fields = meta.split_ascii_whitespace();
            let mode = fields.next()?;
            let kind = fields.next()?;
            let oid = fields.next()?;
            let size = fields.next()?.parse().ok()?;
            if kind != "blob" || !matches!(mode, "100644" | "100755") {
                return None;
            }
            let path = safe_path(path)?;
            Some(Blob {
                oid: oid.to_string(),
                size,
                path,
            })
        })
        .collect()
}

/// A tree path as a relative path of normal components only.
fn safe_path(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    let normal = path
        .components()
        .all(|c| matches!(c, Component::Normal(name) if name != ".git"));
    (normal && path.components().next().is_some()).then(|| path.to_path_buf())
}

/// Reads every blob through one `git cat-file --batch` and writes it at its
/// path under `dir`.
fn write_blobs(root: &Path, blobs: &[Blob], dir: &Path) -> Result<(), String> {
    if blobs.is_empty() {
        return Ok(());
    }
    let mut child = Command::new("git")
        .args(safe_config())
        .args(["cat-file", "--batch"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("--diff-base: cannot run git: {e}"))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("--diff-base: cannot talk to git cat-file".to_string());
    };
    let requests: String = blobs.iter().map(|b| format!("{}\n", b.oid)).collect();
    // Written from another thread: git answers while it reads.
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let result = read_blobs(BufReader::new(stdout), blobs, dir);
    let _ = writer.join();
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn read_blobs(mut out: impl BufRead, blobs: &[Blob], dir: &Path) -> Result<(), String> {
    let broken = || "--diff-base: unexpected output from git cat-file".to_string();
    for blob in blobs {
        let mut header = String::new();
        out.read_line(&mut header).map_err(|_| broken())?;
        let mut fields = header.split_ascii_whitespace();
        if fields.next() != Some(blob.oid.as_str()) || fields.next() != Some("blob") {
            return Err(broken());
        }
        let size: u64 = fields
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(broken)?;
        let mut content = Vec::new();
        out.by_ref()
            .take(size)
            .read_to_end(&mut content)
            .map_err(|_| broken())?;
        let mut newline = [0u8; 1];
        out.read_exact(&mut newline).map_err(|_| broken())?;
        if content.len() as u64 != size {
            return Err(broken());
        }
        let target = dir.join(&blob.path);
        let written = {
            let _live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
            create_private_parents(dir, &target)
                .and_then(|()| write_private_file(&target, &content))
        };
        written.map_err(|e| format!("--diff-base: cannot write {}: {e}", target.display()))?;
    }
    Ok(())
}

/// Settings that keep git from running anything the repository configures.
fn safe_config() -> [&'static str; 4] {
    [
        "-c",
        "core.fsmonitor=false",
        "-c",
        "core.hooksPath=/dev/null",
    ]
}

fn git(dir: &Path, args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new("git")
        .args(safe_config())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().next().unwrap_or("").trim();
    line.strip_prefix("fatal: ").unwrap_or(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_tree_keeps_regular_files_inside_the_tree() {
        let out = b"100644 blob aaaa      12\tk8s/web.yaml\0\
            100755 blob bbbb       3\trun.sh\0\
            120000 blob cccc       9\tlink.yaml\0\
            160000 commit dddd       -\tvendor/sub\0\
            100644 blob eeee       1\t../escape.yaml\0\
            100644 blob ffff       1\t/abs.yaml\0\
            100644 blob 0000       1\ta/.git/config\0";
        assert_eq!(
            parse_ls_tree(out),
            [
                Blob {
                    oid: "aaaa".into(),
                    size: 12,
                    path: "k8s/web.yaml".into()
                },
                Blob {
                    oid: "bbbb".into(),
                    size: 3,
                    path: "run.sh".into()
                },
            ]
        );
    }

    fn git_in(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c"])
            .args(["commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    /// Only what `wanted` accepts is written, under the size limit, in a
    /// directory and files their owner alone can read; the directory goes
    /// when the revision is dropped.
    #[test]
    fn only_wanted_files_are_written_privately() {
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        git_in(root, &["init", "-q"]);
        std::fs::create_dir_all(root.join("k8s/deep")).unwrap();
        std::fs::write(root.join("k8s/deep/web.yaml"), "kind: Pod\n").unwrap();
        std::fs::write(root.join("k8s/big.yaml"), "x".repeat(100)).unwrap();
        std::fs::write(root.join("tool.bin"), [0u8, 159, 146, 150]).unwrap();
        std::fs::write(root.join("README.md"), "# readme\n").unwrap();
        git_in(root, &["add", "-A"]);
        git_in(root, &["commit", "-q", "-m", "base"]);
        let wanted = |p: &Path| p.extension().is_some_and(|e| e == "yaml");
        let base = materialize(root, "HEAD", 50, wanted).unwrap();
        let mut written = Vec::new();
        let mut stack = vec![base.dir.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let rel = path.strip_prefix(&base.dir).unwrap().to_path_buf();
                if path.is_dir() {
                    stack.push(path.clone());
                }
                written.push((rel, entry.metadata().unwrap()));
            }
        }
        written.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<&Path> = written.iter().map(|(p, _)| p.as_path()).collect();
        assert_eq!(
            names,
            [
                Path::new(".git"),
                Path::new("k8s"),
                Path::new("k8s/deep"),
                Path::new("k8s/deep/web.yaml")
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |m: &std::fs::Metadata| m.permissions().mode() & 0o777;
            assert_eq!(mode(&std::fs::metadata(&base.dir).unwrap()), 0o700);
            for (path, meta) in &written {
                let expected = if meta.is_dir() { 0o700 } else { 0o600 };
                assert_eq!(mode(meta), expected, "{}", path.display());
            }
        }
        let dir = base.dir.clone();
        drop(base);
        assert!(!dir.exists());
    }

    #[test]
    fn cat_file_output_is_written_at_each_path() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = [
            Blob {
                oid: "aa".into(),
                size: 3,
                path: "x/a.yaml".into(),
            },
            Blob {
                oid: "bb".into(),
                size: 0,
                path: "b.yaml".into(),
            },
        ];
        let out: &[u8] = b"aa blob 3\na\nb\nbb blob 0\n\n";
        read_blobs(out, &blobs, dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("x/a.yaml")).unwrap(),
            "a\nb"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.yaml")).unwrap(),
            ""
        );
        let missing: &[u8] = b"aa missing\n";
        assert!(read_blobs(missing, &blobs, dir.path()).is_err());
    }
}
