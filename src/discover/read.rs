use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::{Input, link_escape, symlink_escape};

/// Why an input could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// `size` is the file's length, or for a stream the bytes seen before
    /// giving up (so at least `limit + 1`).
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// `offset` is the byte offset of the first byte that is not valid
    /// UTF-8; `valid` is the text before it, so that the error can point
    /// at a line and column.
    NotUtf8 {
        offset: usize,
        valid: String,
    },
    /// A directory, FIFO, socket or device (or, for a file opened without
    /// following links, a symbolic link).
    NotAFile,
    Io(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::TooLarge { size, limit } => {
                write!(f, "file is too large ({size} bytes; the limit is {limit})")
            }
            ReadError::NotUtf8 { offset, .. } => {
                write!(
                    f,
                    "file is not valid UTF-8 (invalid byte at offset {offset})"
                )
            }
            ReadError::NotAFile => f.write_str("not a regular file"),
            ReadError::Io(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    /// There is no such file.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(message) if message == NOT_FOUND)
    }
}

const NOT_FOUND: &str = "file not found";

fn io_error(err: &io::Error) -> ReadError {
    ReadError::Io(match err.kind() {
        io::ErrorKind::NotFound => NOT_FOUND.to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    })
}

/// The error for a text that is valid UTF-8 up to `valid`'s end only.
fn not_utf8(valid: &[u8]) -> ReadError {
    ReadError::NotUtf8 {
        offset: valid.len(),
        valid: String::from_utf8_lossy(valid).into_owned(),
    }
}

/// Reads an input the walk did not read: standard input; a walked file
/// (opened without following a link, else, if it has become a link or
/// gone, looked at by its path); or a named file ([`read_named`]). A link
/// on a walked file's path that leads outside `cwd` is refused.
pub fn read_input(input: &Input, max_size: u64, cwd: &Path) -> Result<String, ReadError> {
    match input {
        Input::Stdin => read_stdin(max_size),
        Input::File {
            path,
            explicit: true,
            ..
        } => read_named(path, max_size, cwd),
        Input::File { path, .. } => {
            if let Some(read) = read_unfollowed(path, max_size) {
                return read;
            }
            match link_escape(path, cwd) {
                Some(target) => Err(outside(&target)),
                None => read_file(path, max_size),
            }
        }
    }
}

/// Reads a file named on the command line (an input, `--var-file`, a
/// knowledge-base file) with [`read_file`], unless a symbolic link on its
/// path leads outside `cwd` ([`symlink_escape`]).
pub fn read_named(path: &Path, max_size: u64, cwd: &Path) -> Result<String, ReadError> {
    match symlink_escape(path, cwd) {
        Some(target) => Err(outside(&target)),
        None => read_file(path, max_size),
    }
}

fn outside(target: &Path) -> ReadError {
    ReadError::Io(format!(
        "symbolic link to {} outside the checked tree",
        target.display()
    ))
}

/// Reads a regular file of at most `max_size` bytes as UTF-8 text.
///
/// The file type is checked before opening because opening a FIFO blocks
/// until something writes to it, and a device can be endless. Symlinks are
/// followed: callers only pass symlinks the user named explicitly.
pub fn read_file(path: &Path, max_size: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(&e))?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > max_size {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: max_size,
        });
    }
    let file = File::open(path).map_err(|e| io_error(&e))?;
    // The path may have been replaced between the check and the open.
    read_opened(file, max_size)
}

/// [`read_file`] for a file a walk found, with one system call fewer:
/// opened without following a symbolic link and without blocking, so that
/// neither a link nor a FIFO put in its place since the walk is read, then
/// checked to be a regular file. `None` when it cannot be opened so (it is
/// now a link, or gone): the caller then checks the path and falls back to
/// [`read_file`], which reports the problem.
pub fn read_unfollowed(path: &Path, max_size: u64) -> Option<Result<String, ReadError>> {
    Some(read_opened(open_unfollowed(path)?, max_size))
}

/// [`read_unfollowed`] into `buffer`, replacing what it held but keeping its
/// allocation for the next file: for a caller that copies the text out, so
/// that reading allocates nothing per file.
pub fn read_unfollowed_into<'b>(
    path: &Path,
    max_size: u64,
    buffer: &'b mut Vec<u8>,
) -> Option<Result<&'b str, ReadError>> {
    let file = open_unfollowed(path)?;
    Some(read_opened_into(file, max_size, buffer).and_then(|()| {
        std::str::from_utf8(buffer).map_err(|e| not_utf8(&buffer[..e.valid_up_to()]))
    }))
}

