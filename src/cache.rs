//! The parse cache of repository runs.
//!
//! A pre-commit run names a few files but builds the graph from the whole
//! repository, so without a cache it parses every file of the repository on
//! every commit. The cache keeps what parsing and Terraform evaluation
//! produced, keyed by a BLAKE3 hash of everything the result depends on:
//!
//! - `yaml/`: what the extractors take from one YAML or JSON file (the
//!   documents they read, and the resources of its Terraform plans; see
//!   [`crate::check::Sifted`]), keyed by its text and the parse limits;
//! - `tf-calls/`: the module calls of one Terraform file, keyed by its name,
//!   its text and the limits (what decides the root modules without
//!   parsing);
//! - `tf-file/`: the declarations of one Terraform file, likewise keyed (what
//!   evaluating a root module again needs of the files that did not change);
//! - `tf-model/`: the entities the knowledge base makes of one root module's
//!   resources, and its unfollowed module calls, keyed by the root's
//!   `tf-root/` key and the knowledge base (with `--rules` extensions); a
//!   root that a plan is merged into is not kept;
//! - `nomad/`: the jobs read from one Nomad job file, keyed by its text and
//!   the depth limit;
//! - `tf-root/`: the resources and unfollowed module calls of one root
//!   module, keyed by the path and text of every file of every module it
//!   can reach, the variables and variable files, and the limits.
//!
//! Entries are content-addressed, so an entry is never stale: a changed file
//! has another key. Files that do not parse are never cached (their errors
//! are reported afresh). Entries are written atomically (a temporary file
//! renamed into place); an entry that cannot be read or decoded, or whose
//! ranges do not fit the file, is a miss, and the run parses the file.
//!
//! The cache lives in the user's cache directory, never in the checked
//! tree: a pull request must not be able to plant entries that change what
//! spof sees. Its location is `--cache-dir`, else `$SPOF_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/spof`, else `$HOME/.cache/spof`.

use crate::source::{FileId, Span, TextRange};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped whenever a cached type or a key changes.
const FORMAT: u32 = 3;

/// The kinds of entries, one directory each.
const KINDS: [&str; 6] = [
    "yaml", "tf-calls", "tf-file", "tf-root", "tf-model", "nomad",
];

/// What spof writes in CACHEDIR.TAG.
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
                   # This file is a cache directory tag created by spof.\n";

/// `v<format>-<spof version>`, as [`Cache::open`] names its directories.
fn is_version_dir(name: &str) -> bool {
    let Some((format, version)) = name.strip_prefix('v').and_then(|n| n.split_once('-')) else {
        return false;
    };
    let numbers: Vec<&str> = version.split(['.', '-', '+']).take(3).collect();
    !format.is_empty()
        && format.bytes().all(|b| b.is_ascii_digit())
        && numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `dir` is a directory holding nothing but entry directories.
fn only_kinds(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().all(|e| {
        e.file_type().is_ok_and(|t| t.is_dir())
            && e.file_name().to_str().is_some_and(|n| KINDS.contains(&n))
    })
}

/// An open cache: one directory per format and spof version.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
}

/// What an entry is keyed by: a BLAKE3 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

/// Builds a [`Key`] from length-prefixed parts, so that no two sequences of
/// parts hash alike.
pub struct KeyBuilder(blake3::Hasher);

impl KeyBuilder {
    /// A key for entries of `kind`.
    pub fn new(kind: &str) -> Self {
        let mut builder = Self(blake3::Hasher::new());
        builder.bytes(kind.as_bytes());
        builder.u64(u64::from(FORMAT));
        builder
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn str(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.0.update(&value.to_le_bytes());
        self
    }

    /// Another key, as a part of this one.
    pub fn key_part(&mut self, key: &Key) -> &mut Self {
        self.bytes(&key.0)
    }

    pub fn key(&self) -> Key {
        Key(*self.0.finalize().as_bytes())
    }
}

/// The hash of a file's text, for keys made of many files.
pub fn content_hash(text: &str) -> [u8; 32] {
    *blake3::hash(text.as_bytes()).as_bytes()
}

impl Key {
    fn hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
        s
    }
}

