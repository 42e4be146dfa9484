//! The YAML and JSON streams: parsed once, in parallel, for every frontend
//! that reads documents ([`super::Stage::Documents`]), and sifted: the
//! documents no frontend reads are replaced by empty mappings (positions in
//! the stream are kept), so that CustomResourceDefinitions and the like are
//! neither held nor cached, and the resources of every Terraform plan or
//! state document are read as the file is sifted.

use super::kubernetes::{FileDocs, Operators};
use super::terraform::{self, Resource};
use super::{FRONTENDS, Loaded, Stage};
use crate::cache::{Cache, KeyBuilder};
use crate::diagnostic::Diagnostic;
use crate::discover::{Claim, FileKind};
use crate::parse::Document;
use crate::parse::tree::{Node, Value};
use crate::parse::yaml::{self, Limits};
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};
use rayon::prelude::*;
use std::collections::BTreeSet;

/// The kind of the files read as YAML and JSON streams (standard input and
/// files of unknown names are read as such too).
pub const KIND: FileKind = FileKind::new("documents");

/// The names of YAML and JSON streams.
pub const CLAIMS: &[Claim] = &[
    Claim::suffix(".yaml", KIND),
    Claim::suffix(".yml", KIND),
    Claim::suffix(".json", KIND),
];

/// The documents of the run's YAML and JSON streams, as the documents'
/// frontends read them.
pub struct Documents<'a> {
    /// Each file's sifted documents, in path order.
    pub files: Vec<FileDocs<'a>>,
    /// The files that are parts of objects (Kustomize patches), not
    /// objects.
    pub parts: BTreeSet<FileId>,
    /// What the documents hold for the frontends of files of their own.
    pub handed: Handed,
}

/// What the documents hold for the frontends that read files of their own
/// ([`Stage::Files`]): the Helm releases they declare.
#[derive(Debug, Default)]
pub struct Handed {
    pub releases: super::helm::release::Found,
    /// The charts (directories, lexically normalised) a kustomization's
    /// `helmCharts` renders: the Helm frontend does not render them again
    /// with their own values.
    pub kustomize_charts: Vec<std::path::PathBuf>,
}

/// What the documents held for the frontends that finish after them: the
/// resources of each Terraform plan or state document, by file.
pub type Plans = Vec<(FileId, Vec<Vec<Resource>>)>;

/// Parses the YAML/JSON files in parallel; syntax errors become diagnostics.
pub fn parse_all(
    sources: &SourceMap,
    files: &[Loaded],
    limits: &Limits,
) -> Vec<(Vec<Document>, Option<Diagnostic>)> {
    files
        .par_iter()
        .map(|loaded| {
            let source = sources.get(loaded.file);
            let (docs, error) = yaml::parse_stream(source.text(), limits);
            (docs, error.map(|e| syntax_error(loaded.file, source, e)))
        })
        .collect()
}

fn syntax_error(file: FileId, source: &SourceFile, e: yaml::SyntaxError) -> Diagnostic {
    let mut d = Diagnostic::error(
        "parse-error",
        Span::new(file, e.range),
        format!("cannot parse {}: {}", source.display_path(), e.message),
    )
    .with_label(e.message.clone());
    d.help = e.help.map(Into::into);
    d
}

/// What the extractors take from one YAML or JSON file: its documents, those
/// no extractor reads replaced by empty mappings (so that positions in the
/// stream are kept), and the resources of each Terraform plan or state
/// document, read as the file is parsed.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Sifted {
    pub docs: Vec<Document>,
    pub plans: Vec<Vec<Resource>>,
}

/// Whether a frontend reads the `index`th document of a stream.
fn read_by_some_frontend(index: usize, root: &Node) -> bool {
    FRONTENDS.iter().any(|f| match f.stage {
        Stage::Documents { reads, .. } => reads(index, root),
        _ => false,
    })
}

/// What a frontend keeps of a document none reads whole, if anything.
fn slimmed(root: &Node) -> Option<Node> {
    FRONTENDS.iter().find_map(|f| match f.stage {
        Stage::Documents {
            slim: Some(slim), ..
        } => slim(root),
        _ => None,
    })
}

