//! Terraform's file functions (`file`, `fileexists`, `fileset`, the
//! `file…` hashes, `filebase64`, `templatefile`) read the disk: only below
//! the directories of the scanned tree ([`FileTree`]), never through a
//! symbolic link that leads out of it, and no file larger than an input
//! file may be. A relative path is relative to the root module's directory,
//! where Terraform runs.
//!
//! What a root module's evaluation read is noted ([`Evaluator::touched`]):
//! such a root is not cached, since its result depends on files that are
//! not among its inputs.
//!
//! [`Evaluator::touched`]: super::eval::Evaluator

use std::path::{Component, Path, PathBuf};

/// Where the file functions may read: the scanned tree's directories,
/// absolute and with symbolic links resolved, and how large a file they
/// read. With no directory, nothing is read and every call is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTree {
    pub roots: Vec<PathBuf>,
    /// The largest file read, in bytes (the limit of an input file).
    pub max_bytes: u64,
}

/// Most directory entries one `fileset` looks at; past it, unknown.
const MAX_ENTRIES: usize = 10_000;
/// Deepest directory one `fileset` walks into; deeper, unknown.
const MAX_WALK_DEPTH: usize = 64;

/// Where a path leads.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Located {
    /// Inside the tree: its real path (symbolic links resolved).
    Inside(PathBuf),
    /// Inside the tree, but nothing is there.
    Missing,
    /// Outside the tree, by `..`, an absolute path or a symbolic link:
    /// never read.
    Outside,
    /// In the home directory of whoever runs Terraform (`~/.ssh/id.pub`,
    /// which Terraform expands): that machine's file, not the
    /// configuration's. Never read, and not noted.
    Home,
}

/// What one file function saw.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Seen<T> {
    Value(T),
    /// Terraform's error (no such file, not UTF-8, a directory).
    Error,
    /// Not known: in the home directory, too large, unreadable.
    Unknown,
    /// Out of the tree: never read, unknown, and noted.
    Outside,
}

/// The tree and the root module's directory: what a file function needs.
#[derive(Clone, Copy)]
pub(crate) struct Files<'a> {
    pub tree: &'a FileTree,
    /// The root module's directory (where Terraform runs), as its files'
    /// paths name it.
    pub root_dir: &'a Path,
    /// The deepest nesting of a template read (an input file's limit).
    pub max_depth: usize,
}

