use crate::diagnostic::Diagnostic;
use crate::discover::{Claim, FileKind};
use crate::frontends::documents::Handed;
use crate::frontends::{Context, Frontend, Loaded, Stage};
use crate::model::Model;

const KIND: FileKind = FileKind::new("nomad");

/// Nomad jobs: `*.nomad` and `*.nomad.hcl` files, and the `*.hcl` files
/// whose text is a job (HCL is also the syntax of Packer, Terragrunt and
/// Vault configuration).
pub const FRONTEND: Frontend = Frontend {
    name: KIND.frontend,
    claims: &[
        Claim::suffix(".nomad", KIND),
        Claim::suffix(".nomad.hcl", KIND),
        Claim::suffix(".hcl", FileKind::by_content(KIND.frontend)),
    ],
    confirms: Some(super::is_nomad_job),
    stage: Stage::Files { extract },
    caches: &["nomad"],
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
    super::extract(&files, context.limits, context.cache, model)
}
