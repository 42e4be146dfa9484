//! A git revision's files in a temporary directory, for `--diff-base`:
//! read with `git ls-tree` and `git cat-file --batch`, so that neither the
//! working tree nor the index is touched and nothing from the repository
//! runs (no checkout, no filters, no hooks).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// A revision written out: `dir` holds its tree as the repository root
/// holds the working tree.
pub struct Materialized {
    pub dir: TempDir,
    /// The repository root of the working tree.
    pub root: PathBuf,
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

/// Writes the regular files of `reference`'s tree no larger than
/// `max_file_size` into a new temporary directory. Symbolic links and
/// submodules are skipped; so are paths that would leave the directory.
pub fn materialize(
    cwd: &Path,
    reference: &str,
    max_file_size: u64,
) -> Result<Materialized, String> {
    let root = repository_root(cwd)?;
    let spec = format!("{reference}^{{tree}}");
    let out = git(
        &root,
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
    let out = git(&root, &["ls-tree", "-r", "-z", "-l", "--full-tree", &tree])
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
        .filter(|b| b.size <= max_file_size && b.path.file_name() != Some(".gitignore".as_ref()))
        .collect();
    let dir = tempfile::Builder::new()
        .prefix("spof-diff-base-")
        .tempdir()
        .map_err(|e| format!("--diff-base: cannot create a temporary directory: {e}"))?;
    // Walks and `git_root` see a repository root, as in the working tree.
    std::fs::create_dir(dir.path().join(".git"))
        .map_err(|e| format!("--diff-base: cannot write the temporary directory: {e}"))?;
    write_blobs(&root, &blobs, dir.path())?;
    Ok(Materialized { dir, root })
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
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("--diff-base: cannot write {}: {e}", target.display()))?;
        }
        std::fs::write(&target, &content)
            .map_err(|e| format!("--diff-base: cannot write {}: {e}", target.display()))?;
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
