//! `human`: one miette report per diagnostic, with source snippets for the
//! primary span and for every hop of the explanation chain.

use super::{Output, Style, printable, source_file, summary_lines};
use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::source::{CUT, FileId, LineCol, SourceFile, SourceMap, Span, shown_window};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;

/// Lines shown before and after a span.
const CONTEXT_LINES: usize = 1;

pub(super) fn render(
    out: &Output,
    style: Style,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    findings(out, style, w)?;
    for line in summary_lines(out.summary) {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// Each diagnostic with its snippet, without the summary.
pub(super) fn findings(
    out: &Output,
    style: Style,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        // Unwrapped, the width only bounds what miette draws beside a
        // snippet; snippet lines are cut by `shown_window` either way.
        .with_width(style.width.unwrap_or(usize::MAX / 4))
        .with_wrap_lines(style.width.is_some())
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_links(false)
        .without_syntax_highlighting()
        .with_context_lines(CONTEXT_LINES)
        .with_show_related_as_nested(true);

    let names = file_names(out);
    for diagnostic in out.diagnostics {
        let report = Report::new(out.sources, &names, diagnostic);
        let mut text = String::new();
        handler
            .render_report(&mut text, &report)
            .map_err(|_| std::io::Error::other("could not format a diagnostic"))?;
        writeln!(w, "{}", text.trim_end())?;
        writeln!(w)?;
    }
    Ok(())
}

/// The printable name of every file some diagnostic points into, made once
/// per run rather than once per snippet.
fn file_names(out: &Output) -> BTreeMap<FileId, String> {
    let mut names = BTreeMap::new();
    let spans = out
        .diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.span).chain(d.related.iter().map(|r| r.span)));
    for span in spans {
        if let Entry::Vacant(slot) = names.entry(span.file)
            && let Some(file) = source_file(out.sources, span.file)
        {
            slot.insert(printable(&file.display_path(), false).into_owned());
        }
    }
    names
}

/// What a report shows of a file: the lines around one span, each cut to a
/// window (see [`shown_window`]; miette cannot draw past column 65,535) and
/// made printable (see [`printable`]). It is miette's source, in
/// coordinates of its own: offset 0 is where the first shown line starts,
/// so nothing miette computes depends on the length of the file or of its
/// lines.
struct Snippet {
    name: String,
    text: String,
    /// The span, in the snippet's coordinates.
    span: SourceSpan,
    /// The first shown line, 0-based.
    first_line: usize,
    line_count: usize,
    /// Where the span starts in the file (the header shows it).
    at: LineCol,
}

impl Snippet {
    fn new(file: &SourceFile, name: &str, span: Span) -> Option<Snippet> {
        let text = file.text();
        // A file with no text (missing, unreadable) has no snippet to show;
        // its path is in the title.
        if text.is_empty() {
            return None;
        }
        let lines = file.lines();
        // miette refuses to render (and fails the whole report) when a
        // span leaves its source or cuts a character.
        let start = text.floor_char_boundary(span.range.start as usize);
        let end = text.floor_char_boundary(span.range.end as usize).max(start);
        let first = lines.line_of(start as u32);
        // An end just past a line break belongs to the line before.
        let last = lines.line_of(end.saturating_sub(1).max(start) as u32);
        let line_end = |l: usize| lines.line_start(l + 1).map_or(text.len(), |e| e as usize);
        // No empty line after the file's last line break, unless the span
        // is on it.
        let mut to = last + CONTEXT_LINES;
        while to > last
            && lines
                .line_start(to)
                .is_none_or(|s| s as usize >= text.len())
        {
            to -= 1;
        }
        let mut shown = String::new();
        let mut spans = (0, 0);
        for l in first.saturating_sub(CONTEXT_LINES)..=to {
            let begin = lines.line_start(l).map_or(text.len(), |s| s as usize);
            let next = line_end(l);
            let body = text.get(begin..next).unwrap_or("");
            let content = body
                .strip_suffix('\n')
                .map_or(body, |b| b.strip_suffix('\r').unwrap_or(b));
            let content_end = begin + content.len();
            let anchor = if l == first {
                start
            } else if l == last {
                end
            } else {
                begin
            };
            let (from, stop) = shown_window(text, begin, content_end, anchor.min(content_end));
            let line = Line {
                begin: from,
                stop,
                content_end,
                next,
                at: shown.len(),
                cut_start: from > begin,
            };
            if line.cut_start {
                shown.push_str(CUT);
            }
            shown.push_str(&printable(text.get(from..stop).unwrap_or(""), true));
            if stop < content_end {
                shown.push_str(CUT);
            }
            shown.push('\n');
            if l == first {
                spans.0 = line.map(start);
            }
            if l == last {
                spans.1 = line.map(end);
            }
        }
        Some(Snippet {
            name: name.to_string(),
            line_count: shown.matches('\n').count(),
            text: shown,
            span: SourceSpan::from(spans.0..spans.1.max(spans.0)),
            first_line: first.saturating_sub(CONTEXT_LINES),
            at: file.line_col(start as u32),
        })
    }
}

