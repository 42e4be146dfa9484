//! Discover stage: turns the paths given on the command line into the list of
//! input files, honouring `.gitignore`/`.ignore`, hidden files and
//! `--exclude`, and reads them with bounded, panic-free I/O.
//!
//! Walking never follows symlinks: spof reads untrusted repositories, and a
//! symlink could point outside the tree or form a loop. Files named
//! explicitly are read even when they are symlinks, because the user chose
//! them.

mod kind;
mod read;

pub use kind::{FileKind, classify};
pub use read::{ReadError, read_file, read_stdin, read_unfollowed};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{Match, WalkBuilder};
use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The path that stands for standard input.
pub const STDIN_MARKER: &str = "-";

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Files and directories to check; `-` is standard input. Empty means `.`.
    pub paths: Vec<PathBuf>,
    /// gitignore-style globs (`--exclude`).
    pub excludes: Vec<String>,
    /// Also apply `excludes` to paths given explicitly (pre-commit passes
    /// every changed file explicitly).
    pub force_exclude: bool,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            paths: vec![PathBuf::from(".")],
            excludes: Vec::new(),
            force_exclude: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Input {
    File {
        /// As reached from the given path (walking `.` gives `./a/b.yaml`).
        path: PathBuf,
        kind: FileKind,
        /// Named on the command line rather than found by walking.
        explicit: bool,
    },
    Stdin,
}

impl Input {
    /// The file's path; `None` for standard input.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::File { path, .. } => Some(path),
            Input::Stdin => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// Standard input first (at most once), then files sorted by path, each
    /// file once.
    pub inputs: Vec<Input>,
    /// Paths that could not be looked at, with the reason: a missing path,
    /// an unreadable directory, an invalid `--exclude` glob.
    pub problems: Vec<(PathBuf, String)>,
}

/// Checks `--exclude` globs up front, so the CLI can report a usage error.
pub fn validate_excludes(globs: &[String]) -> Result<(), String> {
    Excludes::new(globs, None).map(|_| ())
}

pub fn discover(opts: &DiscoverOptions) -> Discovered {
    let mut problems = Vec::new();
    // Looked up once: every file's key is made absolute against it.
    let cwd = std::env::current_dir().ok();
    let excludes = match Excludes::new(&opts.excludes, cwd.as_deref()) {
        Ok(excludes) => excludes,
        Err(message) => {
            problems.push((PathBuf::from("--exclude"), message));
            Excludes::none()
        }
    };
    let default_paths = [PathBuf::from(".")];
    let paths = if opts.paths.is_empty() {
        &default_paths[..]
    } else {
        &opts.paths[..]
    };

    let mut stdin = false;
    let mut files = Files {
        by_key: BTreeMap::new(),
        cwd,
    };
    for path in paths {
        if path.as_os_str() == STDIN_MARKER {
            stdin = true;
            continue;
        }
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) => {
                problems.push((path.clone(), path_error(path, &err)));
                continue;
            }
        };
        // Paths named on the command line are excluded only when forced.
        if opts.force_exclude && excludes.is_excluded(path, None, meta.is_dir()) {
            continue;
        }
        if meta.is_dir() {
            walk(path, &excludes, &mut files, &mut problems);
        } else if let Some(kind) = classify(path) {
            files.add(path.clone(), kind, true);
        }
    }

    let mut inputs = Vec::with_capacity(files.by_key.len() + usize::from(stdin));
    if stdin {
        inputs.push(Input::Stdin);
    }
    inputs.extend(files.by_key.into_values());
    problems.sort();
    problems.dedup();
    Discovered { inputs, problems }
}

/// Files keyed by their lexically normalised path, so that `a.yaml` given
/// twice, or given and also walked, is read once and in path order.
struct Files {
    by_key: BTreeMap<PathBuf, Input>,
    /// The current directory, `None` if it cannot be looked up.
    cwd: Option<PathBuf>,
}

impl Files {
    fn add(&mut self, path: PathBuf, kind: FileKind, explicit: bool) {
        // Keyed absolutely: `worker.yaml` named from `sub/` and
        // `../sub/worker.yaml` reached by walking the parent are one file.
        let key = absolute_from(&path, self.cwd.as_deref());
        self.by_key
            .entry(key)
            .and_modify(|input| {
                if let Input::File { explicit: e, .. } = input {
                    *e |= explicit;
                }
            })
            .or_insert(Input::File {
                path,
                kind,
                explicit,
            });
    }
}

fn walk(
    root: &Path,
    excludes: &Excludes,
    files: &mut Files,
    problems: &mut Vec<(PathBuf, String)>,
) {
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(true)
        .hidden(true)
        .follow_links(false)
        // A checkout without `.git` (an export, some CI caches) must see the
        // same files as a clone.
        .require_git(false);
    if !excludes.is_empty() {
        let excludes = excludes.clone();
        let root = root.to_path_buf();
        builder.filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !excludes.is_excluded(entry.path(), Some(&root), is_dir)
        });
    }
    for entry in builder.build() {
        match entry {
            Ok(entry) => {
                // With `follow_links(false)` a symlink reports its own type,
                // so symlinks are never regular files here.
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                if let Some(kind) = classify(entry.path()) {
                    files.add(entry.into_path(), kind, false);
                }
            }
            Err(err) => {
                let (path, message) = walk_error(&err);
                problems.push((path.unwrap_or_else(|| root.to_path_buf()), message));
            }
        }
    }
}

