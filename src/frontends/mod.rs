//! Frontends: the readers of each input format, which turn files into the
//! model's entities. Each one declares a [`Frontend`]; the pipeline runs
//! [`FRONTENDS`], in order, and nothing else. Adding a format is adding a
//! folder here and one line to that list.
//!
//! A frontend is one of three shapes ([`Stage`]):
//!
//! - it reads documents of the run's YAML and JSON streams, which are
//!   parsed once for every such frontend ([`documents`]): Kubernetes,
//!   Kustomize, compose, Backstage;
//! - it reads files of its own, claimed by name (and, where the name does
//!   not decide, by their text), on the documents' thread: Nomad, the
//!   service manifest;
//! - it loads files of its own on a thread beside the documents' reading,
//!   and finishes once the documents are read, with what they hold for it
//!   (Terraform: its HCL, then the plans found among the documents).
//!
//! Entities are appended to the model in the list's order: the documents'
//! frontends into the run's model as they run, the others each into a
//! model of its own, appended after the documents' in the list's order.

pub mod appset;
pub mod backstage;
pub mod compose;
pub mod digest;
pub mod documents;
pub mod helm;
pub mod hosts;
pub mod kubernetes;
pub mod kustomize;
pub mod manifest;
pub mod nomad;
pub mod terraform;
pub mod tools;

use crate::cache::Cache;
use crate::diagnostic::Diagnostic;
use crate::discover::{Claim, FileKind};
use crate::model::Model;
use crate::model::scope::Places;
use crate::parse::Node;
use crate::parse::yaml::Limits;
use crate::source::{FileId, SourceMap};
use documents::{Documents, Handed, Plans};
use hosts::SoftVariables;
use kubernetes::TopologyKeys;
use std::path::{Path, PathBuf};

/// Every frontend, in the order their entities are appended to the model.
pub const FRONTENDS: &[Frontend] = &[
    kustomize::FRONTEND,
    helm::releases::FRONTEND,
    kubernetes::FRONTEND,
    compose::FRONTEND,
    backstage::FRONTEND,
    terraform::FRONTEND,
    nomad::FRONTEND,
    manifest::FRONTEND,
    helm::FRONTEND,
];

/// What one input format declares.
#[derive(Clone, Copy)]
pub struct Frontend {
    /// Its name: the kind of the files it claims.
    pub name: &'static str,
    /// The files it claims by name. A claim whose kind is
    /// [`documents::KIND`] adds a name to the YAML and JSON streams (a
    /// Kustomize `Kustomization`); a claim whose kind is `by_content` is kept
    /// only when [`Frontend::confirms`] accepts the text.
    pub claims: &'static [Claim],
    /// Whether the text of a file claimed `by_content` is one of its
    /// files (a `*.hcl` file that is a Nomad job).
    pub confirms: Option<fn(&str) -> bool>,
    /// How it reads and extracts.
    pub stage: Stage,
    /// The cache packs it reads and writes (beside the documents' `yaml`).
    pub caches: &'static [&'static str],
}

