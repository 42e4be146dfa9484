//! Render stage: formats diagnostics. Renderers never decide what is a
//! finding, its severity or its location; they only print.

use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// Counts printed after the diagnostics and in the JSON `summary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files read (including ones that failed to parse).
    pub files: usize,
    /// Entities in the graph (workloads, services, volumes, …).
    pub entities: usize,
    /// Findings reported, by severity.
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings silenced by an inline suppression.
    pub suppressed: usize,
    /// Input problems (unreadable files, syntax errors, bad configuration).
    pub input_errors: usize,
}

/// Everything a renderer needs. `diagnostics` are already filtered and in
/// their final, deterministic order.
pub struct Output<'a> {
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
    pub summary: &'a Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
}
