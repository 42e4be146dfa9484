//! The ignore files a walk honours, read by spof rather than by the walker,
//! so that each one is bounded and none outside the repository is read.
//!
//! - In every directory the walk enters: `.gitignore` and `.ignore`.
//! - In the directories between the repository root (the nearest directory
//!   at or above the walk's root that holds `.git`) and the walk's root,
//!   root included: the same files, as git applies them to a subdirectory.
//!   Outside a repository, the walk's root is where they start. Nothing
//!   above either is read: a `*.yaml` in a parent directory of a checkout
//!   must not hide every file of it.
//! - In a directory holding `.git`: the repository's `info/exclude`.
//! - Not the user's global excludes file (`core.excludesFile`): a run on a
//!   developer's machine sees the files CI sees.
//!
//! Precedence is the walker's (ripgrep's): a match in a `.ignore` file, the
//! nearest first, wins over one in a `.gitignore` file, the nearest first,
//! which wins over `info/exclude`; within a file the last matching line
//! wins, and `!` re-includes. A re-included hidden file is walked.
//!
//! An ignore file is read as a walked input is: never through a symbolic
//! link (it could quote a file from elsewhere in its errors), never a FIFO,
//! and at most the size limit. One that cannot be read so is a problem
//! naming it, and is not applied: the files it would have hidden are read.

use super::read::{ReadError, read_bytes_unfollowed};
use super::{git_root, lexical_normalize};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The per-directory ignore files, in the order their matches win.
const NAMES: [&str; 2] = [".ignore", ".gitignore"];

/// Git's own ignore file of a repository, below its git directory.
const EXCLUDE: &str = "info/exclude";

/// An ignore file larger than this, or than the walk's size limit if that
/// is smaller, is not applied. Its cost is in its patterns, not its bytes:
/// compiling 256 KiB of patterns takes about 0.2 s of CPU and 75 MB (some
/// 17,000 plain ones) to 200 MB (wildcards in every part, until the regex
/// engine's own size limit refuses them); 1 MiB took up to 590 MB, and the
/// 16 MiB an input may have minutes and gigabytes. Real ignore files are a
/// few kilobytes.
pub const MAX_IGNORE_FILE_SIZE: u64 = 256 * 1024;

/// The rules of one directory and of the directories above it.
struct Level {
    parent: Option<Arc<Level>>,
    /// `.ignore` and `.gitignore` (as `NAMES`), then `info/exclude`.
    files: [Gitignore; 3],
}

/// The ignore files of one walk, read as it enters each directory (on the
/// walker's threads).
pub(super) struct Ignores {
    max_size: u64,
    /// Each directory's level by its absolute, lexically normalised path.
    /// A directory without rules of its own shares its parent's.
    levels: RwLock<HashMap<PathBuf, Arc<Level>>>,
    /// Ignore files that could not be read or hold invalid lines, with the
    /// reason.
    problems: Mutex<Vec<(PathBuf, String)>>,
}

impl Ignores {
    /// Reads the ignore files from the repository root down to the walk's
    /// `root` (as given; `base` is its absolute, normalised path), for a
    /// walk that reads ignore files of at most `max_size` bytes.
    pub(super) fn new(root: &Path, base: &Path, max_size: u64) -> Ignores {
        let ignores = Ignores {
            max_size: max_size.min(MAX_IGNORE_FILE_SIZE),
            levels: RwLock::new(HashMap::new()),
            problems: Mutex::new(Vec::new()),
        };
        let top = git_root(base).unwrap_or_else(|| base.to_path_buf());
        let mut dirs: Vec<&Path> = base
            .ancestors()
            .take_while(|dir| dir.starts_with(&top))
            .collect();
        dirs.reverse();
        let mut parent: Option<Arc<Level>> = None;
        for dir in dirs {
            // Shown as reached from the root: `..` above it.
            let up = base
                .strip_prefix(dir)
                .map(|rest| rest.components().count())
                .unwrap_or(0);
            let mut shown = root.to_path_buf();
            shown.extend(std::iter::repeat_n("..", up));
            let level = ignores.level(dir, &lexical_normalize(&shown), parent);
            parent = Some(level);
        }
        if let Some(level) = parent {
            ignores.insert(base, level);
        }
        ignores
    }

    /// Whether the rules above `path` (absolute, normalised, below the
    /// walk's root) leave it out: an ignore file says so, or it is hidden
    /// and none re-includes it.
    pub(super) fn skips(&self, path: &Path, is_dir: bool) -> bool {
        let parent = path.parent().and_then(|dir| {
            self.levels
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(dir)
                .cloned()
        });
        let hidden = path
            .file_name()
            .is_some_and(|name| name.as_encoded_bytes().starts_with(b"."));
        match parent.map_or(Match::None, |level| level.matched(path, is_dir)) {
            Match::Ignore(()) => true,
            Match::Whitelist(()) => false,
            Match::None => hidden,
        }
    }

    /// Reads the ignore files of `dir` (absolute, normalised; `shown` as
    /// the walk reached it), a directory the walk goes into.
    pub(super) fn enter(&self, dir: &Path, shown: &Path) {
        let parent = dir.parent().and_then(|up| {
            self.levels
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(up)
                .cloned()
        });
        let level = self.level(dir, shown, parent);
        self.insert(dir, level);
    }

