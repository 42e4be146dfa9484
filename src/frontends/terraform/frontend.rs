use crate::discover::{Claim, FileKind};
use crate::frontends::{Frontend, Stage};

const KIND: FileKind = FileKind::new("terraform");

/// Terraform configurations and variables, loaded beside the documents'
/// reading; plans and states are documents, merged in when they are read.
pub const FRONTEND: Frontend = Frontend {
    name: KIND.frontend,
    claims: &[
        Claim::suffix(".tf", KIND),
        Claim::suffix(".tf.json", KIND),
        Claim::suffix(".tfvars", KIND),
        Claim::suffix(".tfvars.json", KIND),
    ],
    confirms: None,
    stage: Stage::Beside {
        load: super::run::load,
        finish: super::run::finish,
    },
    caches: &["tf-file", "tf-root", "tf-model"],
};
