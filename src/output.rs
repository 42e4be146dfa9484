//! The output model: what a run found, as every renderer and report reads
//! it.

use crate::diagnostic::Diagnostic;
use crate::model::{Acceptance, Suppression};
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
    /// Findings covered by an `[[accept]]` of spof.toml.
    pub accepted: usize,
    /// Findings recorded in the baseline (`--baseline`), not reported.
    pub baselined: usize,
    /// Findings already present at the `--diff-base` revision, not reported.
    pub preexisting: usize,
    /// Input problems (unreadable files, syntax errors, bad configuration).
    pub input_errors: usize,
}

/// Everything a renderer needs. `diagnostics` are already filtered and in
/// their final, deterministic order.
pub struct Output<'a> {
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
    /// Findings silenced by a suppression, with it (for audit formats).
    pub suppressed: &'a [(Diagnostic, Suppression)],
    /// Findings covered by an `[[accept]]`, with it.
    pub accepted: &'a [(Diagnostic, Acceptance)],
    pub summary: &'a Summary,
}