impl Files<'_> {
    fn inside(&self, path: &Path) -> bool {
        self.tree.roots.iter().any(|r| path.starts_with(r))
    }

    /// Where `path`, as a file function's argument, leads.
    pub fn locate(&self, path: &str) -> Located {
        if self.tree.roots.is_empty() || path.contains('\u{0}') {
            return Located::Outside;
        }
        if path.starts_with('~') {
            return Located::Home;
        }
        let Ok(base) = std::fs::canonicalize(dir_path(self.root_dir)) else {
            return Located::Outside;
        };
        let joined = crate::discover::lexical_normalize(&base.join(path));
        if !self.inside(&joined) {
            return Located::Outside;
        }
        match std::fs::canonicalize(&joined) {
            Ok(real) if self.inside(&real) => Located::Inside(real),
            Ok(_) => Located::Outside,
            Err(_) => {
                // Nothing there, unless a link on the way leads out.
                let parent_escapes = joined
                    .ancestors()
                    .skip(1)
                    .find_map(|a| std::fs::canonicalize(a).ok())
                    .is_some_and(|real| !self.inside(&real));
                if parent_escapes {
                    Located::Outside
                } else {
                    Located::Missing
                }
            }
        }
    }

    /// The bytes of the file at `path`.
    pub fn read(&self, path: &str) -> Seen<Vec<u8>> {
        match self.locate(path) {
            Located::Outside => Seen::Outside,
            Located::Home => Seen::Unknown,
            Located::Missing => Seen::Error,
            Located::Inside(real) => {
                if real.is_dir() {
                    return Seen::Error;
                }
                match crate::discover::read_bytes_unfollowed(&real, self.tree.max_bytes) {
                    Ok(bytes) => Seen::Value(bytes),
                    Err(_) => Seen::Unknown,
                }
            }
        }
    }

    /// Whether a regular file is at `path` (`fileexists`): a directory is
    /// Terraform's error.
    pub fn exists(&self, path: &str) -> Seen<bool> {
        match self.locate(path) {
            Located::Outside => Seen::Outside,
            Located::Home => Seen::Unknown,
            Located::Missing => Seen::Value(false),
            Located::Inside(real) => match std::fs::metadata(&real) {
                Ok(m) if m.is_file() => Seen::Value(true),
                Ok(_) => Seen::Error,
                Err(_) => Seen::Unknown,
            },
        }
    }

    /// `fileset(path, pattern)`: the regular files below `path` whose path
    /// relative to it matches `pattern` (`*` and `?` within one name, `**`
    /// across directories, `{a,b}`, `[…]`), relative to `path` with `/`,
    /// sorted. A directory that is not there has none.
    pub fn set(&self, path: &str, pattern: &str) -> Seen<Vec<String>> {
        let glob = match globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
        {
            Ok(g) => g.compile_matcher(),
            Err(_) => return Seen::Error,
        };
        let dir = match self.locate(path) {
            Located::Outside => return Seen::Outside,
            Located::Home => return Seen::Unknown,
            Located::Missing => return Seen::Value(Vec::new()),
            Located::Inside(real) if real.is_dir() => real,
            Located::Inside(_) => return Seen::Value(Vec::new()),
        };
        let mut found = Vec::new();
        let mut todo = vec![(dir.clone(), 0usize)];
        let mut seen = 0usize;
        while let Some((at, depth)) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&at) else {
                return Seen::Unknown;
            };
            for entry in entries {
                seen += 1;
                if seen > MAX_ENTRIES {
                    return Seen::Unknown;
                }
                let Ok(entry) = entry else {
                    return Seen::Unknown;
                };
                let Ok(kind) = entry.file_type() else {
                    return Seen::Unknown;
                };
                let full = entry.path();
                if kind.is_symlink() {
                    // A link is followed only to a file of the tree.
                    match std::fs::canonicalize(&full) {
                        Ok(real) if !self.inside(&real) => return Seen::Outside,
                        Ok(real) if real.is_file() => {}
                        _ => return Seen::Unknown,
                    }
                } else if kind.is_dir() {
                    if depth >= MAX_WALK_DEPTH {
                        return Seen::Unknown;
                    }
                    todo.push((full, depth + 1));
                    continue;
                } else if !kind.is_file() {
                    continue;
                }
                let Ok(rel) = full.strip_prefix(&dir) else {
                    continue;
                };
                let Some(rel) = rel.to_str().map(|s| s.replace('\\', "/")) else {
                    return Seen::Unknown;
                };
                if glob.is_match(&rel) {
                    found.push(rel);
                }
            }
        }
        found.sort();
        Seen::Value(found)
    }
}

