//! The one diagnostic type shared by findings, parse errors and config errors.
//! Renderers only format these; they never decide severity or location.

use crate::source::Span;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Whether a diagnostic is a finding of a rule, or a problem with the input
/// (unreadable file, syntax error, bad configuration) that stops spof from
/// seeing part of the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Finding,
    Error,
}

/// A secondary location: one hop of a dependency chain, or a related setting.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Related {
    pub span: Span,
    /// Shared: one hop, or one root cause, is cited by the finding of
    /// every entity whose chain passes through it.
    pub message: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub kind: Kind,
    /// Rule code (`SPOF001`) for findings; error code (`parse-error`) for errors.
    pub code: String,
    /// Rule name (`single-replica`) for findings; same as `code` for errors.
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// Entity id the finding is about (`k8s:Deployment/default/web`).
    pub entity: Option<String>,
    pub span: Span,
    /// Short text shown under the primary span.
    pub label: Option<String>,
    pub related: Vec<Related>,
    pub help: Option<String>,
    /// Where the value that decides a finding is written, when that is not
    /// at `span` (the variable default that `multi_az = var.multi_az`
    /// reads): a run that names that file reports the finding too.
    pub decided_at: Option<Span>,
}

impl Diagnostic {
    pub fn error(code: &str, span: Span, message: impl Into<String>) -> Self {
        Self {
            kind: Kind::Error,
            code: code.to_string(),
            name: code.to_string(),
            severity: Severity::Error,
            message: message.into(),
            entity: None,
            span,
            label: None,
            related: Vec::new(),
            help: None,
            decided_at: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sort key within one file (diagnostics of one file share a path).
    pub fn sort_key(&self) -> (Span, &str, &str, Option<&str>) {
        (self.span, &self.code, &self.message, self.entity.as_deref())
    }

    /// The order of output, whatever order the files were found in: by file
    /// path, position, code, message and entity.
    pub fn output_order(
        &self,
        other: &Self,
        sources: &crate::source::SourceMap,
    ) -> std::cmp::Ordering {
        let path = |d: &Diagnostic| {
            ((d.span.file.0 as usize) < sources.len()).then(|| &sources.get(d.span.file).path)
        };
        (
            path(self),
            self.span.range,
            &self.code,
            &self.message,
            &self.entity,
        )
            .cmp(&(
                path(other),
                other.span.range,
                &other.code,
                &other.message,
                &other.entity,
            ))
    }
}

/// Stable identities of findings, for baselines and CI systems that track
/// findings across commits (SARIF `partialFingerprints`, GitLab
/// `fingerprint`). A fingerprint hashes the rule, the file, the entity and
/// the text of the finding's line (whitespace-trimmed) and span, so it
/// survives lines moving and unrelated edits elsewhere in the file; it
/// changes when the offending line itself changes. Identical fingerprints
/// in one run get `:1`, `:2`, … in output order.
pub fn fingerprints(diagnostics: &[Diagnostic], sources: &crate::source::SourceMap) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let base = fingerprint(d, sources);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}:{}", *n - 1)
            }
        })
        .collect()
}

fn fingerprint(d: &Diagnostic, sources: &crate::source::SourceMap) -> String {
    let (path, line, span_text) = if (d.span.file.0 as usize) < sources.len() {
        let file = sources.get(d.span.file);
        let line = file.lines().line_of(d.span.range.start);
        let span_text = file
            .text()
            .get(d.span.range.start as usize..d.span.range.end as usize)
            .unwrap_or("");
        (
            file.display_path(),
            file.line_text(line).trim().to_string(),
            span_text,
        )
    } else {
        (String::new(), String::new(), "")
    };
    let mut hash = Fnv::default();
    for part in [
        d.code.as_str(),
        &path,
        d.entity.as_deref().unwrap_or(""),
        &line,
        span_text.trim(),
    ] {
        hash.write(part.as_bytes());
        hash.write(&[0xff]);
    }
    format!("{:016x}", hash.0)
}

/// FNV-1a, 64-bit: stable across Rust versions and platforms, unlike std's
/// hasher, which is what a fingerprint stored in a baseline needs.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile, SourceMap, TextRange};

    fn finding(file: FileId, at: usize, len: usize) -> Diagnostic {
        let mut d = Diagnostic::error(
            "SPOF001",
            Span::new(file, TextRange::new(at, at + len)),
            "m",
        );
        d.kind = Kind::Finding;
        d.entity = Some("k8s:Deployment/default/web".into());
        d
    }

    #[test]
    fn fingerprints_survive_line_shifts_but_not_edits_of_the_line() {
        let before = "kind: Deployment\nspec:\n  replicas: 1\n";
        let shifted = "# a comment\nkind: Deployment\n\nspec:\n  replicas: 1\n";
        let edited = "kind: Deployment\nspec:\n  replicas: 1 # canary\n";
        let print = |text: &str| {
            let mut sources = SourceMap::default();
            let file = sources.add(SourceFile::new("a.yaml".into(), text));
            let at = text.find("replicas").unwrap();
            fingerprints(&[finding(file, at, 11)], &sources).remove(0)
        };
        assert_eq!(print(before), print(shifted));
        assert_ne!(print(before), print(edited));
    }

    #[test]
    fn identical_findings_get_distinct_fingerprints() {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(
            "a.yaml".into(),
            "replicas: 1\n---\nreplicas: 1\n",
        ));
        let prints = fingerprints(&[finding(file, 0, 11), finding(file, 16, 11)], &sources);
        assert_eq!(prints[1], format!("{}:1", prints[0]));
    }
}
