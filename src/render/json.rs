//! `json`: a versioned document for CI and other tools. The keys below are a
//! contract; new keys may be added, existing ones never change meaning.

use super::{Location, Output, Summary, locate};
use crate::diagnostic::{Diagnostic, Kind, Message, Related};
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::io::Write as _;

/// Bumped only when a key is removed or changes meaning.
const VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(bound = "Stream<F>: Serialize, Stream<E>: Serialize, Stream<A>: Serialize")]
struct Document<'a, F, E, A> {
    version: u32,
    findings: Stream<F>,
    errors: Stream<E>,
    accepted: Stream<A>,
    summary: &'a Summary,
}

/// A list written item by item as the document is written, each item made
/// when its turn comes: a run with a hundred thousand findings never holds
/// the JSON form of all of them (their locations, with a path each, and
/// their hops) at once. Written as a `Vec` of the same items is.
pub(crate) struct Stream<F>(pub(crate) F);

impl<F, I> Serialize for Stream<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// A finding an `[[accept]]` of spof.toml covers, with it.
#[derive(Serialize)]
struct Accepted<'a> {
    #[serde(flatten)]
    finding: Finding<'a>,
    accepted_by: AcceptedBy<'a>,
}

#[derive(Serialize)]
struct AcceptedBy<'a> {
    /// `domain region:capital`, `level region` or `entity GLOB`.
    what: &'a str,
    reason: &'a str,
    owner: &'a str,
    until: Option<String>,
    location: JsonLocation,
}

#[derive(Serialize)]
pub(crate) struct Finding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'static str,
    message: &'a Message,
    entity: Option<&'a str>,
    location: JsonLocation,
    label: Option<&'a str>,
    related: Vec<Hop<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct Error<'a> {
    code: &'a str,
    severity: &'static str,
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a Message,
    label: Option<&'a str>,
    related: Vec<Hop<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLocation {
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct Hop<'a> {
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

impl JsonLocation {
    fn new(sources: &SourceMap, span: Span) -> Self {
        let Location { path, start, end } = locate(sources, span);
        Self {
            path,
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

fn hops<'a>(sources: &SourceMap, related: &'a [Related]) -> Vec<Hop<'a>> {
    related
        .iter()
        .map(|r| {
            let loc = JsonLocation::new(sources, r.span);
            Hop {
                path: loc.path,
                line: loc.line,
                column: loc.column,
                end_line: loc.end_line,
                end_column: loc.end_column,
                message: &r.message,
            }
        })
        .collect()
}

/// One finding as `spof check --format json` prints it.
pub(crate) fn finding<'a>(sources: &SourceMap, d: &'a Diagnostic) -> Finding<'a> {
    Finding {
        rule: &d.code,
        name: &d.name,
        severity: d.severity.as_str(),
        message: &d.message,
        entity: d.entity.as_deref(),
        location: JsonLocation::new(sources, d.span),
        label: d.label.as_deref(),
        related: hops(sources, &d.related),
        help: d.help.as_deref(),
    }
}

/// One input error as `spof check --format json` prints it.
pub(crate) fn error<'a>(sources: &SourceMap, d: &'a Diagnostic) -> Error<'a> {
    let loc = JsonLocation::new(sources, d.span);
    Error {
        code: &d.code,
        severity: d.severity.as_str(),
        path: loc.path,
        line: loc.line,
        column: loc.column,
        end_line: loc.end_line,
        end_column: loc.end_column,
        message: &d.message,
        label: d.label.as_deref(),
        related: hops(sources, &d.related),
        help: d.help.as_deref(),
    }
}

