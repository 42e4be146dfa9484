use crate::diagnostic::Diagnostic;
use crate::discover::{Claim, FileKind};
use crate::frontends::documents::Handed;
use crate::frontends::{Context, Frontend, Loaded, Stage};
use crate::model::Model;

const KIND: FileKind = FileKind::new("manifest");

/// spof's own service manifest: `spof.services.toml`, `*.spof.toml`.
pub const FRONTEND: Frontend = Frontend {
    name: KIND.frontend,
    claims: &[
        Claim::whole(super::MANIFEST_FILE_NAME, KIND),
        Claim::suffix(".spof.toml", KIND),
    ],
    confirms: None,
    stage: Stage::Files { extract },
    caches: &[],
};

fn extract(
    files: &[Loaded],
    _handed: &Handed,
    context: &Context<'_>,
    model: &mut Model,
) -> Vec<Diagnostic> {
    let files: Vec<_> = files
        .iter()
        .map(|f| (f.file, context.sources.get(f.file)))
        .collect();
    super::extract(&files, model)
}
