//! `buildMetadata`: where each object of a build came from
//! (`originAnnotations`: the file of a resource, the kustomization and
//! generator of a generated object) and which of the prefix and suffix
//! transformers ran on it (`transformerAnnotations`), written as the
//! annotations kustomize writes when the root kustomization asks for them.

use super::base::{Origin, Resource};
use super::merge::{ensure_path, key, set, string};
use crate::parse::Node;
use std::path::{Component, Path, PathBuf};

/// The annotation kustomize writes the origin under.
const ORIGIN: &str = "config.kubernetes.io/origin";
/// The annotation kustomize lists the transformers under.
const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

/// `path` relative to the directory `from` (both lexically normalised):
/// `../base/service.yaml`.
pub fn relative(from: &Path, path: &Path) -> String {
    let a: Vec<Component<'_>> = from.components().collect();
    let b: Vec<Component<'_>> = path.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out.to_string_lossy().replace('\\', "/")
}

fn configured(root: &Path, file: &Path, kind: &str, indent: &str) -> String {
    format!(
        "configuredIn: {}\n{indent}configuredBy:\n{indent}  apiVersion: builtin\n{indent}  kind: {kind}\n",
        relative(root, file)
    )
}

fn annotate(node: &mut Node, name: &str, text: &str) {
    let at = node.range;
    if let Some(here) = ensure_path(node, &["metadata", "annotations"], at) {
        set(here, key(at, name), string(at, text));
    }
}

/// Writes the annotations the root kustomization (of directory `root`,
/// tree `node`) asks for in `buildMetadata`.
pub fn write(root: &Path, node: &Node, out: &mut [Resource]) {
    let asked = |k: &str| {
        node.get("buildMetadata")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|v| v.as_text() == Some(k))
    };
    let (origins, transformations) = (asked("originAnnotations"), asked("transformerAnnotations"));
    for r in out.iter_mut() {
        if transformations && !r.transformations.is_empty() {
            let text: String = r
                .transformations
                .iter()
                .map(|(file, kind)| format!("- {}", configured(root, file, kind, "  ")))
                .collect();
            annotate(&mut r.node, TRANSFORMATIONS, &text);
        }
        let origin = match &r.origin {
            Some(Origin::File(path)) => format!("path: {}\n", relative(root, path)),
            Some(Origin::Generator(file, kind)) => configured(root, file, kind, ""),
            None => continue,
        };
        if origins {
            annotate(&mut r.node, ORIGIN, &origin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_root() {
        let rel = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(rel("x/prod", "x/base/service.yaml"), "../base/service.yaml");
        assert_eq!(rel("x", "x/service.yaml"), "service.yaml");
        assert_eq!(
            rel("x/a/b", "x/c/kustomization.yaml"),
            "../../c/kustomization.yaml"
        );
    }
}
