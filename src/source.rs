//! Source files, byte spans and line/column conversion.
//!
//! Every stage keeps locations as byte ranges into the original text; line and
//! column numbers are computed only when a diagnostic is rendered.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// What opens a suppression comment (`# spof:ignore[SPOF001] reason`):
/// lines holding it are found once, when a file is read.
pub const COMMENT_MARKER: &str = "spof:ignore[";

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range inside one file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Self { start, end }
    }

    pub fn empty(at: usize) -> Self {
        Self::new(at, at)
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A byte range inside a known file. (Serialized only into the parse cache,
/// which writes file ids as positions in a table of its own and checks that
/// every span read back fits its file.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Span {
    pub file: FileId,
    pub range: TextRange,
}

impl Span {
    pub fn new(file: FileId, range: TextRange) -> Self {
        Self { file, range }
    }
}

/// Byte offsets of line starts, and for a text that is not ASCII, how many
/// characters come before every [`CHAR_BLOCK`]th byte: a position converts
/// between bytes and (line, character column) in logarithmic time, however
/// long its line (a plan written on one line is megabytes wide).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// Characters before byte `i * CHAR_BLOCK`, for each block of the text;
    /// empty for ASCII text, where characters are bytes.
    chars_before: Vec<u32>,
}

/// Bytes per entry of [`LineIndex::chars_before`]: a conversion counts at
/// most this many bytes, and the table costs 4 bytes per block.
const CHAR_BLOCK: usize = 256;

/// Whether `byte` starts a character (is not a UTF-8 continuation byte).
fn starts_char(byte: u8) -> bool {
    byte & 0xC0 != 0x80
}

fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| starts_char(b)).count()
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        let mut chars_before = Vec::new();
        if !text.is_ascii() {
            chars_before.reserve(text.len() / CHAR_BLOCK + 1);
            let mut seen = 0usize;
            for block in text.as_bytes().chunks(CHAR_BLOCK) {
                chars_before.push(u32::try_from(seen).unwrap_or(u32::MAX));
                seen += count_chars(block);
            }
        }
        Self {
            line_starts,
            chars_before,
        }
    }

    /// Line (0-based) containing `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// Byte offset where the 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<u32> {
        self.line_starts.get(line).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Characters before byte `offset` (at most the text's length); a
    /// character that `offset` cuts counts as before it.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        if self.chars_before.is_empty() {
            return offset;
        }
        // (An offset at the end of a text filling its last block is in no
        // block: it counts from that last block.)
        let block = (offset / CHAR_BLOCK).min(self.chars_before.len() - 1);
        let counted = self.chars_before[block] as usize;
        let bytes = text.as_bytes();
        counted + count_chars(bytes.get(block * CHAR_BLOCK..offset).unwrap_or(&[]))
    }

    /// Byte offset where the character with 0-based index `index` starts;
    /// the text's length past its last character.
    pub fn byte_of_char(&self, text: &str, index: usize) -> usize {
        if self.chars_before.is_empty() {
            return index.min(text.len());
        }
        // The last block starting at or before the character: a character
        // never starts before the block whose count already includes it.
        let block = self
            .chars_before
            .partition_point(|&n| n as usize <= index)
            .saturating_sub(1);
        let mut seen = self.chars_before.get(block).map_or(0, |&n| n as usize);
        let bytes = text.as_bytes();
        for (at, &byte) in bytes.iter().enumerate().skip(block * CHAR_BLOCK) {
            if starts_char(byte) {
                if seen == index {
                    return at;
                }
                seen += 1;
            }
        }
        text.len()
    }

    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        // An offset inside a character is that character's.
        let offset = text.floor_char_boundary(offset as usize);
        let line = self.line_of(u32::try_from(offset).unwrap_or(u32::MAX));
        let start = self.line_starts.get(line).map_or(0, |&s| s as usize);
        let column = self.chars_before(text, offset) - self.chars_before(text, start.min(offset));
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// Byte offset of a 0-based line and character column (as parsers
    /// that count characters report them); a column past the line's end
    /// counts on into the next lines.
    pub fn offset_of(&self, text: &str, line: usize, char_col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line) else {
            return text.len();
        };
        let start = (start as usize).min(text.len());
        self.byte_of_char(text, self.chars_before(text, start) + char_col)
    }
}

/// A line longer than this many characters is shown (in a snippet, in an
/// excerpt of the audit report) as a window of this many around the
/// position it is about: a plan written on one line would otherwise be
/// printed whole for every finding in it.
pub const SHOWN_CHARS: usize = 120;

/// Characters a window shows before the position it is about.
const SHOWN_BEFORE: usize = 40;

/// What marks where a window cuts its line.
pub const CUT: &str = "…";

