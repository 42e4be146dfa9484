//! The parse cache of repository runs.
//!
//! A pre-commit run names a few files but builds the graph from the whole
//! repository, so without a cache it parses every file of the repository on
//! every commit. The cache keeps what parsing and Terraform evaluation
//! produced, keyed by a BLAKE3 hash of everything the result depends on:
//!
//! - `yaml`: what the extractors take from one YAML or JSON file (the
//!   documents they read, with the others left as empty mappings, and the
//!   resources of its Terraform plans), keyed by its text and the parse
//!   limits;
//! - `tf-calls`: the module calls of one Terraform file, keyed by its name,
//!   its text and the limits (what decides the root modules without
//!   parsing);
//! - `tf-file`: the declarations of one Terraform file, likewise keyed (what
//!   evaluating a root module again needs of the files that did not change);
//! - `tf-model`: the entities the knowledge base makes of one root module's
//!   resources, and its unfollowed module calls, keyed by the root's
//!   `tf-root` key and the knowledge base (with `--rules` extensions); a
//!   root that a plan is merged into is not kept;
//! - `nomad`: the jobs read from one Nomad job file, keyed by its text and
//!   the depth limit;
//! - `helm`: what one rendering of a Helm chart gave (each template's
//!   output or error, and where each template comes from), keyed by the
//!   path and text of every file of the chart (its subcharts and packaged
//!   subcharts unpacked, and the files `.Files` reads), the release's
//!   values, name and namespace, and what `.Capabilities` says; a chart
//!   that the renderer refused whole (a template that does not parse, the
//!   time bound) is not kept; under the same kind, with keys of their own,
//!   what a rendering was read into (the documents moved into their
//!   templates, the values lines), keyed by the chart's files by path and
//!   digest, the values and their layers' files and positions, the options
//!   and the parse limits, for a rendering read without an input error;
//! - `tf-root`: the resources and unfollowed module calls of one root
//!   module, keyed by the path and text of every file of every module it
//!   can reach, the variables and variable files, and the limits.
//!
//! Texts enter keys as their BLAKE3 hash. Entries are content-addressed, so
//! an entry is never stale: a changed file has another key.
//!
//! # The stat index
//!
//! One more kind, `stat`, spares a run reading the files that have not
//! changed, as git's index does. Keyed by a file's absolute path, it holds
//! the file's size, modification and change times, inode and device, as
//! `lstat` gives them, with the [`Facts`] of its text: length, hash, and
//! whether it has a suppression comment or could hold a Terraform plan. A
//! walked file whose status is the one recorded is not read: the run takes
//! its facts, looks its entries up by its hash, and reads its text only if
//! something asks for it: a finding that quotes it, or parsing a file that
//! does not parse (never cached, so that its errors are reported again).
//! Any change of the file changes its change time, which nothing but the
//! kernel sets.
//! A file is recorded only when it last changed more than two seconds before
//! the run began: a write in the same tick of the file system's clock as
//! the recorded one could leave every time unchanged ("racy git"). A file
//! whose text is read after all and has changed since its status was taken
//! is used as it is now. Files that do not parse are never cached (their errors
//! are reported afresh). An entry that cannot be decoded, or whose ranges do
//! not fit the file, is a miss, and the run parses the file.
//!
//! # On disk
//!
//! Each repository (by its absolute path) has a directory of its own,
//! holding *packs*: files of entries of one kind, named
//! `<kind>.<hash>.pack`. A pack is the 8 bytes `spofpack`, then entries, each
//! its 32-byte key, its length (4 bytes, little-endian), its checksum (the
//! first 16 bytes of the BLAKE3 hash of its key and its bytes) and its bytes
//! (postcard). A run reads a kind's packs the first time it looks an entry of
//! that kind up, whole, and keeps them in memory: a few reads instead of one
//! file per entry. What the run stores is written at its end
//! ([`Cache::finish`]) as one new pack per kind, atomically (a temporary file
//! renamed into place); packs are never changed after that. When a kind has
//! more than [`MAX_PACKS`] packs, the run merges them into one of the
//! entries it used or stored, and removes the packs it merged, so that the
//! entries of files since changed or removed do not pile up.
//!
//! An entry whose checksum does not match is a miss, as if it were not
//! there: the run parses the file and stores it afresh. Without checksums a
//! flipped bit in a pack could decode to other values and silently change
//! the findings. A pack is opened as a walked input is (never through a
//! link, never a FIFO or a device, at most [`MAX_PACK_SIZE`] bytes);
//! anything else in its place is not read.
//!
//! The cache lives in the user's cache directory, never in the checked
//! tree: a pull request must not be able to plant entries that change what
//! spof sees. Its location is `--cache-dir`, else `$SPOF_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/spof`, else `$HOME/.cache/spof`.

