//! Render stage: formats diagnostics. Renderers never decide what is a
//! finding, its severity or its location; they only print.

use crate::output::{Output, Summary};
use crate::source::SourceMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Github,
    Junit,
    Gitlab,
    Sarif,
}

mod concise;
#[cfg(test)]
mod fixture;
mod github;
mod gitlab;
pub mod graph;
mod human;
pub(crate) mod json;
mod junit;
mod sarif;
pub mod simulate;

use crate::diagnostic::{Related, Severity};
use crate::source::{FileId, LineCol, SourceFile, Span};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

/// How the terminal formats lay text out; machine formats ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colors.
    pub color: bool,
    /// The column `human` wraps its messages at; `None` never wraps (a
    /// pipe or a file, where a name split over two lines cannot be
    /// searched for). A wrap never splits a word: names stay whole.
    pub width: Option<usize>,
}

impl Style {
    /// Uncolored and never wrapped: files, pipes and tests.
    pub const PLAIN: Style = Style {
        color: false,
        width: None,
    };
}

/// Writes `out` in `format`.
pub fn render(
    format: Format,
    out: &Output,
    style: Style,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // Standard output is line-buffered: a pretty-printed document would
    // cost a system call per line.
    let mut buffered = std::io::BufWriter::new(w);
    let w = &mut buffered;
    match format {
        Format::Human => human::render(out, style, w),
        Format::Concise => concise::render(out, style.color, w),
        Format::Json => json::render(out, w),
        Format::Github => github::render(out, w),
        Format::Junit => junit::render(out, w),
        Format::Gitlab => gitlab::render(out, w),
        Format::Sarif => sarif::render(out, w),
    }?;
    buffered.flush()
}

/// [`render`] for `--quiet`: the terminal formats (`human`, `concise`)
/// print the diagnostics only, without the summary, so that a run without
/// any prints nothing; the machine formats are whole documents and are
/// written as they are.
pub fn render_quiet(
    format: Format,
    out: &Output,
    style: Style,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::new(w);
    match format {
        Format::Human => human::findings(out, style, &mut buffered),
        Format::Concise => concise::lines(out, out.diagnostics.iter(), style.color, &mut buffered),
        _ => return render(format, out, style, &mut buffered),
    }?;
    buffered.flush()
}

/// Only the input errors of `out` (unreadable files, syntax errors, bad
/// configuration), one concise line each, for commands whose standard
/// output is something else.
pub fn input_errors(out: &Output, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let errors = out
        .diagnostics
        .iter()
        .filter(|d| d.kind == crate::diagnostic::Kind::Error);
    concise::lines(out, errors, false, w)
}

/// Looks a file up without trusting the id: a diagnostic built against a
/// different map must degrade to a location-less line, not a panic.
fn source_file(sources: &SourceMap, id: FileId) -> Option<&SourceFile> {
    (usize::try_from(id.0).ok()? < sources.len()).then(|| sources.get(id))
}

/// A span resolved to what people read: a path and 1-based line/columns.
struct Location {
    path: String,
    start: LineCol,
    end: LineCol,
}

const UNKNOWN_PATH: &str = "<unknown>";

/// `path:line:col` of a span, printable on one line.
pub fn location_text(sources: &SourceMap, span: Span) -> String {
    let loc = locate(sources, span);
    format!(
        "{}:{}:{}",
        printable(&loc.path, false),
        loc.start.line,
        loc.start.column
    )
}

/// Text from the input, safe to print on one line of a terminal: control
/// and bidirectional characters become `?`.
pub fn one_line(text: &str) -> String {
    printable(text, false).into_owned()
}

fn locate(sources: &SourceMap, span: Span) -> Location {
    match source_file(sources, span.file) {
        Some(file) => Location {
            path: file.display_path(),
            start: file.line_col(span.range.start),
            end: file.line_col(span.range.end),
        },
        None => {
            let origin = LineCol { line: 1, column: 1 };
            Location {
                path: UNKNOWN_PATH.to_string(),
                start: origin,
                end: origin,
            }
        }
    }
}

