//! The operator knowledge base: for each custom resource an operator turns
//! into pods (a CloudNativePG `Cluster`, a Strimzi `Kafka`, an Argo Rollouts
//! `Rollout`), where its replica count is written and its default, where
//! its zone spread or anti-affinity is, what it is (a datastore, a queue, a
//! search cluster, a workload), whether it needs a majority of its members,
//! and the pods and Services the operator creates for it; for each
//! autoscaler, which field keeps a minimum of its target's replicas. It is
//! data — `rules/operators/*.toml`, embedded at build time, plus the
//! `[custom-resource."…"]` tables of the files given with `--rules DIR` —
//! and the Kubernetes extraction applies it (see `extract.rs`).
//!
//! The file format is documented at the top of
//! `rules/operators/databases.toml`.

mod extract;
mod schema;
#[cfg(test)]
mod tests;

pub(super) use extract::{operator_entities, scaler_minimum, scaler_target, template_labels};

use crate::diagnostic::Diagnostic;
use crate::parse::Node;
use crate::source::FileId;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The builtin files, in load order, by their path below `rules/operators/`.
const BUILTIN: &[(&str, &str)] = &[
    (
        "workloads.toml",
        include_str!("../../../../rules/operators/workloads.toml"),
    ),
    (
        "databases.toml",
        include_str!("../../../../rules/operators/databases.toml"),
    ),
    (
        "messaging.toml",
        include_str!("../../../../rules/operators/messaging.toml"),
    ),
];

/// What a kind is, in the knowledge base's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorRole {
    /// Pods like a Deployment's: their role follows from their images.
    Workload,
    Datastore,
    Cache,
    Queue,
    Search,
    /// Changes the replica count of another object (or, said explicitly,
    /// does not): no entity of its own.
    Autoscaler,
}

impl OperatorRole {
    pub const NAMES: &'static [&'static str] = &[
        "workload",
        "datastore",
        "cache",
        "queue",
        "search",
        "autoscaler",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "workload" => Self::Workload,
            "datastore" => Self::Datastore,
            "cache" => Self::Cache,
            "queue" => Self::Queue,
            "search" => Self::Search,
            "autoscaler" => Self::Autoscaler,
            _ => return None,
        })
    }
}

/// A path into an object: mapping keys; a list on the way stands for each
/// of its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(pub Vec<String>);

impl Path {
    /// `spec.template.metadata.annotations."autoscaling.knative.dev/min-scale"`:
    /// keys separated by dots, a key holding dots in double quotes, `*` for
    /// each value of a mapping. `None`
    /// for an empty key or an unclosed quote.
    pub fn parse(text: &str) -> Option<Self> {
        let mut keys = Vec::new();
        let mut rest = text;
        loop {
            let (key, after) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = rest.find('.').unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            };
            if key.is_empty() {
                return None;
            }
            keys.push(key.to_string());
            match after.strip_prefix('.') {
                Some(next) => rest = next,
                None if after.is_empty() => return Some(Self(keys)),
                None => return None,
            }
        }
    }

    /// Every `(key, value)` entry the path reaches from `node`, through
    /// each item of the lists on the way (a path ending at a list reaches
    /// each item, under the list's key), in document order; with, for each,
    /// the innermost list item it was reached through (`node` when none).
    pub fn entries<'n>(&self, node: &'n Node) -> Vec<Reached<'n>> {
        let mut out = Vec::new();
        walk(node, node, &self.0, &mut out);
        out
    }

    /// The nodes the path reaches, in document order.
    pub fn nodes<'n>(&self, node: &'n Node) -> Vec<&'n Node> {
        self.entries(node)
            .into_iter()
            .filter_map(|r| r.value)
            .collect()
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            if key.contains('.') {
                write!(f, "\"{key}\"")?;
            } else {
                f.write_str(key)?;
            }
        }
        Ok(())
    }
}

/// Where a path ends: the list item (or object) it went through last, and
/// the entry at its end, when present.
pub struct Reached<'n> {
    pub item: &'n Node,
    pub key: Option<&'n Node>,
    pub value: Option<&'n Node>,
}

/// How deep a path may go through lists: pods of lists of lists are rare,
/// and the bound keeps hostile input cheap.
const MAX_ITEMS: usize = 256;

