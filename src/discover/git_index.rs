//! The paths a git index tracks, read from `.git/index` itself: git ignores
//! `.gitignore` for tracked files, so the walk must not hide them either,
//! and spof never runs `git` to ask (it executes nothing of a checkout).
//!
//! Only what that needs is read: the version 2, 3 and 4 formats' entries,
//! their mode and path. Extensions are skipped; a split index's shared part
//! is not read, so its entries are not known here. Anything malformed, or
//! an index larger than [`MAX_INDEX_SIZE`], gives no paths: the walk then
//! reads what it found, as without a repository.

use std::path::{Path, PathBuf};

/// The largest index read: 64 MiB holds the paths of about half a million
/// files.
pub const MAX_INDEX_SIZE: u64 = 64 * 1024 * 1024;

/// The index of the work tree whose root is `root` (the directory holding
/// `.git`, a directory in a clone, a `gitdir:` file in a worktree or
/// submodule).
pub fn index_path(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    let meta = dot_git.symlink_metadata().ok()?;
    if meta.is_dir() {
        return Some(dot_git.join("index"));
    }
    if !meta.is_file() || meta.len() > 4096 {
        return None;
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let dir = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    Some(root.join(dir).join("index"))
}

/// The object name's length: 32 bytes in a SHA-256 repository (its config
/// says `objectformat = sha256`), else 20.
fn hash_len(index: &Path) -> usize {
    let config = index.with_file_name("config");
    let sha256 = std::fs::symlink_metadata(&config)
        .is_ok_and(|m| m.is_file() && m.len() <= 1024 * 1024)
        && std::fs::read_to_string(&config).is_ok_and(|text| {
            text.lines().any(|line| {
                let line = line.trim().to_ascii_lowercase();
                line.starts_with("objectformat") && line.ends_with("sha256")
            })
        });
    if sha256 { 32 } else { 20 }
}

/// The regular files `index` tracks and has in the work tree, as paths
/// relative to the work tree's root, each once. Empty when the index cannot
/// be read or parsed.
pub fn tracked_files(index: &Path) -> Vec<PathBuf> {
    let readable =
        std::fs::symlink_metadata(index).is_ok_and(|m| m.is_file() && m.len() <= MAX_INDEX_SIZE);
    if !readable {
        return Vec::new();
    }
    let Ok(bytes) = std::fs::read(index) else {
        return Vec::new();
    };
    parse(&bytes, hash_len(index)).unwrap_or_default()
}

/// Regular file (`100644`, `100755`); links, submodules and the directories
/// of a sparse index are other object types.
const REGULAR: u32 = 0o100000;
const TYPE_MASK: u32 = 0o170000;
const EXTENDED: u16 = 0x4000;
/// Extended flag: not in the work tree (sparse checkout).
const SKIP_WORKTREE: u16 = 0x4000;

fn parse(bytes: &[u8], hash_len: usize) -> Option<Vec<PathBuf>> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != b"DIRC" {
        return None;
    }
    let version = r.u32()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = r.u32()?;
    let mut paths = Vec::new();
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = r.at;
        r.take(24)?;
        let mode = r.u32()?;
        r.take(12 + hash_len)?;
        let flags = r.u16()?;
        let extended = if version >= 3 && flags & EXTENDED != 0 {
            r.u16()?
        } else {
            0
        };
        let name = if version == 4 {
            let strip = r.varint()?;
            let keep = previous.len().checked_sub(strip)?;
            previous.truncate(keep);
            previous.extend_from_slice(r.until_nul()?);
            previous.clone()
        } else {
            let name = r.until_nul()?.to_vec();
            // Entries are padded with NULs to a multiple of eight bytes,
            // the path's own terminator included.
            let len = r.at - start;
            r.take(len.next_multiple_of(8) - len)?;
            name
        };
        if mode & TYPE_MASK == REGULAR && extended & SKIP_WORKTREE == 0 {
            paths.push(path_of(name)?);
        }
    }
    // Entries are sorted by path; a conflicted path has one per stage.
    paths.dedup();
    Some(paths)
}

#[cfg(unix)]
fn path_of(name: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(name)))
}

