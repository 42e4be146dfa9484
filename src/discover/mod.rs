//! Discover stage: turns the paths given on the command line into the list of
//! input files, honouring `.gitignore`/`.ignore` (up to the repository root,
//! never above it: see `ignores`), hidden files and `--exclude`, and reads
//! them with bounded, panic-free I/O.
//!
//! Walking never follows symlinks: spof reads untrusted repositories, and a
//! symlink could point outside the tree or form a loop. Files named
//! explicitly are read even when they are symlinks, because the user chose
//! them.

mod git_index;
mod ignores;
mod kind;
mod read;

pub use ignores::MAX_IGNORE_FILE_SIZE;
pub use kind::{CONFIG_FILE_NAME, Claim, FileKind, Name, classify};
pub use read::{
    ReadError, read_bytes_unfollowed, read_file, read_input, read_named, read_stdin,
    read_unfollowed, read_unfollowed_into,
};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, Match, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The path that stands for standard input.
pub const STDIN_MARKER: &str = "-";

/// Larger files are reported and skipped, and larger ignore files are
/// reported and not applied.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Files and directories to check; `-` is standard input. Empty means `.`.
    pub paths: Vec<PathBuf>,
    /// gitignore-style globs (`--exclude`).
    pub excludes: Vec<String>,
    /// Also apply `excludes` to paths given explicitly (pre-commit passes
    /// every changed file explicitly).
    pub force_exclude: bool,
    /// A larger ignore file is a problem, and is not applied (nor is one
    /// over [`MAX_IGNORE_FILE_SIZE`]).
    pub max_file_size: u64,
    /// Which files are inputs, and of which kind, by their name: the
    /// frontends' claims, given by the caller (the default takes none).
    pub classify: fn(&Path) -> Option<FileKind>,
    /// For a directory holding walked inputs (by its key), the directories
    /// whose files are inputs too although hidden or ignored: a frontend's
    /// own tool wrote them there (Terraform's installed modules). Each is
    /// read without descending into its subdirectories.
    pub side_dirs: fn(&Path) -> Vec<PathBuf>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            paths: vec![PathBuf::from(".")],
            excludes: Vec::new(),
            force_exclude: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            classify: |_| None,
            side_dirs: |_| Vec::new(),
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
    discover_visiting(opts, |_, _: &mut ()| None::<()>).0
}

/// What [`discover_visiting`] has for one input beside the input itself.
#[derive(Debug)]
pub struct Visited<T> {
    /// The file's absolute, lexically normalised path (see
    /// `absolute_from`; relative if the current directory cannot be
    /// looked up): what tells two spellings of one file apart. `None` for
    /// standard input.
    pub key: Option<PathBuf>,
    /// What `visit` returned for a walked file; `None` for standard input
    /// and for a file named explicitly (even if a walk found it too).
    pub visit: Option<T>,
}

/// [`discover`], calling `visit` on every file a walk finds, on the walk's
/// own threads as it finds them (so that reading the files overlaps walking
/// the directories), with a scratch value each thread keeps for itself.
/// Beside the inputs come, in the same order, their keys and what `visit`
/// returned.
pub fn discover_visiting<T, S, F>(opts: &DiscoverOptions, visit: F) -> (Discovered, Vec<Visited<T>>)
where
    T: Send,
    S: Default + Send,
    F: Fn(&Path, &mut S) -> Option<T> + Sync,
{
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
        found: Vec::new(),
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
            let walk_options = WalkOptions {
                excludes: &excludes,
                max_file_size: opts.max_file_size,
                classify: opts.classify,
                side_dirs: opts.side_dirs,
            };
            walk(path, &walk_options, &visit, &mut files, &mut problems);
        } else if let Some(kind) = (opts.classify)(path) {
            files.found.push(Found {
                key: absolute_from(path, files.cwd.as_deref()),
                path: path.clone(),
                kind,
                explicit: true,
                visit: None,
            });
        }
    }

    let (inputs, visited) = files.into_sorted(stdin);
    problems.sort();
    problems.dedup();
    (Discovered { inputs, problems }, visited)
}