/// Where the cache lives when `--cache-dir` is not given.
pub fn default_dir() -> Option<PathBuf> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from_env("SPOF_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|d| d.join("spof")))
        .or_else(|| from_env("HOME").map(|d| d.join(".cache").join("spof")))
}

impl Cache {
    /// Opens (creating) the cache under `root`; `None` when it cannot be
    /// created, and the run goes on without one. Directories of other
    /// formats or spof versions are removed.
    pub fn open(root: &Path) -> Option<Cache> {
        let version = format!("v{FORMAT}-{}", env!("CARGO_PKG_VERSION"));
        let dir = root.join(&version);
        for kind in KINDS {
            std::fs::create_dir_all(dir.join(kind)).ok()?;
        }
        let tag = root.join("CACHEDIR.TAG");
        if !tag.exists() {
            // https://bford.info/cachedir/: backup tools skip the directory.
            let _ = std::fs::write(&tag, TAG);
        }
        // Only in a directory spof tagged, only what spof wrote: a
        // `--cache-dir` given by mistake loses nothing of its own.
        if std::fs::read_to_string(&tag).is_ok_and(|t| t == TAG)
            && let Ok(entries) = std::fs::read_dir(root)
        {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let stale = name
                    .to_str()
                    .is_some_and(|n| n != version && is_version_dir(n));
                if stale && only_kinds(&entry.path()) {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        Some(Cache { dir })
    }

    fn path(&self, kind: &str, key: &Key) -> PathBuf {
        self.dir.join(kind).join(key.hex())
    }

    /// The entry of `kind` under `key`, or `None` (absent, unreadable or not
    /// decodable).
    pub fn get<T: DeserializeOwned>(&self, kind: &str, key: &Key) -> Option<T> {
        let bytes = std::fs::read(self.path(kind, key)).ok()?;
        postcard::from_bytes(&bytes).ok()
    }

    /// [`Cache::get`] for values holding spans: `files` are the run's ids
    /// of the files the entry was written with, in [`Cache::put_spanned`]'s
    /// order. An entry with a span that does not fit its file (the file's
    /// length by `length`) is not used.
    pub fn get_spanned<T: DeserializeOwned>(
        &self,
        kind: &str,
        key: &Key,
        files: &[FileId],
        length: impl Fn(FileId) -> usize,
    ) -> Option<T> {
        let bytes = std::fs::read(self.path(kind, key)).ok()?;
        let table = files.iter().map(|&f| (f, length(f))).collect();
        FILES.with(|t| *t.borrow_mut() = Some(FileTable::Decode(table)));
        let value = postcard::from_bytes(&bytes).ok();
        FILES.with(|t| *t.borrow_mut() = None);
        value
    }

    /// Stores `value` under `key`; failures leave no entry.
    pub fn put<T: Serialize>(&self, kind: &str, key: &Key, value: &T) {
        if let Ok(bytes) = postcard::to_stdvec(value) {
            self.write(kind, key, &bytes);
        }
    }

    /// [`Cache::put`] for values holding spans: every span must be in one of
    /// `files`, which are stored as their position in that list. A span
    /// elsewhere leaves no entry.
    pub fn put_spanned<T: Serialize>(&self, kind: &str, key: &Key, value: &T, files: &[FileId]) {
        let positions = files
            .iter()
            .enumerate()
            .map(|(i, f)| (*f, i as u32))
            .collect();
        FILES.with(|table| *table.borrow_mut() = Some(FileTable::Encode(positions)));
        let bytes = postcard::to_stdvec(value);
        FILES.with(|table| *table.borrow_mut() = None);
        if let Ok(bytes) = bytes {
            self.write(kind, key, &bytes);
        }
    }

    fn write(&self, kind: &str, key: &Key, bytes: &[u8]) {
        let Ok(mut file) = tempfile::NamedTempFile::new_in(self.dir.join(kind)) else {
            return;
        };
        if file.write_all(bytes).is_ok() {
            let _ = file.persist(self.path(kind, key));
        }
    }
}

/// How file ids are written while an entry with spans is encoded or decoded.
enum FileTable {
    Encode(HashMap<FileId, u32>),
    /// Each position's file and its length.
    Decode(Vec<(FileId, usize)>),
}

thread_local! {
    static FILES: RefCell<Option<FileTable>> = const { RefCell::new(None) };
}

impl Serialize for FileId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let position = FILES.with(|table| match &*table.borrow() {
            Some(FileTable::Encode(positions)) => positions.get(self).copied(),
            _ => None,
        });
        match position {
            Some(position) => serializer.serialize_u32(position),
            None => Err(serde::ser::Error::custom(
                "a span outside the entry's files",
            )),
        }
    }
}