/// Reads a file spof keeps for itself (a cache pack) as bytes, opened as a
/// walked file is: never through a symbolic link, never blocking on a FIFO,
/// and only a regular file of at most `max_size` bytes, so that whatever
/// was put in its place is refused rather than followed or read forever.
pub fn read_bytes_unfollowed(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_nofollow(path).map_err(|e| {
        let link = path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        if link {
            ReadError::NotAFile
        } else {
            io_error(&e)
        }
    })?;
    let mut bytes = Vec::new();
    read_opened_into(file, max_size, &mut bytes)?;
    Ok(bytes)
}

#[cfg(unix)]
fn open_unfollowed(path: &Path) -> Option<File> {
    open_nofollow(path).ok()
}

/// Without `O_NOFOLLOW`, always the caller's checked path.
#[cfg(not(unix))]
fn open_unfollowed(_path: &Path) -> Option<File> {
    None
}

#[cfg(unix)]
fn open_nofollow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

/// Without `O_NOFOLLOW`: a link is refused by its own type, checked first
/// (a link put in its place between the two is not seen).
#[cfg(not(unix))]
fn open_nofollow(path: &Path) -> io::Result<File> {
    if path.symlink_metadata()?.file_type().is_symlink() {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    File::open(path)
}

/// Reads an open file if it is a regular one of at most `max_size` bytes.
fn read_opened(file: File, max_size: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    read_opened_into(file, max_size, &mut bytes)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        not_utf8(&e.into_bytes()[..valid])
    })
}

/// [`read_opened`] into `bytes`, without the UTF-8 check.
fn read_opened_into(file: File, max_size: u64, bytes: &mut Vec<u8>) -> Result<(), ReadError> {
    let meta = file.metadata().map_err(|e| io_error(&e))?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > max_size {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: max_size,
        });
    }
    read_limited_into(file, max_size, meta.len(), bytes)
}

/// Reads standard input, at most `max_size` bytes, as UTF-8 text.
pub fn read_stdin(max_size: u64) -> Result<String, ReadError> {
    read_limited(io::stdin().lock(), max_size, 0)
}

/// Reads one byte past the limit so that a file which grew after its size
/// was checked, or an endless stream, is still reported as too large.
fn read_limited(reader: impl Read, max_size: u64, size_hint: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    read_limited_into(reader, max_size, size_hint, &mut bytes)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        not_utf8(&e.into_bytes()[..valid])
    })
}

