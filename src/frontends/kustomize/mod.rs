//! Kustomize trees, built as `kustomize build` builds them.
//!
//! Every kustomization no other one names (an overlay) is a root: it is
//! built ([`build`]) into the objects it produces, with their resources,
//! components, generators, patches and transformers applied, and those
//! objects are modelled as the Kubernetes objects of the overlay's
//! directory (its place, and so its environment). The files a build reads
//! (the bases' resources, the patches) are parts of those objects, not
//! objects of their own: the Kubernetes frontend leaves them out. Every
//! value of a built object keeps the file and line that wrote it
//! ([`space`]): the patch's `replicas: 1`, the overlay's `replicas:`
//! entry, else the base's line.

pub mod base;
pub mod build;
mod charts;
mod config;
mod fieldpath;
mod frontend;
mod hash;
pub mod merge;
mod origin;
mod refs;
mod replace;
mod schema;
pub mod space;
#[cfg(test)]
mod tests;
mod transform;
pub use frontend::FRONTEND;

use crate::diagnostic::Diagnostic;
use crate::parse::{Document, Node};
use crate::source::{FileId, Span, TextRange};
use base::{Build, Tree};
use space::Space;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The names kustomize reads a kustomization from, in a directory.
const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Keys whose entries are a kustomization's lists.
const LIST_KEYS: &[&str] = &[
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "resources",
    "bases",
    "components",
    "configMapGenerator",
    "secretGenerator",
    "helmCharts",
];

/// Whether `name` is a kustomization's file name.
pub fn is_kustomization_file_name(name: &str) -> bool {
    FILE_NAMES.contains(&name)
}

/// Whether sifting keeps the document `node`: what a kustomization holds
/// (`kind: Kustomization` or `Component`, or no kind at all and one of a
/// kustomization's lists; a Helm values file's `resources:` is a mapping,
/// not such a list), or a JSON 6902 patch (a list of operations).
pub fn reads(node: &Node) -> bool {
    if is_json_patch(node) || replace::is_replacement(node) || is_configuration(node) {
        return true;
    }
    match node.get("kind").and_then(Node::as_text) {
        Some("Kustomization" | "Component") => true,
        None => LIST_KEYS
            .iter()
            .any(|k| node.get(k).is_some_and(Node::is_seq)),
        Some(_) => false,
    }
}

/// Whether `node` is what a kustomization's `configurations`, `crds` or
/// `openapi` names: field specifications (`nameReference`,
/// `varReference`, or another transformer's list of `path`s), kustomize's
/// type definitions (`Schema` of each Go type), or an OpenAPI schema whose
/// `definitions` name their kinds.
fn is_configuration(node: &Node) -> bool {
    if node.get("kind").is_some() {
        return false;
    }
    let specs = |k: &str| {
        node.get(k).is_some_and(|v| {
            !v.as_seq().is_empty() && v.as_seq().iter().all(|s| s.get("path").is_some())
        })
    };
    let types = node.as_map();
    node.get("nameReference").is_some_and(Node::is_seq)
        || [
            "varReference",
            "commonLabels",
            "commonAnnotations",
            "namePrefix",
            "nameSuffix",
            "namespace",
            "images",
            "replicas",
        ]
        .iter()
        .any(|k| specs(k))
        || (!types.is_empty() && types.iter().all(|(_, t)| t.get("Schema").is_some()))
        || node.get("definitions").is_some_and(|d| {
            d.as_map()
                .iter()
                .any(|(_, t)| t.get("x-kubernetes-group-version-kind").is_some())
        })
}

/// Whether `node` is a list of JSON patch operations.
fn is_json_patch(node: &Node) -> bool {
    let items = node.as_seq();
    !items.is_empty()
        && items
            .iter()
            .all(|op| op.get("op").is_some() && op.get("path").is_some())
}

/// One root kustomization, built.
pub struct Rendered {
    /// The root's kustomization file.
    pub root: FileId,
    /// Its objects, in the build's space.
    pub objects: Vec<Document>,
    pub space: Space,
    /// Every file the build read.
    pub read: BTreeSet<FileId>,
    pub diagnostics: Vec<Diagnostic>,
    /// The parts of the build that are not built.
    pub unfollowed: Vec<crate::model::UnfollowedModule>,
    /// The charts its `helmCharts` rendered.
    pub charts: Vec<PathBuf>,
    /// Where the values its charts' templates write were set.
    pub value_lines: Vec<crate::model::ValueLine>,
    /// The values its patches and `replicas:` entries wrote over others.
    pub replaced: Vec<crate::model::ReplacedValue>,
}

/// The kustomizations of `tree` that another one names as a resource,
/// base or component.
fn referenced(tree: &Tree<'_>) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for (path, _, node) in tree.kustomizations() {
        let dir = path.parent().unwrap_or(Path::new(""));
        for k in ["resources", "bases", "components"] {
            for entry in node.get(k).map(Node::as_seq).unwrap_or_default() {
                let Some(text) = entry.as_text().filter(|t| !base::is_remote(t)) else {
                    continue;
                };
                if let Some((p, _, _)) =
                    tree.kustomization(&base::normalize(&dir.join(text.trim())))
                {
                    out.insert(p);
                }
            }
        }
    }
    out
}