use crate::source::{Facts, FileId, Span, TextRange};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Bumped whenever a cached type, a key or the pack layout changes.
const FORMAT: u32 = 29;

/// The kinds of entries.
const KINDS: [&str; 8] = [
    "yaml", "tf-calls", "tf-file", "tf-root", "tf-model", "nomad", "helm", "stat",
];

/// How long before a run a file must have last changed for the stat index
/// to record it.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// A file's status as the stat index compares it: a regular file's
/// `lstat`, less what reading it changes (the access time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stat {
    size: u64,
    /// Seconds and nanoseconds since the epoch.
    modified: (i64, i64),
    changed: (i64, i64),
    inode: u64,
    device: u64,
}

impl Stat {
    /// The status of a regular file (`None` for anything else, and on
    /// systems without inodes, where nothing is indexed).
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        meta.is_file().then(|| Stat {
            size: meta.size(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            device: meta.dev(),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<Stat> {
        None
    }

    /// Whether the file last changed at least [`SETTLED`] before `start`.
    fn settled(&self, start: std::time::SystemTime) -> bool {
        let Ok(start) = start.duration_since(std::time::UNIX_EPOCH) else {
            return false;
        };
        let nanos = |(s, ns): (i64, i64)| i128::from(s) * 1_000_000_000 + i128::from(ns);
        let last = nanos(self.modified).max(nanos(self.changed));
        let settled = start.as_nanos().saturating_sub(SETTLED.as_nanos());
        i128::try_from(settled).is_ok_and(|settled| last < settled)
    }
}

/// What the stat index keeps of a file.
#[derive(Debug, Serialize, serde::Deserialize)]
struct StatEntry {
    stat: Stat,
    facts: Facts,
}

/// The stat index's key of a file.
fn stat_key(path: &Path) -> Key {
    KeyBuilder::new("stat")
        .bytes(path.as_os_str().as_encoded_bytes())
        .key()
}

/// What every pack starts with.
pub const PACK_MAGIC: &[u8; 8] = b"spofpack";

/// The bytes of an entry's checksum: the first bytes of the BLAKE3 hash of
/// its key and its bytes. 128 bits: a damaged entry passes with a chance of
/// one in 2^128.
const SUM_LEN: usize = 16;

/// What precedes an entry's bytes: its key, its length, its checksum.
const ENTRY_HEADER: usize = 32 + 4 + SUM_LEN;

/// A larger pack is not read (its entries are misses): what a run stores
/// is held in memory, so a pack this large is no pack spof wrote, and
/// reading it would only cost the memory.
pub const MAX_PACK_SIZE: u64 = 1 << 30;

/// The most of `CACHEDIR.TAG` read to tell spof's own tag.
const MAX_TAG_SIZE: u64 = 4096;

/// More packs of one kind than this, and a run merges them.
pub const MAX_PACKS: usize = 8;

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

/// Whether `dir` holds nothing but what spof writes in a version directory:
/// repository directories (32 hex digits) or, as older formats laid them
/// out, one directory per kind.
fn only_spof_dirs(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().all(|e| {
        e.file_type().is_ok_and(|t| t.is_dir())
            && e.file_name().to_str().is_some_and(|n| {
                KINDS.contains(&n) || (n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()))
            })
    })
}

/// An open cache: the packs of one repository, for one format and spof
/// version.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    /// The pack files found when the cache was opened, by kind.
    found: [Vec<PathBuf>; KINDS.len()],
    /// Each kind's packs, read the first time the kind is looked at.
    packs: [OnceLock<Packs>; KINDS.len()],
    /// Entries stored by this run, written by [`Cache::finish`].
    stored: Mutex<Vec<(usize, Key, Vec<u8>)>>,
    /// Entries this run did not read but keeps ([`Cache::keep`]).
    kept: Mutex<Vec<(usize, Key)>>,
    /// When the cache was opened: files changed since are not recorded in
    /// the stat index.
    start: std::time::SystemTime,
}

/// The packs of one kind, read.
#[derive(Debug, Default)]
struct Packs {
    bytes: Vec<Vec<u8>>,
    index: HashMap<Key, Slot>,
}

/// Where an entry is, and whether this run used it.
#[derive(Debug)]
struct Slot {
    pack: u32,
    start: usize,
    end: usize,
    used: AtomicBool,
}

impl Packs {
    fn read(files: &[PathBuf]) -> Packs {
        let mut packs = Packs::default();
        for file in files {
            // Gone since it was listed (another run merged it), or not a
            // regular file of a sane size (a FIFO would block the run, a
            // link to a device would never end): its entries are misses.
            let Ok(bytes) = crate::discover::read_bytes_unfollowed(file, MAX_PACK_SIZE) else {
                continue;
            };
            let pack = packs.bytes.len() as u32;
            for (key, start, end) in entries(&bytes) {
                packs.index.entry(key).or_insert(Slot {
                    pack,
                    start,
                    end,
                    used: AtomicBool::new(false),
                });
            }
            packs.bytes.push(bytes);
        }
        packs
    }
}

/// The intact entries of a pack: each key with its bytes' range. A pack
/// without the magic has none. An entry whose checksum does not match its
/// key and bytes is left out, and so are those after a length that runs
/// past the end; the entries after any other damage are read on (their own
/// checksums tell whether the damage reached them).
pub fn entries(pack: &[u8]) -> Vec<(Key, usize, usize)> {
    let mut out = Vec::new();
    let Some(mut rest) = pack.strip_prefix(PACK_MAGIC) else {
        return out;
    };
    let mut at = PACK_MAGIC.len();
    while let Some((key, tail)) = rest.split_first_chunk::<32>()
        && let Some((len, tail)) = tail.split_first_chunk::<4>()
        && let Some((sum, tail)) = tail.split_first_chunk::<SUM_LEN>()
    {
        let len = u32::from_le_bytes(*len) as usize;
        let Some(bytes) = tail.get(..len) else {
            break;
        };
        let key = Key(*key);
        let start = at + ENTRY_HEADER;
        if *sum == checksum(&key, bytes) {
            out.push((key, start, start + len));
        }
        rest = &tail[len..];
        at = start + len;
    }
    out
}

/// An entry's checksum.
fn checksum(key: &Key, bytes: &[u8]) -> [u8; SUM_LEN] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&key.0);
    hasher.update(bytes);
    let mut sum = [0; SUM_LEN];
    sum.copy_from_slice(&hasher.finalize().as_bytes()[..SUM_LEN]);
    sum
}

