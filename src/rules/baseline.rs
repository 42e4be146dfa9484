//! Baselines: the findings an estate already had when spof was adopted,
//! recorded by fingerprint (`spof check --write-baseline FILE`), so that
//! `spof check --baseline FILE` reports, and fails on, new findings only.
//! An entry that matches no finding any more is reported
//! (`stale-baseline-entry`), so the baseline shrinks as problems are fixed.
//!
//! The file is pretty-printed JSON: each entry's fingerprint has a line of
//! its own, which is where a stale entry is reported.
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {
//!       "fingerprint": "1d5c0b6f0e6a4f21",
//!       "rule": "SPOF001",
//!       "path": "k8s/web.yaml",
//!       "entity": "k8s:Deployment/default/web",
//!       "message": "…"
//!     }
//!   ]
//! }
//! ```

use super::{Finding, Rule, Settings};
use crate::diagnostic::{Diagnostic, Kind, fingerprints};
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The format version written, and the only one read.
pub const VERSION: u32 = 1;

/// Code of the input error for a baseline that cannot be used.
pub const ERROR_CODE: &str = "baseline-error";

/// One recorded finding. Only the fingerprint is matched; the rest tells
/// people what was accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub path: String,
    pub entity: Option<String>,
    pub message: String,
}

#[derive(Serialize)]
struct Written<'a> {
    version: u32,
    findings: &'a [Entry],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "baseline")]
struct Read {
    #[serde(rename = "version")]
    _version: u32,
    findings: Vec<Entry>,
}

/// Read first, so that another version is reported as such rather than
/// as whatever its other keys do not match.
#[derive(Deserialize)]
#[serde(rename = "baseline")]
struct Versioned {
    version: u32,
}

/// A parsed baseline file.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The baseline file in the source map: where stale entries are reported.
    pub file: FileId,
    pub entries: Vec<Entry>,
    /// Where each fingerprint is written (first occurrence).
    spans: HashMap<String, TextRange>,
}

/// Baseline entries for the findings among `diagnostics` (input errors are
/// never recorded). Sorted by path, rule, entity, message and fingerprint:
/// not by line, so that moving code does not reorder the file.
pub fn entries(diagnostics: &[Diagnostic], sources: &SourceMap) -> Vec<Entry> {
    let prints = fingerprints(diagnostics, sources);
    let mut out: Vec<Entry> = diagnostics
        .iter()
        .zip(prints)
        .filter(|(d, _)| d.kind == Kind::Finding)
        .map(|(d, fingerprint)| Entry {
            fingerprint,
            rule: d.code.to_string(),
            path: path_of(d, sources),
            entity: d.entity.clone(),
            message: d.message.to_string(),
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.path, &a.rule, &a.entity, &a.message, &a.fingerprint).cmp(&(
            &b.path,
            &b.rule,
            &b.entity,
            &b.message,
            &b.fingerprint,
        ))
    });
    out
}

/// The baseline file's text.
pub fn to_json(entries: &[Entry]) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(&Written {
        version: VERSION,
        findings: entries,
    })?;
    text.push('\n');
    Ok(text)
}

/// Parses a baseline file; a problem is an input error located in it.
pub fn parse(file: FileId, source: &SourceFile) -> Result<Baseline, Box<Diagnostic>> {
    let text: &str = source.text();
    let path = source.display_path();
    let help =
        "a baseline is the JSON file `spof check --write-baseline FILE` writes; regenerate it";
    let json_error = |e: serde_json::Error| {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&position).unwrap_or(&full);
        let at = offset_of(source, e.line(), e.column());
        let error = Diagnostic::error(
            ERROR_CODE,
            Span::new(file, TextRange::empty(at)),
            format!("invalid baseline {path}: {message}"),
        )
        .with_help(help);
        Box::new(error)
    };
    let Versioned { version } = serde_json::from_str(text).map_err(json_error)?;
    if version != VERSION {
        let at = text.find("\"version\"").unwrap_or(0);
        let span = Span::new(file, TextRange::new(at, at + "\"version\"".len()));
        return Err(Box::new(
            Diagnostic::error(
                ERROR_CODE,
                span,
                format!("baseline {path} has version {version}; this spof reads version {VERSION}"),
            )
            .with_label("unsupported version")
            .with_help(help),
        ));
    }
    let read: Read = serde_json::from_str(text).map_err(json_error)?;
    Ok(Baseline {
        file,
        entries: read.findings,
        spans: fingerprint_spans(text),
    })
}