/// Builds every root of `tree`: the kustomizations no other one names,
/// then any left unread (kustomizations that only name each other, whose
/// cycle the build reports). Components are built only where they are
/// named.
pub fn render(tree: &Tree<'_>) -> Vec<Rendered> {
    let all = tree.kustomizations();
    let named = referenced(tree);
    let mut read: BTreeSet<FileId> = BTreeSet::new();
    let mut out = Vec::new();
    let component = |node: &Node| node.get("kind").and_then(Node::as_text) == Some("Component");
    for pass in [true, false] {
        for (path, file, node) in &all {
            if component(node) || read.contains(file) || (pass && named.contains(path)) {
                continue;
            }
            let dir = path.parent().unwrap_or(Path::new(""));
            let mut b = Build::new(tree);
            let built = b.build(dir, node.range, true).unwrap_or_default();
            let replaced = replaced_values(&b.space, &built, *file);
            read.extend(b.read.iter().copied());
            read.insert(*file);
            out.push(Rendered {
                root: *file,
                objects: built
                    .into_iter()
                    .map(|r| Document { root: r.node })
                    .collect(),
                space: b.space,
                read: b.read,
                diagnostics: b.diagnostics,
                unfollowed: b.unfollowed,
                charts: b.charts,
                value_lines: b.value_lines,
                replaced,
            });
        }
    }
    out
}

/// The values of the built objects `built` that were written over others,
/// mapped back to their files, for the root kustomization `root`. Several
/// objects of one build may share a patch line (a patch with a `target`
/// that selects more than one): each keeps its own replaced lines, and one
/// line written over different lines is left out, since no finding could
/// tell which of its objects it is about.
fn replaced_values(
    space: &space::Space,
    built: &[base::Resource],
    root: FileId,
) -> Vec<crate::model::ReplacedValue> {
    let at = |r: TextRange| space.resolve(Span::new(space::VIRTUAL, r));
    let mut out: Vec<crate::model::ReplacedValue> = Vec::new();
    let mut ambiguous: Vec<Span> = Vec::new();
    for replaced in built.iter().flat_map(|r| &r.replaced) {
        let lines: Vec<(Span, String)> = replaced
            .lines
            .iter()
            .map(|l| {
                let value = at(l.value);
                // The key and the value, where both are of one file.
                let span = l
                    .key
                    .map(at)
                    .filter(|k| k.file == value.file && k.range.start <= value.range.start)
                    .map_or(value, |k| {
                        Span::new(
                            value.file,
                            TextRange {
                                start: k.range.start,
                                end: value.range.end,
                            },
                        )
                    });
                let message = format!("`{}` is set here; {} replaces it", l.text, l.by);
                (span, message)
            })
            .collect();
        let written = at(replaced.written);
        match out.iter().position(|v| v.written == written) {
            Some(i) if out[i].lines != lines => ambiguous.push(written),
            Some(_) => {}
            None => out.push(crate::model::ReplacedValue {
                written,
                lines,
                root,
            }),
        }
    }
    out.retain(|v| !ambiguous.contains(&v.written));
    out
}

#[cfg(test)]
mod sift_tests {
    use super::*;
    use crate::parse::yaml::{Limits, parse_stream};

    #[test]
    fn sifting_keeps_kustomizations_only() {
        let read = |text: &str| reads(&parse_stream(text, &Limits::default()).0[0].root);
        assert!(read("resources: [a.yaml]"));
        assert!(read("kind: Kustomization\npatches: [{path: a.yaml}]"));
        assert!(read("kind: Component\npatchesStrategicMerge: [a.yaml]"));
        // A Helm values file's resources, an object of another kind.
        assert!(!read("resources: {limits: {cpu: 1}}"));
        assert!(!read("kind: ConfigMap\nresources: [a.yaml]"));
        // Replacement files: one, or a list.
        assert!(read(
            "source: {kind: ConfigMap}\ntargets: [{select: {kind: Deployment}}]"
        ));
        assert!(read("- source: {kind: ConfigMap}\n  targets: []"));
        assert!(!read("kind: Rollout\nsource: {}\ntargets: []"));
        // Configurations, kustomize's type definitions, OpenAPI schemas.
        assert!(read("nameReference:\n- kind: Service\n  fieldSpecs: []"));
        assert!(read("commonLabels:\n- path: spec/selector\n  kind: MyKind"));
        assert!(read("example.com/v1.Bee: {Schema: {properties: {}}}"));
        assert!(read(
            "definitions: {v1.X: {x-kubernetes-group-version-kind: [{kind: X}]}}"
        ));
        // A kustomization's own `images` and a values file are not.
        assert!(!read("images:\n- name: nginx\n  newTag: '1'"));
        assert!(!read("replicas: 3\nimage: {repository: nginx}"));
    }
}