/// One shown line: bytes `begin..stop` of the file, of a line whose text
/// (without its line break) ends at `content_end`; the next line starts at
/// `next`.
struct Line {
    begin: usize,
    stop: usize,
    content_end: usize,
    next: usize,
    /// Where the line starts in the snippet.
    at: usize,
    /// Whether the window starts after the line does (shown with `…`).
    cut_start: bool,
}

impl Line {
    /// The snippet offset of file byte `offset`, a position on this line
    /// or just past its line break, clamped into the window.
    fn map(&self, offset: usize) -> usize {
        let prefix = if self.cut_start { CUT.len() } else { 0 };
        if offset >= self.next && self.next > self.content_end && self.stop == self.content_end {
            // Past the line break, which the snippet has too.
            return self.at + prefix + (self.stop - self.begin) + 1;
        }
        self.at + prefix + (offset.clamp(self.begin, self.stop) - self.begin)
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        _span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette asks without context for the header's line and column:
        // spof's own, counted in characters in the whole file, so that
        // they match `concise` and `json`.
        let (line, column) = if context_lines_before == 0 && context_lines_after == 0 {
            (
                self.at.line.saturating_sub(1) as usize,
                self.at.column.saturating_sub(1) as usize,
            )
        } else {
            (self.first_line, 0)
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            SourceSpan::from(0..self.text.len()),
            line,
            column,
            self.line_count,
        )))
    }
}

/// A diagnostic (or one hop of its chain) in the shape miette renders.
struct Report<'a> {
    title: String,
    severity: miette::Severity,
    source: Option<Snippet>,
    label: Option<LabeledSpan>,
    help: Option<Cow<'a, str>>,
    hops: Vec<Report<'a>>,
}

impl<'a> Report<'a> {
    fn new(sources: &SourceMap, names: &BTreeMap<FileId, String>, d: &'a Diagnostic) -> Self {
        let title = match d.kind {
            Kind::Finding => format!("{} ({}): {}", d.code, d.name, d.message),
            Kind::Error => d.message.to_string(),
        };
        let label = d
            .label
            .as_deref()
            .or(match d.kind {
                Kind::Finding => d.entity.as_deref(),
                Kind::Error => None,
            })
            .unwrap_or("here");
        let mut report = Self::at(
            sources,
            names,
            d.span,
            &title,
            severity(d.severity),
            Some(label),
        );
        report.help = d.help.as_deref().map(|h| printable(h, true));
        report.hops = d
            .related
            .iter()
            .map(|hop| {
                // The hop's message is its title; repeating it under the
                // snippet would only add noise.
                Self::at(
                    sources,
                    names,
                    hop.span,
                    &hop.message,
                    miette::Severity::Advice,
                    None,
                )
            })
            .collect();
        report
    }