/// Findings after the baseline: those it does not record, how many it
/// does, and its entries that match no finding.
pub struct Applied {
    pub kept: Vec<Diagnostic>,
    pub baselined: usize,
    pub stale: Vec<Finding>,
}

/// Drops the findings `baseline` records. An entry that matches no finding
/// is stale when `in_scope` accepts its path (a run over part of the estate
/// cannot tell whether findings elsewhere are gone), and reported when
/// `settings` run SPOF017.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    sources: &SourceMap,
    baseline: &Baseline,
    in_scope: impl Fn(&str) -> bool,
    settings: &Settings,
) -> Applied {
    let recorded: HashSet<&str> = baseline
        .entries
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let prints = fingerprints(&diagnostics, sources);
    let mut matched = HashSet::new();
    let mut kept = Vec::new();
    let mut baselined = 0;
    for (d, print) in diagnostics.into_iter().zip(prints) {
        if d.kind == Kind::Finding && recorded.contains(print.as_str()) {
            matched.insert(print);
            baselined += 1;
        } else {
            kept.push(d);
        }
    }
    let baseline_path = sources.get(baseline.file).display_path();
    let stale = if settings.runs(Rule::StaleBaselineEntry) {
        baseline
            .entries
            .iter()
            .filter(|e| !matched.contains(&e.fingerprint) && in_scope(&e.path))
            .map(|e| stale_entry(baseline, e, &baseline_path))
            .collect()
    } else {
        Vec::new()
    };
    Applied {
        kept,
        baselined,
        stale,
    }
}

fn stale_entry(baseline: &Baseline, entry: &Entry, baseline_path: &str) -> Finding {
    let range = baseline
        .spans
        .get(&entry.fingerprint)
        .copied()
        .unwrap_or(TextRange::empty(0));
    let rule = match Rule::lookup(&entry.rule) {
        Some(rule) => format!("{} ({})", rule.code(), rule.name()),
        None => format!("`{}`", entry.rule),
    };
    let about = entry
        .entity
        .as_ref()
        .map(|id| format!(" about `{id}`"))
        .unwrap_or_default();
    Finding::new(
        Rule::StaleBaselineEntry,
        Span::new(baseline.file, range),
        format!(
            "baseline entry for {rule} in {}{about} matches no finding",
            entry.path
        ),
    )
    .label("matches no finding")
    .help(format!(
        "the finding was fixed, or the line it is on changed; regenerate the baseline with `spof check --write-baseline {baseline_path}`"
    ))
}

fn path_of(d: &Diagnostic, sources: &SourceMap) -> String {
    if (d.span.file.0 as usize) < sources.len() {
        sources.get(d.span.file).display_path()
    } else {
        String::new()
    }
}

/// Where each `"fingerprint": "…"` value is written, quotes included.
fn fingerprint_spans(text: &str) -> HashMap<String, TextRange> {
    const KEY: &str = "\"fingerprint\"";
    let mut out = HashMap::new();
    for (at, _) in text.match_indices(KEY) {
        let after_key = at + KEY.len();
        let rest = &text[after_key..];
        let Some(rest_colon) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let value = rest_colon.trim_start();
        let Some(inner) = value.strip_prefix('"') else {
            continue;
        };
        let Some(len) = inner.find('"') else {
            continue;
        };
        let start = text.len() - value.len();
        out.entry(inner[..len].to_string())
            .or_insert_with(|| TextRange::new(start, start + len + 2));
    }
    out
}