impl<'de> serde::Deserialize<'de> for FileId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let position = u32::deserialize(deserializer)?;
        FILES
            .with(|table| match &*table.borrow() {
                Some(FileTable::Decode(files)) => files.get(position as usize).map(|(f, _)| *f),
                _ => None,
            })
            .ok_or_else(|| serde::de::Error::custom("a span outside the entry's files"))
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // As [`FileId`] writes it: the position in the entry's table.
        #[derive(serde::Deserialize)]
        struct Raw {
            file: u32,
            range: TextRange,
        }
        let Raw { file, range } = Raw::deserialize(deserializer)?;
        let found = FILES.with(|table| match &*table.borrow() {
            Some(FileTable::Decode(files)) => files
                .get(file as usize)
                .filter(|(_, len)| range.start <= range.end && range.end as usize <= *len)
                .map(|(f, _)| *f),
            _ => None,
        });
        found
            .map(|file| Span::new(file, range))
            .ok_or_else(|| serde::de::Error::custom("a span outside its file"))
    }
}

/// A `&'static str` for a label read from an entry (a text from a fixed
/// set, such as [`crate::model::Pin::via`]): each distinct text is leaked
/// once and shared by every entry that holds it.
pub(crate) fn intern(text: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let seen = seen.get_or_insert_with(HashSet::new);
    if let Some(found) = seen.get(text.as_str()) {
        return found;
    }
    let leaked: &'static str = Box::leak(text.into_boxed_str());
    seen.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_directories() {
        assert!(is_version_dir("v1-0.1.0"));
        assert!(is_version_dir("v12-1.20.3-beta.1"));
        assert!(!is_version_dir("vendor-libs"));
        assert!(!is_version_dir("v1-"));
        assert!(!is_version_dir("v-0.1.0"));
        assert!(!is_version_dir("v1-0.1"));
    }

    #[test]
    fn only_spof_directories_of_other_versions_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let old = root.path().join("v0-0.0.1");
        std::fs::create_dir_all(old.join("yaml")).unwrap();
        // Named like a version, but holding something spof never writes.
        let foreign = root.path().join("v9-9.9.9");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
        let vendor = root.path().join("vendor-libs");
        std::fs::create_dir_all(&vendor).unwrap();
        assert!(Cache::open(root.path()).is_some());
        assert!(!old.exists());
        assert!(foreign.join("notes.txt").exists());
        assert!(vendor.exists());
    }

    #[test]
    fn a_directory_spof_did_not_tag_is_never_pruned() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join("CACHEDIR.TAG"),
            "Signature: someone else\n",
        )
        .unwrap();
        let old = root.path().join("v0-0.0.1");
        std::fs::create_dir_all(old.join("yaml")).unwrap();
        assert!(Cache::open(root.path()).is_some());
        assert!(old.exists());
    }
}