/// A file named or walked, keyed by its absolute, lexically normalised path,
/// so that `a.yaml` given twice, or given and also walked, is read once and
/// in path order. (Keyed absolutely: `worker.yaml` named from `sub/` and
/// `../sub/worker.yaml` reached by walking the parent are one file.)
struct Found<T> {
    key: PathBuf,
    path: PathBuf,
    kind: FileKind,
    explicit: bool,
    visit: Option<T>,
}

/// The files in the order they were named or walked (a walk's own files in
/// no particular order, but each once).
struct Files<T> {
    found: Vec<Found<T>>,
    /// The current directory, `None` if it cannot be looked up.
    cwd: Option<PathBuf>,
}

impl<T> Files<T> {
    /// Standard input first if `stdin`, then each file once, sorted by key:
    /// by the first path it was reached by, explicit if it was ever named,
    /// visited only if it never was.
    fn into_sorted(self, stdin: bool) -> (Vec<Input>, Vec<Visited<T>>) {
        // The keys alone are sorted, not the files with what the visits
        // returned. Stable: of two spellings of one file, the first stays.
        let capacity = self.found.len() + usize::from(stdin);
        let mut found: Vec<Option<Found<T>>> = Vec::with_capacity(self.found.len());
        let mut order: Vec<(PathBuf, usize)> = Vec::with_capacity(self.found.len());
        for (i, mut file) in self.found.into_iter().enumerate() {
            order.push((std::mem::take(&mut file.key), i));
            found.push(Some(file));
        }
        order.sort_by(|a, b| a.0.cmp(&b.0));
        let mut inputs: Vec<Input> = Vec::with_capacity(capacity);
        let mut visited: Vec<Visited<T>> = Vec::with_capacity(capacity);
        if stdin {
            inputs.push(Input::Stdin);
            visited.push(Visited {
                key: None,
                visit: None,
            });
        }
        for (key, i) in order {
            let Some(file) = found.get_mut(i).and_then(Option::take) else {
                continue;
            };
            if let (Some(Input::File { explicit, .. }), Some(last)) =
                (inputs.last_mut(), visited.last_mut())
                && last.key.as_ref() == Some(&key)
            {
                if file.explicit {
                    *explicit = true;
                    last.visit = None;
                }
                continue;
            }
            inputs.push(Input::File {
                path: file.path,
                kind: file.kind,
                explicit: file.explicit,
            });
            visited.push(Visited {
                key: Some(key),
                visit: if file.explicit { None } else { file.visit },
            });
        }
        (inputs, visited)
    }
}

/// What a walk leaves out beside hidden files and ignore files.
struct WalkOptions<'a> {
    excludes: &'a Excludes,
    /// Of ignore files.
    max_file_size: u64,
    classify: fn(&Path) -> Option<FileKind>,
    side_dirs: fn(&Path) -> Vec<PathBuf>,
}