/// Where a diagnostic's chain (or related settings) lead, as one line of
/// locations for formats that have room for a single line:
/// ` (see a.yaml:3:5, b.yaml:7:3)`, or nothing when it has none.
fn see_also(sources: &SourceMap, related: &[Related]) -> String {
    let mut text = String::new();
    for (i, hop) in related.iter().enumerate() {
        let loc = locate(sources, hop.span);
        let sep = if i == 0 { " (see " } else { ", " };
        let _ = write!(
            text,
            "{sep}{}:{}:{}",
            loc.path, loc.start.line, loc.start.column
        );
    }
    if !text.is_empty() {
        text.push(')');
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The closing lines shared by the terminal formats, one per entry.
fn summary_lines(summary: &Summary) -> Vec<String> {
    let findings = summary.errors + summary.warnings + summary.infos;
    let files = plural(summary.files, "file", "files");
    let mut first = String::new();
    if findings == 0 {
        // A partial read is not a pass: say so instead of "All checks passed".
        if summary.input_errors == 0 {
            first.push_str("All checks passed");
        } else {
            first.push_str("No findings");
        }
        let _ = write!(
            first,
            ": {files}, {}",
            plural(summary.entities, "entity", "entities")
        );
    } else {
        let _ = write!(
            first,
            "Found {} ({}, {}, {} info) in {files}",
            plural(findings, "finding", "findings"),
            plural(summary.errors, "error", "errors"),
            plural(summary.warnings, "warning", "warnings"),
            summary.infos,
        );
    }
    if summary.suppressed > 0 {
        let _ = write!(first, "; {} suppressed", summary.suppressed);
    }
    if summary.accepted > 0 {
        let _ = write!(first, "; {} accepted", summary.accepted);
    }
    if summary.baselined > 0 {
        let _ = write!(first, "; {} in baseline", summary.baselined);
    }
    if summary.preexisting > 0 {
        let _ = write!(
            first,
            "; {} already in the base revision",
            summary.preexisting
        );
    }
    first.push('.');
    let mut lines = vec![first];
    if summary.input_errors > 0 {
        lines.push(format!(
            "{} could not be read or parsed.",
            plural(summary.input_errors, "file", "files")
        ));
    }
    lines
}

/// Bidirectional overrides and isolates reorder what a terminal shows
/// ("Trojan Source"); they are as unwelcome in a report as escapes.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text taken from scanned repositories (file contents, paths, and messages
/// quoting them) is untrusted: an ESC in a YAML value must not restyle or
/// rewrite the reader's terminal or CI log. Each unwanted character becomes
/// `?` once per byte, so byte offsets into the text stay valid for snippets.
/// `multiline` keeps line breaks (`\r` only as part of `\r\n`); otherwise
/// they become spaces.
fn printable(text: &str, multiline: bool) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let keep = match c {
            '\t' => true,
            '\n' => multiline,
            '\r' => multiline && next == Some('\n'),
            c => !c.is_control() && !is_bidi_control(c),
        };
        if keep {
            if let Some(out) = out.as_mut() {
                out.push(c);
            }
            continue;
        }
        let out = out.get_or_insert_with(|| text.get(..at).unwrap_or_default().to_string());
        let sub = if !multiline && matches!(c, '\n' | '\r') {
            ' '
        } else {
            '?'
        };
        out.extend(std::iter::repeat_n(sub, c.len_utf8()));
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

/// ANSI styling for the terminal formats, applied only when asked so that
/// piped output and snapshots stay plain.
fn paint(text: &str, sgr: &str, color: bool) -> String {
    if color {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_sgr(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(errors: usize, warnings: usize, infos: usize) -> Summary {
        Summary {
            files: 12,
            entities: 30,
            errors,
            warnings,
            infos,
            ..Summary::default()
        }
    }

    #[test]
    fn summary_with_findings_counts_by_severity() {
        let s = Summary {
            suppressed: 1,
            input_errors: 1,
            ..summary(1, 2, 0)
        };
        assert_eq!(
            summary_lines(&s),
            [
                "Found 3 findings (1 error, 2 warnings, 0 info) in 12 files; 1 suppressed.",
                "1 file could not be read or parsed.",
            ]
        );
    }

    #[test]
    fn summary_counts_findings_in_the_baseline() {
        let s = Summary {
            suppressed: 1,
            baselined: 4,
            ..summary(0, 1, 0)
        };
        assert_eq!(
            summary_lines(&s),
            [
                "Found 1 finding (0 errors, 1 warning, 0 info) in 12 files; 1 suppressed; 4 in baseline."
            ]
        );
        let clean = Summary {
            baselined: 1,
            ..summary(0, 0, 0)
        };
        assert_eq!(
            summary_lines(&clean),
            ["All checks passed: 12 files, 30 entities; 1 in baseline."]
        );
    }

    #[test]
    fn summary_without_findings_passes() {
        assert_eq!(
            summary_lines(&summary(0, 0, 0)),
            ["All checks passed: 12 files, 30 entities."]
        );
        let one = Summary {
            files: 1,
            entities: 1,
            ..Summary::default()
        };
        assert_eq!(
            summary_lines(&one),
            ["All checks passed: 1 file, 1 entity."]
        );
    }

    #[test]
    fn summary_without_findings_but_input_errors_does_not_pass() {
        let s = Summary {
            input_errors: 2,
            suppressed: 3,
            ..summary(0, 0, 0)
        };
        assert_eq!(
            summary_lines(&s),
            [
                "No findings: 12 files, 30 entities; 3 suppressed.",
                "2 files could not be read or parsed.",
            ]
        );
    }

    #[test]
    fn printable_neutralises_escapes_and_keeps_offsets() {
        assert!(matches!(printable("plain: text\n", true), Cow::Borrowed(_)));
        let hostile = "a\x1b[2Jb\u{202E}c\u{9b}d\r\ne\rf";
        let shown = printable(hostile, true);
        assert_eq!(shown, "a?[2Jb???c??d\r\ne?f");
        assert_eq!(shown.len(), hostile.len());
        assert_eq!(printable("one\ntwo\r\n", false), "one two  ");
    }

    #[test]
    fn unknown_file_id_degrades_instead_of_panicking() {
        let sources = SourceMap::default();
        let span = Span::new(FileId(7), crate::source::TextRange::new(3, 9));
        let loc = locate(&sources, span);
        assert_eq!(loc.path, UNKNOWN_PATH);
        assert_eq!(loc.start, LineCol { line: 1, column: 1 });
    }
}
