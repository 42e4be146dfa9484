use crate::diagnostic::Diagnostic;
use crate::frontends::documents::Documents;
use crate::frontends::{Context, Frontend, Stage};
use crate::model::Model;

/// Backstage catalog entities among the documents.
pub const FRONTEND: Frontend = Frontend {
    name: "backstage",
    claims: &[],
    confirms: None,
    stage: Stage::Documents {
        reads: |_, root| super::reads(root),
        slim: None,
        extract,
    },
    caches: &[],
};

fn extract(documents: &mut Documents<'_>, _: &Context<'_>, model: &mut Model) -> Vec<Diagnostic> {
    super::extract(&documents.files, model);
    Vec::new()
}