/// A pack of `entries`, in their order, each with its checksum (an entry
/// over 4 GiB is left out: its length would not fit).
pub fn encode_pack(entries: &[(&Key, &[u8])]) -> Vec<u8> {
    let mut pack = Vec::with_capacity(
        PACK_MAGIC.len()
            + entries
                .iter()
                .map(|(_, b)| ENTRY_HEADER + b.len())
                .sum::<usize>(),
    );
    pack.extend_from_slice(PACK_MAGIC);
    for (key, bytes) in entries {
        let Ok(len) = u32::try_from(bytes.len()) else {
            continue;
        };
        pack.extend_from_slice(&key.0);
        pack.extend_from_slice(&len.to_le_bytes());
        pack.extend_from_slice(&checksum(key, bytes));
        pack.extend_from_slice(bytes);
    }
    pack
}

/// What an entry is keyed by: a BLAKE3 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key([u8; 32]);

impl Key {
    /// The key as stored in a pack.
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

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

/// `bytes` in lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
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

/// The kind's position in [`KINDS`].
fn kind_index(kind: &str) -> Option<usize> {
    KINDS.iter().position(|k| *k == kind)
}

impl Cache {
    /// Opens (creating) the cache of `repository` (an absolute path) under
    /// `root`; `None` when it cannot be created, and the run goes on
    /// without one. Directories of other formats or spof versions are
    /// removed.
    pub fn open(root: &Path, repository: &Path) -> Option<Cache> {
        let version = format!("v{FORMAT}-{}", env!("CARGO_PKG_VERSION"));
        let repo = blake3::hash(repository.as_os_str().as_encoded_bytes());
        let dir = root.join(&version).join(hex(&repo.as_bytes()[..16]));
        std::fs::create_dir_all(&dir).ok()?;
        let tag = root.join("CACHEDIR.TAG");
        // (Not even a dangling link: writing would create its target.)
        if tag.symlink_metadata().is_err() {
            // https://bford.info/cachedir/: backup tools skip the directory.
            let _ = std::fs::write(&tag, TAG);
        }
        // Only in a directory spof tagged, only what spof wrote: a
        // `--cache-dir` given by mistake loses nothing of its own. (Read
        // as a pack is: a FIFO put there must not block the run.)
        if crate::discover::read_bytes_unfollowed(&tag, MAX_TAG_SIZE)
            .is_ok_and(|t| t == TAG.as_bytes())
            && let Ok(entries) = std::fs::read_dir(root)
        {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let stale = name
                    .to_str()
                    .is_some_and(|n| n != version && is_version_dir(n));
                if stale && only_spof_dirs(&entry.path()) {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let mut found: [Vec<PathBuf>; KINDS.len()] = Default::default();
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let name = entry.file_name();
            let Some(kind) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".pack"))
                .and_then(|n| n.split_once('.'))
                .and_then(|(kind, _)| kind_index(kind))
            else {
                continue;
            };
            found[kind].push(entry.path());
        }
        // Newest first: an entry stored again (the copy in an older pack
        // could not be decoded) is read from the newer pack. By name where
        // times are equal, so that nothing depends on the directory's order.
        for files in &mut found {
            let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            files.sort_by_cached_key(|p| (std::cmp::Reverse(modified(p)), p.clone()));
        }
        Some(Cache {
            dir,
            found,
            packs: Default::default(),
            stored: Mutex::new(Vec::new()),
            kept: Mutex::new(Vec::new()),
            start: std::time::SystemTime::now(),
        })
    }