    /// The ignore files that could not be read or hold invalid lines, with
    /// the reason (the caller sorts them).
    pub(super) fn take_problems(&self) -> Vec<(PathBuf, String)> {
        std::mem::take(&mut *self.problems.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn insert(&self, dir: &Path, level: Arc<Level>) {
        self.levels
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(dir.to_path_buf(), level);
    }

    /// `dir`'s level: its own files over `parent`, or `parent` itself when
    /// it has none.
    fn level(&self, dir: &Path, shown: &Path, parent: Option<Arc<Level>>) -> Arc<Level> {
        let mut files = [Gitignore::empty(), Gitignore::empty(), Gitignore::empty()];
        for (slot, name) in files.iter_mut().zip(NAMES) {
            *slot = self.read(dir, &dir.join(name), &shown.join(name));
        }
        if let Some(exclude) = exclude_file(dir) {
            let shown = match exclude.strip_prefix(dir) {
                Ok(rel) => shown.join(rel),
                // A worktree's, in the main repository's git directory.
                Err(_) => exclude.clone(),
            };
            files[2] = self.read(dir, &exclude, &shown);
        }
        if files.iter().all(Gitignore::is_empty)
            && let Some(parent) = parent
        {
            return parent;
        }
        Arc::new(Level { parent, files })
    }

    /// The rules of the ignore file at `path` (shown as `shown`), relative
    /// to `dir`; none when there is no such file, or it cannot be read.
    fn read(&self, dir: &Path, path: &Path, shown: &Path) -> Gitignore {
        let bytes = match read_bytes_unfollowed(path, self.max_size) {
            Ok(bytes) => bytes,
            // Absent is the common case, and no problem.
            Err(error) if error.is_not_found() => return Gitignore::empty(),
            Err(error) => {
                self.problem(shown, not_applied(&error));
                return Gitignore::empty();
            }
        };
        let mut builder = GitignoreBuilder::new(dir);
        let mut problems = Vec::new();
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let number = i + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = if i == 0 {
                line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line)
            } else {
                line
            };
            let Ok(line) = std::str::from_utf8(line) else {
                problems.push(format!(
                    "line {number}: not valid UTF-8; the line is not applied"
                ));
                continue;
            };
            if let Err(err) = builder.add_line(Some(shown.to_path_buf()), line) {
                problems.push(format!("line {number}: {}", glob_error(&err)));
            }
        }
        for message in problems {
            self.problem(shown, message);
        }
        builder.build().unwrap_or_else(|err| {
            self.problem(shown, format!("{err}; the file is not applied"));
            Gitignore::empty()
        })
    }

    fn problem(&self, path: &Path, message: String) {
        self.problems
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((path.to_path_buf(), message));
    }
}

impl Level {
    /// The first match of each kind of file from this level up, the kinds
    /// in order of precedence.
    fn matched(&self, path: &Path, is_dir: bool) -> Match<()> {
        for kind in 0..self.files.len() {
            let mut level = Some(self);
            while let Some(here) = level {
                match here.files[kind].matched(path, is_dir) {
                    Match::Ignore(_) => return Match::Ignore(()),
                    Match::Whitelist(_) => return Match::Whitelist(()),
                    Match::None => {}
                }
                level = here.parent.as_deref();
            }
        }
        Match::None
    }
}

/// Why an ignore file that exists is not applied.
fn not_applied(error: &ReadError) -> String {
    match error {
        ReadError::TooLarge { size, limit } => format!(
            "ignore file is too large ({size} bytes; the limit is {limit}); it is not applied"
        ),
        ReadError::NotAFile => "ignore file is not a regular file (a symbolic link, a FIFO or a \
             device); it is not applied"
            .to_string(),
        ReadError::NotUtf8 { .. } | ReadError::Io(_) => {
            format!("cannot read ignore file: {error}; it is not applied")
        }
    }
}

/// The reason alone: the caller names the file and the line.
fn glob_error(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Glob { glob, err } => match glob {
            Some(glob) => format!("invalid pattern `{glob}`: {err}"),
            None => err.clone(),
        },
        other => other.to_string(),
    }
}

/// The `info/exclude` of the repository whose `.git` is in `dir`: in the
/// `.git` directory, or for a worktree (`.git` a file naming its git
/// directory) in the common directory that git directory names.
fn exclude_file(dir: &Path) -> Option<PathBuf> {
    let git = dir.join(".git");
    let meta = git.symlink_metadata().ok()?;
    if meta.is_dir() {
        return Some(git.join(EXCLUDE));
    }
    if !meta.is_file() {
        return None;
    }
    let first_line = |path: &Path| -> Option<String> {
        let bytes = read_bytes_unfollowed(path, POINTER_SIZE).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        Some(text.lines().next()?.trim_end().to_string())
    };
    let pointer = first_line(&git)?;
    let git_dir = dir.join(pointer.strip_prefix("gitdir: ")?);
    // A submodule's git directory has no `commondir`: it is its own.
    let common = first_line(&git_dir.join("commondir")).unwrap_or_default();
    Some(lexical_normalize(&git_dir.join(common).join(EXCLUDE)))
}

/// `.git` files and `commondir` files hold one path.
const POINTER_SIZE: u64 = 64 * 1024;
