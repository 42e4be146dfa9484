//! `human`: one miette report per diagnostic, with source snippets for the
//! primary span and for every hop of the explanation chain.

use super::{Output, printable, source_file, summary_lines};
use crate::diagnostic::{Diagnostic, Kind, Severity};
use crate::source::{FileId, SourceFile, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;

/// Wide enough for a YAML line plus gutter, fixed so output does not depend
/// on the terminal that happens to run spof.
const WIDTH: usize = 100;

pub(super) fn render(out: &Output, color: bool, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .without_syntax_highlighting()
        .with_show_related_as_nested(true);

    let quoted = quote_files(out);
    for diagnostic in out.diagnostics {
        let report = Report::new(&quoted, diagnostic);
        let mut text = String::new();
        handler
            .render_report(&mut text, &report)
            .map_err(|_| std::io::Error::other("could not format a diagnostic"))?;
        writeln!(w, "{}", text.trim_end())?;
        writeln!(w)?;
    }
    for line in summary_lines(out.summary) {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// A file some diagnostic points into, made printable once per run rather
/// than once per snippet.
struct Quoted<'a> {
    file: &'a SourceFile,
    name: String,
    /// Same length and line structure as `file.text`; see [`printable`].
    text: Cow<'a, str>,
}

type QuotedFiles<'a> = BTreeMap<FileId, Quoted<'a>>;

fn quote_files<'a>(out: &Output<'a>) -> QuotedFiles<'a> {
    let mut quoted = BTreeMap::new();
    let spans = out
        .diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.span).chain(d.related.iter().map(|r| r.span)));
    for span in spans {
        if let Entry::Vacant(slot) = quoted.entry(span.file)
            && let Some(file) = source_file(out.sources, span.file)
        {
            slot.insert(Quoted {
                file,
                name: printable(&file.display_path(), false).into_owned(),
                text: printable(file.text(), true),
            });
        }
    }
    quoted
}

/// A quoted file as miette source. It borrows, so a report never copies the
/// files it shows.
struct FileSource<'a>(&'a Quoted<'a>);

impl SourceCode for FileSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let quoted = self.0;
        let text: &str = &quoted.text;
        let inner = text.read_span(span, context_lines_before, context_lines_after)?;
        let (mut line, mut column) = (inner.line(), inner.column());
        if context_lines_before == 0 {
            // miette counts the header's column in bytes; use spof's own
            // character columns so it matches `concise` and `json`.
            let at = quoted
                .file
                .line_col(u32::try_from(span.offset()).unwrap_or(u32::MAX));
            line = at.line.saturating_sub(1) as usize;
            column = at.column.saturating_sub(1) as usize;
        }
        Ok(Box::new(MietteSpanContents::new_named(
            quoted.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}

/// A span clamped into the shown text on character boundaries: miette
/// refuses to render (and fails the whole report) when a span leaves it.
fn source_span(text: &str, span: Span) -> SourceSpan {
    let start = text.floor_char_boundary(span.range.start as usize);
    let end = text.floor_char_boundary(span.range.end as usize).max(start);
    SourceSpan::from(start..end)
}

/// A diagnostic (or one hop of its chain) in the shape miette renders.
struct Report<'a> {
    title: String,
    severity: miette::Severity,
    source: Option<FileSource<'a>>,
    label: Option<LabeledSpan>,
    help: Option<Cow<'a, str>>,
    hops: Vec<Report<'a>>,
}

impl<'a> Report<'a> {
    fn new(quoted: &'a QuotedFiles<'a>, d: &'a Diagnostic) -> Self {
        let title = match d.kind {
            Kind::Finding => format!("{} ({}): {}", d.code, d.name, d.message),
            Kind::Error => d.message.clone(),
        };
        let label = d
            .label
            .as_deref()
            .or(match d.kind {
                Kind::Finding => d.entity.as_deref(),
                Kind::Error => None,
            })
            .unwrap_or("here");
        let mut report = Self::at(quoted, d.span, &title, severity(d.severity), Some(label));
        report.help = d.help.as_deref().map(|h| printable(h, true));
        report.hops = d
            .related
            .iter()
            .map(|hop| {
                // The hop's message is its title; repeating it under the
                // snippet would only add noise.
                Self::at(
                    quoted,
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
        quoted: &'a QuotedFiles<'a>,
        span: Span,
        title: &str,
        severity: miette::Severity,
        label: Option<&str>,
    ) -> Self {
        // A file with no text (missing, unreadable) has no snippet to show;
        // its path is in the title.
        let file = quoted.get(&span.file).filter(|f| !f.text.is_empty());
        Report {
            title: printable(title, true).into_owned(),
            severity,
            source: file.map(FileSource),
            label: file.map(|file| {
                LabeledSpan::new_primary_with_span(
                    label.map(|l| printable(l, false).into_owned()),
                    source_span(&file.text, span),
                )
            }),
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
    use crate::render::Summary;
    use crate::render::fixture::{fixture, written};
    use crate::source::{SourceMap, TextRange};
    use std::path::PathBuf;

    fn rendered(out: &Output, color: bool) -> String {
        written(|buf| render(out, color, buf))
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
