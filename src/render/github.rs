//! `github`: GitHub Actions workflow commands, one line per diagnostic,
//! which the runner turns into annotations on the pull request's diff.
//! Nothing else is printed (no summary), so every line is an annotation.

use super::{Output, locate, printable, see_also, source_file};
use crate::diagnostic::{Diagnostic, Kind, Severity};
use std::fmt::Write as _;

pub(super) fn render(out: &Output, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    for d in out.diagnostics {
        writeln!(w, "{}", command(out, d))?;
    }
    Ok(())
}

/// `::{level} file=…,line=…,col=…,endLine=…,endColumn=…,title=…::{message}`.
fn command(out: &Output, d: &Diagnostic) -> String {
    let level = match (d.kind, d.severity) {
        (Kind::Error, _) | (Kind::Finding, Severity::Error) => "error",
        (Kind::Finding, Severity::Warning) => "warning",
        (Kind::Finding, Severity::Info) => "notice",
    };
    let mut properties: Vec<(&str, String)> = Vec::new();
    // A diagnostic pointing nowhere known is still an annotation, just not
    // one attached to a file.
    if source_file(out.sources, d.span.file).is_some() {
        let loc = locate(out.sources, d.span);
        properties.extend([
            ("file", loc.path),
            ("line", loc.start.line.to_string()),
            ("col", loc.start.column.to_string()),
            ("endLine", loc.end.line.to_string()),
            ("endColumn", loc.end.column.to_string()),
        ]);
    }
    let title = match d.kind {
        Kind::Finding => format!("{} ({})", d.code, d.name),
        Kind::Error => d.code.to_string(),
    };
    properties.push(("title", title));

    let mut line = format!("::{level} ");
    for (i, (key, value)) in properties.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            line,
            "{sep}{key}={}",
            escape_property(&printable(value, false))
        );
    }
    let message = format!("{}{}", d.message, see_also(out.sources, &d.related));
    let _ = write!(line, "::{}", escape_data(&printable(&message, true)));
    line
}

/// A workflow command's message: `%` and line breaks are encoded, so the
/// command stays on one line and GitHub shows the breaks again.
fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// A property value: as [`escape_data`], and `:` and `,`, which would
/// otherwise end the value.
fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push_str(&escape_data(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Summary;
    use crate::render::fixture::fixture;
    use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};
    use std::path::PathBuf;

    fn rendered(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
        let summary = Summary::default();
        let out = Output {
            sources,
            diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &summary,
        };
        let mut buf = Vec::new();
        render(&out, &mut buf).expect("writing to a Vec cannot fail");
        String::from_utf8(buf).expect("renderer writes UTF-8")
    }

    #[test]
    fn github_snapshot() {
        let fx = fixture();
        insta::assert_snapshot!(rendered(&fx.sources, &fx.diagnostics));
    }

    #[test]
    fn github_prints_only_annotations() {
        let fx = fixture();
        let text = rendered(&fx.sources, &fx.diagnostics);
        assert_eq!(text.lines().count(), fx.diagnostics.len());
        assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
        assert_eq!(rendered(&fx.sources, &[]), "");
    }

    #[test]
    fn github_escapes_data_and_properties() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(
            escape_property("dir:x,y/50%\n.yaml"),
            "dir%3Ax%2Cy/50%25%0A.yaml"
        );
    }

    #[test]
    fn github_hostile_path_title_and_message_stay_one_command() {
        let mut sources = SourceMap::default();
        let text = "replicas: 1\n";
        let file = sources.add(SourceFile::new(PathBuf::from("a:b,c%.yaml"), text));
        let mut d = Diagnostic::error(
            "SPOF001",
            Span::new(file, TextRange::new(0, 11)),
            "50% of\n`web`\x1b[2J, really: yes",
        );
        d.kind = Kind::Finding;
        d.severity = Severity::Info;
        d.name = "odd:name,here".into();
        assert_eq!(
            rendered(&sources, &[d]),
            "::notice file=a%3Ab%2Cc%25.yaml,line=1,col=1,endLine=1,endColumn=12,\
             title=SPOF001 (odd%3Aname%2Chere)::50%25 of%0A`web`?[2J, really: yes\n"
        );
    }

    #[test]
    fn github_input_errors_are_errors_titled_by_their_code() {
        let fx = fixture();
        let text = rendered(&fx.sources, &fx.diagnostics[1..]);
        assert!(
            text.starts_with("::error file=broken.yaml,line=1,col=12,"),
            "{text}"
        );
        assert!(text.contains(",title=parse-error::did not find"), "{text}");
    }

    #[test]
    fn github_unknown_file_is_an_annotation_without_location() {
        let sources = SourceMap::default();
        let d = Diagnostic::error(
            "read-error",
            Span::new(FileId(4), TextRange::empty(0)),
            "lost",
        );
        assert_eq!(rendered(&sources, &[d]), "::error title=read-error::lost\n");
    }
}
