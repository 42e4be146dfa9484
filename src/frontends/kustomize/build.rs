//! `kustomize build`, natively: a kustomization's resources, components,
//! generators and transformations, into object trees whose ranges lie in a
//! [`Space`](super::space::Space) of the files read. This file holds the
//! build's order; what the steps share is in `base.rs`.

use super::base::{Build, Kz, Resource, is_remote, normalize, objects_of};
use super::config::Config;
use super::schema;
use super::transform;
use crate::model::KustomizeGap;
use crate::parse::Node;
use crate::parse::yaml::{Limits, parse_stream};
use crate::source::TextRange;
use std::path::Path;

/// How many kustomizations deep a build follows resources and components.
pub const MAX_DEPTH: usize = 32;

/// The kinds of kustomize's built-in generators and transformers, which a
/// `generators` or `transformers` entry may configure with
/// `apiVersion: builtin`.
const BUILTIN_KINDS: &[&str] = &[
    "AnnotationsTransformer",
    "ConfigMapGenerator",
    "HashTransformer",
    "HelmChartInflationGenerator",
    "IAMPolicyGenerator",
    "ImageTagTransformer",
    "LabelTransformer",
    "NamespaceTransformer",
    "PatchJson6902Transformer",
    "PatchStrategicMergeTransformer",
    "PatchTransformer",
    "PrefixSuffixTransformer",
    "PrefixTransformer",
    "ReplacementTransformer",
    "ReplicaCountTransformer",
    "SecretGenerator",
    "SortOrderTransformer",
    "SuffixTransformer",
    "ValueAddTransformer",
];

impl<'t, 'a> Build<'t, 'a> {
    /// Builds the kustomization of `dir` (the root, or one a resource
    /// names, at `from`): its objects, with their hash suffixes when
    /// `root`.
    pub fn build(&mut self, dir: &Path, from: TextRange, root: bool) -> Option<Vec<Resource>> {
        let out = self.kustomization(&normalize(dir), from, Vec::new())?;
        Some(if root {
            let mut out = transform::finish_hashes(out, &self.config);
            super::replace::resolve_vars(self, &mut out);
            // Local configuration takes part in the build, not in its
            // output.
            out.retain(|r| !is_local(r));
            if let Some((_, _, node)) = self.tree.kustomization(dir) {
                super::origin::write(&normalize(dir), node, &mut out);
            }
            out
        } else {
            out
        })
    }

    /// The objects of the kustomization (or component) of `dir`, on top of
    /// `input`.
    fn kustomization(
        &mut self,
        dir: &Path,
        from: TextRange,
        input: Vec<Resource>,
    ) -> Option<Vec<Resource>> {
        let Some((path, file, node)) = self.tree.kustomization(dir) else {
            self.error(
                from,
                format!("no kustomization.yaml in {}", dir.display()),
                "not a kustomization",
            );
            return None;
        };
        if self.stack.contains(&path) {
            let cycle: Vec<String> = self
                .stack
                .iter()
                .skip_while(|p| **p != path)
                .chain([&path])
                .map(|p| p.display().to_string())
                .collect();
            self.error(
                from,
                format!("kustomizations include each other: {}", cycle.join(" -> ")),
                "resource cycle",
            );
            return None;
        }
        if self.stack.len() >= MAX_DEPTH {
            self.error(
                from,
                format!("kustomizations nest deeper than {MAX_DEPTH} levels"),
                "too deep",
            );
            return None;
        }
        let Some(node) = self.place(file, node) else {
            self.error(from, "the build reads too much text".into(), "too large");
            return None;
        };
        self.stack.push(path.clone());
        let kz = Kz {
            dir: dir.to_path_buf(),
            path,
            file,
            node: &node,
        };
        // Its own configuration, then its bases' as they are built; all of
        // it goes up to the kustomization that builds on it.
        let outer = std::mem::take(&mut self.config);
        self.config = self.configuration(&kz);
        let out = self.contents(&kz, input);
        let mine = std::mem::replace(&mut self.config, outer);
        self.config.merge(&mine);
        self.stack.pop();
        Some(out)
    }