fn walk<'n>(item: &'n Node, node: &'n Node, keys: &[String], out: &mut Vec<Reached<'n>>) {
    if out.len() >= MAX_ITEMS {
        return;
    }
    if node.is_seq() {
        for each in node.as_seq() {
            walk(each, each, keys, out);
        }
        return;
    }
    let Some((first, rest)) = keys.split_first() else {
        return;
    };
    // `*` stands for each value of a mapping (Percona's backup storages,
    // keyed by name).
    if first == "*" {
        for (k, v) in node.as_map() {
            if out.len() >= MAX_ITEMS {
                return;
            }
            step(item, k, v, rest, out);
        }
        return;
    }
    match node.entry(first) {
        Some((k, v)) => step(item, k, v, rest, out),
        None => out.push(Reached {
            item,
            key: None,
            value: None,
        }),
    }
}

/// [`walk`] on from the entry `k: v` of a mapping reached through `item`.
fn step<'n>(item: &'n Node, k: &'n Node, v: &'n Node, rest: &[String], out: &mut Vec<Reached<'n>>) {
    match (k, v) {
        // A path ending at a list reaches each of its items.
        (k, v) if rest.is_empty() && v.is_seq() => {
            for each in v.as_seq().iter().take(MAX_ITEMS - out.len()) {
                out.push(Reached {
                    item: each,
                    key: Some(k),
                    value: Some(each),
                });
            }
        }
        (k, v) if rest.is_empty() => out.push(Reached {
            item,
            key: Some(k),
            value: Some(v),
        }),
        (_, v) if v.is_seq() => {
            for each in v.as_seq() {
                if out.len() >= MAX_ITEMS {
                    return;
                }
                walk(each, each, rest, out);
            }
        }
        (_, v) => walk(item, v, rest, out),
    }
}

/// How the counts of several list items add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Members of one cluster (an Elasticsearch cluster's node sets).
    Sum,
    /// Independent groups (the replica sets of sharded MongoDB): the
    /// weakest decides.
    Min,
}

/// A literal a condition compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Bool(bool),
    Int(i64),
    String(String),
}

impl Lit {
    /// Whether the scalar `node` is this value (strings ignore case).
    fn matches(&self, node: &Node) -> bool {
        match self {
            Lit::Bool(b) => node.as_bool() == Some(*b),
            Lit::Int(n) => node.as_i64() == Some(*n),
            Lit::String(s) => node.as_text().is_some_and(|t| t.eq_ignore_ascii_case(s)),
        }
    }
}

/// `{ path = "spec.affinity.podAntiAffinityType", is = "required", default = "preferred" }`,
/// or `{ path = "spec.nodeSets.zoneAwareness", present = true }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub path: Path,
    pub test: Test,
    /// The operator's default when the field is not set.
    pub default: Option<Lit>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Is(Lit),
    /// Set (`true`) or not set (`false`).
    Present(bool),
}

impl Condition {
    /// Whether it holds of the object `node` (of a path through a list, its
    /// first item).
    pub fn holds(&self, node: &Node) -> bool {
        let value = self.path.nodes(node).into_iter().find(|v| !v.is_null());
        match (&self.test, value) {
            (Test::Present(present), value) => value.is_some() == *present,
            (Test::Is(is), Some(value)) => is.matches(value),
            (Test::Is(is), None) => self.default.as_ref() == Some(is),
        }
    }
}

/// An anti-affinity the operator writes on its pods from a topology key
/// the resource names: one pod per domain of that key.
#[derive(Debug, Clone, PartialEq)]
pub struct AntiAffinity {
    /// Where the topology key is written.
    pub key: Path,
    /// The operator's key when none is written; `None`: no anti-affinity.
    pub default: Option<String>,
    /// Whether the operator requires it, or only prefers it.
    pub required: Required,
    /// When the operator writes it at all. `None`: always.
    pub enabled: Option<Condition>,
    /// Read from the resource the entry's `parent` names (a Strimzi node
    /// pool's rack awareness is its `Kafka`'s).
    pub from_parent: bool,
}

/// Whether an anti-affinity binds the scheduler.
#[derive(Debug, Clone, PartialEq)]
pub enum Required {
    Always,
    Never,
    When(Condition),
}

/// The resource another one belongs to: named by a label of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parent {
    /// The label of the resource that holds the parent's name.
    pub label: String,
    /// The parent's kind, in the same namespace.
    pub kind: String,
}

