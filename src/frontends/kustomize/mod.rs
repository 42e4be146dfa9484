//! Kustomize trees: which files are patches rather than objects.
//!
//! A file that a `kustomization.yaml` lists under `patches`,
//! `patchesStrategicMerge` or `patchesJson6902` holds the part of an object
//! an overlay changes, not the object: a Deployment patch without
//! `replicas` does not run one replica. Such files are left out of the
//! Kubernetes extraction. Overlays are not built (the objects an overlay
//! produces are not modelled); the bases they patch are read as written.

mod frontend;
pub use frontend::FRONTEND;

use super::compose::normalize;
use super::kubernetes::FileDocs;
use crate::parse::Node;
use crate::source::{FileId, SourceMap};
use std::collections::{BTreeSet, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The names kustomize reads a kustomization from, in a directory.
const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Keys whose entries name patch files.
const PATCH_KEYS: &[&str] = &["patches", "patchesStrategicMerge", "patchesJson6902"];

/// Keys whose entries name the files (or directories) built as objects.
const RESOURCE_KEYS: &[&str] = &["resources", "bases"];

/// Whether `name` is a kustomization's file name.
pub fn is_kustomization_file_name(name: &str) -> bool {
    FILE_NAMES.contains(&name)
}

/// Whether sifting keeps the document `node`: what a kustomization holds
/// (`kind: Kustomization` or `Component`, or no kind at all, and a list of
/// patches or resources). A Helm values file's `resources:` is a mapping,
/// not such a list.
pub fn reads(node: &Node) -> bool {
    let kind = node.get("kind").and_then(Node::as_text);
    if !matches!(kind, None | Some("Kustomization" | "Component")) {
        return false;
    }
    PATCH_KEYS
        .iter()
        .chain(RESOURCE_KEYS)
        .any(|k| node.get(k).is_some_and(Node::is_seq))
}

/// The files among `files` that a kustomization among them lists as a
/// patch, and none lists as a resource. Paths are resolved against the
/// kustomization's directory, lexically.
pub fn patch_files(files: &[FileDocs<'_>], sources: &SourceMap) -> BTreeSet<FileId> {
    let mut patches: BTreeSet<PathBuf> = BTreeSet::new();
    let mut resources: BTreeSet<PathBuf> = BTreeSet::new();
    let mut kustomizations = false;
    for f in files {
        let path = &sources.get(f.file).path;
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !is_kustomization_file_name(name) {
            continue;
        }
        let Some(root) = f.docs.first().map(|d| &d.root) else {
            continue;
        };
        kustomizations = true;
        let dir = path.parent().unwrap_or(Path::new(""));
        for key in PATCH_KEYS {
            for entry in root.get(key).map(Node::as_seq).unwrap_or_default() {
                if let Some(file) = listed_path(entry) {
                    patches.insert(normalize(&dir.join(file)));
                }
            }
        }
        for key in RESOURCE_KEYS {
            for entry in root.get(key).map(Node::as_seq).unwrap_or_default() {
                if let Some(file) = entry.as_text() {
                    resources.insert(normalize(&dir.join(file)));
                }
            }
        }
    }
    if !kustomizations {
        return BTreeSet::new();
    }
    patches.retain(|p| !resources.contains(p));
    // Only files named like a patch need their path normalised.
    let names: HashSet<&OsStr> = patches.iter().filter_map(|p| p.file_name()).collect();
    files
        .iter()
        .filter(|f| {
            let path = &sources.get(f.file).path;
            path.file_name().is_some_and(|n| names.contains(n))
                && patches.contains(&normalize(path))
        })
        .map(|f| f.file)
        .collect()
}

/// The file a patch entry names: a path written alone
/// (`patchesStrategicMerge`), or the `path` of an entry that may instead
/// hold the patch inline (`patch:`).
fn listed_path(entry: &Node) -> Option<&str> {
    let text = match entry.as_text() {
        Some(text) => text,
        None => entry.get("path")?.as_text()?,
    };
    // An inline strategic-merge patch is YAML text, not a path.
    (!text.contains('\n') && !text.trim().is_empty()).then_some(text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::{Limits, parse_stream};
    use crate::source::SourceFile;

    fn patches(files: &[(&str, &str)]) -> Vec<String> {
        let mut sources = SourceMap::default();
        let parsed: Vec<(FileId, Vec<crate::parse::Document>)> = files
            .iter()
            .map(|(path, text)| {
                let id = sources.add(SourceFile::new((*path).into(), *text));
                (id, parse_stream(text, &Limits::default()).0)
            })
            .collect();
        let docs: Vec<FileDocs<'_>> = parsed
            .iter()
            .map(|(file, docs)| FileDocs {
                file: *file,
                cluster: None,
                docs,
            })
            .collect();
        patch_files(&docs, &sources)
            .into_iter()
            .map(|f| sources.get(f).display_path())
            .collect()
    }

    #[test]
    fn listed_patches_relative_to_the_kustomization() {
        let kustomization = "\
resources: [../../base, extra.yaml]
patches:
  - path: deployment.yaml
  - path: ../shared/./limits.yaml
    target: {kind: Deployment}
  - patch: |-
      - op: replace
        path: /spec/replicas
        value: 2
patchesStrategicMerge:
  - memory.yaml
  - |-
    apiVersion: apps/v1
    kind: Deployment
patchesJson6902:
  - path: ops.yaml
  - path: extra.yaml
";
        let found = patches(&[
            ("k/overlays/prod/kustomization.yaml", kustomization),
            ("k/overlays/prod/deployment.yaml", "kind: Deployment"),
            ("k/overlays/shared/limits.yaml", "kind: Deployment"),
            ("k/overlays/prod/memory.yaml", "kind: Deployment"),
            ("k/overlays/prod/ops.yaml", "- op: add"),
            // Listed as a resource too: a whole object.
            ("k/overlays/prod/extra.yaml", "kind: Deployment"),
            ("k/overlays/prod/other.yaml", "kind: Deployment"),
        ]);
        assert_eq!(
            found,
            [
                "k/overlays/prod/deployment.yaml",
                "k/overlays/shared/limits.yaml",
                "k/overlays/prod/memory.yaml",
                "k/overlays/prod/ops.yaml",
            ]
        );
        // Only a kustomization's own file names list patches.
        assert!(
            patches(&[
                ("k/not-kustomization.yaml", kustomization),
                ("k/deployment.yaml", "kind: Deployment"),
            ])
            .is_empty()
        );
        assert_eq!(
            patches(&[
                ("k/Kustomization", "patches: [{path: d.yaml}]"),
                ("k/d.yaml", "kind: Deployment"),
            ]),
            ["k/d.yaml"]
        );
    }

    #[test]
    fn sifting_keeps_kustomizations_only() {
        let read = |text: &str| reads(&parse_stream(text, &Limits::default()).0[0].root);
        assert!(read("resources: [a.yaml]"));
        assert!(read("kind: Kustomization\npatches: [{path: a.yaml}]"));
        assert!(read("kind: Component\npatchesStrategicMerge: [a.yaml]"));
        // A Helm values file's resources, an object of another kind.
        assert!(!read("resources: {limits: {cpu: 1}}"));
        assert!(!read("kind: ConfigMap\nresources: [a.yaml]"));
    }
}
