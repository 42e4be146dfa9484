//! What the schemas a kustomization names tell its build about custom
//! kinds: the `crds` files' type definitions (kustomize's own format: Go
//! type names to `Schema` and `Dependencies`), whose properties with
//! `x-kubernetes-object-ref-kind` name other objects; and the `openapi`
//! schema (`definitions` with `x-kubernetes-group-version-kind`), whose
//! lists with `x-kubernetes-patch-merge-key` a strategic merge patch merges
//! item by item.

use super::config::{Config, MergeKey, NameRef, Spec};
use super::merge::{key, map, string};
use crate::parse::Node;

/// How deep a schema's references are followed.
const MAX_DEPTH: usize = 32;

/// A field specification about objects of `kind` at `path`.
fn spec(kind: &str, path: &[String], at: crate::source::TextRange) -> Option<Spec> {
    let node = map(
        at,
        vec![
            (key(at, "kind"), string(at, kind)),
            (key(at, "path"), string(at, &path.join("/"))),
        ],
    );
    Spec::from_node(&node)
}

/// The configuration of a `crds` file: for every type that looks like a
/// Kubernetes object (it has `apiVersion`, `kind` and `metadata`), named
/// by the last part of its Go name (`…/v1beta1.Bee` is `Bee`), the fields
/// its schema marks, through its `$ref`s: object references
/// (`x-kubernetes-object-ref-kind`, the name at
/// `x-kubernetes-object-ref-name-key`, default `name`), label selectors
/// (`x-kubernetes-label-selector`), annotations
/// (`x-kubernetes-annotation`) and names a prefix changes
/// (`x-kubernetes-identity`).
pub fn of_crds(doc: &Node) -> Config {
    let mut out = Config::default();
    for (name, api) in doc.as_map() {
        let Some(name) = name.as_str() else { continue };
        let props = api.path(&["Schema", "properties"]);
        let object = ["apiVersion", "kind", "metadata"]
            .iter()
            .all(|k| props.and_then(|p| p.get(k)).is_some());
        if !object {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name);
        crd_fields(doc, kind, name, &mut Vec::new(), &mut out, 0);
    }
    out
}

fn crd_fields(
    doc: &Node,
    kind: &str,
    type_name: &str,
    path: &mut Vec<String>,
    out: &mut Config,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(props) = doc
        .get(type_name)
        .and_then(|t| t.path(&["Schema", "properties"]))
    else {
        return;
    };
    for (prop, schema) in props.as_map() {
        let Some(prop) = prop.as_str() else { continue };
        let ext = |k: &str| schema.get(k).and_then(Node::as_str);
        path.push(prop.to_string());
        let here = spec(kind, path, schema.range);
        if ext("x-kubernetes-annotation").is_some() {
            out.common_annotations.extend(here.clone());
        }
        if ext("x-kubernetes-label-selector").is_some() {
            out.common_labels.extend(here.clone());
        }
        if ext("x-kubernetes-identity").is_some() {
            out.name_prefix.extend(here.clone());
            out.name_suffix.extend(here);
        }
        if ext("x-kubernetes-object-ref-api-version").is_some()
            && let Some(target) = ext("x-kubernetes-object-ref-kind")
        {
            path.push(
                ext("x-kubernetes-object-ref-name-key")
                    .unwrap_or("name")
                    .to_string(),
            );
            out.merge(&Config {
                name_refs: vec![NameRef {
                    kind: target.to_string(),
                    specs: spec(kind, path, schema.range).into_iter().collect(),
                }],
                ..Config::default()
            });
            path.pop();
        }
        if let Some(r) = ext("$ref")
            && !path[..path.len() - 1].iter().any(|p| p == r)
        {
            crd_fields(doc, kind, r, path, out, depth + 1);
        }
        path.pop();
    }
}

/// The merge keys of an `openapi` schema: for every definition with
/// `x-kubernetes-group-version-kind`, the lists under it (through
/// `properties`, `items` and `#/definitions/` references) whose
/// `x-kubernetes-patch-strategy` says `merge`, by their
/// `x-kubernetes-patch-merge-key`.
pub fn of_openapi(doc: &Node) -> Config {
    let mut out = Config::default();
    let Some(defs) = doc.get("definitions") else {
        return out;
    };
    for (_, def) in defs.as_map() {
        for gvk in def
            .get("x-kubernetes-group-version-kind")
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            let field = |k: &str| gvk.get(k).and_then(Node::as_str).unwrap_or_default();
            let mut keys = Vec::new();
            let mut walk = Walk {
                defs,
                stack: Vec::new(),
                path: Vec::new(),
                out: &mut keys,
                budget: MAX_VISITS,
            };
            walk.list_keys(def);
            for (path, key) in keys {
                let k = MergeKey {
                    group: field("group").to_string(),
                    version: field("version").to_string(),
                    kind: field("kind").to_string(),
                    path,
                    key,
                };
                if !out.merge_keys.contains(&k) {
                    out.merge_keys.push(k);
                }
            }
        }
    }
    out
}

/// How many schemas one kind's walk visits at most.
const MAX_VISITS: usize = 100_000;

struct Walk<'n, 'o> {
    defs: &'n Node,
    /// The definitions being walked, against cycles.
    stack: Vec<&'n str>,
    path: Vec<String>,
    out: &'o mut Vec<(Vec<String>, String)>,
    budget: usize,
}

impl<'n> Walk<'n, '_> {
    /// `schema`, or the definition it refers to; `None` for a definition
    /// being walked already.
    fn resolve(&mut self, schema: &'n Node) -> Option<(&'n Node, bool)> {
        match schema
            .get("$ref")
            .and_then(Node::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            Some(name) if self.stack.contains(&name) => None,
            Some(name) => {
                self.stack.push(name);
                Some((self.defs.get(name).unwrap_or(schema), true))
            }
            None => Some((schema, false)),
        }
    }

    fn list_keys(&mut self, schema: &'n Node) {
        if self.path.len() > MAX_DEPTH || self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let Some((schema, pushed)) = self.resolve(schema) else {
            return;
        };
        for (prop, sub) in schema
            .get("properties")
            .map(Node::as_map)
            .unwrap_or_default()
        {
            let Some(prop) = prop.as_str() else { continue };
            let Some((sub, sub_pushed)) = self.resolve(sub) else {
                continue;
            };
            self.path.push(prop.to_string());
            let ext = |k: &str| sub.get(k).and_then(Node::as_str);
            if ext("x-kubernetes-patch-strategy")
                .is_some_and(|s| s.split(',').any(|s| s == "merge"))
                && let Some(k) = ext("x-kubernetes-patch-merge-key")
            {
                self.out.push((self.path.clone(), k.to_string()));
            }
            match sub.get("items") {
                Some(items) => self.list_keys(items),
                None => self.list_keys(sub),
            }
            self.path.pop();
            if sub_pushed {
                self.stack.pop();
            }
        }
        if pushed {
            self.stack.pop();
        }
    }
}
