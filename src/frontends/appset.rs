//! The generators of an Argo CD `ApplicationSet`: the parameter sets its
//! template is rendered with, read once for every reader of the template
//! (the Helm releases it renders, the clusters its Applications go to).
//!
//! Read: `list` (its `elements` and `elementsYaml`, nested keys flattened
//! to `a.b`), `clusters` (the cluster Secrets the caller gives, selected by
//! `matchLabels` and `matchExpressions`, and the in-cluster one when no
//! selector is written), `git` (`directories` and `files`, matched in the
//! files and directories of the run only, nothing outside the scanned tree,
//! no network), and `matrix` (the cross product of two generators) and
//! `merge` (by `mergeKeys`) of those. A generator whose parameters come
//! from elsewhere (an SCM provider, pull requests, a cluster decision
//! resource, a plugin) is not read: [`Generated::unread`] names it.
//!
//! Parameters are flat: `path.basename` is both `{{path.basename}}`
//! (fasttemplate) and `{{ .path.basename }}` (Go template). The
//! Application of one set ([`application`]) is the template filled, with
//! its `templatePatch` merged over it under `goTemplate: true`.

use crate::parse::tree::{Node, Value};
use crate::parse::yaml::{Limits, parse_stream};
use crate::source::{FileId, SourceMap};
use globset::{GlobBuilder, GlobMatcher};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One parameter set: names (`path.basename`) to values.
pub type Params = BTreeMap<String, String>;

/// Argo CD's names for the cluster it runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
pub const IN_CLUSTER_NAME: &str = "in-cluster";

/// The generators that give parameters from outside the repository.
const UNREAD: &[&str] = &[
    "scmProvider",
    "pullRequest",
    "clusterDecisionResource",
    "plugin",
];

/// A cluster Argo CD knows from a cluster Secret.
pub struct Cluster {
    pub name: String,
    pub server: String,
    /// The Secret's `metadata.labels` and `metadata.annotations`.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

/// What the generators of one `ApplicationSet` give.
pub struct Generated<'n> {
    /// The parameter sets, in the generators' order.
    pub sets: Vec<Params>,
    /// The key of each generator not read, with its name.
    pub unread: Vec<(&'n Node, &'static str)>,
}

/// Where an `ApplicationSet` is, for its `git` generators: its file, in
/// the run's files.
pub struct Run<'a> {
    pub sources: &'a SourceMap,
    pub file: FileId,
}

/// The parameter sets of `spec.generators` of an `ApplicationSet`.
pub fn generate<'n>(spec: &'n Node, clusters: &[Cluster], run: Option<&Run<'_>>) -> Generated<'n> {
    let mut reading = Reading {
        clusters,
        run,
        tree: None,
        unread: Vec::new(),
    };
    let mut sets = Vec::new();
    for generator in spec.get("generators").map_or(&[][..], Node::as_seq) {
        sets.extend(reading.one(generator));
    }
    Generated {
        sets,
        unread: reading.unread,
    }
}

struct Reading<'c, 'n> {
    clusters: &'c [Cluster],
    run: Option<&'c Run<'c>>,
    /// The run's files and directories, read the first time a `git`
    /// generator asks.
    tree: Option<Tree>,
    unread: Vec<(&'n Node, &'static str)>,
}

