//! Files spof writes: reports (`--output`, `report -o`, `graph -o`),
//! baselines and `spof init`'s spof.toml.
//!
//! spof runs on untrusted trees, where a path it is told to write may be a
//! symbolic link committed to aim it elsewhere. A file is written whole into
//! a temporary file beside it and renamed over it, so it is never written
//! through a link and a failed write leaves the old file as it was; a path
//! that is a link, not a regular file, or an input of the same run is
//! refused.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What happens to what is already at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// A regular file is replaced; a symbolic link is refused.
    Replace,
    /// A regular file or a symbolic link is replaced (the link itself,
    /// never what it leads to): `spof init --force`.
    ReplaceLink,
    /// Anything there fails with [`io::ErrorKind::AlreadyExists`].
    Keep,
}

/// Why `path` cannot be written, before anything is: it is a symbolic link,
/// a directory or another non-regular file. A missing file is fine.
pub fn refusal(path: &Path) -> Option<io::Error> {
    refusal_of(path, Existing::Replace)
}

fn refusal_of(path: &Path, existing: Existing) -> Option<io::Error> {
    let reason = match std::fs::symlink_metadata(path) {
        Ok(_) if existing == Existing::Keep => {
            return Some(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        Ok(meta) if meta.file_type().is_symlink() => {
            if existing == Existing::ReplaceLink {
                return None;
            }
            "it is a symbolic link, which spof never writes through"
        }
        Ok(meta) if meta.is_dir() => "it is a directory",
        Ok(meta) if !meta.is_file() => "it is not a regular file",
        Ok(_) => return None,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => return Some(e),
    };
    Some(io::Error::other(reason))
}

/// Writes `path` with what `body` writes, whole or not at all: into a
/// temporary file in the same directory, flushed to disk, then renamed over
/// `path`. Refused (see [`refusal`]) when `path` is a link or not a regular
/// file, or when it is one of `inputs` (the files the run read, which it
/// must not replace; compared as files, not as names).
pub fn write_file(
    path: &Path,
    existing: Existing,
    inputs: &[PathBuf],
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if let Some(e) = refusal_of(path, existing) {
        return Err(e);
    }
    if path.exists() && inputs.iter().any(|input| same_file(input, path)) {
        return Err(io::Error::other("it is an input of this run"));
    }
    let Some(name) = path.file_name() else {
        return Err(io::Error::other("it names no file"));
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let (temp, file) = create_beside(dir, &name.to_string_lossy())?;
    // Dropping `temp` on an error removes the file.
    let temp = tempfile::TempPath::try_from_path(&temp).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })?;
    let mut w = io::BufWriter::new(file);
    body(&mut w)?;
    let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    drop(file);
    match existing {
        Existing::Replace | Existing::ReplaceLink => temp.persist(path),
        Existing::Keep => temp.persist_noclobber(path),
    }
    .map_err(|e| e.error)
}

/// A new file in `dir` named after `name`, never one that was there (a
/// link planted at the name is not followed: the name is taken).
fn create_beside(dir: &Path, name: &str) -> io::Result<(PathBuf, std::fs::File)> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // What `File::create` gives a new file, the umask applied.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
    let mut attempt = 0u32;
    loop {
        let path = dir.join(format!(".{name}.{}-{attempt}.tmp", std::process::id()));
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1_000 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Whether `a` and `b` are the same file (a link is the file it leads to).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(w: &mut dyn Write, s: &str) -> io::Result<()> {
        w.write_all(s.as_bytes())
    }

    #[test]
    fn writes_whole_files_and_replaces_or_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_file(&path, Existing::Keep, &[], |w| text(w, "one")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        let kept = write_file(&path, Existing::Keep, &[], |w| text(w, "two"));
        assert_eq!(kept.unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        write_file(&path, Existing::Replace, &[], |w| text(w, "three")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three");
        // A failed body leaves the old file and no temporary file.
        let failed = write_file(&path, Existing::Replace, &[], |w| {
            text(w, "partial")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_links_directories_and_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write_file(&link, Existing::Replace, &[], |w| text(w, "x")).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());

        let e = write_file(dir.path(), Existing::Replace, &[], |w| text(w, "x")).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");

        // An input reached through a link is the same file.
        let e = write_file(&target, Existing::Replace, &[link], |w| text(w, "x")).unwrap_err();
        assert_eq!(e.to_string(), "it is an input of this run");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}