/// How a frontend runs.
#[derive(Clone, Copy)]
pub enum Stage {
    /// It reads documents of the YAML and JSON streams.
    Documents {
        /// Whether it reads the `index`th document of a stream, whose root
        /// is `root`: a document no frontend reads is emptied when the
        /// stream is sifted, so that it is neither held nor cached.
        reads: fn(index: usize, root: &Node) -> bool,
        /// What is kept of a document it does not read whole, if anything.
        slim: Option<fn(&Node) -> Option<Node>>,
        /// Extracts from the sifted documents into the run's model.
        extract: fn(&mut Documents<'_>, &Context<'_>, &mut Model) -> Vec<Diagnostic>,
    },
    /// It reads the files it claims, on the documents' thread, with what
    /// the documents' frontends handed over ([`Handed`]), into a model of
    /// its own.
    Files {
        extract: fn(&[Loaded], &Handed, &Context<'_>, &mut Model) -> Vec<Diagnostic>,
    },
    /// It loads the files it claims on a thread beside the documents'
    /// reading (told which files are documents, not what they hold), then
    /// finishes with what the documents held for it, into a model of its
    /// own.
    Beside {
        load: fn(&[Loaded], &[Loaded], &Context<'_>) -> Pending,
        finish: fn(Pending, Plans, &Context<'_>, &mut Model) -> Vec<Diagnostic>,
    },
}

/// What a [`Stage::Beside`] frontend loaded, until it finishes.
pub enum Pending {
    Terraform(terraform::run::Loaded),
}

/// A file of the run, in the source map, with its configured cluster.
#[derive(Debug, Clone, Copy)]
pub struct Loaded {
    pub file: FileId,
    pub cluster: Option<usize>,
}

/// What frontends are given besides their files.
pub struct Context<'a> {
    pub sources: &'a SourceMap,
    pub keys: &'a TopologyKeys,
    pub places: &'a Places,
    pub soft: &'a SoftVariables,
    pub limits: &'a Limits,
    pub cache: Option<&'a Cache>,
    /// Values for Terraform root modules' variables.
    pub variables: &'a terraform::Variables,
    /// Where Terraform's file functions may read.
    pub file_tree: &'a terraform::hcl::FileTree,
    /// The provider knowledge base.
    pub knowledge: &'a terraform::kb::KnowledgeBase,
    /// The configured clusters' names, by index.
    pub cluster_names: &'a [String],
    /// The Helm releases `spof.toml` declares.
    pub helm_releases: &'a [helm::releases::Release],
    /// What charts' `.Capabilities` say (`spof.toml`'s `[helm]`).
    pub helm_capabilities: &'a helm::Capabilities,
    /// The operator knowledge base.
    pub operators: &'a kubernetes::Operators,
}

/// The kind of input `path` holds by its name, or `None` when no frontend
/// claims it: the longest suffix claimed wins (`.tf.json` over `.json`),
/// and a whole name over any suffix.
pub fn classify(path: &Path) -> Option<FileKind> {
    crate::discover::classify(path, every_claim())
}

/// The directories whose files are inputs beside those of `dir` although
/// hidden: the modules `terraform init` installed for a root module there.
pub fn side_dirs(dir: &Path) -> Vec<PathBuf> {
    terraform::hcl::installed_dirs(dir)
}

/// Every claim: the YAML and JSON streams' and each frontend's.
fn every_claim() -> impl Iterator<Item = &'static Claim> + Clone {
    documents::CLAIMS
        .iter()
        .chain(FRONTENDS.iter().flat_map(|f| f.claims))
}

/// Whether a file of `kind` whose text is `text` is an input: a file
/// claimed by its name alone always is; one claimed `by_content`, when
/// its frontend confirms it.
pub fn confirms(kind: FileKind, text: &str) -> bool {
    if !kind.by_content {
        return true;
    }
    FRONTENDS
        .iter()
        .filter(|f| f.name == kind.frontend)
        .any(|f| f.confirms.is_some_and(|confirms| confirms(text)))
}

/// Whether files of `kind` write comments with `//` as well as `#` (HCL).
pub fn slash_comments(kind: FileKind) -> bool {
    kind.frontend == terraform::FRONTEND.name || kind.frontend == nomad::FRONTEND.name
}

/// Frees `value` on a thread of its own: the parsed trees of a repository
/// take tens of milliseconds to free, which the caller need not wait for.
/// When no thread can be started, frees it here.
pub(crate) fn drop_later<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and `value` with it.
    let _ = std::thread::Builder::new()
        .name("spof-drop".to_string())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str) -> Option<(&'static str, bool)> {
        classify(Path::new(path)).map(|k| (k.frontend, k.by_content))
    }

    #[test]
    fn classifies_by_name() {
        let documents = Some((documents::KIND.frontend, false));
        for path in ["a/b.yaml", "b.yml", "b.YAML", "b.json", "o/Kustomization"] {
            assert_eq!(kind(path), documents, "{path}");
        }
        let terraform = Some(("terraform", false));
        for path in [
            "main.tf",
            "m/x.tf.json",
            "terraform.tfvars",
            "p.tfvars.json",
        ] {
            assert_eq!(kind(path), terraform, "{path}");
        }
        for path in [
            "ops/spof.services.toml",
            "SPOF.services.toml",
            "dc.spof.toml",
        ] {
            assert_eq!(kind(path), Some(("manifest", false)), "{path}");
        }
        assert_eq!(kind("api.nomad"), Some(("nomad", false)));
        assert_eq!(kind("api.nomad.hcl"), Some(("nomad", false)));
        assert_eq!(kind("jobs/api.hcl"), Some(("nomad", true)));
        assert_eq!(kind("x.pkr.hcl"), Some(("nomad", true)));
        for path in [
            "x.tfstate",
            "Cargo.toml",
            ".hcl",
            ".tf",
            ".yaml",
            "README",
            "dir/spof.toml",
            "kustomization",
            "",
        ] {
            assert_eq!(kind(path), None, "{path}");
        }
    }

    #[test]
    fn a_file_claimed_by_content_is_an_input_when_its_frontend_confirms_it() {
        let hcl = classify(Path::new("api.hcl")).expect("claimed");
        assert!(confirms(hcl, "job \"api\" {\n}\n"));
        assert!(!confirms(hcl, "source \"amazon-ebs\" \"x\" {\n}\n"));
        let yaml = classify(Path::new("a.yaml")).expect("claimed");
        assert!(confirms(yaml, "not: [a, job"));
    }

    #[test]
    fn every_frontend_has_a_name_of_its_own() {
        let mut names: Vec<&str> = FRONTENDS.iter().map(|f| f.name).collect();
        names.push(documents::KIND.frontend);
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "{names:?}");
    }
}