/// Walks `root` on the walker's threads (as many as there are cores), each
/// keeping what it finds to itself until the walk ends; the files are
/// sorted afterwards, and the problems too, so the order the threads ran in
/// never shows.
fn walk<T, S, F>(
    root: &Path,
    options: &WalkOptions<'_>,
    visit: &F,
    files: &mut Files<T>,
    problems: &mut Vec<(PathBuf, String)>,
) where
    T: Send,
    S: Default + Send,
    F: Fn(&Path, &mut S) -> Option<T> + Sync,
{
    let base = absolute_from(root, files.cwd.as_deref());
    // Hidden files and ignore files are left out by spof's own filter
    // (`ignores`), not the walker's, which reads ignore files of any size
    // in every directory up to the file system's root.
    let ignores = Arc::new(ignores::Ignores::new(root, &base, options.max_file_size));
    let mut builder = WalkBuilder::new(root);
    builder.standard_filters(false).follow_links(false);
    {
        let excludes = options.excludes.clone();
        let ignores = Arc::clone(&ignores);
        let root = root.to_path_buf();
        let base = base.clone();
        let cwd = files.cwd.clone();
        // Walking the current directory, an entry as given and as reached
        // from the root are one path, matched once.
        let root_is_here = excludes.relative_to_cwd(&root).as_os_str().is_empty();
        builder.filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let path = entry.path();
            let below = path.strip_prefix(&root);
            let excluded = !excludes.is_empty()
                && match below {
                    // A walked path below its root is names alone: normal.
                    Ok(rel) if root_is_here => excludes.matches(rel, is_dir, false),
                    _ => excludes.is_excluded(path, Some(&root), is_dir),
                };
            if excluded {
                return false;
            }
            let key = match below {
                Ok(rel) => base.join(rel),
                Err(_) => absolute_from(path, cwd.as_deref()),
            };
            if ignores.skips(&key, is_dir) {
                return false;
            }
            if is_dir {
                ignores.enter(&key, path);
            }
            true
        });
    }
    let walked = Mutex::new(Walked {
        found: Vec::new(),
        problems: Vec::new(),
    });
    builder.build_parallel().visit(&mut WalkerBuilder {
        shared: Shared {
            root,
            base: &base,
            cwd: files.cwd.as_deref(),
            on_file: visit,
            walked: &walked,
            classify: options.classify,
        },
        scratch: std::marker::PhantomData::<fn() -> S>,
    });
    let walked = walked.into_inner().unwrap_or_else(PoisonError::into_inner);
    let mut found: Vec<Found<T>> = walked.found.into_iter().flatten().collect();
    let tracked = tracked_but_ignored(root, &base, options, &found, visit);
    found.extend(tracked);
    let side = side_files(root, &base, options, &found, visit);
    found.extend(side);
    files.found.extend(found);
    problems.extend(walked.problems);
    problems.extend(ignores.take_problems());
}

/// The files below `root` that git tracks and the walk did not return
/// because a `.gitignore` pattern (or `.git/info/exclude`, or the global
/// excludes file) hid them: git ignores those for tracked files, so spof
/// does too. The index is read from `.git/index` (see [`git_index`]).
/// Hidden files, files `--exclude` or a `.ignore` file excludes, and files
/// reached through a symbolic link stay out, as in the walk. `base` is
/// `root`'s key.
fn tracked_but_ignored<T, S, F>(
    root: &Path,
    base: &Path,
    options: &WalkOptions<'_>,
    walked: &[Found<T>],
    visit: &F,
) -> Vec<Found<T>>
where
    S: Default,
    F: Fn(&Path, &mut S) -> Option<T>,
{
    let Some(repository) = git_root(base) else {
        return Vec::new();
    };
    let Some(index) = git_index::index_path(&repository) else {
        return Vec::new();
    };
    let known: std::collections::HashSet<&Path> = walked.iter().map(|f| f.key.as_path()).collect();
    let mut dot_ignores = DotIgnores::default();
    let mut scratch = S::default();
    let mut added = Vec::new();
    for tracked in git_index::tracked_files(&index) {
        let key = repository.join(&tracked);
        let Ok(below) = key.strip_prefix(base) else {
            continue;
        };
        let hidden = below
            .components()
            .any(|c| c.as_os_str().as_encoded_bytes().starts_with(b"."));
        if hidden || known.contains(key.as_path()) {
            continue;
        }
        // Unclaimed files first: they need no ignore file read.
        if (options.classify)(&key).is_none() || dot_ignores.ignores(base, below) {
            continue;
        }
        if let Some(found) = admit(root, base, below, key.clone(), options, visit, &mut scratch) {
            added.push(found);
        }
    }
    added
}