    fn at(
        sources: &SourceMap,
        names: &BTreeMap<FileId, String>,
        span: Span,
        title: &str,
        severity: miette::Severity,
        label: Option<&str>,
    ) -> Self {
        let snippet = source_file(sources, span.file)
            .zip(names.get(&span.file))
            .and_then(|(file, name)| Snippet::new(file, name, span));
        Report {
            title: printable(title, true).into_owned(),
            severity,
            label: snippet.as_ref().map(|snippet| {
                LabeledSpan::new_primary_with_span(
                    label.map(|l| printable(l, false).into_owned()),
                    snippet.span,
                )
            }),
            source: snippet,
            help: None,
            hops: Vec::new(),
        }
    }
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Info => miette::Severity::Advice,
        Severity::Warning => miette::Severity::Warning,
        Severity::Error => miette::Severity::Error,
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("title", &self.title)
            .field("severity", &self.severity)
            .field("hops", &self.hops.len())
            .finish_non_exhaustive()
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_deref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.hops.is_empty() {
            return None;
        }
        Some(Box::new(
            self.hops.iter().map(|h| h as &dyn miette::Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Summary;
    use crate::render::fixture::{fixture, written};
    use crate::source::{SourceMap, TextRange};
    use std::path::PathBuf;

    fn rendered(out: &Output, color: bool) -> String {
        let style = Style {
            color,
            width: Some(100),
        };
        written(|buf| render(out, style, buf))
    }

    /// At a width, a long message wraps between words, never inside a
    /// name (not at its hyphens either); without one it never wraps.
    #[test]
    fn human_wraps_at_the_width_between_words_only() {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(PathBuf::from("a.yaml"), "a: 1\n"));
        let name = "zone:pangyo-datacenter-with-a-long-name";
        let message = format!("fails with {name} ").repeat(6);
        let diagnostics = [Diagnostic::error(
            "parse-error",
            Span::new(file, TextRange::new(0, 1)),
            message.trim_end(),
        )];
        let summary = Summary::default();
        let out = Output {
            sources: &sources,
            diagnostics: &diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &summary,
        };
        let narrow = Style {
            color: false,
            width: Some(60),
        };
        let text = written(|buf| render(&out, narrow, buf));
        let message_lines: Vec<&str> = text.lines().filter(|l| l.contains("zone:")).collect();
        assert!(message_lines.len() > 1, "{text}");
        for line in &message_lines {
            assert!(line.chars().count() <= 60, "{line}");
            assert_eq!(
                line.matches("zone:").count(),
                line.matches(name).count(),
                "{text}"
            );
        }
        let text = written(|buf| render(&out, Style::PLAIN, buf));
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("zone:")).collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert_eq!(lines[0].matches(name).count(), 6, "{text}");
    }

    #[test]
    fn human_snapshot() {
        let fx = fixture();
        let out = fx.output();
        insta::assert_snapshot!(rendered(&out, false));
    }

    fn render_one(sources: &SourceMap, d: Diagnostic) -> String {
        let summary = Summary::default();
        let diagnostics = [d];
        let out = Output {
            sources,
            diagnostics: &diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &summary,
        };
        rendered(&out, false)
    }

    #[test]
    fn human_colors_only_when_asked() {
        let fx = fixture();
        let out = fx.output();
        assert!(!rendered(&out, false).contains('\x1b'));
        assert!(rendered(&out, true).contains('\x1b'));
    }

    #[test]
    fn human_survives_spans_outside_their_file() {
        let mut sources = SourceMap::default();
        let empty = sources.add(SourceFile::new(PathBuf::from("empty.yaml"), ""));
        let short = sources.add(SourceFile::new(PathBuf::from("short.yaml"), "a: é\n"));

        let past_end = Span::new(short, TextRange::new(2, 500));
        let text = render_one(&sources, Diagnostic::error("parse-error", past_end, "bad"));
        assert!(text.contains("[short.yaml:1:3]"), "{text}");

        // Byte 4 is inside `é`; the snippet must still render.
        let mid_char = Span::new(short, TextRange::new(4, 4));
        let text = render_one(&sources, Diagnostic::error("parse-error", mid_char, "bad"));
        assert!(text.contains("[short.yaml:1:4]"), "{text}");

        let in_empty = Span::new(empty, TextRange::empty(0));
        let text = render_one(&sources, Diagnostic::error("read-error", in_empty, "empty"));
        assert!(text.contains("× empty"), "{text}");

        let nowhere = Span::new(FileId(9), TextRange::new(0, 1));
        let text = render_one(&sources, Diagnostic::error("read-error", nowhere, "lost"));
        assert!(text.contains("× lost"), "{text}");
    }

    /// A finding far into one long line (a plan written on one line) is
    /// shown as a window of that line around it, with the true column.
    #[test]
    fn human_shows_a_window_of_a_long_line() {
        let mut sources = SourceMap::default();
        let text = format!(
            "{{\"a\": \"{}\", \"multi_az\": false}}\n",
            "é".repeat(100_000)
        );
        let file = sources.add(SourceFile::new(PathBuf::from("plan.json"), text.as_str()));
        let at = text.find("\"multi_az\"").unwrap();
        let span = Span::new(file, TextRange::new(at, at + "\"multi_az\": false".len()));
        let shown = render_one(&sources, Diagnostic::error("parse-error", span, "single"));
        assert!(shown.contains("[plan.json:1:100011]"), "{shown}");
        assert!(shown.len() < 2_000, "{shown}");
        let line = shown.lines().find(|l| l.contains("multi_az")).unwrap();
        assert!(line.contains("│ …éééé"), "{line}");
        assert!(line.ends_with("\"multi_az\": false}"), "{line}");
        // The underline starts under the key.
        let lines: Vec<&str> = shown.lines().collect();
        let i = lines.iter().position(|l| l.contains("multi_az")).unwrap();
        let key = lines[i].find("\"multi_az").unwrap();
        let under = lines[i + 1].chars().position(|c| c == '─' || c == '┬');
        assert_eq!(under, Some(lines[i][..key].chars().count()), "{shown}");

        // A span longer than the window is cut at its end, on both lines
        // of a span over two long lines.
        let text = format!("{}\n{}\n", "x".repeat(300_000), "y".repeat(300_000));
        let file = sources.add(SourceFile::new(PathBuf::from("two.yaml"), text.as_str()));
        let span = Span::new(file, TextRange::new(200_000, 450_000));
        let shown = render_one(&sources, Diagnostic::error("parse-error", span, "long"));
        assert!(shown.contains("[two.yaml:1:200001]"), "{shown}");
        assert!(shown.len() < 2_000, "{shown}");
        assert_eq!(shown.matches('…').count(), 4, "{shown}");
    }

    /// Line breaks of either kind and a file without a last one: the
    /// underline is under the span.
    #[test]
    fn human_underlines_the_span_whatever_the_line_breaks() {
        let mut sources = SourceMap::default();
        for text in ["a: 1\r\nbb: 2\r\nc: 3\r\n", "a: 1\nbb: 2", "a: 1\nbb: 2\n"] {
            let file = sources.add(SourceFile::new(PathBuf::from("f.yaml"), text));
            let at = text.find("bb").unwrap();
            let end = at + text[at..].find(['\r', '\n']).unwrap_or(text.len() - at);
            let span = Span::new(file, TextRange::new(at, end));
            let shown = render_one(&sources, Diagnostic::error("parse-error", span, "x"));
            assert!(shown.contains("[f.yaml:2:1]"), "{shown}");
            let lines: Vec<&str> = shown.lines().collect();
            let i = lines.iter().position(|l| l.ends_with("bb: 2")).unwrap();
            let col = lines[i].chars().count() - "bb: 2".len();
            let under: String = lines[i + 1].chars().skip(col).collect();
            assert!(under.starts_with("──┬──"), "{shown}");
        }
    }

    #[test]
    fn human_never_passes_control_characters_from_the_input() {
        let mut sources = SourceMap::default();
        let text = "name: \x1b]0;pwned\x07web\u{202E}\nreplicas: 1\n";
        let file = sources.add(SourceFile::new(PathBuf::from("evil\x1b.yaml"), text));
        let at = text.find("replicas").expect("needle is in the text");
        let span = Span::new(file, TextRange::new(at, at + "replicas: 1".len()));
        let d = Diagnostic::error("parse-error", span, "bad \x1b[2J value")
            .with_label("label\x1b")
            .with_help("help\u{9b}");
        let shown = render_one(&sources, d);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert!(!shown.contains('\u{202E}'), "{shown}");
        assert!(shown.contains("[evil?.yaml:2:1]"), "{shown}");
        assert!(shown.contains("name: ?]0;pwned?web???"), "{shown}");
    }
}