fn path_error(path: &Path, err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => {
            if path.symlink_metadata().is_ok() {
                "broken symlink".to_string()
            } else {
                "no such file or directory".to_string()
            }
        }
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

/// Splits a walk error into the path it concerns and a message without the
/// path, since the caller prints the path itself.
fn walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (inner, message) = walk_error(err);
            (inner.or_else(|| Some(path.clone())), message)
        }
        ignore::Error::WithDepth { err, .. } => walk_error(err),
        ignore::Error::WithLineNumber { line, err } => {
            let (path, message) = walk_error(err);
            (path, format!("line {line}: {message}"))
        }
        ignore::Error::Loop { ancestor, child } => (
            Some(child.clone()),
            format!("symlink loop back to {}", ancestor.display()),
        ),
        ignore::Error::Io(err) => (None, path_error(Path::new(""), err)),
        ignore::Error::Partial(errs) => {
            let mut path = None;
            let mut messages = Vec::new();
            for err in errs {
                let (p, m) = walk_error(err);
                path = path.or(p);
                messages.push(m);
            }
            (path, messages.join("; "))
        }
        other => (None, other.to_string()),
    }
}

/// The reason alone: the caller already names the glob.
fn glob_error(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

/// `--exclude` globs with gitignore semantics: a glob without `/` matches a
/// file or directory name at any depth, one with `/` is anchored, a trailing
/// `/` matches directories only, and `!` re-includes.
#[derive(Clone)]
struct Excludes {
    matcher: Arc<Gitignore>,
    cwd: Option<PathBuf>,
}

impl Excludes {
    /// `cwd` is the current directory, which relative paths are matched
    /// from.
    fn new(globs: &[String], cwd: Option<&Path>) -> Result<Self, String> {
        let mut builder = GitignoreBuilder::new(".");
        for glob in globs {
            builder.add_line(None, glob).map_err(|err| {
                format!("invalid --exclude pattern `{glob}`: {}", glob_error(&err))
            })?;
        }
        let matcher = builder
            .build()
            .map_err(|err| format!("invalid --exclude pattern: {err}"))?;
        Ok(Self {
            matcher: Arc::new(matcher),
            cwd: cwd.map(lexical_normalize),
        })
    }

    fn none() -> Self {
        Self {
            matcher: Arc::new(Gitignore::empty()),
            cwd: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.matcher.is_empty()
    }

    /// Matches `path` as given (relative to the current directory) and, for
    /// walked entries, relative to the walk root; either match excludes it.
    ///
    /// A walked entry is matched alone: the walk already pruned excluded
    /// parents, and must not exclude the contents of a directory the user
    /// named. An explicit file is matched with its parent directories.
    fn is_excluded(&self, path: &Path, walk_root: Option<&Path>, is_dir: bool) -> bool {
        if self.is_empty() {
            return false;
        }
        let with_parents = walk_root.is_none();
        let as_given = self.relative_to_cwd(path);
        if self.matches(&as_given, is_dir, with_parents) {
            return true;
        }
        walk_root
            .and_then(|root| path.strip_prefix(root).ok())
            .is_some_and(|rel| self.matches(&lexical_normalize(rel), is_dir, with_parents))
    }

    /// Absolute paths outside the current directory lose their root, so that
    /// they are still matched by name and never trip the matcher's
    /// "path must be under the root" assertion.
    fn relative_to_cwd(&self, path: &Path) -> PathBuf {
        let path = lexical_normalize(path);
        if !path.has_root() {
            return path;
        }
        if let Some(rel) = self
            .cwd
            .as_ref()
            .and_then(|cwd| path.strip_prefix(cwd).ok())
        {
            return rel.to_path_buf();
        }
        path.components()
            .filter(|c| matches!(c, Component::Normal(_) | Component::ParentDir))
            .collect()
    }

    /// The path is tried before its parents, so the most specific glob wins,
    /// as in `Gitignore::matched_path_or_any_parents` (which panics on paths
    /// outside its root, hence this loop).
    fn matches(&self, rel: &Path, is_dir: bool, with_parents: bool) -> bool {
        if rel.as_os_str().is_empty() {
            return false;
        }
        let mut current = Some(rel);
        let mut current_is_dir = is_dir;
        while let Some(p) = current.filter(|p| !p.as_os_str().is_empty()) {
            match self.matcher.matched(p, current_is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
            if !with_parents {
                break;
            }
            current = p.parent();
            current_is_dir = true;
        }
        false
    }
}

/// Removes `.` components and resolves `..` against the preceding
/// component, without touching the filesystem. A leading `..` is kept.
pub(crate) fn lexical_normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// [`std::path::absolute`], lexically normalised, with the current directory
/// looked up once by the caller rather than once per path (a system call
/// each): `cwd` is that directory, `None` when it could not be looked up, in
/// which case a relative path stays relative, as it does when empty.
pub(crate) fn absolute_from(path: &Path, cwd: Option<&Path>) -> PathBuf {
    match cwd {
        Some(cwd) if !path.as_os_str().is_empty() => lexical_normalize(&cwd.join(path)),
        _ => lexical_normalize(path),
    }
}

/// The nearest directory at or above `start` that holds `.git` (a directory
/// in a clone, a file in a worktree or submodule).
pub fn git_root(start: &Path) -> Option<PathBuf> {
    let start = lexical_normalize(&std::path::absolute(start).ok()?);
    start
        .ancestors()
        .find(|dir| dir.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests;