/// A file the walk did not reach but the run reads (`base/below`, whose
/// key is `key`): claimed by a frontend, not excluded, and a regular file
/// reached through directories alone; visited, as the walk visits.
fn admit<T, S, F>(
    root: &Path,
    base: &Path,
    below: &Path,
    key: PathBuf,
    options: &WalkOptions<'_>,
    visit: &F,
    scratch: &mut S,
) -> Option<Found<T>>
where
    F: Fn(&Path, &mut S) -> Option<T>,
{
    let kind = (options.classify)(&key)?;
    let path = root.join(below);
    if options.excludes.matches(below, false, true)
        || options.excludes.is_excluded(&path, None, false)
        || !real_file_below(base, below)
    {
        return None;
    }
    let visit = visit(&path, scratch);
    Some(Found {
        key,
        path,
        kind,
        explicit: false,
        visit,
    })
}

/// The files of the side directories ([`DiscoverOptions::side_dirs`]) of
/// the directories that hold walked files, below `root` and not walked
/// already; `--exclude` still applies, and a file reached through a
/// symbolic link stays out, as in the walk. `base` is `root`'s key.
fn side_files<T, S, F>(
    root: &Path,
    base: &Path,
    options: &WalkOptions<'_>,
    walked: &[Found<T>],
    visit: &F,
) -> Vec<Found<T>>
where
    S: Default,
    F: Fn(&Path, &mut S) -> Option<T>,
{
    let dirs: std::collections::BTreeSet<&Path> =
        walked.iter().filter_map(|f| f.key.parent()).collect();
    let known: std::collections::HashSet<&Path> = walked.iter().map(|f| f.key.as_path()).collect();
    let mut scratch = S::default();
    let mut added: Vec<Found<T>> = Vec::new();
    let mut seen: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for dir in dirs {
        for side in (options.side_dirs)(dir) {
            let side = lexical_normalize(&side);
            let Ok(below_dir) = side.strip_prefix(base) else {
                continue;
            };
            let Ok(entries) = std::fs::read_dir(&side) else {
                continue;
            };
            let mut names: Vec<std::ffi::OsString> =
                entries.filter_map(|e| Some(e.ok()?.file_name())).collect();
            names.sort();
            for name in names {
                let below = below_dir.join(&name);
                let key = base.join(&below);
                if known.contains(key.as_path()) || !seen.insert(key.clone()) {
                    continue;
                }
                if let Some(found) = admit(root, base, &below, key, options, visit, &mut scratch) {
                    added.push(found);
                }
            }
        }
    }
    added
}

/// Whether `base/below` is a regular file reached through directories
/// alone, none of them a symbolic link: the walk never follows one.
fn real_file_below(base: &Path, below: &Path) -> bool {
    let mut path = base.to_path_buf();
    let mut parts = below.components().peekable();
    while let Some(part) = parts.next() {
        path.push(part);
        let Ok(meta) = path.symlink_metadata() else {
            return false;
        };
        let expected = if parts.peek().is_some() {
            meta.is_dir()
        } else {
            meta.is_file()
        };
        if !expected {
            return false;
        }
    }
    true
}

/// The `.ignore` files of the directories below a walk root, read once
/// each: they hide files from spof whether git tracks them or not.
#[derive(Default)]
struct DotIgnores {
    by_dir: std::collections::HashMap<PathBuf, Option<Gitignore>>,
}

impl DotIgnores {
    /// Whether the `.ignore` file nearest to `base/below` that matches it
    /// (from `base` down) ignores it.
    fn ignores(&mut self, base: &Path, below: &Path) -> bool {
        let mut dir = base.to_path_buf();
        let mut dirs = vec![dir.clone()];
        if let Some(parent) = below.parent() {
            for part in parent.components() {
                dir.push(part);
                dirs.push(dir.clone());
            }
        }
        let file = base.join(below);
        for dir in dirs.into_iter().rev() {
            let matcher = self.by_dir.entry(dir).or_insert_with_key(|dir| {
                let path = dir.join(".ignore");
                path.is_file().then(|| Gitignore::new(&path).0)
            });
            match matcher
                .as_ref()
                .map(|m| m.matched_path_or_any_parents(&file, false))
            {
                Some(Match::Ignore(_)) => return true,
                Some(Match::Whitelist(_)) => return false,
                _ => {}
            }
        }
        false
    }
}

