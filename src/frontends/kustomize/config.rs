//! Custom field specifications: a kustomization's `configurations` files
//! (where name references, labels, annotations, images, namespaces, name
//! prefixes, replicas and vars also go, for kinds kustomize does not know),
//! the merge keys of custom kinds that `crds` and `openapi` schemas
//! declare, and the local-config objects a build drops.
//!
//! As in kustomize, a kustomization's configuration applies to its own
//! transformers and, merged upwards, to those of every kustomization that
//! builds on it.

use super::fieldpath::{each_spec_node, spec_applies};
use super::merge::{get_mut, key, set, string};
use crate::parse::Node;
use crate::parse::tree::Value;
use crate::source::TextRange;

/// One field specification: the objects it is about (`kind`, `group`,
/// `version`, kept as written) and its `/`-separated path.
#[derive(Debug, Clone)]
pub struct Spec {
    node: Node,
    pub path: Vec<String>,
    pub create: bool,
}

impl Spec {
    pub fn from_node(node: &Node) -> Option<Self> {
        let path = node.get("path").and_then(Node::as_text)?;
        Some(Self {
            node: node.clone(),
            path: path
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            create: node.get("create").and_then(Node::as_bool) == Some(true),
        })
    }

    /// Whether the specification is about `object`.
    pub fn applies(&self, object: &Node) -> bool {
        spec_applies(&self.node, object)
    }

    pub fn path(&self) -> Vec<&str> {
        self.path.iter().map(String::as_str).collect()
    }

    fn same(&self, other: &Spec) -> bool {
        let field = |s: &Spec, k: &str| s.node.get(k).and_then(Node::as_text).map(str::to_string);
        self.path == other.path
            && ["kind", "group", "version"]
                .iter()
                .all(|k| field(self, k) == field(other, k))
    }
}

/// The fields that name objects of `kind` (`nameReference`).
#[derive(Debug, Clone)]
pub struct NameRef {
    pub kind: String,
    pub specs: Vec<Spec>,
}

/// A list of a custom kind that strategic merge patches merge item by
/// item, by `key` (`x-kubernetes-patch-merge-key`), or replace whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeKey {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The path of mapping keys from the object to the list.
    pub path: Vec<String>,
    pub key: String,
}

/// The configuration of a kustomization, its bases' merged in.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub name_refs: Vec<NameRef>,
    pub common_labels: Vec<Spec>,
    pub common_annotations: Vec<Spec>,
    pub name_prefix: Vec<Spec>,
    pub name_suffix: Vec<Spec>,
    pub namespace: Vec<Spec>,
    pub images: Vec<Spec>,
    pub replicas: Vec<Spec>,
    pub var_refs: Vec<Spec>,
    pub merge_keys: Vec<MergeKey>,
}

fn add_specs(into: &mut Vec<Spec>, from: &[Spec]) {
    for s in from {
        if !into.iter().any(|i| i.same(s)) {
            into.push(s.clone());
        }
    }
}

fn specs(node: Option<&Node>) -> Vec<Spec> {
    node.map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Spec::from_node)
        .collect()
}

impl Config {
    /// Adds what `other` declares that this does not.
    pub fn merge(&mut self, other: &Config) {
        for r in &other.name_refs {
            match self.name_refs.iter_mut().find(|n| n.kind == r.kind) {
                Some(mine) => add_specs(&mut mine.specs, &r.specs),
                None => self.name_refs.push(r.clone()),
            }
        }
        add_specs(&mut self.common_labels, &other.common_labels);
        add_specs(&mut self.common_annotations, &other.common_annotations);
        add_specs(&mut self.name_prefix, &other.name_prefix);
        add_specs(&mut self.name_suffix, &other.name_suffix);
        add_specs(&mut self.namespace, &other.namespace);
        add_specs(&mut self.images, &other.images);
        add_specs(&mut self.replicas, &other.replicas);
        add_specs(&mut self.var_refs, &other.var_refs);
        for k in &other.merge_keys {
            if !self.merge_keys.contains(k) {
                self.merge_keys.push(k.clone());
            }
        }
    }

    /// The configuration one `configurations` document declares.
    pub fn of(doc: &Node) -> Self {
        let name_refs = doc
            .get("nameReference")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| {
                Some(NameRef {
                    kind: r.get("kind").and_then(Node::as_text)?.to_string(),
                    specs: specs(r.get("fieldSpecs")),
                })
            })
            .collect();
        Self {
            name_refs,
            common_labels: specs(doc.get("commonLabels")),
            common_annotations: specs(doc.get("commonAnnotations")),
            name_prefix: specs(doc.get("namePrefix")),
            name_suffix: specs(doc.get("nameSuffix")),
            namespace: specs(doc.get("namespace")),
            images: specs(doc.get("images")),
            replicas: specs(doc.get("replicas")),
            var_refs: specs(doc.get("varReference")),
            merge_keys: Vec::new(),
        }
    }

    /// The merge keys of the lists of `object`, by its API version and
    /// kind.
    pub fn keys_of(&self, object: &Node) -> Vec<(Vec<String>, String)> {
        let text = |k: &str| object.get(k).and_then(Node::as_text).unwrap_or_default();
        let api = text("apiVersion");
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        self.merge_keys
            .iter()
            .filter(|k| k.kind == text("kind") && k.group == group && k.version == version)
            .map(|k| (k.path.clone(), k.key.clone()))
            .collect()
    }
}

/// Calls `f` on every scalar a specification ends at: a scalar, each
/// scalar of a list, or a mapping's `name`.
pub fn each_named(node: &mut Node, spec: &Spec, f: &mut dyn FnMut(&mut Node)) {
    let path = spec.path();
    let at = node.range;
    each_spec_node(node, &path, false, at, &mut |n| match &mut n.value {
        Value::Scalar { .. } => f(n),
        Value::Seq(items) => items.iter_mut().for_each(|i| match &i.value {
            Value::Scalar { .. } => f(i),
            Value::Map(_) => {
                if let Some(name) = get_mut(i, "name") {
                    f(name);
                }
            }
            Value::Seq(_) => {}
        }),
        Value::Map(_) => {
            if let Some(name) = get_mut(n, "name") {
                f(name);
            }
        }
    });
}

/// Writes `value` (a scalar's text) at the end of `spec` of `node`, the
/// mappings on the way made when the specification says `create`: the
/// field is set where its mapping exists (and, without `create`, where the
/// field itself exists).
pub fn set_at(node: &mut Node, spec: &Spec, value: &str, at: TextRange) {
    let Some((last, parent)) = spec.path.split_last() else {
        return;
    };
    let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
    each_spec_node(node, &parent, spec.create, at, &mut |n| {
        if n.is_map() && (spec.create || n.get(last).is_some()) {
            set(n, key(at, last), string(at, value));
        }
    });
}