/// A directory as the files' paths name it, to open: `.` for the empty
/// path of the directory spof runs from.
pub(crate) fn dir_path(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// The path from directory `from` to directory `to`, both as the files'
/// paths name them (relative to one directory): `.` for the same,
/// `modules/db` below, `../shared` beside. As Terraform's `path.module`
/// names a module's directory from the root module's.
pub(crate) fn relative(from: &Path, to: &Path) -> String {
    let from = crate::discover::lexical_normalize(from);
    let to = crate::discover::lexical_normalize(to);
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for c in a.iter().skip(common) {
        if *c == Component::ParentDir {
            // Above `from` by more than its own parts: not known lexically.
            return crate::source::display_path(&to);
        }
        parts.push("..".to_string());
    }
    for c in b.iter().skip(common) {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_are_relative_to_the_root_module() {
        let p = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(p("", ""), ".");
        assert_eq!(p("infra", "infra"), ".");
        assert_eq!(p("infra", "infra/modules/db"), "modules/db");
        assert_eq!(p("envs/prod", "modules/db"), "../../modules/db");
        assert_eq!(p("", "modules/db"), "modules/db");
        assert_eq!(p("./a/../b", "b/c"), "c");
    }

    fn tree() -> (tempfile::TempDir, FileTree) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        std::fs::create_dir_all(root.join("infra/files/sub")).expect("dirs");
        std::fs::write(root.join("infra/files/a.txt"), "a").expect("write");
        std::fs::write(root.join("infra/files/b.json"), "{}").expect("write");
        std::fs::write(root.join("infra/files/sub/c.txt"), "c").expect("write");
        let tree = FileTree {
            roots: vec![root],
            max_bytes: 1024,
        };
        (dir, tree)
    }

    #[test]
    fn fileset_matches_as_terraform_globs() {
        let (dir, tree) = tree();
        let root_dir = dir.path().join("infra");
        let files = Files {
            tree: &tree,
            root_dir: &root_dir,
            max_depth: 64,
        };
        let set = |path: &str, pattern: &str| match files.set(path, pattern) {
            Seen::Value(v) => v,
            other => panic!("{path} {pattern}: {other:?}"),
        };
        assert_eq!(set("files", "*.txt"), ["a.txt"]);
        assert_eq!(set("files", "**/*.txt"), ["a.txt", "sub/c.txt"]);
        assert_eq!(set("files", "{a.txt,b.json}"), ["a.txt", "b.json"]);
        assert_eq!(set("files", "?.json"), ["b.json"]);
        assert_eq!(set("files", "*"), ["a.txt", "b.json"]);
        assert_eq!(set("nowhere", "*"), Vec::<String>::new());
        assert_eq!(files.set("..", "*"), Seen::Value(Vec::new()));
        assert_eq!(files.set("../..", "*"), Seen::Outside);
    }

    #[test]
    fn nothing_outside_the_tree_is_read() {
        let (dir, tree) = tree();
        let root_dir = dir.path().join("infra");
        let files = Files {
            tree: &tree,
            root_dir: &root_dir,
            max_depth: 64,
        };
        assert_eq!(files.read("files/a.txt"), Seen::Value(b"a".to_vec()));
        assert_eq!(files.read("files/none.txt"), Seen::Error);
        assert_eq!(files.read("files"), Seen::Error);
        assert_eq!(files.read("../../etc/passwd"), Seen::Outside);
        assert_eq!(files.read("/etc/passwd"), Seen::Outside);
        assert_eq!(files.exists("files/a.txt"), Seen::Value(true));
        assert_eq!(files.exists("files/none"), Seen::Value(false));
        assert_eq!(files.exists("files/sub"), Seen::Error);
        // `..` that stays in the tree is read; an absolute path in it too.
        assert_eq!(
            files.read("../infra/files/a.txt"),
            Seen::Value(b"a".to_vec())
        );
        let absolute = tree.roots[0].join("infra/files/a.txt");
        let absolute = absolute.to_str().expect("UTF-8 path");
        assert_eq!(files.read(absolute), Seen::Value(b"a".to_vec()));
        // The home directory, which Terraform expands: unknown, not noted.
        assert_eq!(files.read("~/.ssh/id_ed25519.pub"), Seen::Unknown);
        assert_eq!(files.exists("~/.bashrc"), Seen::Unknown);
        assert_eq!(files.set("~", "*"), Seen::Unknown);
        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().expect("temporary directory");
            std::fs::write(elsewhere.path().join("secret"), "s").expect("write");
            let link = |to: &Path, at: &str| {
                std::os::unix::fs::symlink(to, root_dir.join(at)).expect("link");
            };
            // A link in the tree to a file of the tree is followed.
            link(&root_dir.join("files/a.txt"), "files/sub/to-a");
            assert_eq!(files.read("files/sub/to-a"), Seen::Value(b"a".to_vec()));
            // A link to a file out of the tree, or through a directory out
            // of it, is not.
            link(&elsewhere.path().join("secret"), "secret");
            assert_eq!(files.read("secret"), Seen::Outside);
            assert_eq!(files.exists("secret"), Seen::Outside);
            link(elsewhere.path(), "files/out");
            assert_eq!(files.read("files/out/secret"), Seen::Outside);
            assert_eq!(files.exists("files/out/none"), Seen::Outside);
            assert_eq!(files.set("files/out", "*"), Seen::Outside);
            assert_eq!(files.set("files", "**"), Seen::Outside);
        }
        // No larger file than an input file may be is read: not even its
        // first bytes, it is unknown.
        std::fs::write(root_dir.join("files/limit"), vec![b'x'; 1024]).expect("write");
        std::fs::write(root_dir.join("files/big"), vec![b'x'; 1025]).expect("write");
        assert_eq!(files.read("files/limit"), Seen::Value(vec![b'x'; 1024]));
        assert_eq!(files.read("files/big"), Seen::Unknown);
        let nothing = FileTree::default();
        let files = Files {
            tree: &nothing,
            root_dir: &root_dir,
            max_depth: 64,
        };
        assert_eq!(files.read("files/a.txt"), Seen::Outside);
    }
}