/// What the walker's threads found, each thread's files apart.
struct Walked<T> {
    found: Vec<Vec<Found<T>>>,
    problems: Vec<(PathBuf, String)>,
}

/// What every walker thread reads.
struct Shared<'a, F, T> {
    root: &'a Path,
    /// `root`'s key.
    base: &'a Path,
    cwd: Option<&'a Path>,
    on_file: &'a F,
    walked: &'a Mutex<Walked<T>>,
    classify: fn(&Path) -> Option<FileKind>,
}

// Not derived: that would ask `F: Copy` and `T: Copy` of what is borrowed.
impl<F, T> Clone for Shared<'_, F, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F, T> Copy for Shared<'_, F, T> {}

/// Makes one [`Walker`] per walker thread.
struct WalkerBuilder<'a, F, T, S> {
    shared: Shared<'a, F, T>,
    scratch: std::marker::PhantomData<fn() -> S>,
}

impl<'a, F, T, S> ParallelVisitorBuilder<'a> for WalkerBuilder<'a, F, T, S>
where
    T: Send,
    S: Default + Send + 'a,
    F: Fn(&Path, &mut S) -> Option<T> + Sync,
{
    fn build(&mut self) -> Box<dyn ParallelVisitor + 'a> {
        Box::new(Walker {
            shared: self.shared,
            found: Vec::new(),
            problems: Vec::new(),
            scratch: S::default(),
        })
    }
}

/// One walker thread's share, handed over when the thread is done.
struct Walker<'a, F, T, S> {
    shared: Shared<'a, F, T>,
    found: Vec<Found<T>>,
    problems: Vec<(PathBuf, String)>,
    scratch: S,
}

impl<F, T, S> ParallelVisitor for Walker<'_, F, T, S>
where
    T: Send,
    S: Send,
    F: Fn(&Path, &mut S) -> Option<T> + Sync,
{
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(entry) => {
                // With `follow_links(false)` a symlink reports its own type,
                // so symlinks are never regular files here.
                if entry.file_type().is_some_and(|t| t.is_file())
                    && let Some(kind) = (self.shared.classify)(entry.path())
                {
                    let visit = (self.shared.on_file)(entry.path(), &mut self.scratch);
                    let path = entry.into_path();
                    // Below the root a walked path is names alone, so its
                    // key is the root's with those names.
                    let key = match path.strip_prefix(self.shared.root) {
                        Ok(rel) => self.shared.base.join(rel),
                        Err(_) => absolute_from(&path, self.shared.cwd),
                    };
                    self.found.push(Found {
                        key,
                        path,
                        kind,
                        explicit: false,
                        visit,
                    });
                }
            }
            Err(err) => self.problems.push(walk_error(&err, self.shared.root)),
        }
        WalkState::Continue
    }
}

