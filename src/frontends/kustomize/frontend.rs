use crate::diagnostic::Diagnostic;
use crate::discover::Claim;
use crate::frontends::documents::{self, Documents};
use crate::frontends::{Context, Frontend, Stage};
use crate::model::Model;

/// Kustomize: a kustomization's patches are parts of objects, not objects;
/// the Kubernetes frontend, after it, leaves them out.
pub const FRONTEND: Frontend = Frontend {
    name: "kustomize",
    // Kustomize's third name for a kustomization, without an extension.
    claims: &[Claim::exact("Kustomization", documents::KIND)],
    confirms: None,
    stage: Stage::Documents {
        reads: |index, root| index == 0 && super::reads(root),
        slim: None,
        extract,
    },
    caches: &[],
};

fn extract(documents: &mut Documents<'_>, context: &Context<'_>, _: &mut Model) -> Vec<Diagnostic> {
    documents.parts = super::patch_files(&documents.files, context.sources);
    Vec::new()
}
