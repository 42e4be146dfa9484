use crate::diagnostic::Diagnostic;
use crate::frontends::documents::Documents;
use crate::frontends::{Context, Frontend, Stage};
use crate::model::Model;

/// Compose projects: a stream's first document, when it has services.
pub const FRONTEND: Frontend = Frontend {
    name: "compose",
    claims: &[],
    confirms: None,
    stage: Stage::Documents {
        reads: |index, root| index == 0 && super::reads(root),
        slim: None,
        extract,
    },
    caches: &[],
};

fn extract(
    documents: &mut Documents<'_>,
    context: &Context<'_>,
    model: &mut Model,
) -> Vec<Diagnostic> {
    super::extract(&documents.files, context.sources, context.soft, model)
}