impl<F, T, S> Drop for Walker<'_, F, T, S> {
    fn drop(&mut self) {
        let mut walked = self
            .shared
            .walked
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        walked.found.push(std::mem::take(&mut self.found));
        walked.problems.append(&mut self.problems);
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

/// Splits a walk error into the path it concerns (`root` when it names
/// none) and a message without the path, since the caller prints the path
/// itself; but the walk's own failures to look at a path are worded as the
/// sequential walk (walkdir) worded them.
fn walk_error(err: &ignore::Error, root: &Path) -> (PathBuf, String) {
    if let Some((depth, path, io)) = walker_io_error(err) {
        // Listing a directory failed part-way: the error is one level below
        // the directory, and the sequential walk did not name it.
        let listing = depth.is_some_and(|depth| {
            path.strip_prefix(root)
                .is_ok_and(|rel| rel.components().count() + 1 == depth)
        });
        return if listing {
            (root.to_path_buf(), io_message(None, io))
        } else {
            (path.to_path_buf(), io_message(Some(path), io))
        };
    }
    let (path, message) = error_parts(err);
    (path.unwrap_or_else(|| root.to_path_buf()), message)
}

/// A failure of the walk itself (opening the root or a directory, listing
/// one, typing an entry): an `io::Error` with a path and a depth, where
/// errors in ignore files have no depth.
fn walker_io_error(err: &ignore::Error) -> Option<(Option<usize>, &Path, &io::Error)> {
    use ignore::Error::{Io, WithDepth, WithPath};
    match err {
        WithDepth { depth, err } => match &**err {
            WithPath { path, err } => io_within(err).map(|io| (Some(*depth), path.as_path(), io)),
            _ => None,
        },
        WithPath { path, err } => match &**err {
            WithDepth { err, .. } => match &**err {
                Io(io) => Some((None, path.as_path(), io)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The `io::Error` in `err`, alone or with a depth.
fn io_within(err: &ignore::Error) -> Option<&io::Error> {
    match err {
        ignore::Error::Io(io) => Some(io),
        ignore::Error::WithDepth { err, .. } => match &**err {
            ignore::Error::Io(io) => Some(io),
            _ => None,
        },
        _ => None,
    }
}

/// A missing or forbidden path in words; any other failure as walkdir
/// words it, with the path when it has one.
fn io_message(path: Option<&Path>, err: &io::Error) -> String {
    match (err.kind(), path) {
        (io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied, _) | (_, None) => {
            path_error(Path::new(""), err)
        }
        (_, Some(path)) => format!("IO error for operation on {}: {err}", path.display()),
    }
}

/// Splits an error into the path it concerns and a message without it.
fn error_parts(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (inner, message) = error_parts(err);
            (inner.or_else(|| Some(path.clone())), message)
        }
        ignore::Error::WithDepth { err, .. } => error_parts(err),
        ignore::Error::WithLineNumber { line, err } => {
            let (path, message) = error_parts(err);
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
                let (p, m) = error_parts(err);
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

/// Where a symbolic link on `path` leads, when that is outside the current
/// directory: a pull request must not make spof read or quote files from
/// elsewhere on the machine. The link checked is `path` itself and, for a
/// path inside the current directory, every directory on the way to it
/// (`manifests -> /etc` named as `manifests` or `manifests/passwd`). Walks
/// never follow links; this guards the paths named on the command line and
/// the files read beside the inputs.
pub fn symlink_escape(path: &Path, cwd: &Path) -> Option<PathBuf> {
    let full = absolute(path);
    let base = absolute(cwd);
    let Ok(inside) = full.strip_prefix(&base) else {
        return link_escape(path, cwd);
    };
    let mut prefix = base.clone();
    inside.components().find_map(|part| {
        prefix.push(part);
        link_escape(&prefix, cwd)
    })
}

/// Where `path` leads when it is itself a symbolic link to something
/// outside the current directory.
pub fn link_escape(path: &Path, cwd: &Path) -> Option<PathBuf> {
    if !path.symlink_metadata().ok()?.file_type().is_symlink() {
        return None;
    }
    // A link that leads nowhere (dangling, a loop) is reported by the
    // reader; only a target that exists can be read.
    let target = std::fs::canonicalize(path).ok()?;
    let root = std::fs::canonicalize(cwd).ok()?;
    (!target.starts_with(&root)).then_some(target)
}

/// The absolute, lexically normalised form of a path: what tells two
/// spellings of one file apart without touching the file system.
pub fn absolute(path: &Path) -> PathBuf {
    lexical_normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests;