    /// The facts of the file at `path` (absolute, lexically normalised),
    /// when the stat index recorded them with the status `stat`.
    pub fn known(&self, path: &Path, stat: &Stat) -> Option<Facts> {
        let entry: StatEntry = self.get("stat", &stat_key(path))?;
        (entry.stat == *stat && entry.facts.len == stat.size).then_some(entry.facts)
    }

    /// Records in the stat index the facts of the file at `path`, read with
    /// the status `stat` (taken before it was read): unless it changed too
    /// recently to tell a later change by its times, or while it was read
    /// (its text is not as long as it was).
    pub fn record(&self, path: &Path, stat: &Stat, facts: &Facts) {
        if facts.len == stat.size && stat.settled(self.start) {
            let entry = StatEntry {
                stat: *stat,
                facts: *facts,
            };
            self.put("stat", &stat_key(path), &entry);
        }
    }

    /// The packs of the kind at `index` in [`KINDS`], read on first use.
    fn packs(&self, index: usize) -> &Packs {
        self.packs[index].get_or_init(|| Packs::read(&self.found[index]))
    }

    /// The bytes of an entry, marked as used.
    fn bytes(&self, kind: &str, key: &Key) -> Option<&[u8]> {
        let packs = self.packs(kind_index(kind)?);
        let slot = packs.index.get(key)?;
        slot.used.store(true, Ordering::Relaxed);
        packs
            .bytes
            .get(slot.pack as usize)?
            .get(slot.start..slot.end)
    }

    /// Keeps the entry of `kind` under `key`, if there is one, when packs
    /// are merged, though the run does not read it: an entry a later run
    /// will want (the declarations of a file no changed root reaches).
    pub fn keep(&self, kind: &str, key: &Key) {
        if let Some(index) = kind_index(kind) {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.push((index, *key));
        }
    }

    /// The entry of `kind` under `key`, or `None` (absent or not
    /// decodable).
    pub fn get<T: DeserializeOwned>(&self, kind: &str, key: &Key) -> Option<T> {
        postcard::from_bytes(self.bytes(kind, key)?).ok()
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
        let bytes = self.bytes(kind, key)?;
        let table = files.iter().map(|&f| (f, length(f))).collect();
        FILES.with(|t| *t.borrow_mut() = Some(FileTable::Decode(table)));
        let value = postcard::from_bytes(bytes).ok();
        FILES.with(|t| *t.borrow_mut() = None);
        value
    }

    /// Stores `value` under `key` (written by [`Cache::finish`]); failures
    /// store nothing.
    pub fn put<T: Serialize>(&self, kind: &str, key: &Key, value: &T) {
        if let Ok(bytes) = postcard::to_stdvec(value) {
            self.store(kind, key, bytes);
        }
    }