/// An autoscaler's target and the least it keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Scales {
    /// The `scaleTargetRef`-shaped mapping (`name`, `kind`).
    pub target: Path,
    /// The target's kind when the reference names none.
    pub default_kind: String,
    /// Where the minimum is written, in order: the first set decides.
    pub minimum: Vec<Path>,
    pub default_minimum: u32,
}

/// What the knowledge base knows about one custom resource kind.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorKind {
    pub role: OperatorRole,
    /// The operator, in messages: "CloudNativePG".
    pub product: String,
    /// Where the replica count is written, in order: the first set decides.
    pub replicas: Vec<Path>,
    /// The operator's count when none is written; `None`: not judged.
    pub default_replicas: Option<u32>,
    pub aggregate: Aggregate,
    /// A pod template (`metadata.labels`, `spec`), read as a Deployment's.
    pub template: Option<Path>,
    /// Mappings shaped like a pod spec's placement: `nodeSelector`,
    /// `affinity`, `topologySpreadConstraints`.
    pub pod_specs: Vec<Path>,
    pub anti_affinity: Vec<AntiAffinity>,
    /// Where a zone spread is to be written (the first present), for
    /// findings; else `spec`, else `kind`.
    pub spread_at: Vec<Path>,
    /// How to spread its pods across zones, in the resource's own words.
    pub spread_help: Option<String>,
    /// Needs a majority of its members up.
    pub quorum: bool,
    /// Labels of the pods the operator creates; `{name}` is the resource's
    /// name.
    pub pod_labels: BTreeMap<String, String>,
    /// Names of the Services the operator creates (`{name}-rw`).
    pub services: Vec<String>,
    pub scales: Option<Scales>,
    pub parent: Option<Parent>,
    /// Where the object stores its backups go to are written: an
    /// endpoint URL or host each (`spec.backup.barmanObjectStore.endpointURL`).
    pub backup_endpoints: Vec<Path>,
    /// Where the regions of those object stores are written.
    pub backup_regions: Vec<Path>,
}

/// The custom resources the knowledge base knows, by API group and kind.
#[derive(Debug, Clone, Default)]
pub struct Operators {
    kinds: BTreeMap<(String, String), OperatorKind>,
    /// BLAKE3 over every file added, in order: what the parse cache keys
    /// the documents it keeps whole by.
    digest: [u8; 32],
}

impl Operators {
    /// The knowledge base shipped with spof.
    pub fn builtin() -> Self {
        static BUILTIN_KB: OnceLock<Operators> = OnceLock::new();
        BUILTIN_KB
            .get_or_init(|| {
                let mut kb = Operators::default();
                for (name, text) in BUILTIN {
                    // The builtin files are tested to load cleanly.
                    assert!(
                        crate::parse::toml::parse(text).is_ok(),
                        "rules/operators/{name} is not TOML"
                    );
                    let diags = kb.extend(FileId(u32::MAX), text);
                    assert!(
                        diags.is_empty(),
                        "rules/operators/{name} is invalid: {:?}",
                        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
                    );
                }
                kb
            })
            .clone()
    }

    /// Adds the `[custom-resource."group/Kind"]` tables of a knowledge-base
    /// file; its entries replace entries of the same kind. An entry with
    /// errors is left out; the problems are returned. The file's other
    /// tables belong to the provider knowledge base, which reads the same
    /// files and reports their syntax errors.
    pub fn extend(&mut self, file: FileId, text: &str) -> Vec<Diagnostic> {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.digest);
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
        self.digest = *hasher.finalize().as_bytes();
        let (kinds, mut diags) = schema::read(text, file);
        self.kinds.extend(kinds);
        diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diags
    }

    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The entry of an object of `apiVersion` `api_version` and `kind`.
    pub fn get(&self, api_version: &str, kind: &str) -> Option<&OperatorKind> {
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        self.kinds.get(&(group.to_string(), kind.to_string()))
    }

    /// The entry of the object `node`, if the knowledge base knows its kind.
    pub fn of(&self, node: &Node) -> Option<&OperatorKind> {
        let kind = node.get("kind").and_then(Node::as_text)?;
        let version = node.get("apiVersion").and_then(Node::as_text)?;
        self.get(version, kind)
    }

    /// Every kind, as `group/Kind`, in order.
    pub fn kinds(&self) -> impl Iterator<Item = (String, &OperatorKind)> {
        self.kinds
            .iter()
            .map(|((group, kind), entry)| (format!("{group}/{kind}"), entry))
    }
}