#[cfg(not(unix))]
fn path_of(name: Vec<u8>) -> Option<PathBuf> {
    String::from_utf8(name).ok().map(PathBuf::from)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    /// The bytes up to a NUL, which is consumed.
    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let rest = self.bytes.get(self.at..)?;
        let len = memchr::memchr(0, rest)?;
        let name = self.take(len)?;
        self.take(1)?;
        Some(name)
    }

    /// Git's offset encoding (version 4 path prefixes): seven bits a byte,
    /// most significant first, each continuation adding one.
    fn varint(&mut self) -> Option<usize> {
        let mut byte = *self.take(1)?.first()?;
        let mut value = usize::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = *self.take(1)?.first()?;
            value = value
                .checked_add(1)?
                .checked_mul(128)?
                .checked_add(usize::from(byte & 0x7f))?;
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of `entries` (mode, path, skip-worktree) in `version`.
    fn index(version: u32, entries: &[(u32, &str, bool)]) -> Vec<u8> {
        let mut out = b"DIRC".to_vec();
        out.extend(version.to_be_bytes());
        out.extend(u32::try_from(entries.len()).unwrap().to_be_bytes());
        let mut previous = String::new();
        for (mode, path, skip) in entries {
            let start = out.len();
            out.extend([0; 24]);
            out.extend(mode.to_be_bytes());
            out.extend([0; 12 + 20]);
            let extended = version >= 3 && *skip;
            let flags =
                u16::try_from(path.len().min(0xfff)).unwrap() | if extended { EXTENDED } else { 0 };
            out.extend(flags.to_be_bytes());
            if extended {
                out.extend(SKIP_WORKTREE.to_be_bytes());
            }
            if version == 4 {
                let common = previous
                    .bytes()
                    .zip(path.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                out.push(u8::try_from(previous.len() - common).unwrap());
                out.extend(&path.as_bytes()[common..]);
                out.push(0);
            } else {
                out.extend(path.as_bytes());
                out.push(0);
                while !(out.len() - start).is_multiple_of(8) {
                    out.push(0);
                }
            }
            previous = (*path).to_string();
        }
        // An extension and the checksum follow the entries.
        out.extend(b"TREE\0\0\0\0");
        out.extend([0; 20]);
        out
    }

    const FILE: u32 = 0o100644;

    #[test]
    fn regular_files_in_every_version() {
        let entries = [
            (FILE, "deploy/web.yaml", false),
            (0o100755, "deploy/x.sh", false),
            (0o120000, "link.yaml", false),
            (0o160000, "vendor/sub", false),
            (FILE, "sparse/db.yaml", true),
        ];
        for version in [2, 3, 4] {
            let got = parse(&index(version, &entries), 20).unwrap();
            let mut want = vec!["deploy/web.yaml", "deploy/x.sh"];
            if version == 2 {
                // Version 2 has no skip-worktree flag.
                want.push("sparse/db.yaml");
            }
            let want: Vec<PathBuf> = want.into_iter().map(PathBuf::from).collect();
            assert_eq!(got, want, "version {version}");
        }
    }

    #[test]
    fn conflicted_paths_count_once() {
        let entries = [(FILE, "a.yaml", false), (FILE, "a.yaml", false)];
        assert_eq!(
            parse(&index(2, &entries), 20).unwrap(),
            [PathBuf::from("a.yaml")]
        );
    }

    #[test]
    fn damaged_indexes_give_nothing() {
        let good = index(2, &[(FILE, "deploy/web.yaml", false)]);
        assert!(parse(b"", 20).is_none());
        assert!(parse(b"DIRC\0\0\0\x05\0\0\0\0", 20).is_none());
        for cut in 0..good.len() - 28 {
            assert!(parse(&good[..cut], 20).is_none(), "cut at {cut}");
        }
        // A version 4 prefix longer than the previous path.
        let mut bad = index(4, &[(FILE, "a", false)]);
        bad[12 + 62] = 5;
        assert!(parse(&bad, 20).is_none());
        // An entry count far beyond the bytes.
        let mut many = good.clone();
        many[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&many, 20).is_none());
    }
}
