use super::FileDocs;
use crate::diagnostic::Diagnostic;
use crate::frontends::documents::Documents;
use crate::frontends::{Context, Frontend, Stage};
use crate::model::Model;

/// Kubernetes objects (and lists of them) among the documents; of custom
/// resources, only what names and labels them is kept.
pub const FRONTEND: Frontend = Frontend {
    name: "kubernetes",
    claims: &[],
    confirms: None,
    stage: Stage::Documents {
        reads: |_, root| super::reads(root),
        slim: Some(super::slim_custom_resource),
        extract,
    },
    caches: &[],
};

fn extract(
    documents: &mut Documents<'_>,
    context: &Context<'_>,
    model: &mut Model,
) -> Vec<Diagnostic> {
    // Kustomize patches are parts of objects, not objects.
    let objects: Vec<FileDocs<'_>> = documents
        .files
        .iter()
        .filter(|f| !documents.parts.contains(&f.file))
        .map(|f| FileDocs {
            file: f.file,
            cluster: f.cluster,
            docs: f.docs,
        })
        .collect();
    super::extract(
        &objects,
        Some(context.sources),
        context.keys,
        context.places,
        context.soft,
        context.operators,
        model,
    )
}