impl<'n> Reading<'_, 'n> {
    fn one(&mut self, generator: &'n Node) -> Vec<Params> {
        let mut sets = Vec::new();
        for (key, value) in generator.as_map() {
            match key.as_text() {
                Some("list") => sets.extend(list(value)),
                Some("clusters") => sets.extend(self.cluster_sets(value)),
                Some("git") => sets.extend(self.git(value)),
                Some("matrix") => sets.extend(self.matrix(value)),
                Some("merge") => sets.extend(self.merge(value)),
                Some(name) => {
                    if let Some(known) = UNREAD.iter().find(|u| **u == name) {
                        self.unread.push((key, known));
                    }
                }
                None => {}
            }
        }
        // A generator's own `selector` keeps the sets whose parameters
        // match it.
        if let Some(selector) = generator.get("selector") {
            sets.retain(|set| selects(selector, &|k| set.get(k).cloned()));
        }
        sets
    }

    fn cluster_sets(&self, generator: &Node) -> Vec<Params> {
        let selector = generator.get("selector");
        let mut sets = Vec::new();
        for c in self.clusters {
            let label = |k: &str| {
                c.labels
                    .iter()
                    .find(|(l, _)| l == k)
                    .map(|(_, v)| v.clone())
            };
            if selector.is_none_or(|s| selects(s, &label)) {
                let mut set = cluster_params(&c.name, &c.server);
                for (k, v) in &c.labels {
                    set.insert(format!("metadata.labels.{k}"), v.clone());
                }
                for (k, v) in &c.annotations {
                    set.insert(format!("metadata.annotations.{k}"), v.clone());
                }
                sets.push(set);
            }
        }
        // The cluster Argo CD runs in has no Secret; an unselective
        // generator includes it.
        if selector.is_none() {
            sets.push(cluster_params(IN_CLUSTER_NAME, IN_CLUSTER_SERVER));
        }
        // `values`, which may name the cluster's parameters.
        let values = generator.get("values").map_or(&[][..], Node::as_map);
        for set in &mut sets {
            let mut added = Params::new();
            for (k, v) in values {
                if let (Some(k), Some(v)) = (k.as_text(), v.as_text())
                    && let Some(v) = substitute(v, set)
                {
                    added.insert(format!("values.{k}"), v);
                }
            }
            set.extend(added);
        }
        sets
    }

    /// Of two generators, every set of the first with every set of the
    /// second; the second is read with the first's parameters in it (a
    /// `git` path named by a `list` element).
    fn matrix(&mut self, matrix: &'n Node) -> Vec<Params> {
        let [first, second] = matrix.get("generators").map_or(&[][..], Node::as_seq) else {
            return Vec::new();
        };
        let mut sets = Vec::new();
        let firsts = self.one(first);
        let templated = contains_template(second);
        let plain = if templated {
            Vec::new()
        } else {
            self.one(second)
        };
        for a in firsts {
            let seconds = if templated {
                let filled = substitute_node(second, &a);
                // The filled generator's keys are not the document's: a
                // generator not read is named at the written one.
                let mut inner = Reading {
                    clusters: self.clusters,
                    run: self.run,
                    tree: self.tree.take(),
                    unread: Vec::new(),
                };
                let found = inner.one(&filled);
                self.tree = inner.tree;
                found
            } else {
                plain.clone()
            };
            for b in seconds {
                let mut set = b;
                set.extend(a.clone());
                sets.push(set);
            }
        }
        if templated {
            self.note_unread(second);
        }
        sets
    }

    fn note_unread(&mut self, generator: &'n Node) {
        for (key, _) in generator.as_map() {
            if let Some(known) = key.as_text().and_then(|k| UNREAD.iter().find(|u| **u == k)) {
                self.unread.push((key, known));
            }
        }
    }

    /// The first generator's sets, each updated by the sets of the others
    /// that agree with it on every merge key.
    fn merge(&mut self, merge: &'n Node) -> Vec<Params> {
        let keys: Vec<&str> = merge
            .get("mergeKeys")
            .map_or(&[][..], Node::as_seq)
            .iter()
            .filter_map(Node::as_text)
            .collect();
        let generators = merge.get("generators").map_or(&[][..], Node::as_seq);
        let Some((base, others)) = generators.split_first() else {
            return Vec::new();
        };
        let mut sets = self.one(base);
        if keys.is_empty() {
            return sets;
        }
        for other in others {
            for over in self.one(other) {
                for set in &mut sets {
                    let agrees = keys.iter().all(|k| {
                        set.get(*k)
                            .is_some_and(|v| over.get(*k).is_some_and(|o| o == v))
                    });
                    if agrees {
                        set.extend(over.clone());
                    }
                }
            }
        }
        sets
    }

    fn git(&mut self, git: &Node) -> Vec<Params> {
        let Some(run) = self.run else {
            return Vec::new();
        };
        let tree = self.tree.get_or_insert_with(|| Tree::of(run.sources));
        let Some(from) = Tree::dir_of(run.sources, run.file) else {
            return Vec::new();
        };
        let prefix = git
            .get("pathParamPrefix")
            .and_then(Node::as_text)
            .filter(|p| !p.is_empty())
            .map(|p| format!("{p}."))
            .unwrap_or_default();
        let mut sets = Vec::new();
        if let Some(dirs) = git.get("directories") {
            let (include, exclude) = patterns(dirs);
            if let Some((_, found)) = tree.matching(&from, &include, &exclude, false) {
                for dir in found {
                    sets.push(path_params(&prefix, &dir, false));
                }
            }
        }
        if let Some(files) = git.get("files") {
            let (include, exclude) = patterns(files);
            if let Some((base, found)) = tree.matching(&from, &include, &exclude, true) {
                for file in found {
                    let id = tree.files.get(&base.join(&file)).copied();
                    let Some(id) = id else { continue };
                    for content in file_contents(run.sources.get(id).text()) {
                        let mut set = content;
                        set.extend(path_params(&prefix, &file, true));
                        sets.push(set);
                    }
                }
            }
        }
        sets
    }
}