    fn contents(&mut self, kz: &Kz<'_>, mut out: Vec<Resource>) -> Vec<Resource> {
        for k in ["resources", "bases"] {
            for entry in kz.node.get(k).map(Node::as_seq).unwrap_or_default() {
                self.resource(kz, entry, &mut out);
            }
        }
        for entry in kz
            .node
            .get("components")
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(text) = entry.as_text() else {
                continue;
            };
            if let Some(dir) = self.local(kz, text, entry.range) {
                match self.kustomization(&dir, entry.range, std::mem::take(&mut out)) {
                    Some(built) => out = built,
                    None => return out,
                }
            }
        }
        super::charts::inflate(self, kz, &mut out);
        for k in ["generators", "transformers", "validators"] {
            let Some((n, v)) = kz.node.entry(k) else {
                continue;
            };
            let mut plugins = false;
            for entry in v.as_seq() {
                match self.builtin(kz, entry) {
                    Some((name, kind)) => self.unfollowed(
                        entry.range,
                        KustomizeGap::Builtin,
                        &format!("`{k}` entry {name}"),
                        &kind,
                    ),
                    None => plugins = true,
                }
            }
            if plugins {
                self.unfollowed(n.range, KustomizeGap::Plugin, k, "");
            }
        }
        transform::generate(self, kz, &mut out);
        transform::apply(self, kz, &mut out);
        super::replace::collect_vars(self, kz, &out);
        out
    }

    /// Whether an entry of `generators`, `transformers` or `validators`
    /// configures only kustomize's built-in transformers or generators
    /// (`apiVersion: builtin`, a kind kustomize has): the entry as named
    /// (`` `labels.yaml` `` or `(inline)`) and the kinds. The file is only
    /// looked at, not read into the build.
    fn builtin(&self, kz: &Kz<'_>, entry: &Node) -> Option<(String, String)> {
        // The run keeps only the objects it reads: the file's text is
        // parsed again for its kinds.
        let parsed;
        let (name, docs): (String, Vec<&Node>) = match entry.as_text() {
            Some(text) => {
                let (file, _) = self.tree.files.get(&normalize(&kz.dir.join(text.trim())))?;
                parsed = parse_stream(self.tree.sources.get(*file).text(), &Limits::default()).0;
                (
                    format!("`{}`", text.trim()),
                    parsed.iter().map(|d| &d.root).collect(),
                )
            }
            None if !entry.as_map().is_empty() => ("(inline)".to_string(), vec![entry]),
            None => return None,
        };
        let mut kinds: Vec<&str> = Vec::new();
        for doc in docs {
            let kind = doc.get("kind").and_then(Node::as_text)?;
            let builtin = doc.get("apiVersion").and_then(Node::as_text) == Some("builtin")
                && BUILTIN_KINDS.contains(&kind);
            if !builtin {
                return None;
            }
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        (!kinds.is_empty()).then(|| (name, kinds.join("`, `")))
    }

    fn resource(&mut self, kz: &Kz<'_>, entry: &Node, out: &mut Vec<Resource>) {
        let Some(text) = entry.as_text() else { return };
        if is_remote(text) {
            self.unfollowed(entry.range, KustomizeGap::Resource, "remote resource", text);
            return;
        }
        let Some(path) = self.local(kz, text, entry.range) else {
            return;
        };
        if let Some((file, docs)) = self.tree.files.get(&path).copied() {
            let first = out.len();
            for doc in docs {
                if let Some(node) = self.place(file, &doc.root) {
                    objects_of(node, out);
                }
            }
            for r in &mut out[first..] {
                r.origin = Some(super::base::Origin::File(path.clone()));
            }
        } else if self.tree.dirs.contains(&path) || self.tree.kustomization(&path).is_some() {
            if let Some(built) = self.kustomization(&path, entry.range, Vec::new()) {
                out.extend(built);
            }
        } else {
            self.error(
                entry.range,
                format!("`{text}` is not a file or directory spof reads"),
                "not found",
            );
        }
    }
}

impl Build<'_, '_> {
    /// The configuration a kustomization itself declares: its
    /// `configurations` files, and the merge keys and name references of
    /// its `crds` and `openapi` schemas.
    fn configuration(&mut self, kz: &Kz<'_>) -> Config {
        let mut out = Config::default();
        for entry in kz
            .node
            .get("configurations")
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(text) = entry.as_text() else {
                continue;
            };
            for doc in self.file_docs(kz, text, entry.range).unwrap_or_default() {
                out.merge(&Config::of(&doc));
            }
        }
        for entry in kz.node.get("crds").map(Node::as_seq).unwrap_or_default() {
            let Some(text) = entry.as_text() else {
                continue;
            };
            for doc in self.file_docs(kz, text, entry.range).unwrap_or_default() {
                out.merge(&schema::of_crds(&doc));
            }
        }
        if let Some(path) = kz.node.path(&["openapi", "path"])
            && let Some(text) = path.as_text()
        {
            for doc in self.file_docs(kz, text, path.range).unwrap_or_default() {
                out.merge(&schema::of_openapi(&doc));
            }
        }
        out
    }
}

/// Whether kustomize drops the object from the build's output: it says it
/// is local configuration (`config.kubernetes.io/local-config: "true"`).
pub fn is_local(r: &Resource) -> bool {
    r.node
        .path(&[
            "metadata",
            "annotations",
            "config.kubernetes.io/local-config",
        ])
        .and_then(Node::as_str)
        == Some("true")
}