impl Sifted {
    /// The sifted documents, and the first plan or state document whose
    /// shape is not Terraform's, as a `parse-error` (its resources are not
    /// read).
    pub(crate) fn new(
        file: FileId,
        source: &SourceFile,
        docs: Vec<Document>,
        operators: &Operators,
    ) -> (Self, Option<Diagnostic>) {
        let mut shape = None;
        let plans = docs
            .iter()
            .filter_map(|d| match terraform::plan::shape_error(&d.root) {
                Some((node, message)) => {
                    shape.get_or_insert_with(|| {
                        Diagnostic::error(
                            "parse-error",
                            Span::new(file, node.range),
                            format!(
                                "cannot read the Terraform JSON in {}: {message}",
                                source.display_path()
                            ),
                        )
                        .with_label(message)
                    });
                    None
                }
                None => terraform::plan::read(file, &d.root),
            })
            .collect();
        let docs = docs
            .into_iter()
            .enumerate()
            .map(|(i, doc)| {
                // A custom resource the operator knowledge base knows is
                // read whole.
                if read_by_some_frontend(i, &doc.root) || operators.of(&doc.root).is_some() {
                    doc
                } else if let Some(root) = slimmed(&doc.root) {
                    Document { root }
                } else {
                    Document {
                        root: Node {
                            range: TextRange::empty(doc.root.range.start as usize),
                            value: Value::Map(Box::default()),
                        },
                    }
                }
            })
            .collect();
        (Self { docs, plans }, shape)
    }
}

/// Parses and sifts the YAML/JSON files in parallel, reading files parsed
/// before from `cache` and storing the others (those that parse); syntax
/// errors become diagnostics.
pub fn read_documents(
    sources: &SourceMap,
    files: &[Loaded],
    limits: &Limits,
    operators: &Operators,
    cache: Option<&Cache>,
) -> Vec<(Sifted, Option<Diagnostic>)> {
    files
        .par_iter()
        .map(|loaded| {
            let file = loaded.file;
            let source = sources.get(file);
            let key = cache.map(|_| {
                KeyBuilder::new("yaml")
                    .u64(limits.max_depth as u64)
                    .u64(limits.max_alias_nodes as u64)
                    .bytes(operators.digest())
                    .bytes(&source.digest())
                    .key()
            });
            let length = source.len();
            if let (Some(cache), Some(key)) = (cache, &key)
                && let Some(sifted) = cache.get_spanned::<Sifted>("yaml", key, &[file], |_| length)
                && sifted.docs.iter().all(|d| d.root.fits(length))
            {
                return (sifted, None);
            }
            let (docs, error) = yaml::parse_stream(source.text(), limits);
            let (sifted, shape) = Sifted::new(file, source, docs, operators);
            if let (Some(cache), Some(key), None, None) = (cache, &key, &error, &shape) {
                cache.put_spanned("yaml", key, &sifted, &[file]);
            }
            (
                sifted,
                error.map(|e| syntax_error(file, source, e)).or(shape),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sift(text: &str) -> Sifted {
        let (docs, error) = yaml::parse_stream(text, &Limits::default());
        assert!(error.is_none());
        let source = SourceFile::new("a.yaml".into(), text);
        let (sifted, shape) = Sifted::new(FileId(0), &source, docs, &Operators::builtin());
        assert!(shape.is_none());
        sifted
    }

    fn kept(sifted: &Sifted) -> Vec<bool> {
        sifted
            .docs
            .iter()
            .map(|d| !matches!(&d.root.value, Value::Map(m) if m.is_empty()))
            .collect()
    }

    #[test]
    fn documents_no_extractor_reads_are_emptied_in_place() {
        let text = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
---
services: {web: {image: nginx}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
---
apiVersion: v1
kind: List
items: []
";
        let sifted = sift(text);
        // A compose file is only ever the first document: the second one is
        // not read, and stays unread once the first is emptied.
        assert_eq!(kept(&sifted), [false, false, true, true, true, true]);
        assert!(sifted.plans.is_empty());
        // Positions are kept: an emptied document is where it was.
        assert_eq!(
            sifted.docs[1].root.range.start as usize,
            text.find("services").unwrap()
        );
    }

    #[test]
    fn a_first_document_with_services_is_kept() {
        assert_eq!(kept(&sift("services: {web: {image: nginx}}\n")), [true]);
    }

    #[test]
    fn plans_are_read_as_the_file_is_sifted() {
        let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
            {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
             "name": "main", "values": {"multi_az": false}}]}}}"#;
        let sifted = sift(plan);
        assert_eq!(kept(&sifted), [false]);
        assert_eq!(sifted.plans.len(), 1);
        assert_eq!(sifted.plans[0][0].address, "aws_db_instance.main");
    }
}