/// Byte offset of serde_json's 1-based line and column (0 when it gives
/// none), on a character boundary.
fn offset_of(source: &SourceFile, line: usize, column: usize) -> usize {
    let text: &str = source.text();
    let Some(start) = line
        .checked_sub(1)
        .and_then(|l| source.lines().line_start(l))
    else {
        return 0;
    };
    let mut at = (start as usize + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn finding(file: FileId, at: usize, len: usize, code: &str) -> Diagnostic {
        let mut d = Diagnostic::error(code, Span::new(file, TextRange::new(at, at + len)), "m");
        d.kind = Kind::Finding;
        d.severity = Severity::Warning;
        d.entity = Some("k8s:Deployment/default/web".into());
        d
    }

    fn sources(text: &str) -> (SourceMap, FileId) {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("web.yaml".into(), text));
        (sources, file)
    }

    #[test]
    fn written_baselines_read_back_with_a_line_per_fingerprint() {
        let (mut sources, file) = sources("kind: Deployment\nspec:\n  replicas: 1\n");
        let diagnostics = vec![
            finding(file, 0, 4, "SPOF002"),
            finding(file, 25, 8, "SPOF001"),
            Diagnostic::error("parse-error", Span::new(file, TextRange::empty(0)), "x"),
        ];
        let entries = entries(&diagnostics, &sources);
        assert_eq!(entries.len(), 2, "input errors are not recorded");
        assert_eq!(entries[0].rule, "SPOF001", "sorted by rule within a path");
        let text = to_json(&entries).unwrap();
        let id = sources.add(SourceFile::new("b.json".into(), text.as_str()));
        let baseline = parse(id, sources.get(id)).unwrap();
        assert_eq!(baseline.entries, entries);
        for entry in &entries {
            let range = baseline.spans[&entry.fingerprint];
            let line = sources.get(id).lines().line_of(range.start);
            assert_eq!(
                sources.get(id).line_text(line).trim(),
                format!("\"fingerprint\": \"{}\",", entry.fingerprint)
            );
        }
    }

    #[test]
    fn recorded_findings_are_dropped_and_unmatched_entries_are_stale() {
        let (mut sources, file) = sources("kind: Deployment\nspec:\n  replicas: 1\n");
        let old = vec![finding(file, 25, 8, "SPOF001")];
        let mut recorded = entries(&old, &sources);
        recorded.push(Entry {
            fingerprint: "00000000000000ff".into(),
            rule: "SPOF002".into(),
            path: "web.yaml".into(),
            entity: None,
            message: "gone".into(),
        });
        recorded.push(Entry {
            fingerprint: "00000000000000aa".into(),
            rule: "SPOF002".into(),
            path: "elsewhere/db.yaml".into(),
            entity: None,
            message: "not checked in this run".into(),
        });
        let text = to_json(&recorded).unwrap();
        let id = sources.add(SourceFile::new("b.json".into(), text.as_str()));
        let baseline = parse(id, sources.get(id)).unwrap();
        let now = vec![
            finding(file, 25, 8, "SPOF001"),
            finding(file, 0, 4, "SPOF009"),
        ];
        let mut settings = Settings::default();
        settings.enabled.remove(&Rule::StaleBaselineEntry);
        let off = apply(now.clone(), &sources, &baseline, |_| true, &settings);
        assert_eq!((off.baselined, off.kept.len(), off.stale.len()), (1, 1, 0));
        let applied = apply(
            now,
            &sources,
            &baseline,
            |p| p == "web.yaml",
            &Settings::default(),
        );
        assert_eq!(applied.baselined, 1);
        assert_eq!(applied.kept.len(), 1);
        assert_eq!(applied.kept[0].code, "SPOF009");
        assert_eq!(applied.stale.len(), 1);
        let stale = &applied.stale[0];
        assert_eq!(stale.rule, Rule::StaleBaselineEntry);
        assert_eq!(
            stale.message,
            "baseline entry for SPOF002 (no-zone-spread) in web.yaml matches no finding"
        );
        let r = stale.span.range;
        assert_eq!(
            &text[r.start as usize..r.end as usize],
            "\"00000000000000ff\""
        );
    }

    #[test]
    fn malformed_baselines_are_located_input_errors() {
        let check = |text: &str| {
            let source = SourceFile::new("b.json".into(), text);
            let d = parse(FileId(0), &source).unwrap_err();
            assert_eq!(d.kind, Kind::Error);
            assert_eq!(d.code, ERROR_CODE);
            (source.line_col(d.span.range.start), d.message.to_string())
        };
        let (at, message) =
            check("{\n  \"version\": 1,\n  \"findings\": [\n    {\"rule\": 1}\n  ]\n}\n");
        assert_eq!(at.line, 4);
        assert_eq!(
            message,
            "invalid baseline b.json: invalid type: integer `1`, expected a string"
        );
        let (at, message) = check("{\"version\": 2, \"findings\": []}");
        assert_eq!(at.column, 2);
        assert!(message.contains("has version 2"), "{message}");
        let (_, message) = check("");
        assert!(
            message.starts_with("invalid baseline b.json: EOF"),
            "{message}"
        );
        let (_, message) = check("{\"version\": 1, \"findings\": [], \"extra\": 1}");
        assert!(message.contains("unknown field `extra`"), "{message}");
        let (_, message) =
            check("{\"version\": 1, \"findings\": [{\"fingerprint\": \"x\", \"rule\": \"r\"}]}");
        assert!(message.contains("missing field `path`"), "{message}");
        let (at, _) = check("{\"version\": 1, \"findings\": [é");
        assert_eq!(at.line, 1);
    }
}