/// [`read_limited`] into `bytes` (emptied first), without the UTF-8 check.
fn read_limited_into(
    reader: impl Read,
    max_size: u64,
    size_hint: u64,
    bytes: &mut Vec<u8>,
) -> Result<(), ReadError> {
    let capacity = usize::try_from(size_hint.min(max_size)).unwrap_or(0);
    if bytes.capacity() < capacity {
        // A new allocation rather than a larger one: nothing in it to keep.
        *bytes = Vec::with_capacity(capacity);
    }
    bytes.clear();
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(bytes)
        .map_err(|e| io_error(&e))?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > max_size {
        return Err(ReadError::TooLarge {
            size: len.max(size_hint),
            limit: max_size,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn reads_utf8_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "kind: Pod\n").unwrap();
        assert_eq!(read_file(&path, 100).unwrap(), "kind: Pod\n");
        // Exactly at the limit is allowed.
        assert_eq!(read_file(&path, 10).unwrap(), "kind: Pod\n");
    }

    #[test]
    fn reports_offset_of_first_invalid_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, b"a: \xc3\xa9\nb: \xff\xfe\n").unwrap();
        assert_eq!(
            read_file(&path, 100),
            Err(ReadError::NotUtf8 {
                offset: 9,
                valid: "a: é\nb: ".into()
            })
        );
        // A multi-byte sequence cut short is invalid at its first byte.
        fs::write(&path, b"ab\xe2\x82").unwrap();
        assert_eq!(
            read_file(&path, 100),
            Err(ReadError::NotUtf8 {
                offset: 2,
                valid: "ab".into()
            })
        );
    }

    #[test]
    fn refuses_files_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        fs::write(&path, "x".repeat(11)).unwrap();
        assert_eq!(
            read_file(&path, 10),
            Err(ReadError::TooLarge {
                size: 11,
                limit: 10
            })
        );
    }

    #[test]
    fn stream_over_the_limit_stops_after_limit_plus_one() {
        let endless = io::repeat(b'a');
        assert_eq!(
            read_limited(endless, 5, 0),
            Err(ReadError::TooLarge { size: 6, limit: 5 })
        );
        assert_eq!(read_limited(&b"abc"[..], 5, 0).unwrap(), "abc");
    }

    #[test]
    fn refuses_directories_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_file(dir.path(), 100), Err(ReadError::NotAFile));
        let missing = dir.path().join("gone.yaml");
        assert_eq!(
            read_file(&missing, 100),
            Err(ReadError::Io("file not found".to_string()))
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_fifo_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo unavailable; skipping");
            return;
        }
        assert_eq!(read_file(&fifo, 100), Err(ReadError::NotAFile));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices() {
        let dev = Path::new("/dev/zero");
        if dev.exists() {
            assert_eq!(read_file(dev, 100), Err(ReadError::NotAFile));
        }
    }

    #[cfg(unix)]
    #[test]
    fn follows_symlink_to_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.yaml");
        fs::write(&target, "a: 1\n").unwrap();
        let link = dir.path().join("l.yaml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_file(&link, 100).unwrap(), "a: 1\n");
    }

    /// A walked file is read without following a link put in its place
    /// (the caller checks it), and a FIFO is refused without blocking.
    #[cfg(unix)]
    #[test]
    fn unfollowed_read_leaves_links_to_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.yaml");
        fs::write(&target, "a: 1\n").unwrap();
        assert_eq!(
            read_unfollowed(&target, 100),
            Some(Ok("a: 1\n".to_string()))
        );
        assert_eq!(
            read_unfollowed(&target, 3),
            Some(Err(ReadError::TooLarge { size: 5, limit: 3 }))
        );
        let link = dir.path().join("l.yaml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_unfollowed(&link, 100), None);
        assert_eq!(read_unfollowed(&dir.path().join("gone.yaml"), 100), None);
        assert_eq!(
            read_unfollowed(dir.path(), 100),
            Some(Err(ReadError::NotAFile))
        );
        let fifo = dir.path().join("pipe.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert_eq!(read_unfollowed(&fifo, 100), Some(Err(ReadError::NotAFile)));
        }
    }

    /// What spof keeps for itself is read as a walked file is: a link, a
    /// FIFO or a device in its place is refused, without blocking.
    #[cfg(unix)]
    #[test]
    fn own_files_are_read_unfollowed_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("a.pack");
        fs::write(&pack, b"\x00\xffpack").unwrap();
        assert_eq!(
            read_bytes_unfollowed(&pack, 6),
            Ok(b"\x00\xffpack".to_vec())
        );
        assert_eq!(
            read_bytes_unfollowed(&pack, 5),
            Err(ReadError::TooLarge { size: 6, limit: 5 })
        );
        let zero = dir.path().join("zero.pack");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(read_bytes_unfollowed(&zero, 100), Err(ReadError::NotAFile));
        let link = dir.path().join("link.pack");
        std::os::unix::fs::symlink(&pack, &link).unwrap();
        assert_eq!(read_bytes_unfollowed(&link, 100), Err(ReadError::NotAFile));
        let fifo = dir.path().join("fifo.pack");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert_eq!(read_bytes_unfollowed(&fifo, 100), Err(ReadError::NotAFile));
        }
        assert_eq!(
            read_bytes_unfollowed(&dir.path().join("gone"), 100),
            Err(ReadError::Io("file not found".to_string()))
        );
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(
            ReadError::NotUtf8 {
                offset: 3,
                valid: "abc".into()
            }
            .to_string(),
            "file is not valid UTF-8 (invalid byte at offset 3)"
        );
        assert_eq!(
            ReadError::TooLarge {
                size: 11,
                limit: 10
            }
            .to_string(),
            "file is too large (11 bytes; the limit is 10)"
        );
    }
}
