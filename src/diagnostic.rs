//! The one diagnostic type shared by findings, parse errors and config errors.
//! Renderers only format these; they never decide severity or location.

use crate::source::Span;
use serde::{Deserialize, Serialize};

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
    pub message: String,
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
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sort key that makes output independent of discovery order.
    pub fn sort_key(&self) -> (Span, &str, &str, Option<&str>) {
        (self.span, &self.code, &self.message, self.entity.as_deref())
    }
}