/// The bytes to show of the line `begin..end` of `text` (without its line
/// break): all of it when it is at most [`SHOWN_CHARS`] characters long,
/// else that many from [`SHOWN_BEFORE`] characters before `anchor`. Costs
/// the window's length, not the line's.
pub fn shown_window(text: &str, begin: usize, end: usize, anchor: usize) -> (usize, usize) {
    if end.saturating_sub(begin) <= SHOWN_CHARS {
        return (begin, end);
    }
    let anchor = text.floor_char_boundary(anchor.clamp(begin, end));
    let before = text.get(begin..anchor).unwrap_or("");
    let from = before
        .char_indices()
        .rev()
        .take(SHOWN_BEFORE)
        .last()
        .map_or(anchor, |(i, _)| begin + i);
    let after = text.get(from..end).unwrap_or("");
    let stop = after
        .char_indices()
        .nth(SHOWN_CHARS)
        .map_or(end, |(i, _)| from + i);
    (from, stop)
}

/// One input file (or standard input) as read, or, in a run with the
/// cache, known by the cache's stat index alone ([`SourceFile::known`]): its
/// text is then read the first time it is asked for.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as reached from the paths given on the command line.
    pub path: PathBuf,
    text: OnceLock<Arc<str>>,
    /// For a file not read yet: where to read it from, and what the stat
    /// index knows of it.
    known: Option<Box<Known>>,
    digest: OnceLock<[u8; 32]>,
    marks: OnceLock<Marks>,
    /// Built the first time a position is asked for: most files of a run
    /// have no finding to print.
    lines: OnceLock<LineIndex>,
}

/// A file known by the stat index.
#[derive(Debug, Clone)]
struct Known {
    /// Its absolute path.
    disk: PathBuf,
    max_size: u64,
    facts: Facts,
}

/// What a run needs of a file it has not read: what the stat index keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    /// The text's length in bytes.
    pub len: u64,
    /// The BLAKE3 hash of the text.
    pub digest: [u8; 32],
    pub marks: Marks,
}

/// What a cheap search of the text finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Marks {
    /// A suppression comment's marker ([`COMMENT_MARKER`]).
    pub suppression: bool,
    /// `format_version`, which a Terraform plan's document has as a key,
    /// or a backslash, which could spell that key otherwise (an escape).
    pub plan: bool,
}

impl Marks {
    pub fn of(text: &str) -> Marks {
        let bytes = text.as_bytes();
        let finder = |needle: &str| memchr::memmem::find(bytes, needle.as_bytes()).is_some();
        Marks {
            suppression: finder(COMMENT_MARKER),
            plan: memchr::memchr(b'\\', bytes).is_some() || finder("format_version"),
        }
    }
}

impl SourceFile {
    pub fn new(path: PathBuf, text: impl Into<Arc<str>>) -> Self {
        Self {
            path,
            text: OnceLock::from(text.into()),
            known: None,
            digest: OnceLock::new(),
            marks: OnceLock::new(),
            lines: OnceLock::new(),
        }
    }

    /// A file known by its facts, whose text is read from `disk` (an
    /// absolute path, never through a symbolic link, at most `max_size`
    /// bytes) the first time it is asked for.
    pub fn known(disk: PathBuf, max_size: u64, facts: Facts) -> Self {
        Self {
            path: PathBuf::new(),
            text: OnceLock::new(),
            known: Some(Box::new(Known {
                disk,
                max_size,
                facts,
            })),
            digest: OnceLock::new(),
            marks: OnceLock::new(),
            lines: OnceLock::new(),
        }
    }