fn cluster_params(name: &str, server: &str) -> Params {
    Params::from([
        ("name".to_string(), name.to_string()),
        ("nameNormalized".to_string(), normalized(name)),
        ("server".to_string(), server.to_string()),
    ])
}

/// A name as Argo CD normalises it for a Kubernetes name: lower case, any
/// character but letters, digits, `-` and `.` as `-`.
fn normalized(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '.') => c,
            _ => '-',
        })
        .collect()
}

/// Whether a label selector (`matchLabels`, and `matchExpressions` with
/// `In`, `NotIn`, `Exists`, `DoesNotExist`) selects what has the labels
/// `label` gives. An operator it does not know selects nothing, as the
/// API server refuses it.
fn selects(selector: &Node, label: &dyn Fn(&str) -> Option<String>) -> bool {
    let labels_match = selector
        .get("matchLabels")
        .map_or(&[][..], Node::as_map)
        .iter()
        .all(|(k, v)| {
            k.as_text()
                .and_then(label)
                .is_some_and(|have| Some(have.as_str()) == v.as_text().map(str::trim))
        });
    let expressions_match = selector
        .get("matchExpressions")
        .map_or(&[][..], Node::as_seq)
        .iter()
        .all(|e| {
            let Some(key) = e.get("key").and_then(Node::as_text) else {
                return false;
            };
            let values: Vec<&str> = e
                .get("values")
                .map_or(&[][..], Node::as_seq)
                .iter()
                .filter_map(Node::as_text)
                .collect();
            let have = label(key);
            let have = have.as_deref();
            match e.get("operator").and_then(Node::as_text) {
                Some("In") => have.is_some_and(|h| values.contains(&h)),
                Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
                Some("Exists") => have.is_some(),
                Some("DoesNotExist") => have.is_none(),
                _ => false,
            }
        });
    labels_match && expressions_match
}

/// A `list` generator's sets: its `elements`, then those `elementsYaml`
/// writes (a YAML or JSON list of mappings; inside a `matrix`, the first
/// generator's parameters are filled in first). A text still templated
/// (`{{ .components | toJson }}`, which needs a parameter that is not a
/// string) gives no set.
fn list(list: &Node) -> Vec<Params> {
    let mut items: Vec<Node> = list
        .get("elements")
        .map_or(&[][..], Node::as_seq)
        .iter()
        .filter(|e| e.is_map())
        .cloned()
        .collect();
    if let Some(text) = list.get("elementsYaml").and_then(Node::as_str)
        && !text.contains("{{")
    {
        let (docs, error) = parse_stream(text, &Limits::default());
        if error.is_none()
            && let Some(doc) = docs.into_iter().next()
        {
            items.extend(doc.root.as_seq().iter().filter(|e| e.is_map()).cloned());
        }
    }
    items
        .iter()
        .map(|e| {
            let mut set = Params::new();
            flatten("", e, &mut set);
            set
        })
        .collect()
}

/// The scalars of `node` under their dotted paths (`a.b`).
fn flatten(prefix: &str, node: &Node, out: &mut Params) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let Some(k) = k.as_text() else { continue };
                let key = if prefix.is_empty() {
                    k.to_string()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Scalar { .. } if !prefix.is_empty() => {
            if let Some(t) = node.as_text() {
                out.insert(prefix.to_string(), t.to_string());
            }
        }
        _ => {}
    }
}