pub(super) fn render(out: &Output, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = Document {
        version: VERSION,
        findings: Stream(move || {
            out.diagnostics
                .iter()
                .filter(|d| d.kind == Kind::Finding)
                .map(move |d| finding(out.sources, d))
        }),
        errors: Stream(move || {
            out.diagnostics
                .iter()
                .filter(|d| d.kind == Kind::Error)
                .map(move |d| error(out.sources, d))
        }),
        accepted: Stream(move || {
            out.accepted.iter().map(move |(d, a)| Accepted {
                finding: finding(out.sources, d),
                accepted_by: AcceptedBy {
                    what: &a.what,
                    reason: &a.reason,
                    owner: &a.owner,
                    until: a.until.map(|u| u.to_string()),
                    location: JsonLocation::new(out.sources, a.span),
                },
            })
        }),
        summary: out.summary,
    };
    // Buffered here, so that the many small writes of the document reach
    // the buffer without a call through `w` each.
    let mut buffered = std::io::BufWriter::with_capacity(BUFFER, w);
    write_pretty(&mut buffered, &doc)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// Bytes gathered before a JSON document is handed to its writer.
pub(crate) const BUFFER: usize = 1 << 16;

/// `value` as `serde_json::to_writer_pretty` writes it, byte for byte,
/// with [`Pretty`].
pub(crate) fn write_pretty<W, T>(w: W, value: &T) -> std::io::Result<()>
where
    W: std::io::Write,
    T: ?Sized + Serialize,
{
    let mut serializer = serde_json::Serializer::with_formatter(w, Pretty::default());
    value.serialize(&mut serializer)?;
    Ok(())
}

/// serde_json's pretty printing (two spaces a level), byte for byte, each
/// line break written with its comma and indentation at once rather than
/// with a write for each level: a large report is tens of millions of
/// lines, most of them a few levels deep.
#[derive(Debug, Default)]
pub(crate) struct Pretty {
    indent: usize,
    has_value: bool,
}

/// Levels of indentation written in one piece; deeper ones a level at a
/// time.
const LEVELS: usize = 64;

/// `,` and a line break, then the indentation of [`LEVELS`] levels.
const BREAK: [u8; 2 + 2 * LEVELS] = {
    let mut bytes = [b' '; 2 + 2 * LEVELS];
    bytes[0] = b',';
    bytes[1] = b'\n';
    bytes
};

impl Pretty {
    /// A line break (after a comma unless `first`) and the indentation.
    fn line<W>(&self, w: &mut W, first: bool) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        let from = usize::from(first);
        match BREAK.get(from..2 + 2 * self.indent) {
            Some(bytes) => w.write_all(bytes),
            None => {
                w.write_all(&BREAK[from..2])?;
                for _ in 0..self.indent {
                    w.write_all(b"  ")?;
                }
                Ok(())
            }
        }
    }

    fn open<W>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.indent += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.indent = self.indent.saturating_sub(1);
        if self.has_value {
            self.line(w, true)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    #[inline]
    fn begin_array<W>(&mut self, w: &mut W) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.open(w, b"[")
    }

    #[inline]
    fn end_array<W>(&mut self, w: &mut W) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.close(w, b"]")
    }

    #[inline]
    fn begin_array_value<W>(&mut self, w: &mut W, first: bool) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.line(w, first)
    }

    #[inline]
    fn end_array_value<W>(&mut self, _w: &mut W) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W>(&mut self, w: &mut W) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.open(w, b"{")
    }

    #[inline]
    fn end_object<W>(&mut self, w: &mut W) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.close(w, b"}")
    }

    #[inline]
    fn begin_object_key<W>(&mut self, w: &mut W, first: bool) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.line(w, first)
    }

    #[inline]
    fn begin_object_value<W>(&mut self, w: &mut W) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        w.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W>(&mut self, _w: &mut W) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::{fixture, written};
    use serde_json::Value;

    fn rendered(out: &Output) -> String {
        written(|buf| render(out, buf))
    }

    fn fixture_json() -> String {
        let fx = fixture();
        let out = fx.output();
        rendered(&out)
    }

    /// [`write_pretty`] writes what `serde_json::to_writer_pretty` does,
    /// empty lists and objects, strings to escape and nesting deeper than
    /// [`LEVELS`] included.
    #[test]
    fn pretty_is_serde_jsons_pretty_byte_for_byte() {
        let mut deep = serde_json::json!({"leaf": [1, {"a": []}, {}]});
        for level in 0..(LEVELS + 5) {
            deep =
                serde_json::json!({ "level": level, "inner": [deep, "x\"\n\u{1}"], "none": null });
        }
        let values = [
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!([[], {}, [[]], {"a": {}}]),
            serde_json::json!({"a": 1.5, "b": [true, false, null], "c": "é"}),
            deep,
        ];
        for value in values {
            let expected = serde_json::to_vec_pretty(&value).expect("serializes");
            let mut ours = Vec::new();
            write_pretty(&mut ours, &value).expect("serializes");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&expected)
            );
        }
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(fixture_json());
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    fn assert_has(v: &Value, wanted: &[&str]) {
        let have = keys(v);
        for key in wanted {
            assert!(have.contains(key), "missing {key:?} in {have:?}");
        }
    }

    #[test]
    fn json_parses_back_with_the_contract_keys() {
        let doc: Value = serde_json::from_str(&fixture_json()).expect("valid JSON");
        assert_has(&doc, &["version", "findings", "errors", "summary"]);
        assert_eq!(doc["version"], 1);

        let finding = &doc["findings"][0];
        assert_has(
            finding,
            &[
                "rule", "name", "severity", "message", "entity", "location", "related", "help",
            ],
        );
        assert_has(
            &finding["location"],
            &["path", "line", "column", "end_line", "end_column"],
        );
        assert_has(
            &finding["related"][1],
            &["path", "line", "column", "message"],
        );
        assert_eq!(finding["rule"], "SPOF003");
        assert_eq!(finding["location"]["path"], "deploy/app.yaml");
        assert_eq!(finding["location"]["line"], 4);
        assert_eq!(finding["location"]["column"], 3);
        // Ends are exclusive: the column just past `name: web`.
        assert_eq!(finding["location"]["end_column"], 12);
        assert_eq!(finding["related"][0]["line"], 14);
        assert_eq!(finding["related"][0]["column"], 15);
        assert_eq!(finding["related"][0]["end_column"], 36);
        assert_eq!(finding["related"][1]["path"], "deploy/db.yaml");
        assert_eq!(finding["related"][1]["line"], 7);
        assert_eq!(finding["related"][1]["column"], 3);

        let error = &doc["errors"][0];
        assert_has(
            error,
            &["code", "path", "line", "column", "message", "help"],
        );
        assert_eq!(error["code"], "parse-error");
        // `[` is the 12th character but the 13th byte: `ë` is two bytes.
        assert_eq!(error["column"], 12);
        assert_eq!(doc["findings"].as_array().map(Vec::len), Some(1));
        assert_eq!(doc["errors"].as_array().map(Vec::len), Some(1));

        assert_has(
            &doc["summary"],
            &[
                "files",
                "entities",
                "errors",
                "warnings",
                "infos",
                "suppressed",
                "input_errors",
            ],
        );
        assert_eq!(doc["summary"]["suppressed"], 1);
    }

    #[test]
    fn json_null_for_absent_entity_and_help() {
        let fx = fixture();
        let mut bare = fx.diagnostics[0].clone();
        bare.entity = None;
        bare.help = None;
        let diagnostics = [bare];
        let out = Output {
            sources: &fx.sources,
            diagnostics: &diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &fx.summary,
        };
        let doc: Value = serde_json::from_str(&rendered(&out)).expect("valid JSON");
        assert_eq!(doc["findings"][0]["entity"], Value::Null);
        assert_eq!(doc["findings"][0]["help"], Value::Null);
        assert_eq!(doc["errors"], Value::Array(Vec::new()));
    }
}
