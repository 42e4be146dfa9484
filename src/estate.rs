//! What the pipeline built before the rules ran, shared by the stages that
//! read more than findings.

use crate::analysis::{Analysis, Context};
use crate::graph::Graph;
use crate::model::Model;

/// The model, its graph and the analysis, for the commands that read more
/// than findings (`spof simulate`, `spof graph`, `spof report`).
pub struct Estate {
    pub model: Model,
    pub graph: Graph,
    pub analysis: Analysis,
    pub context: Context,
}