/// The parameters of a matched directory (`apps/web`) or file
/// (`apps/web/config.json`, whose `path` is its directory).
fn path_params(prefix: &str, rel: &str, file: bool) -> Params {
    let (dir, filename) = match (file, rel.rsplit_once('/')) {
        (true, Some((d, f))) => (d, Some(f)),
        (true, None) => ("", Some(rel)),
        (false, _) => (rel, None),
    };
    let basename = dir.rsplit('/').next().unwrap_or(dir);
    let mut set = Params::new();
    let mut put = |k: &str, v: String| {
        set.insert(format!("{prefix}{k}"), v);
    };
    put("path", dir.to_string());
    put("path.path", dir.to_string());
    put("path.basename", basename.to_string());
    put("path.basenameNormalized", normalized(basename));
    if let Some(f) = filename {
        put("path.filename", f.to_string());
        put("path.filenameNormalized", normalized(f));
    }
    for (n, segment) in dir.split('/').filter(|s| !s.is_empty()).enumerate() {
        put(&format!("path[{n}]"), segment.to_string());
    }
    set
}

/// A `files` generator's file: a mapping is one set, a list of mappings
/// one set each.
fn file_contents(text: &str) -> Vec<Params> {
    let (docs, error) = parse_stream(text, &Limits::default());
    if error.is_some() {
        return Vec::new();
    }
    let Some(root) = docs.first().map(|d| &d.root) else {
        return Vec::new();
    };
    let items: Vec<&Node> = if root.is_map() {
        vec![root]
    } else {
        root.as_seq().iter().filter(|n| n.is_map()).collect()
    };
    items
        .into_iter()
        .map(|n| {
            let mut set = Params::new();
            flatten("", n, &mut set);
            set
        })
        .collect()
}

/// The `path` globs of `directories` or `files`: those to include and
/// those to exclude.
fn patterns(entries: &Node) -> (Vec<GlobMatcher>, Vec<GlobMatcher>) {
    let (mut include, mut exclude) = (Vec::new(), Vec::new());
    for entry in entries.as_seq() {
        let Some(path) = entry.get("path").and_then(Node::as_text) else {
            continue;
        };
        let path = path.trim_start_matches("./").trim_end_matches('/');
        let Ok(glob) = GlobBuilder::new(path).literal_separator(true).build() else {
            continue;
        };
        if entry.get("exclude").and_then(Node::as_bool) == Some(true) {
            exclude.push(glob.compile_matcher());
        } else {
            include.push(glob.compile_matcher());
        }
    }
    (include, exclude)
}

/// The run's files (absolute, lexically normalised) and the directories
/// holding them, below the directory all of them share.
#[derive(Default)]
struct Tree {
    files: BTreeMap<PathBuf, FileId>,
    dirs: BTreeSet<PathBuf>,
    root: PathBuf,
}

impl Tree {
    fn of(sources: &SourceMap) -> Tree {
        let mut tree = Tree::default();
        let mut root: Option<PathBuf> = None;
        for (id, file) in sources.iter() {
            if file.path.as_os_str().is_empty() {
                continue;
            }
            let path = absolute(&file.path);
            let mut dir = path.parent();
            while let Some(d) = dir {
                if !tree.dirs.insert(d.to_path_buf()) {
                    break;
                }
                dir = d.parent();
            }
            if let Some(parent) = path.parent() {
                root = Some(match root {
                    None => parent.to_path_buf(),
                    Some(r) => common(&r, parent),
                });
            }
            tree.files.insert(path, id);
        }
        tree.root = root.unwrap_or_default();
        tree
    }

    fn dir_of(sources: &SourceMap, file: FileId) -> Option<PathBuf> {
        if file.0 as usize >= sources.len() {
            return None;
        }
        let path = absolute(&sources.get(file).path);
        Some(path.parent()?.to_path_buf())
    }