    /// [`Cache::put`] for values holding spans: every span must be in one of
    /// `files`, which are stored as their position in that list. A span
    /// elsewhere stores nothing.
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
            self.store(kind, key, bytes);
        }
    }

    fn store(&self, kind: &str, key: &Key, bytes: Vec<u8>) {
        let Some(index) = kind_index(kind) else {
            return;
        };
        let mut stored = self.stored.lock().unwrap_or_else(PoisonError::into_inner);
        stored.push((index, *key, bytes));
    }

    /// Writes what the run stored: one new pack per kind. A kind with more
    /// than [`MAX_PACKS`] packs has them merged into one, of the entries
    /// this run used, kept or stored, and the merged packs are removed.
    /// Failures are silent: the next run parses what it cannot find.
    pub fn finish(&self) {
        let mut stored =
            std::mem::take(&mut *self.stored.lock().unwrap_or_else(PoisonError::into_inner));
        // In key order, so that a pack's bytes do not depend on the order
        // the run's threads stored entries in.
        stored.sort_by_key(|a| (a.0, a.1.0));
        stored.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        let kept = std::mem::take(&mut *self.kept.lock().unwrap_or_else(PoisonError::into_inner));
        for (index, kind) in KINDS.iter().enumerate() {
            let new: Vec<(&Key, &[u8])> = stored
                .iter()
                .filter(|(i, _, _)| *i == index)
                .map(|(_, key, bytes)| (key, bytes.as_slice()))
                .collect();
            let merge = self.found[index].len() + usize::from(!new.is_empty()) > MAX_PACKS;
            if merge {
                let packs = self.packs(index);
                for (_, key) in kept.iter().filter(|(i, _)| *i == index) {
                    if let Some(slot) = packs.index.get(key) {
                        slot.used.store(true, Ordering::Relaxed);
                    }
                }
                // What the run stored replaces what it could not decode.
                let mut kept: Vec<(&Key, &[u8])> = new.clone();
                let stored: std::collections::HashSet<&Key> = new.iter().map(|(k, _)| *k).collect();
                kept.extend(
                    packs
                        .index
                        .iter()
                        .filter(|(key, slot)| {
                            slot.used.load(Ordering::Relaxed) && !stored.contains(key)
                        })
                        .filter_map(|(key, slot)| {
                            let bytes = packs.bytes.get(slot.pack as usize)?;
                            Some((key, bytes.get(slot.start..slot.end)?))
                        }),
                );
                kept.sort_by_key(|a| a.0.0);
                if let Some(merged) = self.write_pack(kind, &kept) {
                    for file in self.found[index].iter().filter(|f| **f != merged) {
                        let _ = std::fs::remove_file(file);
                    }
                }
            } else if !new.is_empty() {
                self.write_pack(kind, &new);
            }
        }
    }

    /// Writes a pack of `entries`, named by its contents; its path if it
    /// was written.
    fn write_pack(&self, kind: &str, entries: &[(&Key, &[u8])]) -> Option<PathBuf> {
        let pack = encode_pack(entries);
        let name = format!("{kind}.{}.pack", hex(&blake3::hash(&pack).as_bytes()[..16]));
        let path = self.dir.join(name);
        let mut file = tempfile::NamedTempFile::new_in(&self.dir).ok()?;
        file.write_all(&pack).ok()?;
        file.persist(&path).ok()?;
        Some(path)
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
        let packed = root.path().join("v3-0.0.1");
        std::fs::create_dir_all(packed.join("0123456789abcdef0123456789abcdef")).unwrap();
        // Named like a version, but holding something spof never writes.
        let foreign = root.path().join("v9-9.9.9");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
        let vendor = root.path().join("vendor-libs");
        std::fs::create_dir_all(&vendor).unwrap();
        assert!(Cache::open(root.path(), Path::new("/repo")).is_some());
        assert!(!old.exists());
        assert!(!packed.exists());
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
        assert!(Cache::open(root.path(), Path::new("/repo")).is_some());
        assert!(old.exists());
    }

    fn key(n: u64) -> Key {
        KeyBuilder::new("test").u64(n).key()
    }

    /// The pack files of `kind` in the repository's directory.
    fn packs(cache: &Cache, kind: &str) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&cache.dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{kind}.")) && n.ends_with(".pack"))
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn entries_are_read_back_by_a_later_run_only() {
        let root = tempfile::tempdir().unwrap();
        let repo = Path::new("/repo");
        let cache = Cache::open(root.path(), repo).unwrap();
        cache.put("nomad", &key(1), &"one".to_string());
        // Not before the run has finished.
        assert_eq!(cache.get::<String>("nomad", &key(1)), None);
        cache.finish();
        let cache = Cache::open(root.path(), repo).unwrap();
        assert_eq!(
            cache.get::<String>("nomad", &key(1)).as_deref(),
            Some("one")
        );
        assert_eq!(cache.get::<String>("nomad", &key(2)), None);
        // Another kind, another repository: other entries.
        assert_eq!(cache.get::<String>("yaml", &key(1)), None);
        let other = Cache::open(root.path(), Path::new("/other")).unwrap();
        assert_eq!(other.get::<String>("nomad", &key(1)), None);
    }

    #[test]
    fn packs_are_merged_into_what_the_last_run_used() {
        let root = tempfile::tempdir().unwrap();
        let repo = Path::new("/repo");
        // Each run uses entry 0 and stores one new entry: a pack each.
        for run in 1..=MAX_PACKS as u64 {
            let cache = Cache::open(root.path(), repo).unwrap();
            if run > 1 {
                assert_eq!(cache.get::<u64>("yaml", &key(0)), Some(0));
            }
            cache.put("yaml", &key(run), &run);
            if run == 1 {
                cache.put("yaml", &key(0), &0u64);
            }
            cache.finish();
            assert_eq!(packs(&cache, "yaml").len(), run as usize);
        }
        // One more would make MAX_PACKS + 1: the run merges what it used
        // (entry 0), kept (entry 3) and stored (entry 100).
        let cache = Cache::open(root.path(), repo).unwrap();
        assert_eq!(cache.get::<u64>("yaml", &key(0)), Some(0));
        cache.keep("yaml", &key(3));
        cache.put("yaml", &key(100), &100u64);
        cache.finish();
        let merged = packs(&cache, "yaml");
        assert_eq!(merged.len(), 1);
        let cache = Cache::open(root.path(), repo).unwrap();
        for (n, found) in [(0, true), (3, true), (100, true), (1, false), (2, false)] {
            assert_eq!(
                cache.get::<u64>("yaml", &key(n)).is_some(),
                found,
                "entry {n}"
            );
        }
        // A run that uses the merged pack and stores nothing writes nothing.
        cache.finish();
        assert_eq!(packs(&cache, "yaml"), merged);
    }

    #[test]
    fn damaged_packs_are_read_up_to_the_damage() {
        let root = tempfile::tempdir().unwrap();
        let repo = Path::new("/repo");
        let cache = Cache::open(root.path(), repo).unwrap();
        for n in 0..3u64 {
            cache.put("tf-calls", &key(n), &vec![n; 100]);
        }
        cache.finish();
        let pack = packs(&cache, "tf-calls").remove(0);
        let bytes = std::fs::read(&pack).unwrap();
        assert_eq!(entries(&bytes).len(), 3);
        // Cut inside the last entry: the others are still there.
        std::fs::write(&pack, &bytes[..bytes.len() - 10]).unwrap();
        let cache = Cache::open(root.path(), repo).unwrap();
        let found: Vec<bool> = (0..3u64)
            .map(|n| cache.get::<Vec<u64>>("tf-calls", &key(n)).is_some())
            .collect();
        assert_eq!(found.iter().filter(|f| **f).count(), 2);
        // Not a pack at all, or empty: nothing, and no panic.
        for damaged in [&b"garbage"[..], &[], &[0xff; 64]] {
            std::fs::write(&pack, damaged).unwrap();
            let cache = Cache::open(root.path(), repo).unwrap();
            assert!((0..3u64).all(|n| cache.get::<Vec<u64>>("tf-calls", &key(n)).is_none()));
        }
        // A length past the end.
        let mut long = PACK_MAGIC.to_vec();
        long.extend_from_slice(&key(0).0);
        long.extend_from_slice(&u32::MAX.to_le_bytes());
        long.extend_from_slice(&[0; 16]);
        assert!(entries(&long).is_empty());
    }

    /// Whatever bit of a pack is flipped, what is read of it is what was
    /// written: the damaged entry is left out (the others stay, unless the
    /// flip lengthened one past the end), and no entry reads otherwise.
    #[test]
    fn every_flipped_bit_leaves_out_the_entry_it_damaged() {
        let values: Vec<Vec<u8>> = (0..4u8).map(|n| vec![n; 20 + usize::from(n)]).collect();
        let keys: Vec<Key> = (0..4).map(key).collect();
        let written: Vec<(&Key, &[u8])> =
            keys.iter().zip(&values).map(|(k, v)| (k, &v[..])).collect();
        let pack = encode_pack(&written);
        let read = |pack: &[u8]| -> Vec<(Key, Vec<u8>)> {
            entries(pack)
                .into_iter()
                .map(|(k, start, end)| (k, pack[start..end].to_vec()))
                .collect()
        };
        let intact = read(&pack);
        assert_eq!(intact.len(), 4);
        for (i, (k, v)) in intact.iter().enumerate() {
            assert_eq!((k, v), (&keys[i], &values[i]));
        }
        for bit in 0..pack.len() * 8 {
            let mut flipped = pack.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let found = read(&flipped);
            assert!(found.len() < 4, "bit {bit}: nothing left out");
            for entry in &found {
                assert!(intact.contains(entry), "bit {bit}: {entry:?} read");
            }
        }
    }

    /// A status `seconds` before the cache was opened.
    fn stat_before(cache: &Cache, seconds: u64, size: u64) -> Stat {
        let at = cache.start - std::time::Duration::from_secs(seconds);
        let at = at.duration_since(std::time::UNIX_EPOCH).unwrap();
        let at = (at.as_secs() as i64, i64::from(at.subsec_nanos()));
        Stat {
            size,
            modified: at,
            changed: at,
            inode: 7,
            device: 1,
        }
    }

    fn facts(text: &str) -> Facts {
        crate::source::SourceFile::new(PathBuf::new(), text).facts()
    }

    /// A file is known by the stat index only with the very status it was
    /// recorded with, and only if it had settled by then.
    #[test]
    fn the_stat_index_knows_a_file_by_its_whole_status() {
        let root = tempfile::tempdir().unwrap();
        let repo = Path::new("/repo");
        let text = "kind: Pod\n";
        let facts = facts(text);
        let cache = Cache::open(root.path(), repo).unwrap();
        let settled = stat_before(&cache, 60, text.len() as u64);
        let fresh = stat_before(&cache, 1, text.len() as u64);
        cache.record(Path::new("/repo/a.yaml"), &settled, &facts);
        cache.record(Path::new("/repo/b.yaml"), &fresh, &facts);
        // Changed while it was read: the text is not as long as the file.
        let grown = Stat {
            size: settled.size + 1,
            ..settled
        };
        cache.record(Path::new("/repo/c.yaml"), &grown, &facts);
        cache.finish();

        let cache = Cache::open(root.path(), repo).unwrap();
        assert_eq!(
            cache.known(Path::new("/repo/a.yaml"), &settled),
            Some(facts)
        );
        assert_eq!(cache.known(Path::new("/repo/b.yaml"), &fresh), None);
        assert_eq!(cache.known(Path::new("/repo/c.yaml"), &grown), None);
        // Another path, or any part of the status changed: unknown.
        assert_eq!(cache.known(Path::new("/repo/d.yaml"), &settled), None);
        let (s, ns) = settled.modified;
        let changed = [
            Stat {
                size: 11,
                ..settled
            },
            Stat {
                modified: (s, ns + 1),
                ..settled
            },
            Stat {
                changed: (s + 1, ns),
                ..settled
            },
            Stat {
                inode: 8,
                ..settled
            },
            Stat {
                device: 2,
                ..settled
            },
        ];
        for stat in changed {
            assert_eq!(
                cache.known(Path::new("/repo/a.yaml"), &stat),
                None,
                "{stat:?}"
            );
        }
    }

    /// What the stat index keeps of a text: its hash and what searches of
    /// it find.
    #[test]
    fn facts_of_a_text() {
        let plain = facts("kind: Pod\n");
        assert_eq!(plain.len, 10);
        assert_eq!(plain.digest, *blake3::hash(b"kind: Pod\n").as_bytes());
        assert!(!plain.marks.suppression && !plain.marks.plan);
        let marked = facts("# spof:ignore[SPOF001] ok\n{\"format_version\": \"1.2\"}");
        assert!(marked.marks.suppression && marked.marks.plan);
        assert!(facts("{\"form\\u0061t_version\": 1}").marks.plan);
    }
}