    /// The text. A file known by its facts is read now; if it cannot be
    /// read any more, or changed since the stat index saw it, its text is
    /// what it is now (empty when unreadable): every use of a range checks
    /// it against the text.
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| {
            let read = self
                .known
                .as_ref()
                .and_then(|k| crate::discover::read_unfollowed(&k.disk, k.max_size))
                .and_then(Result::ok);
            read.map_or_else(|| Arc::from(""), Arc::from)
        })
    }

    /// The text, shared.
    pub fn shared_text(&self) -> Arc<str> {
        self.text();
        self.text.get().map_or_else(|| Arc::from(""), Arc::clone)
    }

    /// The text's length in bytes, without reading a file known by its
    /// facts.
    pub fn len(&self) -> usize {
        match (self.text.get(), &self.known) {
            (None, Some(known)) => usize::try_from(known.facts.len).unwrap_or(usize::MAX),
            _ => self.text().len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The BLAKE3 hash of the text, without reading a file known by its
    /// facts.
    pub fn digest(&self) -> [u8; 32] {
        match &self.known {
            Some(known) => known.facts.digest,
            None => *self
                .digest
                .get_or_init(|| *blake3::hash(self.text().as_bytes()).as_bytes()),
        }
    }

    /// What a search of the text finds, without reading a file known by
    /// its facts.
    pub fn marks(&self) -> Marks {
        match &self.known {
            Some(known) => known.facts.marks,
            None => *self.marks.get_or_init(|| Marks::of(self.text())),
        }
    }

    /// What the stat index keeps of this file.
    pub fn facts(&self) -> Facts {
        Facts {
            len: self.len() as u64,
            digest: self.digest(),
            marks: self.marks(),
        }
    }

    /// The line starts of the text.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text()))
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines().line_col(self.text(), offset)
    }

    /// The path as printed: forward slashes, no leading `./`.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// Text of the 0-based line, without its line ending, cut to a window
    /// around byte `anchor` when it is long (see [`shown_window`]), with
    /// [`CUT`] where it is cut.
    pub fn shown_line(&self, line: usize, anchor: usize) -> String {
        let text = self.line_text(line);
        let begin = self.lines().line_start(line).map_or(0, |s| s as usize);
        let (from, stop) = shown_window(self.text(), begin, begin + text.len(), anchor.max(begin));
        let mut shown = String::new();
        if from > begin {
            shown.push_str(CUT);
        }
        shown.push_str(self.text().get(from..stop).unwrap_or(""));
        if stop < begin + text.len() {
            shown.push_str(CUT);
        }
        shown
    }

    /// Text of the 0-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(start) = self.lines().line_start(line) else {
            return "";
        };
        let end = self
            .lines()
            .line_start(line + 1)
            .map_or(self.text().len(), |e| e as usize);
        self.text()
            .get(start as usize..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// All files of one run, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Prints the files below `dir` as paths from it (`dir/k8s/a.yaml` as
    /// `k8s/a.yaml`, `dir/../b.yaml` as `../b.yaml`).
    pub fn strip_prefix(&mut self, dir: &Path) {
        for file in &mut self.files {
            if let Ok(rest) = file.path.strip_prefix(dir) {
                file.path = if rest.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    rest.to_path_buf()
                };
            }
        }
    }

    /// Every file's path, by id.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }

    /// Replaces the files' paths, by id (as [`SourceMap::paths`] lists them).
    pub fn set_paths(&mut self, paths: Vec<PathBuf>) {
        for (file, path) in self.files.iter_mut().zip(paths) {
            file.path = path;
        }
    }

    pub fn shrink(&mut self) {
        self.files.shrink_to_fit();
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a: é\nbb: x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        // 'x' on line 2 at byte 11 (é is two bytes).
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 5 });
        let after_e = text.find('\n').unwrap() as u32;
        assert_eq!(idx.line_col(text, after_e), LineCol { line: 1, column: 5 });
    }

    #[test]
    fn offset_of_translates_character_columns() {
        let text = "é: ü\nk: v";
        let idx = LineIndex::new(text);
        assert_eq!(idx.offset_of(text, 0, 3), text.find('ü').unwrap());
        assert_eq!(idx.offset_of(text, 1, 3), text.len() - 1);
        assert_eq!(idx.offset_of(text, 7, 0), text.len());
    }

    /// The indexed conversions agree with counting from the line's start,
    /// at every byte, across block boundaries and on lines far longer than
    /// a block.
    #[test]
    fn indexed_positions_match_counting() {
        let long: String = "aé€😀\n".repeat(3) + &"xé€😀".repeat(300) + "\n\nend";
        for text in [long.as_str(), "ascii only\nlines\n", "é", "", "\n\n"] {
            let idx = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let at = text.floor_char_boundary(offset);
                let line = text[..at].matches('\n').count();
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let expected = LineCol {
                    line: line as u32 + 1,
                    column: text[start..at].chars().count() as u32 + 1,
                };
                assert_eq!(idx.line_col(text, offset as u32), expected, "{offset}");
            }
            for (index, (byte, _)) in text.char_indices().enumerate() {
                assert_eq!(idx.byte_of_char(text, index), byte);
            }
            let chars = text.chars().count();
            assert_eq!(idx.byte_of_char(text, chars), text.len());
            assert_eq!(idx.byte_of_char(text, chars + 5), text.len());
        }
    }

    #[test]
    fn long_lines_are_shown_as_a_window_around_the_anchor() {
        let long = format!("{}ANCHOR{}", "é".repeat(1_000), "x".repeat(1_000));
        let file = SourceFile::new(PathBuf::from("a"), format!("short\n{long}\n"));
        assert_eq!(file.shown_line(0, 3), "short");
        let at = file.text().find("ANCHOR").unwrap();
        // Anchored inside a character, as a span may be.
        for anchor in [at, at - 1] {
            let shown = file.shown_line(1, anchor);
            assert_eq!(shown.chars().count(), SHOWN_CHARS + 2, "{shown}");
            assert!(shown.starts_with(CUT) && shown.ends_with(CUT), "{shown}");
            assert!(shown.contains(&format!("{}ANCHOR", "é".repeat(SHOWN_BEFORE - 1))));
        }
        assert!(file.shown_line(1, 0).starts_with("éé"));
    }

    #[test]
    fn display_path_strips_dot_slash() {
        assert_eq!(display_path(Path::new("./a/b.yaml")), "a/b.yaml");
        assert_eq!(display_path(Path::new("b.yaml")), "b.yaml");
    }
}