    /// The repository's root is not known: from `from` up to the run's
    /// root, the first directory below which a pattern matches, with the
    /// paths (relative, `/`-separated, sorted) matched there.
    fn matching(
        &self,
        from: &Path,
        include: &[GlobMatcher],
        exclude: &[GlobMatcher],
        files: bool,
    ) -> Option<(PathBuf, Vec<String>)> {
        if include.is_empty() {
            return None;
        }
        let mut at = Some(from);
        while let Some(base) = at {
            if !base.starts_with(&self.root) {
                return None;
            }
            let candidates: Vec<&PathBuf> = if files {
                self.files.keys().collect()
            } else {
                self.dirs.iter().collect()
            };
            let found: Vec<String> = candidates
                .into_iter()
                .filter_map(|p| p.strip_prefix(base).ok())
                .filter(|rel| !rel.as_os_str().is_empty())
                .filter_map(|rel| {
                    let parts: Vec<&str> = rel
                        .components()
                        .map(|c| c.as_os_str().to_str())
                        .collect::<Option<_>>()?;
                    // Hidden directories (`.git`) are not the repository's.
                    (!parts.iter().any(|p| p.starts_with('.'))).then(|| parts.join("/"))
                })
                .filter(|rel| include.iter().any(|g| g.is_match(rel)))
                .filter(|rel| !exclude.iter().any(|g| g.is_match(rel)))
                .collect();
            if !found.is_empty() {
                return Some((base.to_path_buf(), found));
            }
            at = base.parent();
        }
        None
    }
}

fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    crate::discover::lexical_normalize(&abs)
}

fn common(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

fn contains_template(node: &Node) -> bool {
    match &node.value {
        Value::Scalar { text, .. } => text.contains("{{"),
        Value::Seq(items) => items.iter().any(contains_template),
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| contains_template(k) || contains_template(v)),
    }
}

/// The parameter a template expression names: `path.basename` of
/// `{{path.basename}}`, `{{ .path.basename }}`; `path[1]` of `{{path[1]}}`
/// and `{{ index .path.segments 1 }}`.
fn parameter(expression: &str) -> Option<String> {
    let e = expression.trim();
    if let Some(rest) = e.strip_prefix("index ") {
        let mut words = rest.split_whitespace();
        let (list, n) = (words.next()?, words.next()?);
        if words.next().is_some() {
            return None;
        }
        let base = list.strip_prefix('.')?.strip_suffix(".segments")?;
        let n: usize = n.parse().ok()?;
        return Some(format!("{base}[{n}]"));
    }
    let key = e.strip_prefix('.').unwrap_or(e);
    let plain = key
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '[' | ']' | '/'));
    (plain && !key.is_empty()).then(|| key.to_string())
}

/// `text` with its parameters (`{{name}}`, `{{ .path.basename }}`)
/// replaced; `None` when one is not in `params` or is not a parameter.
pub fn substitute(text: &str, params: &Params) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        out.push_str(params.get(&parameter(&after[..end])?)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// The Application an `ApplicationSet`'s `spec` gives for one parameter
/// set: its `template` with the parameters filled and, with
/// `goTemplate: true`, its `templatePatch` filled the same way and merged
/// over it as Argo CD merges it (mappings key by key, a list or a scalar
/// replaced, `null` deleting a field). The patch's values point at the
/// `templatePatch` text. A patch whose text is still templated once the
/// parameters are filled (`{{- if …}}`, `{{ range … }}`, a function), or
/// that is not a YAML mapping, is not applied: the template alone is the
/// Application. `None` without a template.
pub fn application(spec: &Node, params: &Params) -> Option<Node> {
    let mut app = substitute_node(spec.get("template")?, params);
    let go = spec.get("goTemplate").and_then(Node::as_bool) == Some(true);
    if let Some(patch) = spec.get("templatePatch").filter(|_| go)
        && let Some(text) = patch.as_str()
        && let Some(filled) = substitute(text, params)
    {
        let (docs, error) = parse_stream(&filled, &Limits::default());
        if error.is_none()
            && let Some(doc) = docs.into_iter().next()
            && doc.root.is_map()
        {
            merge_patch(&mut app, &at(&doc.root, patch.range), 0);
        }
    }
    Some(app)
}

/// `node` with every range set to `range`.
fn at(node: &Node, range: crate::source::TextRange) -> Node {
    let value = match &node.value {
        Value::Scalar { text, plain } => Value::Scalar {
            text: text.clone(),
            plain: *plain,
        },
        Value::Seq(items) => Value::Seq(items.iter().map(|i| at(i, range)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (at(k, range), at(v, range)))
                .collect(),
        ),
    };
    Node { range, value }
}

/// How deep a template patch is merged.
const MAX_PATCH_DEPTH: usize = 64;

fn merge_patch(target: &mut Node, patch: &Node, depth: usize) {
    let (Value::Map(entries), Value::Map(patches)) = (&mut target.value, &patch.value) else {
        *target = patch.clone();
        return;
    };
    if depth > MAX_PATCH_DEPTH {
        return;
    }
    let mut merged: Vec<(Node, Node)> = std::mem::take(entries).into_vec();
    for (k, v) in patches.iter() {
        let name = k.as_text();
        let found = merged.iter().position(|(mk, _)| mk.as_text() == name);
        match (found, v.is_null()) {
            (Some(i), true) => {
                merged.remove(i);
            }
            (Some(i), false) => merge_patch(&mut merged[i].1, v, depth + 1),
            (None, true) => {}
            (None, false) => merged.push((k.clone(), v.clone())),
        }
    }
    *entries = merged.into_boxed_slice();
}

/// `node` with every scalar whose parameters are all in `params` filled;
/// a scalar with one that is not is kept as written. Positions are kept.
pub fn substitute_node(node: &Node, params: &Params) -> Node {
    let value = match &node.value {
        Value::Scalar { text, plain } => {
            let filled = if text.contains("{{") {
                substitute(text, params)
            } else {
                None
            };
            Value::Scalar {
                text: filled.map_or_else(|| text.clone(), Into::into),
                plain: *plain,
            }
        }
        Value::Seq(items) => Value::Seq(items.iter().map(|i| substitute_node(i, params)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (substitute_node(k, params), substitute_node(v, params)))
                .collect(),
        ),
    };
    Node {
        range: node.range,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn spec(text: &str) -> Node {
        let (docs, error) = parse_stream(text, &Limits::default());
        assert!(error.is_none(), "{error:?}");
        docs[0].root.clone()
    }

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn both_template_forms_name_a_parameter() {
        let p = params(&[
            ("path.basename", "web"),
            ("path[1]", "web"),
            ("env", "prod"),
        ]);
        assert_eq!(substitute("{{path.basename}}", &p).as_deref(), Some("web"));
        assert_eq!(
            substitute("{{ .path.basename }}", &p).as_deref(),
            Some("web")
        );
        assert_eq!(substitute("x-{{path[1]}}", &p).as_deref(), Some("x-web"));
        assert_eq!(
            substitute("{{ index .path.segments 1 }}-{{.env}}", &p).as_deref(),
            Some("web-prod")
        );
        // A function, a parameter no generator gives, a template left open.
        assert_eq!(substitute("{{ .env | upper }}", &p), None);
        assert_eq!(substitute("{{ .region }}", &p), None);
        assert_eq!(substitute("{{env", &p), None);
    }

    #[test]
    fn a_directory_gives_its_path_parameters() {
        let p = path_params("", "apps/my_web", false);
        assert_eq!(p["path"], "apps/my_web");
        assert_eq!(p["path.path"], "apps/my_web");
        assert_eq!(p["path.basename"], "my_web");
        assert_eq!(p["path.basenameNormalized"], "my-web");
        assert_eq!(p["path[0]"], "apps");
        assert_eq!(p["path[1]"], "my_web");
        let f = path_params("app.", "apps/web/config.json", true);
        assert_eq!(f["app.path"], "apps/web");
        assert_eq!(f["app.path.filename"], "config.json");
        assert_eq!(f["app.path.basename"], "web");
    }

    #[test]
    fn list_elements_flatten_and_unread_generators_are_named() {
        let s = spec(
            "generators:\n  - list:\n      elements:\n        - env: prod\n          values: {replicas: '3'}\n  - pullRequest: {github: {}}\n  - plugin: {}\n",
        );
        let g = generate(&s, &[], None);
        assert_eq!(
            g.sets,
            vec![params(&[("env", "prod"), ("values.replicas", "3")])]
        );
        let unread: Vec<&str> = g.unread.iter().map(|(_, n)| *n).collect();
        assert_eq!(unread, ["pullRequest", "plugin"]);
    }

    #[test]
    fn elements_yaml_gives_sets_unless_still_templated() {
        let s = spec(
            "generators:\n  - list:\n      elements: [{env: qa}]\n      elementsYaml: |\n        - env: prod\n          zone: {name: a}\n        - env: dev\n  - list:\n      elementsYaml: '{{ .components | toJson }}'\n",
        );
        assert_eq!(
            generate(&s, &[], None).sets,
            vec![
                params(&[("env", "qa")]),
                params(&[("env", "prod"), ("zone.name", "a")]),
                params(&[("env", "dev")]),
            ]
        );
        // In a matrix, the first generator's parameters fill it first.
        let s = spec(
            "generators:\n  - matrix:\n      generators:\n        - list: {elements: [{app: web}]}\n        - list:\n            elementsYaml: '[{name: \"{{app}}-a\"}, {name: \"{{app}}-b\"}]'\n",
        );
        let names: Vec<String> = generate(&s, &[], None)
            .sets
            .iter()
            .filter_map(|p| p.get("name").cloned())
            .collect();
        assert_eq!(names, ["web-a", "web-b"]);
    }

    #[test]
    fn cluster_selectors_read_match_expressions() {
        let cluster = |name: &str, labels: &[(&str, &str)]| Cluster {
            name: name.to_string(),
            server: format!("https://{name}"),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: Vec::new(),
        };
        let clusters = [
            cluster("prod-a", &[("env", "prod"), ("tier", "gold")]),
            cluster("prod-b", &[("env", "prod")]),
            cluster("dev", &[("env", "dev")]),
        ];
        let names = |text: &str| -> Vec<String> {
            generate(&spec(text), &clusters, None)
                .sets
                .iter()
                .filter_map(|p| p.get("name").cloned())
                .collect()
        };
        let with = |expr: &str| {
            format!(
                "generators:\n  - clusters:\n      selector:\n        matchExpressions: [{expr}]\n"
            )
        };
        assert_eq!(
            names(&with("{key: env, operator: In, values: [prod]}")),
            ["prod-a", "prod-b"]
        );
        assert_eq!(
            names(&with("{key: env, operator: NotIn, values: [prod]}")),
            ["dev"]
        );
        assert_eq!(names(&with("{key: tier, operator: Exists}")), ["prod-a"]);
        assert_eq!(
            names(&with("{key: tier, operator: DoesNotExist}")),
            ["prod-b", "dev"]
        );
        // Labels and expressions together; an unknown operator selects
        // nothing; a selector leaves out the cluster Argo CD runs in.
        assert_eq!(
            names(
                "generators:\n  - clusters:\n      selector:\n        matchLabels: {env: prod}\n        matchExpressions: [{key: tier, operator: DoesNotExist}]\n"
            ),
            ["prod-b"]
        );
        assert!(names(&with("{key: env, operator: Gt, values: ['1']}")).is_empty());
        assert_eq!(
            names("generators:\n  - clusters: {}\n"),
            ["prod-a", "prod-b", "dev", IN_CLUSTER_NAME]
        );
        // A generator's own selector reads them over its parameters.
        assert_eq!(
            names(
                "generators:\n  - list: {elements: [{name: a, env: prod}, {name: b}]}\n    selector: {matchExpressions: [{key: env, operator: Exists}]}\n"
            ),
            ["a"]
        );
    }

    #[test]
    fn template_patch_applies_with_go_templates() {
        let text = "goTemplate: true\ngenerators:\n  - list: {elements: [{env: prod, zone: a}]}\ntemplate:\n  metadata: {name: 'web-{{ .env }}'}\n  spec:\n    destination: {namespace: web}\n    source: {path: charts/web, helm: {valueFiles: [values.yaml]}}\ntemplatePatch: |\n  spec:\n    destination:\n      namespace: '{{ .env }}'\n    source:\n      helm:\n        valueFiles: [values.yaml, 'values-{{ .env }}.yaml']\n";
        let s = spec(text);
        let sets = generate(&s, &[], None).sets;
        let app = application(&s, &sets[0]).expect("a template");
        let field = |p: &[&str]| app.path(p).and_then(Node::as_text).map(str::to_string);
        assert_eq!(field(&["metadata", "name"]).as_deref(), Some("web-prod"));
        assert_eq!(
            field(&["spec", "destination", "namespace"]).as_deref(),
            Some("prod")
        );
        let files: Vec<&str> = app
            .path(&["spec", "source", "helm", "valueFiles"])
            .map_or(&[][..], Node::as_seq)
            .iter()
            .filter_map(Node::as_text)
            .collect();
        assert_eq!(files, ["values.yaml", "values-prod.yaml"]);
        assert_eq!(
            field(&["spec", "source", "path"]).as_deref(),
            Some("charts/web")
        );
        // Without goTemplate, and with a patch that needs Go's control
        // structures, the template alone is the Application.
        for other in [
            text.replace("goTemplate: true", "goTemplate: false"),
            text.replace("templatePatch: |\n", "templatePatch: |\n  {{- if .env }}\n"),
        ] {
            let s = spec(&other);
            let app = application(&s, &sets[0]).expect("a template");
            assert_eq!(
                app.path(&["spec", "destination", "namespace"])
                    .and_then(Node::as_text),
                Some("web"),
                "{other}"
            );
        }
    }

    #[test]
    fn matrix_crosses_and_merge_joins_by_key() {
        let s = spec(
            "generators:\n  - matrix:\n      generators:\n        - list: {elements: [{app: a}, {app: b}]}\n        - list: {elements: [{env: prod}, {env: dev}]}\n  - merge:\n      mergeKeys: [app]\n      generators:\n        - list: {elements: [{app: a, n: '1'}, {app: b, n: '1'}]}\n        - list: {elements: [{app: b, n: '3'}, {app: c, n: '5'}]}\n",
        );
        let g = generate(&s, &[], None);
        let shown: Vec<String> = g
            .sets
            .iter()
            .map(|p| {
                p.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        assert_eq!(
            shown,
            [
                "app=a,env=prod",
                "app=a,env=dev",
                "app=b,env=prod",
                "app=b,env=dev",
                "app=a,n=1",
                "app=b,n=3",
            ]
        );
    }

    #[test]
    fn git_reads_the_directories_and_files_of_the_run() {
        let dir = std::env::temp_dir().join("spof-appset-unit");
        let mut sources = SourceMap::default();
        let appset = sources.add(SourceFile::new(dir.join("appset.yaml"), ""));
        for (path, text) in [
            ("apps/web/values.yaml", ""),
            ("apps/api/values.yaml", ""),
            ("apps/old/values.yaml", ""),
            (
                "envs/prod/config.json",
                "{\"env\": \"prod\", \"db\": {\"size\": \"2\"}}",
            ),
            ("envs/dev/config.yaml", "env: dev\n"),
        ] {
            sources.add(SourceFile::new(dir.join(path), text));
        }
        let s = spec(
            "generators:\n  - git:\n      directories:\n        - path: apps/*\n        - path: apps/old\n          exclude: true\n  - git:\n      files:\n        - path: 'envs/**/config.*'\n",
        );
        let run = Run {
            sources: &sources,
            file: appset,
        };
        let g = generate(&s, &[], Some(&run));
        let got: Vec<(Option<&str>, Option<&str>)> = g
            .sets
            .iter()
            .map(|p| {
                (
                    p.get("path").map(String::as_str),
                    p.get("env").map(String::as_str),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some("apps/api"), None),
                (Some("apps/web"), None),
                (Some("envs/dev"), Some("dev")),
                (Some("envs/prod"), Some("prod")),
            ]
        );
        assert_eq!(g.sets[3]["db.size"], "2");
        // Nothing above the run's files.
        let outside = spec("generators:\n  - git:\n      directories:\n        - path: '*'\n");
        let far = Run {
            sources: &sources,
            file: appset,
        };
        let top: Vec<String> = generate(&outside, &[], Some(&far))
            .sets
            .iter()
            .map(|p| p["path"].clone())
            .collect();
        assert_eq!(top, ["apps", "envs"]);
    }
}
