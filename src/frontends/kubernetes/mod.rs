//! Kubernetes objects → entities.
//!
//! Reads workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Pod, Job, CronJob), Services, Ingresses,
//! PersistentVolumeClaims, and the objects that change their placement:
//! HorizontalPodAutoscalers, PodDisruptionBudgets, PersistentVolumes,
//! StorageClasses, ConfigMaps and Secrets (for env references), Nodes, the
//! admission webhook configurations and Namespaces, ServiceAccounts and
//! the objects of External Secrets, sealed-secrets and the Secrets Store
//! CSI driver (for recovery dependencies), and the custom resources operators turn into pods (for
//! Service selectors).

mod admission;
mod alerting;
mod backups;
mod frontend;
mod gitops;
mod identity;
mod operators;
mod registries;
mod secrets;
mod stores;
pub use frontend::FRONTEND;
pub use operators::Operators;

use super::hosts::{self, SoftVariables};
use super::tools::{self, Tool};
use crate::diagnostic::Diagnostic;
use crate::model::scope::Places;
use crate::model::{
    Combine, Dependencies, Dependency, Detail, DisruptionBudget, Entity, Guarantee, Instance,
    IntOrPercent, Level, MissedSpread, Model, NodeFacts, Pin, Placement, Quorum, Reference,
    ReplicaSource, Replicas, Role, Spread, Strength, Suppression, VolumePin, WorkloadKind,
};
use crate::parse::tree::Value;
use crate::parse::{Document, Node};
use crate::source::{FileId, SourceMap, Span, TextRange};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Annotation that declares hard dependencies: `spof.dev/depends-on: "db, cache"`.
pub const DEPENDS_ON: &str = "spof.dev/depends-on";
pub const SOFT_DEPENDS_ON: &str = "spof.dev/soft-depends-on";
/// Needed to recover, not to serve: see [`Strength::Recovery`].
pub const RECOVERY_DEPENDS_ON: &str = "spof.dev/recovery-depends-on";
/// `spof.dev/ignore: "SPOF001,SPOF002: reason"`; the reason may hold an
/// `until=YYYY-MM-DD` word.
pub const IGNORE: &str = "spof.dev/ignore";
/// `spof.dev/quorum: "2"` (replicas needed) or `"true"` (a majority).
pub const QUORUM: &str = "spof.dev/quorum";
/// `spof.dev/role: tool`.
pub const ROLE: &str = "spof.dev/role";
/// `spof.dev/manages: "talk-api, k8s:Deployment/talk/api"`.
pub const MANAGES: &str = "spof.dev/manages";
/// `spof.dev/tool-kind: sso`: the kind of a tool spof does not recognise.
pub const TOOL_KIND: &str = "spof.dev/tool-kind";

/// Node label keys that name failure domains.
#[derive(Debug, Clone)]
pub struct TopologyKeys {
    pub zone: Vec<String>,
    pub region: Vec<String>,
    pub host: Vec<String>,
}

impl Default for TopologyKeys {
    fn default() -> Self {
        Self {
            zone: vec![
                "topology.kubernetes.io/zone".into(),
                "failure-domain.beta.kubernetes.io/zone".into(),
            ],
            region: vec![
                "topology.kubernetes.io/region".into(),
                "failure-domain.beta.kubernetes.io/region".into(),
            ],
            host: vec!["kubernetes.io/hostname".into()],
        }
    }
}

impl TopologyKeys {
    pub fn level(&self, key: &str) -> Option<Level> {
        if self.zone.iter().any(|k| k == key) {
            Some(Level::Zone)
        } else if self.region.iter().any(|k| k == key) {
            Some(Level::Region)
        } else if self.host.iter().any(|k| k == key) {
            Some(Level::Host)
        } else {
            None
        }
    }
}

/// The parsed documents of one file.
pub struct FileDocs<'a> {
    pub file: FileId,
    pub cluster: Option<usize>,
    pub docs: &'a [Document],
}

/// A Kubernetes object as found in a file.
struct Object<'a> {
    file: FileId,
    cluster: Option<usize>,
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
    name_span: Span,
    node: &'a Node,
}

impl Object<'_> {
    /// The API group of `apiVersion` (`argoproj.io` of
    /// `argoproj.io/v1alpha1`; empty for the core group).
    fn api_group(&self) -> &str {
        let version = self
            .node
            .get("apiVersion")
            .and_then(Node::as_text)
            .unwrap_or("");
        version.rsplit_once('/').map_or("", |(group, _)| group)
    }

    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.range)
    }

    fn annotation(&self, key: &str) -> Option<&Node> {
        self.node
            .path(&["metadata", "annotations"])
            .and_then(|a| a.get(key))
    }

    /// Its `spof.dev/tier` annotation, else label; 0 when neither holds a
    /// tier.
    fn tier(&self) -> u8 {
        let label = || {
            self.node
                .path(&["metadata", "labels"])
                .and_then(|l| l.get(crate::model::TIER_KEY))
        };
        [self.annotation(crate::model::TIER_KEY), label()]
            .into_iter()
            .flatten()
            .find_map(|n| n.as_text().and_then(crate::model::parse_tier))
            .unwrap_or(0)
    }
}

/// The objects of `files`, and an input error for each object that the
/// Kubernetes API would refuse to decode (see [`integer_error`]): such an
/// object is not modelled, so that no finding stands on a value the cluster
/// would never accept.
fn objects<'a>(
    files: &[FileDocs<'a>],
    operators: &Operators,
) -> (Vec<Object<'a>>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    for f in files {
        for doc in f.docs {
            collect(f.file, f.cluster, &doc.root, operators, &mut out);
        }
    }
    out.retain(|o| !is_fragment(o));
    let mut errors = Vec::new();
    out.retain(|o| match integer_error(o) {
        Some(error) => {
            errors.push(error);
            false
        }
        None => true,
    });
    (out, errors)
}

/// The first integer field spof reads from `o` whose value the API server
/// cannot decode into its `int32` (a float such as `1e300`, `.nan`, a
/// quoted number, a value past 2,147,483,647 or below zero), as a
/// `parse-error` at the value. An `IntOrString` field (a disruption
/// budget's) may instead be a percentage.
fn integer_error(o: &Object<'_>) -> Option<Diagnostic> {
    let spec = o.node.get("spec")?;
    let pod = WORKLOAD_KINDS
        .contains(&o.kind)
        .then(|| pod_spec_of(o))
        .flatten();
    let mut fields: Vec<(&str, Option<&Node>, bool)> = match o.kind {
        "HorizontalPodAutoscaler" => vec![
            ("minReplicas", spec.get("minReplicas"), false),
            ("maxReplicas", spec.get("maxReplicas"), false),
        ],
        "PodDisruptionBudget" => vec![
            ("minAvailable", spec.get("minAvailable"), true),
            ("maxUnavailable", spec.get("maxUnavailable"), true),
        ],
        "Pod" => Vec::new(),
        k if WORKLOAD_KINDS.contains(&k) => vec![("replicas", spec.get("replicas"), false)],
        _ => Vec::new(),
    };
    for c in pod
        .and_then(|p| p.get("topologySpreadConstraints"))
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        fields.push(("maxSkew", c.get("maxSkew"), false));
        fields.push(("minDomains", c.get("minDomains"), false));
    }
    fields.into_iter().find_map(|(name, node, percent)| {
        let node = node?;
        if node.is_null() || is_int32(node) || percent && is_percent(node) {
            return None;
        }
        let found = node.as_text().map_or_else(
            || "a collection".to_string(),
            |t| format!("`{}`", t.chars().take(40).collect::<String>()),
        );
        let expected = if percent {
            "a whole number from 0 to 2147483647 or a percentage"
        } else {
            "a whole number from 0 to 2147483647"
        };
        Some(Diagnostic::error(
            "parse-error",
            Span::new(o.file, node.range),
            format!(
                "`{name}` of `{} {}/{}` must be {expected}, not {found}; Kubernetes refuses the object, so spof does not analyse it",
                o.kind, o.namespace, o.name
            ),
        ))
    })
}

/// Part of an object rather than an object: a strategic-merge patch that
/// kustomize, kubeadm or a Helm post-renderer applies to the object it
/// names. Its signatures are a `$patch` directive, and a container with no
/// image (a patch names the container it changes; the API server refuses
/// a pod without an image). Such a part is not modelled: its missing
/// fields (`replicas`) say nothing about the workload it patches.
fn is_fragment(o: &Object<'_>) -> bool {
    if o.node.get("$patch").is_some() {
        return true;
    }
    if !WORKLOAD_KINDS.contains(&o.kind) {
        return false;
    }
    let Some(pod) = pod_spec_of(o) else {
        return false;
    };
    ["containers", "initContainers"]
        .iter()
        .flat_map(|k| pod.get(k).map(Node::as_seq).unwrap_or_default())
        .any(|c| {
            c.get("image")
                .and_then(Node::as_text)
                .is_none_or(|i| i.trim().is_empty())
        })
}

/// The pod spec of a workload object: its own `spec` for a Pod, the
/// template's for the others.
fn pod_spec_of<'a>(o: &Object<'a>) -> Option<&'a Node> {
    let spec = o.node.get("spec")?;
    match o.kind {
        "Pod" => Some(spec),
        "CronJob" => spec.path(&["jobTemplate", "spec", "template", "spec"]),
        _ => spec.path(&["template", "spec"]),
    }
}

fn is_int32(node: &Node) -> bool {
    node.as_i64()
        .is_some_and(|n| (0..=i64::from(i32::MAX)).contains(&n))
}

fn is_percent(node: &Node) -> bool {
    node.as_text()
        .and_then(|t| t.strip_suffix('%'))
        .is_some_and(|p| p.parse::<u32>().is_ok())
}

fn collect<'a>(
    file: FileId,
    cluster: Option<usize>,
    node: &'a Node,
    operators: &Operators,
    out: &mut Vec<Object<'a>>,
) {
    let (Some(kind), Some(_)) = (
        node.get("kind").and_then(Node::as_text),
        node.get("apiVersion").and_then(Node::as_text),
    ) else {
        return;
    };
    if kind == "List" || kind.ends_with("List") && node.get("items").is_some() {
        for item in node.get("items").map(Node::as_seq).unwrap_or_default() {
            collect(file, cluster, item, operators, out);
        }
        return;
    }
    if !is_read_kind(kind) && !is_custom_resource(node) && operators.of(node).is_none() {
        return;
    }
    let Some(meta) = node.get("metadata") else {
        return;
    };
    let Some(name_node) = meta.get("name").filter(|n| n.as_text().is_some()) else {
        return;
    };
    if is_backstage(node) {
        return;
    }
    out.push(Object {
        file,
        cluster,
        kind,
        namespace: meta
            .get("namespace")
            .and_then(Node::as_text)
            .unwrap_or("default"),
        name: name_node.as_text().unwrap_or_default(),
        name_span: Span::new(file, name_node.range),
        node,
    });
}

/// Whether extraction reads the document `node`: an object of a kind it
/// reads, or a list (whose items are objects). Documents it does
/// not read need not be kept (CustomResourceDefinitions are most of the
/// bytes of many repositories).
pub fn reads(node: &Node) -> bool {
    let (Some(kind), Some(_)) = (
        node.get("kind").and_then(Node::as_text),
        node.get("apiVersion").and_then(Node::as_text),
    ) else {
        return false;
    };
    kind.ends_with("List") || is_read_kind(kind)
}

/// An object of an API group outside Kubernetes' own (a group with a dot
/// that is not a `*.k8s.io` group), other than a CustomResourceDefinition:
/// what an operator may turn into pods spof does not model.
fn is_custom_resource(node: &Node) -> bool {
    let Some(version) = node.get("apiVersion").and_then(Node::as_text) else {
        return false;
    };
    let group = version.rsplit_once('/').map_or("", |(group, _)| group);
    group.contains('.')
        && !group.ends_with(".k8s.io")
        && !group.starts_with("backstage.io")
        && node.get("kind").and_then(Node::as_text) != Some("CustomResourceDefinition")
}

/// What extraction needs of a custom resource it does not read (whether a
/// Service may select the pods it makes), for sifting: its `apiVersion`, `kind`, name and
/// namespace, and the `labels` mappings inside its `spec`, at their own
/// spans. `None` for other documents. A custom resource can be large (a
/// dashboard, a rule file); what it says besides is never read.
pub fn slim_custom_resource(node: &Node) -> Option<Node> {
    let kind = node.get("kind").and_then(Node::as_text)?;
    if is_read_kind(kind) || !is_custom_resource(node) {
        return None;
    }
    let mut kept = Vec::new();
    for (k, v) in node.as_map() {
        let value = match k.as_str() {
            Some("apiVersion" | "kind") => v.clone(),
            Some("metadata") => Node {
                range: v.range,
                value: Value::Map(
                    v.as_map()
                        .iter()
                        .filter(|(k, _)| matches!(k.as_str(), Some("name" | "namespace")))
                        .cloned()
                        .collect(),
                ),
            },
            Some("spec") => match only_labels(v, 0) {
                Some(spec) => spec,
                None => continue,
            },
            _ => continue,
        };
        kept.push((k.clone(), value));
    }
    Some(Node {
        range: node.range,
        value: Value::Map(kept.into_boxed_slice()),
    })
}

/// `node` with nothing but the paths to its `labels` mappings, down to
/// [`MAX_LABELS_DEPTH`]; `None` when it holds none.
fn only_labels(node: &Node, depth: usize) -> Option<Node> {
    if depth >= MAX_LABELS_DEPTH {
        return None;
    }
    let value = match &node.value {
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .filter_map(|(k, v)| {
                    if k.as_str() == Some("labels") && v.is_map() {
                        Some((k.clone(), v.clone()))
                    } else {
                        Some((k.clone(), only_labels(v, depth + 1)?))
                    }
                })
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .filter_map(|i| only_labels(i, depth + 1))
                .collect(),
        ),
        Value::Scalar { .. } => return None,
    };
    let empty = match &value {
        Value::Map(m) => m.is_empty(),
        Value::Seq(s) => s.is_empty(),
        Value::Scalar { .. } => true,
    };
    (!empty).then_some(Node {
        range: node.range,
        value,
    })
}

fn is_backstage(node: &Node) -> bool {
    node.get("apiVersion")
        .and_then(Node::as_text)
        .is_some_and(|v| v.starts_with("backstage.io/"))
}

pub(crate) const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "Job",
    "CronJob",
];

/// The kinds extraction reads besides [`WORKLOAD_KINDS`]: Services,
/// Ingresses and claims, the objects folded into entities (autoscalers,
/// budgets, volumes, storage classes, ConfigMaps), Nodes, and the operators'
/// objects that say what a tool manages. Objects of other kinds are skipped
/// as they are collected.
const OTHER_READ_KINDS: &[&str] = &[
    "Service",
    "Ingress",
    "PersistentVolumeClaim",
    "Node",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "Secret",
    "Namespace",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "Application",
    "ApplicationSet",
    "Kustomization",
    "HelmRelease",
    "ServiceMonitor",
    "PodMonitor",
    "Prometheus",
    "Schedule",
    "ServiceAccount",
    "ExternalSecret",
    "ClusterExternalSecret",
    "SecretStore",
    "ClusterSecretStore",
    "SealedSecret",
    "SecretProviderClass",
    "BackupStorageLocation",
    "VolumeSnapshotLocation",
    "AlertmanagerConfig",
];

fn is_read_kind(kind: &str) -> bool {
    WORKLOAD_KINDS.contains(&kind) || OTHER_READ_KINDS.contains(&kind)
}

/// Images and names that mark quorum systems: they need a majority of their
/// replicas up.
const QUORUM_SYSTEMS: &[&str] = &[
    "etcd",
    "zookeeper",
    "kafka",
    "consul",
    "vault",
    "cockroach",
    "nats",
    "rabbitmq",
    "elasticsearch",
    "opensearch",
    "mongo",
];

/// Hash maps keyed by text from the scanned files, iterated nowhere:
/// foldhash (seeded per run) hashes such short keys several times faster
/// than the default SipHash, which shows on files of many objects.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Objects looked up by kind, cluster, namespace and name. A name declared
/// in several places means its nearest declaration ([`Places::nearness`]);
/// one equally near to several declarations means none of them.
struct Index<'o, 'a> {
    /// The text of the scanned files, for documents embedded in a string;
    /// `None` for objects whose positions are not the text of their file
    /// (rendered by Helm, built by Kustomize).
    sources: Option<&'o SourceMap>,
    places: &'o Places,
    operators: &'o Operators,
    by_key: FastMap<(&'a str, Option<usize>, &'a str, &'a str), Vec<&'o Object<'a>>>,
    /// PersistentVolumes and StorageClasses, by kind, cluster and name.
    cluster_scoped: HashMap<(&'a str, Option<usize>, &'a str), Vec<&'o Object<'a>>>,
    /// Services by namespace and name, in any cluster: which cluster's a
    /// name reaches is the graph's to decide.
    services: HashSet<(&'a str, &'a str)>,
    /// The Services operators create for the custom resources of the
    /// operator knowledge base, as `namespace/name`.
    created: HashSet<String>,
    /// Each PodDisruptionBudget with its scope.
    pdbs: Vec<Budget<'o, 'a>>,
    /// Of each workload (by address) in a budget's scope, the budgets, as
    /// indices into `pdbs`.
    budgets_of: HashMap<*const Object<'a>, Vec<usize>>,
    /// HorizontalPodAutoscalers, and the autoscalers of the operator
    /// knowledge base (KEDA's `ScaledObject`), by cluster, namespace, and
    /// the kind and name of their target, in object order.
    hpas: HashMap<(Option<usize>, &'a str, &'a str, &'a str), Vec<&'o Object<'a>>>,
    /// The autoscalers of the operator knowledge base by cluster,
    /// namespace and the name of their target, with the target's kind (the
    /// knowledge base's default when the reference names none).
    scalers: HashMap<(Option<usize>, &'a str, &'a str), Vec<Scaler<'o, 'a>>>,
    /// The admission webhooks that fail closed, in object order.
    webhooks: Vec<admission::Webhook<'o, 'a>>,
    /// Namespaces by cluster and name, for the labels a webhook's
    /// `namespaceSelector` reads.
    namespaces: ByName<'o, 'a>,
    /// Vault agent injectors (workloads with a literal
    /// `AGENT_INJECT_VAULT_ADDR`) and the address they give.
    vault_injectors: Vec<Injector<'o, 'a>>,
    /// Ingresses, in object order: what serves an admission webhook's URL.
    ingresses: Vec<&'o Object<'a>>,
    /// External Secrets, sealed-secrets and their controllers: where the
    /// Secrets pods need come from.
    stores: stores::Stores<'o, 'a>,
    /// Velero `BackupStorageLocation`s, in object order.
    backup_locations: Vec<&'o Object<'a>>,
    /// The Prometheus Operator's `AlertmanagerConfig`s, in object order.
    alertmanager_configs: Vec<&'o Object<'a>>,
}

/// Objects by cluster and name.
type ByName<'o, 'a> = HashMap<(Option<usize>, &'a str), Vec<&'o Object<'a>>>;

/// A Vault agent injector and the Vault address it gives.
type Injector<'o, 'a> = (&'o Object<'a>, &'a str);

/// What recovery dependencies read, in one pass over `objects`: the
/// admission webhooks that fail closed, Namespaces by cluster and name, and
/// the Vault agent injectors with the address they give.
fn recovery_objects<'o, 'a>(
    objects: &'o [Object<'a>],
) -> (
    Vec<admission::Webhook<'o, 'a>>,
    ByName<'o, 'a>,
    Vec<Injector<'o, 'a>>,
) {
    let mut webhooks = Vec::new();
    let mut namespaces: HashMap<_, Vec<&'o Object<'a>>> = HashMap::new();
    let mut vault_injectors = Vec::new();
    for o in objects {
        match o.kind {
            "Namespace" => namespaces.entry((o.cluster, o.name)).or_default().push(o),
            k if admission::KINDS.contains(&k) => webhooks.extend(admission::webhooks(o)),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
                if let Some(address) = pod_spec_of(o).and_then(secrets::injector_address) {
                    vault_injectors.push((o, address));
                }
            }
            _ => {}
        }
    }
    (webhooks, namespaces, vault_injectors)
}

/// An autoscaler of the operator knowledge base, with its target's kind.
type Scaler<'o, 'a> = (&'o str, &'o Object<'a>);

/// A PodDisruptionBudget with its scope: the workloads it selects in its
/// own file, else those whose directories share the most with its own.
struct Budget<'o, 'a> {
    object: &'o Object<'a>,
    scope: Vec<&'o Object<'a>>,
    /// The pods of the whole scope, counted for the first workload that
    /// asks: every workload of a large scope asks.
    pods: OnceCell<Option<u32>>,
}

impl<'o, 'a> Budget<'o, 'a> {
    /// The budget `p` with its scope: of the workloads of `selectable` (with
    /// their pod labels) that it selects in its cluster and namespace,
    /// those in its own file, else those whose directories share the most
    /// with its own.
    fn scoped(
        p: &'o Object<'a>,
        selectable: &[(&'o Object<'a>, BTreeMap<String, String>)],
        places: &Places,
    ) -> Self {
        let selector = p.node.path(&["spec", "selector"]);
        let matched: Vec<&'o Object<'a>> = selectable
            .iter()
            .filter(|(w, labels)| {
                w.cluster == p.cluster
                    && w.namespace == p.namespace
                    // policy/v1: an empty selector selects every pod
                    // of the namespace.
                    && selector.is_some_and(|s| selector_matches(s, labels))
            })
            .map(|(w, _)| *w)
            .collect();
        let near = |w: &&'o Object<'a>| (w.file == p.file, places.common(p.file, w.file));
        let nearest = matched.iter().map(near).max();
        let scope = matched
            .into_iter()
            .filter(|w| Some(near(w)) == nearest)
            .collect();
        Budget {
            object: p,
            scope,
            pods: OnceCell::new(),
        }
    }
}

impl<'o, 'a> Index<'o, 'a> {
    fn new(
        objects: &'o [Object<'a>],
        sources: Option<&'o SourceMap>,
        places: &'o Places,
        operators: &'o Operators,
    ) -> Self {
        let mut by_key: FastMap<_, Vec<&'o Object<'a>>> = FastMap::default();
        let mut cluster_scoped: HashMap<_, Vec<&'o Object<'a>>> = HashMap::new();
        let mut services = HashSet::new();
        let mut created = HashSet::new();
        let mut pdbs = Vec::new();
        let mut hpas: HashMap<_, Vec<&'o Object<'a>>> = HashMap::new();
        let mut scalers: HashMap<_, Vec<Scaler<'o, 'a>>> = HashMap::new();
        // Workloads whose pods a budget may select, with their pod labels.
        let mut selectable: Vec<(&'o Object<'a>, BTreeMap<String, String>)> = Vec::new();
        for o in objects {
            by_key
                .entry((o.kind, o.cluster, o.namespace, o.name))
                .or_default()
                .push(o);
            let known = operators.of(o.node);
            for name in known.map_or(&[][..], |k| k.services.as_slice()) {
                created.insert(format!(
                    "{}/{}",
                    o.namespace,
                    name.replace("{name}", o.name)
                ));
            }
            if let Some(scales) = known.and_then(|k| k.scales.as_ref()) {
                if let Some((kind, name)) = operators::scaler_target(o, scales) {
                    scalers
                        .entry((o.cluster, o.namespace, name))
                        .or_default()
                        .push((kind, o));
                }
                continue;
            }
            match o.kind {
                "Service" => {
                    services.insert((o.namespace, o.name));
                }
                "PodDisruptionBudget" => pdbs.push(o),
                "HorizontalPodAutoscaler" => {
                    let target = |key: &str| {
                        o.node
                            .path(&["spec", "scaleTargetRef", key])
                            .and_then(Node::as_text)
                    };
                    if let (Some(kind), Some(name)) = (target("kind"), target("name")) {
                        hpas.entry((o.cluster, o.namespace, kind, name))
                            .or_default()
                            .push(o);
                    }
                }
                "PersistentVolume" | "StorageClass" => cluster_scoped
                    .entry((o.kind, o.cluster, o.name))
                    .or_default()
                    .push(o),
                k if WORKLOAD_KINDS.contains(&k) && !matches!(k, "Job" | "CronJob") => {
                    let labels = pod_labels(o);
                    if !labels.is_empty() {
                        selectable.push((o, labels));
                    }
                }
                // A pod template of the operator knowledge base (a
                // Rollout's) is selected as a Deployment's.
                _ => {
                    let labels = known.map(|k| operators::template_labels(o, k));
                    if let Some(labels) = labels.filter(|l| !l.is_empty()) {
                        selectable.push((o, labels));
                    }
                }
            }
        }
        let pdbs: Vec<Budget<'o, 'a>> = pdbs
            .into_iter()
            .map(|p| Budget::scoped(p, &selectable, places))
            .collect();
        let mut budgets_of: HashMap<*const Object<'a>, Vec<usize>> = HashMap::new();
        for (b, budget) in pdbs.iter().enumerate() {
            for &w in &budget.scope {
                budgets_of.entry(std::ptr::from_ref(w)).or_default().push(b);
            }
        }
        let (webhooks, namespaces, vault_injectors) = recovery_objects(objects);
        Self {
            sources,
            places,
            operators,
            by_key,
            cluster_scoped,
            services,
            created,
            pdbs,
            budgets_of,
            hpas,
            scalers,
            webhooks,
            namespaces,
            vault_injectors,
            ingresses: objects.iter().filter(|o| o.kind == "Ingress").collect(),
            stores: stores::Stores::new(objects),
            backup_locations: objects.iter().filter(|o| backups::is_location(o)).collect(),
            alertmanager_configs: objects
                .iter()
                .filter(|o| {
                    o.kind == "AlertmanagerConfig" && o.api_group() == "monitoring.coreos.com"
                })
                .collect(),
        }
    }

    /// The `Namespace` object of `o`'s namespace in its cluster, nearest
    /// to `o`.
    fn namespace(&self, o: &Object<'_>) -> Option<&'o Object<'a>> {
        let found = self.namespaces.get(&(o.cluster, o.namespace))?;
        self.nearest(o.file, found)
    }

    /// The declaration of `kind` `name` in `o`'s cluster and namespace
    /// nearest to `o`.
    fn get(&self, kind: &str, o: &Object<'_>, name: &str) -> Option<&'o Object<'a>> {
        let found = self.by_key.get(&(kind, o.cluster, o.namespace, name))?;
        self.nearest(o.file, found)
    }

    /// Cluster-scoped objects (PersistentVolume, StorageClass).
    fn get_cluster_scoped(&self, kind: &str, o: &Object<'_>, name: &str) -> Option<&'o Object<'a>> {
        let found = self.cluster_scoped.get(&(kind, o.cluster, name))?;
        self.nearest(o.file, found)
    }

    /// The one declaration of `found` nearest to `from`: none when several
    /// are equally near.
    fn nearest(&self, from: FileId, found: &[&'o Object<'a>]) -> Option<&'o Object<'a>> {
        let near = |o: &&'o Object<'a>| self.places.nearness(from, o.file);
        let best = found.iter().map(near).max()?;
        let mut nearest = found.iter().filter(|o| near(o) == best);
        let one = nearest.next()?;
        nearest.next().is_none().then_some(*one)
    }
}

/// Extracts every Kubernetes entity, suppression annotation and node fact.
/// Models the Kubernetes objects of `files`, whose text is in `sources`
/// when their positions are its own; returns the input errors of objects
/// that cannot be modelled.
#[must_use]
pub fn extract(
    files: &[FileDocs<'_>],
    sources: Option<&SourceMap>,
    keys: &TopologyKeys,
    places: &Places,
    soft: &SoftVariables,
    operators: &Operators,
    model: &mut Model,
) -> Vec<Diagnostic> {
    let (objects, mut errors) = objects(files, operators);
    let index = Index::new(&objects, sources, places, operators);
    // The objects whose pods spof does not model, by cluster and namespace.
    let mut unmodelled: HashMap<(Option<usize>, &str), Vec<PodSource<'_>>> = HashMap::new();
    for o in &objects {
        if let Some(source) = PodSource::of(o) {
            unmodelled
                .entry((o.cluster, o.namespace))
                .or_default()
                .push(source);
        }
    }
    let mut ids: FastMap<String, usize> = model
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    // The product of each tool entity spof recognised, for what operators'
    // objects say it manages.
    let mut products: Vec<(usize, &'static str)> = Vec::new();
    for o in &objects {
        if let Some(entry) = operators.of(o.node) {
            let Some(run) = operators::operator_entities(o, entry, &index, keys, soft) else {
                continue;
            };
            let mut instance = run.instance;
            let mut dependencies = instance.dependencies.take();
            backups::operated(o, entry, &index, &mut dependencies);
            alerting::operated(o, &index, &mut dependencies, &mut errors);
            instance.dependencies = dependencies.into();
            model
                .backup_regions
                .extend(backups::operated_regions(o, entry));
            let (idx, role) = push_entity(model, &mut ids, o, run.role, instance, run.tool);
            if let (Role::Tool, Some(tool)) = (role, run.tool) {
                products.push((idx, tool.product.as_str()));
            }
            for name in run.services {
                if index.services.contains(&(o.namespace, name.as_str())) {
                    continue;
                }
                let service = created_service(o, &entry.product, &name);
                // Each once; a declared Service of that name is what runs.
                if !ids.contains_key(&service.id) {
                    ids.insert(service.id.clone(), model.entities.len());
                    model.entities.push(service);
                }
            }
            continue;
        }
        model.backup_regions.extend(backups::region(o));
        let built = match o.kind {
            k if WORKLOAD_KINDS.contains(&k) => Some(workload(o, &index, keys, soft)),
            "Service" => {
                let candidates = unmodelled
                    .get(&(o.cluster, o.namespace))
                    .map_or(&[][..], Vec::as_slice);
                Some(with_no_tool(service(o, candidates)))
            }
            "Ingress" => Some(with_no_tool(ingress(o))),
            "PersistentVolumeClaim" => Some(with_no_tool(claim(o, &index, keys))),
            "Node" => {
                model.nodes.push(node_facts(o, keys));
                None
            }
            _ => None,
        };
        let Some((role, instance, tool)) = built else {
            continue;
        };
        let (idx, role) = push_entity(model, &mut ids, o, role, instance, tool);
        let served = match o.kind {
            "Ingress" => ingress_hosts(o),
            k if WORKLOAD_KINDS.contains(&k) => registries::served_hosts(o, &index),
            _ => Vec::new(),
        };
        for host in served {
            model.hosts.push((host, model.entities[idx].id.clone()));
        }
        if let (Role::Tool, Some(tool)) = (role, tool) {
            products.push((idx, tool.product.as_str()));
        }
    }
    operator_manages(&objects, &products, places, sources, model);
    model.admission_webhooks.extend(admission::listed(&index));
    errors
}

/// Adds the declaration `instance` of `o` to its entity (made on the
/// first declaration), with the suppression its annotation holds; the
/// entity's index, and the declaration's role (`spof.dev/role` decides).
fn push_entity(
    model: &mut Model,
    ids: &mut FastMap<String, usize>,
    o: &Object<'_>,
    role: Role,
    instance: Instance,
    tool: Option<&'static Tool>,
) -> (usize, Role) {
    let id = format!("k8s:{}/{}/{}", o.kind, o.namespace, o.name);
    if let Some(ignore) = o.annotation(IGNORE) {
        model
            .suppressions
            .push(annotation_suppression(o, ignore, &id));
    }
    let role = o
        .annotation(ROLE)
        .and_then(Node::as_text)
        .and_then(|r| Role::parse(r.trim()))
        .unwrap_or(role);
    let tool_kind = tool
        .filter(|_| role == Role::Tool)
        .map(|t| t.kind.clone())
        .or_else(|| {
            o.annotation(TOOL_KIND)
                .and_then(Node::as_text)
                .map(|k| k.trim().to_string())
        });
    let tier = o.tier();
    let idx = *ids.entry(id.clone()).or_insert_with(|| {
        model.entities.push(Entity {
            id,
            origin: crate::model::Origin::Kubernetes,
            kind: o.kind.to_string(),
            namespace: Some(o.namespace.to_string()),
            name: o.name.to_string(),
            role,
            tool_kind,
            tool: tool.filter(|_| role == Role::Tool).map(tools::id),
            tier,
            // Room for the one declaration nearly every entity has (an
            // instance is nearly 500 bytes; a first push makes room for 4).
            instances: Vec::with_capacity(1),
            place: None,
        });
        model.entities.len() - 1
    });
    model.entities[idx].instances.push(instance);
    (idx, role)
}

/// A Service the operator of `o` creates for it, named `name`: it reaches
/// the resource's pods, so a name referring to it depends on them.
fn created_service(o: &Object<'_>, product: &str, name: &str) -> Entity {
    let mut instance = base_instance(o);
    instance.dependencies = vec![Dependency {
        target: Reference::K8s {
            kind: o.kind.to_string(),
            namespace: o.namespace.to_string(),
            name: o.name.to_string(),
        },
        strength: Strength::Hard,
        span: o.name_span,
        via: format!("Service `{name}` that {product} creates").into(),
        explicit: false,
        origin: None,
    }]
    .into();
    instance.manages = Dependencies::default();
    instance.combine = Combine::Any;
    Entity {
        id: format!("k8s:Service/{}/{name}", o.namespace),
        origin: crate::model::Origin::Kubernetes,
        kind: "Service".to_string(),
        namespace: Some(o.namespace.to_string()),
        name: name.to_string(),
        role: Role::Network,
        tool_kind: None,
        tool: None,
        tier: o.tier(),
        instances: vec![instance],
        place: None,
    }
}

fn base_instance(o: &Object<'_>) -> Instance {
    Instance {
        cluster: o.cluster,
        dependencies: annotation_dependencies(o).into(),
        manages: annotation_manages(o).into(),
        ..Instance::at(o.name_span)
    }
}

/// `spof.dev/manages: "talk-api, k8s:StatefulSet/talk/db"`: what a tool
/// operates or recovers.
fn annotation_manages(o: &Object<'_>) -> Vec<Dependency> {
    let Some(node) = o.annotation(MANAGES) else {
        return Vec::new();
    };
    list_entries(o.file, node)
        .into_iter()
        .map(|(entry, span)| Dependency {
            target: parse_reference(entry, o.namespace),
            strength: Strength::Hard,
            span,
            via: format!("annotation {MANAGES}").into(),
            explicit: true,
            origin: None,
        })
        .collect()
}

/// What operators' own objects say a tool manages: an Argo CD
/// `Application` deploys into its destination namespace, a Velero
/// `Schedule` backs up its included namespaces, a Prometheus
/// `ServiceMonitor` or `PodMonitor` has the Services or pods its selectors
/// match scraped (see [`monitor_targets`]). The entries go to the tools of
/// that product nearest to the object (in its file, else sharing the most
/// directories with it); a monitor's only to the Prometheus servers of its
/// cluster, which scrape, not to the operator or an adapter.
fn operator_manages(
    objects: &[Object<'_>],
    products: &[(usize, &str)],
    places: &Places,
    sources: Option<&SourceMap>,
    model: &mut Model,
) {
    // Product, the tools that read the entry, entry.
    let mut found: Vec<(&str, Reader, Dependency)> = Vec::new();
    let servers: Vec<&Object<'_>> = objects
        .iter()
        .filter(|o| o.api_group() == "monitoring.coreos.com" && o.kind == "Prometheus")
        .collect();
    // Built for the first monitor.
    let mut labelled = None;
    for o in objects {
        let spec = o.node.get("spec");
        let entry = |ns: &Node, via: String| Dependency {
            target: match ns.as_text() {
                Some("*") => Reference::Pattern("k8s:*".to_string()),
                Some(ns) => Reference::Namespace(ns.to_string()),
                None => Reference::Namespace(String::new()),
            },
            strength: Strength::Hard,
            span: Span::new(o.file, ns.range),
            via: via.into(),
            explicit: false,
            origin: None,
        };
        match (o.api_group(), o.kind) {
            ("monitoring.coreos.com", "ServiceMonitor" | "PodMonitor") => {
                let labelled = labelled.get_or_insert_with(|| Labelled::new(objects));
                for target in monitor_targets(o, labelled, &servers) {
                    found.push(("Prometheus", Some(o.cluster), target));
                }
            }
            ("velero.io", "Schedule") => {
                let included = spec.and_then(|s| s.path(&["template", "includedNamespaces"]));
                for ns in included.map_or(&[][..], Node::as_seq) {
                    found.push(("Velero", None, entry(ns, format!("Schedule `{}`", o.name))));
                }
            }
            _ => {}
        }
    }
    for (product, dependency) in gitops::destinations(objects, places, sources) {
        found.push((product, None, dependency));
    }
    found.retain(|(_, _, d)| !matches!(&d.target, Reference::Namespace(ns) if ns.is_empty()));
    if found.is_empty() {
        return;
    }
    let mut tools: Vec<(usize, &str)> = products.to_vec();
    tools.sort_unstable();
    tools.dedup();
    // The declarations (entity, instance) that hold the entries of an
    // object of one product, for one cluster, written in one file:
    // nearness depends on no more.
    let mut chosen: HashMap<(&str, Reader, FileId), Vec<Declaration>> = HashMap::new();
    for (product, cluster, dependency) in &found {
        let from = dependency.span.file;
        let holders = chosen.entry((product, *cluster, from)).or_insert_with(|| {
            // A monitor is read by the servers of its own cluster.
            let declarations: Vec<Declaration> = tools
                .iter()
                .filter(|(_, p)| p == product)
                .flat_map(|&(e, _)| {
                    model.entities[e]
                        .instances
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| cluster.is_none_or(|c| c == i.cluster))
                        .map(move |(i, _)| (e, i))
                })
                .collect();
            // The object is the nearest tools' of its product (the nearest
            // declarations: those of other places become entities of their
            // own): an Application of one sample is not another sample's
            // Argo CD's.
            let near = |&(e, i): &Declaration| {
                let file = model.entities[e].instances[i].span.file;
                (file == from, places.common(from, file))
            };
            let nearest = declarations.iter().map(near).max();
            let mut holders: Vec<Declaration> = Vec::new();
            for d in declarations.iter().filter(|d| Some(near(d)) == nearest) {
                // An entity manages what one of its declarations in a place
                // manages: the first one there holds the entry.
                let dir = |&(e, i): &Declaration| {
                    let instance = &model.entities[e].instances[i];
                    (e, instance.cluster, places.dir(instance.span.file))
                };
                if !holders.iter().any(|h| dir(h) == dir(d)) {
                    holders.push(*d);
                }
            }
            holders
        });
        for &(e, i) in holders.iter() {
            model.entities[e].instances[i]
                .manages
                .push(dependency.clone());
        }
    }
}

/// The cluster whose tools read what an operator's object says (`None`:
/// any).
type Reader = Option<Option<usize>>;

/// An entity and one of its declarations, by index.
type Declaration = (usize, usize);

/// What a `ServiceMonitor` (the Services its `selector` matches) or a
/// `PodMonitor` (the workloads whose pod template it matches) has scraped,
/// in the namespaces of its `namespaceSelector` (`any: true`, `matchNames`,
/// else its own), in its cluster. When the scanned files hold `Prometheus`
/// servers of the operator, a monitor counts only if one of them selects
/// it (`serviceMonitorSelector` or `podMonitorSelector`, and the matching
/// namespace selector); an unset selector selects no monitor.
fn monitor_targets(
    monitor: &Object<'_>,
    labelled: &Labelled<'_, '_>,
    servers: &[&Object<'_>],
) -> Vec<Dependency> {
    let pods = monitor.kind == "PodMonitor";
    let in_cluster: Vec<&&Object<'_>> = servers
        .iter()
        .filter(|p| p.cluster == monitor.cluster)
        .collect();
    if !in_cluster.is_empty() && !in_cluster.iter().any(|p| server_reads(p, monitor, pods)) {
        return Vec::new();
    }
    let spec = monitor.node.get("spec");
    let any_namespace = spec
        .and_then(|s| s.path(&["namespaceSelector", "any"]))
        .and_then(Node::as_bool)
        == Some(true);
    let names: Vec<&str> = spec
        .and_then(|s| s.path(&["namespaceSelector", "matchNames"]))
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_text)
        .collect();
    let in_namespace = |ns: &str| {
        any_namespace
            || if names.is_empty() {
                ns == monitor.namespace
            } else {
                names.contains(&ns)
            }
    };
    let (span, selector) = match spec.and_then(|s| s.entry("selector")) {
        Some((key, selector)) => (monitor.span(key), Some(selector)),
        None => (monitor.name_span, None),
    };
    let matches =
        |labels: &BTreeMap<String, String>| selector.is_none_or(|s| selector_matches(s, labels));
    let mut targets = Vec::new();
    let mut seen = BTreeSet::new();
    let candidates = if pods {
        &labelled.workloads
    } else {
        &labelled.services
    };
    for (o, labels) in candidates {
        if o.cluster != monitor.cluster
            || !in_namespace(o.namespace)
            || !matches(labels)
            || !seen.insert((o.kind, o.namespace, o.name))
        {
            continue;
        }
        let target = Reference::K8s {
            kind: o.kind.to_string(),
            namespace: o.namespace.to_string(),
            name: o.name.to_string(),
        };
        targets.push(Dependency {
            target,
            strength: Strength::Hard,
            span,
            via: format!("{} `{}`", monitor.kind, monitor.name).into(),
            explicit: false,
            origin: None,
        });
    }
    targets
}

/// The Services with their own labels and the workloads with their pods',
/// for monitors' selectors.
struct Labelled<'o, 'a> {
    services: Vec<(&'o Object<'a>, BTreeMap<String, String>)>,
    workloads: Vec<(&'o Object<'a>, BTreeMap<String, String>)>,
}

impl<'o, 'a> Labelled<'o, 'a> {
    fn new(objects: &'o [Object<'a>]) -> Self {
        let mut services = Vec::new();
        let mut workloads = Vec::new();
        for o in objects {
            if o.kind == "Service" {
                services.push((o, string_map(o.node.path(&["metadata", "labels"]))));
            } else if WORKLOAD_KINDS.contains(&o.kind) {
                workloads.push((o, pod_labels(o)));
            }
        }
        Self {
            services,
            workloads,
        }
    }
}

/// Whether the operator's `Prometheus` server `server` reads `monitor`: its
/// monitor selector matches the monitor's labels, and its namespace
/// selector the monitor's namespace (unset: the server's own; empty: any;
/// otherwise it names namespace labels, which spof does not read, and no
/// edge is guessed).
fn server_reads(server: &Object<'_>, monitor: &Object<'_>, pods: bool) -> bool {
    let Some(spec) = server.node.get("spec") else {
        return false;
    };
    let (selector, namespaces) = if pods {
        ("podMonitorSelector", "podMonitorNamespaceSelector")
    } else {
        ("serviceMonitorSelector", "serviceMonitorNamespaceSelector")
    };
    let labels = string_map(monitor.node.path(&["metadata", "labels"]));
    let Some(selector) = spec.get(selector).filter(|s| !s.is_null()) else {
        return false;
    };
    if !selector_matches(selector, &labels) {
        return false;
    }
    match spec.get(namespaces).filter(|n| !n.is_null()) {
        None => monitor.namespace == server.namespace,
        Some(n) => n.as_map().is_empty(),
    }
}

fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
        .collect()
}

fn with_no_tool((role, instance): (Role, Instance)) -> (Role, Instance, Option<&'static Tool>) {
    (role, instance, None)
}

/// A workload object's pod template and what kind of workload it is.
fn pod_template<'n>(o: &Object<'n>) -> (Option<&'n Node>, WorkloadKind) {
    let spec = o.node.get("spec");
    match o.kind {
        "Pod" => (Some(o.node), WorkloadKind::LongRunning),
        "CronJob" => (
            spec.and_then(|s| s.path(&["jobTemplate", "spec", "template"])),
            WorkloadKind::Batch,
        ),
        "Job" => (spec.and_then(|s| s.get("template")), WorkloadKind::Batch),
        "DaemonSet" => (spec.and_then(|s| s.get("template")), WorkloadKind::PerNode),
        _ => (
            spec.and_then(|s| s.get("template")),
            WorkloadKind::LongRunning,
        ),
    }
}

/// The labels of the pods a workload object creates: its pod template's
/// (a Pod's own).
fn pod_labels(o: &Object<'_>) -> BTreeMap<String, String> {
    string_map(
        pod_template(o)
            .0
            .and_then(|t| t.path(&["metadata", "labels"])),
    )
}

fn workload(
    o: &Object<'_>,
    index: &Index<'_, '_>,
    keys: &TopologyKeys,
    soft: &SoftVariables,
) -> (Role, Instance, Option<&'static Tool>) {
    let (template, kind) = pod_template(o);
    let pod_spec = template.and_then(|t| t.get("spec"));
    let mut instance = base_instance(o);
    instance.workload = Some(kind);
    let pod_labels = string_map(template.and_then(|t| t.path(&["metadata", "labels"])));
    if let Some(pod) = pod_spec {
        instance.placement = pod_placement(o, pod, &pod_labels, keys);
        claim_template_pins(o, index, keys, &mut instance.placement.pins);
        // Written as a `Vec` and put back: a pod that depends on nothing
        // leaves its instance without a list.
        let mut dependencies = instance.dependencies.take();
        pod_dependencies(o, pod, index, soft, &mut dependencies);
        image_dependencies(o, pod, index, &mut dependencies);
        admission::dependencies(o, &pod_labels, index, &mut dependencies);
        secrets::vault_agent(o, template, index, &mut dependencies);
        stores::dependencies(o, pod, index, &mut dependencies);
        instance.dependencies = dependencies.into();
        // Made only when there is one: an instance keeps no rest for nothing.
        if let Some(volume) = volume_pin(o, pod, index, keys) {
            instance.placement.volume = Some(Box::new(volume));
        }
    }
    if kind == WorkloadKind::LongRunning {
        instance.placement.replicas = Some(replicas(o, index));
    }
    let images = pod_spec.map(images).unwrap_or_default();
    if let Some(quorum) = quorum(o, pod_spec, &images) {
        instance.placement.quorum = Some(Box::new(quorum));
    }
    let pod_budgets = if kind == WorkloadKind::Batch {
        Vec::new()
    } else {
        budgets(o, index)
    };
    let is_datastore = images.iter().any(|i| crate::model::is_datastore_image(i));
    let own_labels = string_map(o.node.path(&["metadata", "labels"]));
    let labels = own_labels.iter().chain(&pod_labels);
    let labels = labels.map(|(k, v)| (k.as_str(), v.as_str()));
    let tool = tools::detect(images.iter().copied(), labels.clone());
    if let Some(pod) = pod_spec {
        let mut sign_ins = Vec::new();
        identity::sign_in(o, pod, labels, tool, index, &mut sign_ins);
        alerting::dependencies(o, pod, tool, index, &mut sign_ins);
        backups::velero(o, tool, index, &mut sign_ins);
        if !sign_ins.is_empty() {
            instance.dependencies.extend(sign_ins);
        }
    }
    instance.detail = Detail {
        budgets: pod_budgets,
        pod_labels,
        ..Detail::default()
    }
    .boxed();
    let role = if tool.is_some() {
        Role::Tool
    } else if is_datastore {
        Role::Datastore
    } else {
        Role::Service
    };
    (role, instance, tool)
}

/// A recovery dependency on the registry of each container image: a pod
/// cannot be (re)started without pulling its images. A registry host that
/// is a Service's cluster DNS name (`registry.infra.svc:5000`) names that
/// Service; any other host names whatever serves it in the estate (an
/// Ingress rule's host, a manifest's `hosts`, a repository declared in
/// Terraform), and nothing if nothing does. One dependency per host, at
/// its first image; per repository of a host whose repositories are
/// declared one by one (ECR, Artifact Registry).
fn image_dependencies(
    o: &Object<'_>,
    pod: &Node,
    index: &Index<'_, '_>,
    deps: &mut Vec<Dependency>,
) {
    let mut seen: Vec<(String, String)> = Vec::new();
    for image in ["containers", "initContainers"]
        .iter()
        .flat_map(|k| pod.get(k).map(Node::as_seq).unwrap_or_default())
        .filter_map(|c| c.get("image"))
    {
        let Some(text) = image.as_text() else {
            continue;
        };
        let Some(host) = hosts::image_registry(text) else {
            continue;
        };
        let repository = hosts::image_repository(text).unwrap_or_default();
        let key = if hosts::repository_addressed(&host) {
            repository.clone()
        } else {
            String::new()
        };
        if seen.contains(&(host.clone(), key.clone())) {
            continue;
        }
        let target = match host_target(&host, o.namespace, index) {
            Reference::Host(host) => Reference::Image { host, repository },
            service => service,
        };
        deps.push(Dependency {
            target,
            strength: Strength::Recovery,
            span: o.span(image),
            via: format!("its images come from `{host}`").into(),
            explicit: false,
            origin: None,
        });
        seen.push((host, key));
    }
}

fn images(pod: &Node) -> Vec<&str> {
    ["containers", "initContainers"]
        .iter()
        .flat_map(|k| pod.get(k).map(Node::as_seq).unwrap_or_default())
        .filter_map(|c| c.get("image").and_then(Node::as_text))
        .collect()
}

/// `registry/org/etcd:3.5` → `etcd`.
fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

fn replicas(o: &Object<'_>, index: &Index<'_, '_>) -> Replicas {
    if o.kind == "Pod" {
        return Replicas {
            count: 1,
            span: o.node.entry("kind").map_or(o.name_span, |(k, v)| {
                Span::new(
                    o.file,
                    TextRange::new(k.range.start as usize, v.range.end as usize),
                )
            }),
            source: ReplicaSource::SinglePod,
        };
    }
    if let Some(hpa) = autoscaler(o, index) {
        return hpa;
    }
    let spec = o.node.entry("spec");
    match spec.and_then(|(_, s)| s.entry("replicas")) {
        Some((k, v)) if v.as_i64().is_some() => Replicas {
            count: clamp(v.as_i64().unwrap_or(1)),
            span: Span::new(
                o.file,
                TextRange::new(k.range.start as usize, v.range.end as usize),
            ),
            source: ReplicaSource::Explicit,
        },
        _ => Replicas {
            count: 1,
            span: spec.map_or(o.name_span, |(k, _)| o.span(k)),
            source: ReplicaSource::Defaulted,
        },
    }
}

fn clamp(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The replicas an autoscaler (or an autoscaler of the operator knowledge
/// base) keeps: one whose `scaleTargetRef` names
/// `o` as its nearest declaration of that name; of several, the one nearest
/// to `o`, the first of equals.
fn autoscaler(o: &Object<'_>, index: &Index<'_, '_>) -> Option<Replicas> {
    let hpas = index
        .hpas
        .get(&(o.cluster, o.namespace, o.kind, o.name))
        .into_iter()
        .flatten()
        .copied();
    let scalers = index
        .scalers
        .get(&(o.cluster, o.namespace, o.name))
        .into_iter()
        .flatten()
        .filter(|(kind, _)| *kind == o.kind)
        .map(|&(_, s)| s);
    let hpa = hpas
        .chain(scalers)
        .filter(|h| {
            index
                .get(o.kind, h, o.name)
                .is_some_and(|t| std::ptr::eq(t.node, o.node))
        })
        .rev()
        .max_by_key(|h| index.places.nearness(o.file, h.file))?;
    if let Some(scales) = index.operators.of(hpa.node).and_then(|k| k.scales.as_ref()) {
        return Some(operators::scaler_minimum(hpa, scales));
    }
    let spec = hpa.node.get("spec")?;
    Some(match spec.entry("minReplicas") {
        Some((k, v)) => Replicas {
            count: clamp(v.as_i64().unwrap_or(1)),
            span: Span::new(
                hpa.file,
                TextRange::new(k.range.start as usize, v.range.end as usize),
            ),
            source: ReplicaSource::Autoscaler,
        },
        None => Replicas {
            count: 1,
            span: spec
                .entry("scaleTargetRef")
                .map_or(hpa.name_span, |(k, _)| hpa.span(k)),
            source: ReplicaSource::Autoscaler,
        },
    })
}

fn quorum(o: &Object<'_>, pod: Option<&Node>, images: &[&str]) -> Option<Quorum> {
    if let Some(a) = o.annotation(QUORUM) {
        let text = a.as_str().unwrap_or_default().trim();
        let needed = match text.parse::<u32>() {
            Ok(n) => n,
            Err(_) if text == "true" => 0,
            Err(_) => return None,
        };
        return Some(Quorum {
            needed,
            reason: format!("annotated `{QUORUM}`"),
            span: o.span(a),
        });
    }
    if o.kind != "StatefulSet" || pod.is_some_and(declares_no_voting_role) {
        return None;
    }
    let system = images
        .iter()
        .find_map(|i| QUORUM_SYSTEMS.iter().find(|q| image_name(i).contains(*q)))
        .or_else(|| QUORUM_SYSTEMS.iter().find(|q| o.name.contains(*q)))?;
    Some(Quorum {
        needed: 0,
        reason: format!("{system} needs a majority of its members"),
        span: o.name_span,
    })
}

/// The roles that vote in a quorum system's elections: Elasticsearch's
/// `master`, OpenSearch's `cluster_manager` (and its older `master`),
/// Kafka's KRaft `controller`.
const VOTING_ROLES: &[&str] = &["master", "cluster_manager", "controller"];

/// Whether the pod's containers say which roles their node takes, and none
/// takes a voting role: an Elasticsearch data or coordinating node
/// (`node.roles: data`, `ELASTICSEARCH_NODE_ROLES=""`, `node.master:
/// false`) or a Kafka broker (`KAFKA_CFG_PROCESS_ROLES=broker`) is a
/// member of the system but not of its quorum. Environment variables are
/// read by the setting they spell (`_` for `.`, any prefix), with literal
/// values only; a value from elsewhere (`valueFrom`) says nothing.
fn declares_no_voting_role(pod: &Node) -> bool {
    let mut declared = false;
    for container in pod.get("containers").map(Node::as_seq).unwrap_or_default() {
        for env in container.get("env").map(Node::as_seq).unwrap_or_default() {
            let (Some(name), Some(value)) = (
                env.get("name").and_then(Node::as_text),
                env.get("value").and_then(Node::as_text),
            ) else {
                continue;
            };
            let setting = name.to_ascii_lowercase().replace('_', ".");
            if setting.ends_with("node.roles") || setting.ends_with("process.roles") {
                let votes = value
                    .split([',', ' ', '[', ']', '"', '\''])
                    .any(|role| VOTING_ROLES.contains(&role.trim()));
                if votes {
                    return false;
                }
                declared = true;
            } else if setting.ends_with("node.master") {
                if value.trim() != "false" {
                    return false;
                }
                declared = true;
            }
        }
    }
    declared
}

fn pod_placement(
    o: &Object<'_>,
    pod: &Node,
    own_labels: &BTreeMap<String, String>,
    keys: &TopologyKeys,
) -> Placement {
    let mut placement = Placement::default();
    node_selector_pins(o, pod, keys, &mut placement.pins);
    if let Some(terms) = pod.path(&[
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
    ]) {
        node_affinity_pins(o, terms.as_seq(), keys, &mut placement.pins);
    }
    topology_spreads(o, pod, own_labels, keys, &mut placement);
    anti_affinity_spreads(o, pod, own_labels, keys, &mut placement);
    placement.compact();
    placement
}

/// Pins by `nodeName` and by `nodeSelector` labels of a known topology.
fn node_selector_pins(o: &Object<'_>, pod: &Node, keys: &TopologyKeys, pins: &mut Vec<Pin>) {
    if let Some((k, v)) = pod.entry("nodeName")
        && let Some(host) = v.as_text().filter(|h| is_label_value(h))
    {
        pins.push(Pin {
            level: Level::Host,
            domains: vec![host.to_string()].into(),
            span: Span::new(
                o.file,
                TextRange::new(k.range.start as usize, v.range.end as usize),
            ),
            via: "nodeName",
            axis: "",
            origin: None,
        });
    }
    for (k, v) in pod
        .get("nodeSelector")
        .map(Node::as_map)
        .unwrap_or_default()
    {
        let (Some(key), Some(value)) = (k.as_str(), v.as_text().filter(|v| is_label_value(v)))
        else {
            continue;
        };
        if let Some(level) = keys.level(key) {
            pins.push(Pin {
                level,
                domains: vec![value.to_string()].into(),
                span: Span::new(
                    o.file,
                    TextRange::new(k.range.start as usize, v.range.end as usize),
                ),
                via: "nodeSelector",
                axis: "",
                origin: None,
            });
        }
    }
}

/// `topologySpreadConstraints`: spreads over the workload's own pods; a
/// zone spread selecting other pods is remembered as missed.
fn topology_spreads(
    o: &Object<'_>,
    pod: &Node,
    own_labels: &BTreeMap<String, String>,
    keys: &TopologyKeys,
    placement: &mut Placement,
) {
    for c in pod
        .get("topologySpreadConstraints")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let Some(key) = c.get("topologyKey") else {
            continue;
        };
        let Some(level) = key.as_text().and_then(|k| keys.level(k)) else {
            continue;
        };
        let guarantee = match c.get("whenUnsatisfiable").and_then(Node::as_text) {
            Some("ScheduleAnyway") => Guarantee::BestEffort,
            _ => Guarantee::Hard,
        };
        // The scheduler balances the pods the selector matches: only a
        // selector matching the workload's own pods spreads them.
        if !selects_own_pods(c.get("labelSelector"), own_labels) {
            if level == Level::Zone {
                missed_spread(o, c, key, guarantee, &mut placement.missed_spread);
            }
            continue;
        }
        placement.spreads.push(Spread {
            level,
            guarantee,
            max_skew: c.get("maxSkew").and_then(Node::as_i64).map(clamp),
            one_per_domain: false,
            min_domains: c.get("minDomains").and_then(Node::as_i64).map(clamp),
            span: o.span(key),
        });
    }
}

/// Pod anti-affinity, required or preferred: one pod per domain.
fn anti_affinity_spreads(
    o: &Object<'_>,
    pod: &Node,
    own_labels: &BTreeMap<String, String>,
    keys: &TopologyKeys,
    placement: &mut Placement,
) {
    let anti = pod.path(&["affinity", "podAntiAffinity"]);
    let required = anti
        .and_then(|a| a.get("requiredDuringSchedulingIgnoredDuringExecution"))
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|t| (t, Guarantee::Hard));
    let preferred = anti
        .and_then(|a| a.get("preferredDuringSchedulingIgnoredDuringExecution"))
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.get("podAffinityTerm"))
        .map(|t| (t, Guarantee::BestEffort));
    for (term, guarantee) in required.chain(preferred) {
        let Some(key) = term.get("topologyKey") else {
            continue;
        };
        let Some(level) = key.as_text().and_then(|k| keys.level(k)) else {
            continue;
        };
        if !selects_own_pods(term.get("labelSelector"), own_labels) {
            if level == Level::Zone {
                missed_spread(o, term, key, guarantee, &mut placement.missed_spread);
            }
            continue;
        }
        placement.spreads.push(Spread {
            level,
            guarantee,
            max_skew: None,
            one_per_domain: true,
            min_domains: None,
            span: o.span(key),
        });
    }
}

/// Keeps `spread` (a spread constraint or anti-affinity term whose
/// selector misses the workload's pods) as the one to point at when none is
/// kept yet, or when it is hard and the kept one is not.
fn missed_spread(
    o: &Object<'_>,
    spread: &Node,
    topology_key: &Node,
    guarantee: Guarantee,
    kept: &mut Option<MissedSpread>,
) {
    if kept.is_some_and(|k| k.guarantee == Guarantee::Hard || guarantee != Guarantee::Hard) {
        return;
    }
    let selector = spread.entry("labelSelector");
    *kept = Some(MissedSpread {
        span: o.span(selector.map_or(topology_key, |(k, _)| k)),
        has_selector: selector.is_some(),
        guarantee,
    });
}

/// A Kubernetes label value (at most 63 characters, alphanumerics with
/// `-`, `_` and `.` inside): the only values a node label, and so a domain,
/// can have. A placeholder left for kustomize, envsubst or a template engine
/// (`${ZONE}`, `$(ZONE)`, `{{ .zone }}`) is not one.
pub(crate) fn is_label_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    let edge = |b: &u8| b.is_ascii_alphanumeric();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Whether a spread or anti-affinity selector matches the workload's own
/// pods (only then does it spread them). An absent selector matches no pod.
fn selects_own_pods(selector: Option<&Node>, own: &BTreeMap<String, String>) -> bool {
    selector.is_some_and(|s| selector_matches(s, own))
}

/// A label selector (`matchLabels` and `matchExpressions`) against a pod's
/// labels. An empty selector matches every pod; operators spof does not know
/// count as matching.
fn selector_matches(selector: &Node, own: &BTreeMap<String, String>) -> bool {
    let match_labels = string_map(selector.get("matchLabels"));
    if match_labels.iter().any(|(k, v)| own.get(k) != Some(v)) {
        return false;
    }
    for expr in selector
        .get("matchExpressions")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let key = expr.get("key").and_then(Node::as_text).unwrap_or_default();
        let values: Vec<&str> = expr
            .get("values")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_text)
            .collect();
        let own_value = own.get(key).map(String::as_str);
        let ok = match expr.get("operator").and_then(Node::as_text) {
            Some("In") => own_value.is_some_and(|v| values.contains(&v)),
            Some("NotIn") => !own_value.is_some_and(|v| values.contains(&v)),
            Some("Exists") => own_value.is_some(),
            Some("DoesNotExist") => own_value.is_none(),
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Required node affinity: terms are alternatives, expressions inside a
/// term all apply. A level is pinned only when every term pins it.
fn node_affinity_pins(o: &Object<'_>, terms: &[Node], keys: &TopologyKeys, pins: &mut Vec<Pin>) {
    if terms.is_empty() {
        return;
    }
    for level in [Level::Region, Level::Zone, Level::Host] {
        let mut union: Vec<String> = Vec::new();
        let mut span = None;
        let mut every_term_pins = true;
        for term in terms {
            let mut allowed: Option<Vec<String>> = None;
            for expr in term
                .get("matchExpressions")
                .map(Node::as_seq)
                .unwrap_or_default()
            {
                let key = expr.get("key").and_then(Node::as_text).unwrap_or_default();
                if keys.level(key) != Some(level)
                    || expr.get("operator").and_then(Node::as_text) != Some("In")
                {
                    continue;
                }
                let Some(values_node) = expr.get("values") else {
                    continue;
                };
                let values: Vec<String> = values_node
                    .as_seq()
                    .iter()
                    .filter_map(Node::as_text)
                    .map(str::to_string)
                    .collect();
                // A placeholder left for a templating step names no domain.
                if !values.iter().all(|v| is_label_value(v)) {
                    continue;
                }
                span.get_or_insert(o.span(values_node));
                allowed = Some(match allowed {
                    None => values,
                    Some(prev) => prev.into_iter().filter(|v| values.contains(v)).collect(),
                });
            }
            match allowed {
                Some(values) => {
                    for v in values {
                        if !union.contains(&v) {
                            union.push(v);
                        }
                    }
                }
                None => every_term_pins = false,
            }
        }
        if let (true, Some(span)) = (every_term_pins, span) {
            pins.push(Pin {
                level,
                domains: union.into(),
                span,
                via: "required node affinity",
                axis: "",
                origin: None,
            });
        }
    }
}

fn pod_dependencies(
    o: &Object<'_>,
    pod: &Node,
    index: &Index<'_, '_>,
    soft: &SoftVariables,
    deps: &mut Vec<Dependency>,
) {
    let mut found = Found {
        namespace: o.namespace,
        index,
        soft,
        deps,
    };
    for container in ["containers", "initContainers"]
        .iter()
        .flat_map(|k| pod.get(k).map(Node::as_seq).unwrap_or_default())
    {
        for env in container.get("env").map(Node::as_seq).unwrap_or_default() {
            let var = env.get("name").and_then(Node::as_text).unwrap_or("?");
            if let Some(value) = env
                .get("value")
                .filter(|_| !identity::is_sign_in_variable(var))
            {
                found.value(o.file, value, &[var], &format!("env var {var}"), None);
            }
            for (kind, reference) in [("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")]
            {
                let Some(r) = env.path(&["valueFrom", reference]) else {
                    continue;
                };
                let (Some(name), Some(key)) = (
                    r.get("name").and_then(Node::as_text),
                    r.get("key").and_then(Node::as_text),
                ) else {
                    continue;
                };
                let Some(holder) = index.get(kind, o, name) else {
                    continue;
                };
                let via = format!("env var {var} from {kind} {name} key {key}");
                let origin = r.get("name").map(|n| o.span(n));
                if kind == "Secret" {
                    if let Some(Ok(value)) = secrets::value(holder, key) {
                        found.stored(holder.file, &value, &[var, key], &via, origin);
                    }
                } else if let Some(value) = holder.node.path(&["data", key]) {
                    found.value(holder.file, value, &[var, key], &via, origin);
                }
            }
        }
        env_from(o, container, &mut found);
        let container_name = container.get("name").and_then(Node::as_text).unwrap_or("?");
        for field in ["command", "args"] {
            let entries: Vec<&Node> = container
                .get(field)
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter(|e| e.as_text().is_some())
                .collect();
            let texts: Vec<&str> = entries.iter().filter_map(|e| e.as_text()).collect();
            let via = format!("{field} of container {container_name}");
            for (entry, hosts) in entries.iter().zip(hosts::argument_references(&texts)) {
                let hosts = hosts
                    .into_iter()
                    .map(|(h, flag)| (h.name, flag.is_some_and(|f| soft.is_soft(f))));
                found.hosts(o.file, entry, hosts, &via, None);
            }
        }
    }
    for volume in pod.get("volumes").map(Node::as_seq).unwrap_or_default() {
        mounted_secrets(o, volume, &mut found);
        let Some(claim) = volume.path(&["persistentVolumeClaim", "claimName"]) else {
            continue;
        };
        if let Some(name) = claim.as_text() {
            found.deps.push(Dependency {
                target: Reference::K8s {
                    kind: "PersistentVolumeClaim".into(),
                    namespace: o.namespace.into(),
                    name: name.into(),
                },
                strength: Strength::Hard,
                span: o.span(claim),
                via: format!("volume claim {name}").into(),
                explicit: false,
                origin: None,
            });
        }
    }
}

/// The hosts in the values of the ConfigMaps and Secrets a container
/// reads whole with `envFrom` (each key with its `prefix`).
fn env_from(o: &Object<'_>, container: &Node, found: &mut Found<'_, '_, '_, '_>) {
    for from in container
        .get("envFrom")
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let prefix = from.get("prefix").and_then(Node::as_text).unwrap_or("");
        for (kind, reference) in [("ConfigMap", "configMapRef"), ("Secret", "secretRef")] {
            let Some(name_node) = from.path(&[reference, "name"]) else {
                continue;
            };
            let Some(name) = name_node.as_text() else {
                continue;
            };
            let Some(holder) = found.index.get(kind, o, name) else {
                continue;
            };
            let origin = Some(o.span(name_node));
            if kind == "Secret" {
                for (key, value) in secrets::values(holder) {
                    let var = format!("{prefix}{key}");
                    let via = format!("env from {kind} {name} key {key}");
                    found.stored(holder.file, &value, &[&var], &via, origin);
                }
                continue;
            }
            for (k, v) in holder
                .node
                .get("data")
                .map(Node::as_map)
                .unwrap_or_default()
            {
                let key = k.as_str().unwrap_or("?");
                let var = format!("{prefix}{key}");
                let via = format!("env from {kind} {name} key {key}");
                found.value(holder.file, v, &[&var], &via, origin);
            }
        }
    }
}

/// Where a ConfigMap or Secret holds its values as text: a Secret's
/// `stringData` (its base64 `data` is read with [`secrets::values`]).
fn data_key(kind: &str) -> &'static str {
    if kind == "Secret" {
        "stringData"
    } else {
        "data"
    }
}

/// The hosts in the Secrets a pod volume mounts as files (a `secret`
/// volume, the `secret` sources of a `projected` one; only the keys of its
/// `items` when it lists some): of each value that holds one word (a DSN,
/// a URL), not of a whole configuration file, whose addresses may be
/// anything's.
fn mounted_secrets(o: &Object<'_>, volume: &Node, found: &mut Found<'_, '_, '_, '_>) {
    let mut sources: Vec<&Node> = volume.get("secret").into_iter().collect();
    sources.extend(
        volume
            .path(&["projected", "sources"])
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.get("secret")),
    );
    for source in sources {
        let Some(name_node) = source.get("secretName").or_else(|| source.get("name")) else {
            continue;
        };
        let Some(name) = name_node.as_text() else {
            continue;
        };
        let Some(holder) = found.index.get("Secret", o, name) else {
            continue;
        };
        let items: Vec<&str> = source
            .get("items")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i.get("key").and_then(Node::as_text))
            .collect();
        for (key, value) in secrets::values(holder) {
            let one_word = value
                .text()
                .is_some_and(|t| t.split_whitespace().count() == 1);
            if !one_word || !(items.is_empty() || items.contains(&key)) {
                continue;
            }
            let via = format!("volume from Secret {name} key {key}");
            found.stored(holder.file, &value, &[key], &via, Some(o.span(name_node)));
        }
    }
}

/// The dependencies a workload's values make: the Services their hosts name.
struct Found<'f, 'i, 'o, 'a> {
    namespace: &'f str,
    index: &'f Index<'o, 'a>,
    soft: &'f SoftVariables,
    deps: &'i mut Vec<Dependency>,
}

impl Found<'_, '_, '_, '_> {
    /// A value (env var, ConfigMap or Secret entry) held under `names`
    /// (the variable, and the key it is read from): its hosts by the rule
    /// of [`hosts`], soft when a name is a telemetry sink's.
    fn value(
        &mut self,
        file: FileId,
        value: &Node,
        names: &[&str],
        via: &str,
        origin: Option<Span>,
    ) {
        if let Some(text) = value.as_text() {
            self.text(file, value, text, names, via, origin);
        }
    }

    /// A value of a Secret ([`secrets::Stored`]), as [`Found::value`]
    /// reads a value written as text: at the `stringData` or `data` entry.
    fn stored(
        &mut self,
        file: FileId,
        value: &secrets::Stored<'_>,
        names: &[&str],
        via: &str,
        origin: Option<Span>,
    ) {
        if let Some(text) = value.text() {
            self.text(file, value.node(), text, names, via, origin);
        }
    }

    /// The hosts of `text`, the value written at `node` under `names`, by
    /// the rule of [`hosts`]; soft when a name is a telemetry sink's.
    fn text(
        &mut self,
        file: FileId,
        node: &Node,
        text: &str,
        names: &[&str],
        via: &str,
        origin: Option<Span>,
    ) {
        let address = names.iter().any(|n| hosts::host_variable(n));
        let soft = names.iter().any(|n| self.soft.is_soft(n));
        let found = hosts::references(text, address)
            .into_iter()
            .map(|h| (h.name, soft));
        self.hosts(file, node, found, via, origin);
    }

    /// Hosts (each with whether it is a soft dependency) found in `value`:
    /// a dependency on each Service in the scanned files they name.
    fn hosts<'h>(
        &mut self,
        file: FileId,
        value: &Node,
        hosts: impl Iterator<Item = (&'h str, bool)>,
        via: &str,
        origin: Option<Span>,
    ) {
        let mut seen = BTreeSet::new();
        for (host, soft) in hosts {
            let Some((svc, ns)) = service_of_host(&host.to_ascii_lowercase(), self.namespace)
            else {
                continue;
            };
            let declared = self.index.services.contains(&(ns.as_str(), svc.as_str()))
                || self.index.created.contains(&format!("{ns}/{svc}"));
            if !declared || !seen.insert((ns.clone(), svc.clone())) {
                continue;
            }
            self.deps.push(Dependency {
                target: Reference::K8s {
                    kind: "Service".into(),
                    namespace: ns,
                    name: svc,
                },
                strength: if soft { Strength::Soft } else { Strength::Hard },
                span: Span::new(file, value.range),
                via: via.to_string().into(),
                explicit: false,
                origin,
            });
        }
    }
}

/// What a host names: the Service of its cluster DNS name when that
/// Service is in the tree, else whatever serves the host in the estate.
fn host_target(host: &str, own_namespace: &str, index: &Index<'_, '_>) -> Reference {
    match service_of_host(host, own_namespace) {
        Some((svc, ns)) if index.services.contains(&(ns.as_str(), svc.as_str())) => {
            Reference::K8s {
                kind: "Service".into(),
                namespace: ns,
                name: svc,
            }
        }
        _ => Reference::Host(host.to_string()),
    }
}

/// `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local` and
/// `pod.svc.ns.svc.cluster.local` → (service, namespace).
fn service_of_host(host: &str, own_namespace: &str) -> Option<(String, String)> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    match labels.as_slice() {
        [svc] => Some((svc.to_string(), own_namespace.to_string())),
        [svc, ns] => Some((svc.to_string(), ns.to_string())),
        _ => {
            let p = labels.iter().position(|l| *l == "svc")?;
            (p >= 2).then(|| (labels[p - 2].to_string(), labels[p - 1].to_string()))
        }
    }
}

fn volume_pin(
    o: &Object<'_>,
    pod: &Node,
    index: &Index<'_, '_>,
    keys: &TopologyKeys,
) -> Option<VolumePin> {
    for volume in pod.get("volumes").map(Node::as_seq).unwrap_or_default() {
        let Some(claim_node) = volume.path(&["persistentVolumeClaim", "claimName"]) else {
            continue;
        };
        let Some(claim) = claim_node.as_text() else {
            continue;
        };
        let Some(pvc) = index.get("PersistentVolumeClaim", o, claim) else {
            continue;
        };
        let Some(access) = pvc
            .node
            .path(&["spec", "accessModes"])
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .find(|m| matches!(m.as_text(), Some("ReadWriteOnce" | "ReadWriteOncePod")))
        else {
            continue;
        };
        return Some(VolumePin {
            claim: claim.to_string(),
            access_mode: access.as_text().unwrap_or("ReadWriteOnce").to_string(),
            span: o.span(claim_node),
            access_span: pvc.span(access),
            zone: claim_zone(pvc, index, keys),
        });
    }
    None
}

/// A claim's zone: from its bound PersistentVolume's node affinity or its
/// StorageClass's allowed topologies, when either names exactly one zone.
fn claim_zone(
    pvc: &Object<'_>,
    index: &Index<'_, '_>,
    keys: &TopologyKeys,
) -> Option<(String, Span)> {
    let spec = pvc.node.get("spec")?;
    if let Some(pv) = spec
        .get("volumeName")
        .and_then(Node::as_text)
        .and_then(|n| index.get_cluster_scoped("PersistentVolume", pvc, n))
    {
        let terms = pv
            .node
            .path(&["spec", "nodeAffinity", "required", "nodeSelectorTerms"]);
        let mut pins = Vec::new();
        node_affinity_pins(
            pv,
            terms.map(Node::as_seq).unwrap_or_default(),
            keys,
            &mut pins,
        );
        if let Some(pin) = pins
            .iter()
            .find(|p| p.level == Level::Zone && p.domains.len() == 1)
        {
            return Some((pin.domains[0].to_string(), pin.span));
        }
    }
    let (_, name) = storage_class_name(pvc.node)?;
    let class = index.get_cluster_scoped("StorageClass", pvc, name)?;
    class_zone(class, keys)
}

/// The StorageClass a claim (or a StatefulSet's claim template) names: its
/// `spec.storageClassName`, else the annotation that preceded it, with the
/// span of the entry that names it. `""` asks for no class (a
/// pre-provisioned volume).
fn storage_class_name(claim: &Node) -> Option<(TextRange, &str)> {
    let (key, value) = claim
        .get("spec")
        .and_then(|s| s.entry("storageClassName"))
        .or_else(|| {
            claim
                .path(&["metadata", "annotations"])?
                .entry("volume.beta.kubernetes.io/storage-class")
        })?;
    let name = value.as_text().filter(|n| !n.is_empty())?;
    Some((
        TextRange::new(key.range.start as usize, value.range.end as usize),
        name,
    ))
}

/// Node labels that name a volume's zone in a StorageClass's `allowedTopologies`. Besides the configured
/// zone keys, CSI drivers label nodes with their own
/// (`topology.ebs.csi.aws.com/zone`, `topology.gke.io/zone`,
/// `topology.disk.csi.azure.com/zone`): a `topology.*` prefix and the name
/// `zone`.
fn is_storage_zone_key(key: &str, keys: &TopologyKeys) -> bool {
    keys.level(key) == Some(Level::Zone)
        || key
            .split_once('/')
            .is_some_and(|(prefix, name)| prefix.starts_with("topology.") && name == "zone")
}

/// The one zone a StorageClass provisions volumes in, with the node that
/// says it: its `allowedTopologies` allow one zone, or its parameters name
/// one (`zone`, or `zones` with one entry, as the in-tree AWS and GCE
/// provisioners read them). A term of `allowedTopologies` that does not
/// restrict the zone, or restricts it to a value that is not a label value
/// (`${ZONE}`), allows any zone.
fn class_zone(class: &Object<'_>, keys: &TopologyKeys) -> Option<(String, Span)> {
    let terms = class
        .node
        .get("allowedTopologies")
        .map(Node::as_seq)
        .unwrap_or_default();
    if !terms.is_empty() {
        // Terms are alternatives; the expressions of one term all hold.
        let mut allowed: Vec<(&str, &Node)> = Vec::new();
        for term in terms {
            let mut zones: Option<Vec<(&str, &Node)>> = None;
            for expr in term
                .get("matchLabelExpressions")
                .map(Node::as_seq)
                .unwrap_or_default()
            {
                let key = expr.get("key").and_then(Node::as_text).unwrap_or_default();
                if !is_storage_zone_key(key, keys) {
                    continue;
                }
                let values = expr.get("values").map(Node::as_seq).unwrap_or_default();
                let names: Option<Vec<(&str, &Node)>> = values
                    .iter()
                    .map(|v| Some((v.as_text().filter(|z| is_label_value(z))?, v)))
                    .collect();
                let Some(names) = names else {
                    continue;
                };
                zones = Some(match zones {
                    None => names,
                    Some(before) => before
                        .into_iter()
                        .filter(|(z, _)| names.iter().any(|(n, _)| n == z))
                        .collect(),
                });
            }
            allowed.extend(zones?);
        }
        let (first, node) = *allowed.first()?;
        return allowed
            .iter()
            .all(|(z, _)| *z == first)
            .then(|| (first.to_string(), class.span(node)));
    }
    let parameters = class.node.get("parameters")?;
    let value = parameters.get("zone").or_else(|| parameters.get("zones"))?;
    let text = value.as_text()?;
    let mut zones = text.split(',').map(str::trim).filter(|z| !z.is_empty());
    let zone = zones.next().filter(|z| is_label_value(z))?;
    zones
        .all(|z| z == zone)
        .then(|| (zone.to_string(), class.span(value)))
}

/// What a claim template's StorageClass pins a StatefulSet by.
pub const CLAIM_TEMPLATE_CLASS: &str = "volume claim template's StorageClass";

/// A StatefulSet's pods run only where their volumes are: each claim of its
/// `volumeClaimTemplates` is provisioned where its StorageClass allows, so
/// a class that allows one zone pins the StatefulSet there (at the
/// template's `storageClassName`, the class's zone a related location).
fn claim_template_pins(
    o: &Object<'_>,
    index: &Index<'_, '_>,
    keys: &TopologyKeys,
    pins: &mut Vec<Pin>,
) {
    if o.kind != "StatefulSet" {
        return;
    }
    for template in o
        .node
        .path(&["spec", "volumeClaimTemplates"])
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        let Some((entry, name)) = storage_class_name(template) else {
            continue;
        };
        let Some(class) = index.get_cluster_scoped("StorageClass", o, name) else {
            continue;
        };
        let Some((zone, at)) = class_zone(class, keys) else {
            continue;
        };
        let origin = format!("StorageClass `{name}` provisions volumes in `{zone}` only");
        pins.push(Pin {
            level: Level::Zone,
            domains: vec![zone].into(),
            span: Span::new(o.file, entry),
            via: CLAIM_TEMPLATE_CLASS,
            axis: "",
            origin: Some(Box::new((at, origin))),
        });
    }
}

/// The PodDisruptionBudgets whose scope holds `o`, each with the pods of its
/// whole scope.
fn budgets(o: &Object<'_>, index: &Index<'_, '_>) -> Vec<DisruptionBudget> {
    let Some(held) = index.budgets_of.get(&std::ptr::from_ref(o)) else {
        return Vec::new();
    };
    held.iter()
        .filter_map(|&b| {
            let Budget {
                object: p,
                scope,
                pods,
            } = index.pdbs.get(b)?;
            let spec = p.node.get("spec")?;
            let field = |key: &str| {
                let (k, v) = spec.entry(key)?;
                let span = Span::new(
                    p.file,
                    TextRange::new(k.range.start as usize, v.range.end as usize),
                );
                int_or_percent(v).map(|n| (n, span))
            };
            // A DaemonSet's pods are one per node: not a number the files say.
            let pods = *pods.get_or_init(|| {
                scope.iter().try_fold(0u32, |sum, w| {
                    (pod_template(w).1 == WorkloadKind::LongRunning)
                        .then(|| sum.saturating_add(replicas(w, index).count))
                })
            });
            Some(DisruptionBudget {
                name: p.name.to_string(),
                min_available: field("minAvailable"),
                max_unavailable: field("maxUnavailable"),
                span: p.name_span,
                pods,
            })
        })
        .collect()
}

fn int_or_percent(node: &Node) -> Option<IntOrPercent> {
    if let Some(n) = node.as_i64() {
        return Some(IntOrPercent::Int(clamp(n)));
    }
    let text = node.as_text()?.trim();
    if let Some(p) = text.strip_suffix('%') {
        return p.trim().parse().ok().map(IntOrPercent::Percent);
    }
    text.parse().ok().map(IntOrPercent::Int)
}

fn service(o: &Object<'_>, candidates: &[PodSource<'_>]) -> (Role, Instance) {
    let mut instance = base_instance(o);
    instance.combine = Combine::Any;
    if let Some((key, selector)) = o.node.get("spec").and_then(|s| s.entry("selector")) {
        let labels = string_map(Some(selector));
        if !labels.is_empty() {
            let detail = instance.detail_mut();
            detail.selector = Some(o.span(key));
            detail.unmodelled_pods = unmodelled_pods(&labels, candidates);
            instance.dependencies.push(Dependency {
                target: Reference::PodSelector {
                    namespace: o.namespace.to_string(),
                    labels,
                },
                strength: Strength::Hard,
                span: o.span(key),
                via: "selector".into(),
                explicit: false,
                origin: None,
            });
        }
    }
    (Role::Network, instance)
}

/// Labels the Job controller puts on a Job's pods: the Job's name.
const JOB_NAME_LABELS: &[&str] = &["job-name", "batch.kubernetes.io/job-name"];

/// An object that makes pods spof does not model: a Job or CronJob, or a
/// custom resource an operator may turn into pods. Their pods carry the
/// labels of any of `labels` (a pod template's; for a custom resource, any
/// `labels` mapping inside its `spec`: `podMetadata`, pod templates), plus:
/// a Job's name under [`JOB_NAME_LABELS`] (the Job controller's), a custom
/// resource's name under a label named after its kind (`prometheus: main`
/// for `Prometheus main`, `leaderworkerset.sigs.k8s.io/name: vllm` for
/// `LeaderWorkerSet vllm`), and a custom resource's kind as its pods'
/// application name (`app.kubernetes.io/name: alertmanager` for an
/// `Alertmanager`: the recommended label an operator gives the pods it
/// makes for the resource).
struct PodSource<'a> {
    name: &'a str,
    name_span: Span,
    job: bool,
    /// The kind, lowercased, of a custom resource.
    custom_kind: Option<String>,
    labels: Vec<&'a Node>,
}

impl<'a> PodSource<'a> {
    fn of(o: &Object<'a>) -> Option<Self> {
        let spec = o.node.get("spec");
        let (custom_kind, labels) = match o.kind {
            "Job" | "CronJob" => {
                let template = match o.kind {
                    "CronJob" => spec.and_then(|s| s.path(&["jobTemplate", "spec", "template"])),
                    _ => spec.and_then(|s| s.get("template")),
                };
                let labels = template.and_then(|t| t.path(&["metadata", "labels"]));
                (None, labels.into_iter().collect())
            }
            _ if is_custom_resource(o.node) => {
                let mut labels = Vec::new();
                if let Some(spec) = spec {
                    nested_labels(spec, 0, &mut labels);
                }
                (Some(o.kind.to_ascii_lowercase()), labels)
            }
            _ => return None,
        };
        Some(Self {
            name: o.name,
            name_span: o.name_span,
            job: o.kind == "Job",
            custom_kind,
            labels,
        })
    }

    /// Whether its pods may carry the label `key: value`.
    fn may_label(&self, key: &str, value: &str) -> bool {
        let named = value == self.name
            && if self.job {
                JOB_NAME_LABELS.contains(&key)
            } else {
                self.custom_kind.as_deref().is_some_and(|kind| {
                    key == kind
                        || key
                            .split_once('/')
                            .is_some_and(|(prefix, _)| prefix.split('.').next() == Some(kind))
                })
            };
        let application = key == "app.kubernetes.io/name"
            && self.custom_kind.as_deref() == Some(value.to_ascii_lowercase().as_str());
        named
            || application
            || self
                .labels
                .iter()
                .any(|l| l.get(key).and_then(Node::as_text) == Some(value))
    }
}

/// The first of `candidates` (in the Service's namespace and cluster)
/// whose pods may carry every label of `selector`.
fn unmodelled_pods(
    selector: &BTreeMap<String, String>,
    candidates: &[PodSource<'_>],
) -> Option<Span> {
    candidates
        .iter()
        .find(|c| selector.iter().all(|(k, v)| c.may_label(k, v)))
        .map(|c| c.name_span)
}

/// How deep [`nested_labels`] looks: pod templates sit a few levels into a
/// custom resource's `spec`.
const MAX_LABELS_DEPTH: usize = 8;

/// Every `labels` mapping inside `node`, down to [`MAX_LABELS_DEPTH`].
fn nested_labels<'a>(node: &'a Node, depth: usize, out: &mut Vec<&'a Node>) {
    if depth >= MAX_LABELS_DEPTH {
        return;
    }
    for (k, v) in node.as_map() {
        if k.as_str() == Some("labels") && v.is_map() {
            out.push(v);
        } else {
            nested_labels(v, depth + 1, out);
        }
    }
    for item in node.as_seq() {
        nested_labels(item, depth + 1, out);
    }
}

/// The host names an Ingress serves (`rules[].host`, `tls[].hosts`),
/// lowercase; wildcards left out.
fn ingress_hosts(o: &Object<'_>) -> Vec<String> {
    let spec = o.node.get("spec");
    let seq = |key: &str| {
        spec.and_then(|s| s.get(key))
            .map(Node::as_seq)
            .unwrap_or_default()
    };
    let mut hosts: Vec<String> = seq("rules")
        .iter()
        .filter_map(|r| r.get("host"))
        .chain(
            seq("tls")
                .iter()
                .flat_map(|t| t.get("hosts").map(Node::as_seq).unwrap_or_default()),
        )
        .filter_map(Node::as_text)
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty() && !h.contains('*'))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The Service names of an Ingress's backends: its default backend's and
/// each rule path's (`service.name`, or `serviceName` of the older API).
fn ingress_backends<'a>(o: &Object<'a>) -> Vec<&'a Node> {
    let spec = o.node.get("spec");
    let mut backends: Vec<&Node> = Vec::new();
    if let Some(b) = spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))) {
        backends.push(b);
    }
    for rule in spec
        .and_then(|s| s.get("rules"))
        .map(Node::as_seq)
        .unwrap_or_default()
    {
        for path in rule
            .path(&["http", "paths"])
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(b) = path.get("backend") {
                backends.push(b);
            }
        }
    }
    backends
        .into_iter()
        .filter_map(|b| {
            b.path(&["service", "name"])
                .or_else(|| b.get("serviceName"))
        })
        .collect()
}

fn ingress(o: &Object<'_>) -> (Role, Instance) {
    let mut instance = base_instance(o);
    for name in ingress_backends(o) {
        let Some(text) = name.as_text() else {
            continue;
        };
        instance.dependencies.push(Dependency {
            target: Reference::K8s {
                kind: "Service".into(),
                namespace: o.namespace.into(),
                name: text.into(),
            },
            strength: Strength::Hard,
            span: o.span(name),
            via: "backend".into(),
            explicit: false,
            origin: None,
        });
    }
    (Role::Network, instance)
}

fn claim(o: &Object<'_>, index: &Index<'_, '_>, keys: &TopologyKeys) -> (Role, Instance) {
    let mut instance = base_instance(o);
    if let Some((zone, span)) = claim_zone(o, index, keys) {
        instance.placement.pins.push(Pin {
            level: Level::Zone,
            domains: vec![zone].into(),
            span,
            via: "volume topology",
            axis: "",
            origin: None,
        });
    }
    (Role::Datastore, instance)
}

fn node_facts(o: &Object<'_>, keys: &TopologyKeys) -> NodeFacts {
    let labels = o.node.path(&["metadata", "labels"]);
    let find = |level: Level| {
        labels
            .map(Node::as_map)
            .unwrap_or_default()
            .iter()
            .find(|(k, _)| k.as_str().and_then(|k| keys.level(k)) == Some(level))
            .and_then(|(_, v)| Some((v.as_text()?.to_string(), o.span(v))))
    };
    NodeFacts {
        cluster: o.cluster,
        name: o.name.to_string(),
        zone: find(Level::Zone),
        region: find(Level::Region),
    }
}

/// `spof.dev/depends-on: "db, k8s:StatefulSet/prod/pg"`: each entry gets
/// its own span inside the annotation value.
fn annotation_dependencies(o: &Object<'_>) -> Vec<Dependency> {
    let mut deps = Vec::new();
    for (key, strength) in [
        (DEPENDS_ON, Strength::Hard),
        (SOFT_DEPENDS_ON, Strength::Soft),
        (RECOVERY_DEPENDS_ON, Strength::Recovery),
    ] {
        let Some(node) = o.annotation(key) else {
            continue;
        };
        for (entry, span) in list_entries(o.file, node) {
            deps.push(Dependency {
                target: parse_reference(entry, o.namespace),
                strength,
                span,
                via: format!("annotation {key}").into(),
                explicit: true,
                origin: None,
            });
        }
    }
    deps
}

/// Comma-separated entries of a scalar with the span of each entry. Spans
/// are exact for single-line plain and quoted scalars; otherwise the whole
/// value.
pub(crate) fn list_entries(file: FileId, node: &Node) -> Vec<(&str, Span)> {
    split_entries(node.as_str().unwrap_or_default())
        .into_iter()
        .map(|(entry, start)| (entry, entry_span(file, node, start, entry.len())))
        .collect()
}

/// Comma-separated entries of a text, trimmed, with their byte offsets.
pub(crate) fn split_entries(text: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for part in text.split(',') {
        let trimmed = part.trim();
        let start = offset + (part.len() - part.trim_start().len());
        offset += part.len() + 1;
        if !trimmed.is_empty() {
            out.push((trimmed, start));
        }
    }
    out
}

pub(crate) fn entry_span(file: FileId, node: &Node, start: usize, len: usize) -> Span {
    let value_len = node.as_str().map_or(0, str::len);
    let written = node.range.len();
    // Plain scalars are written as-is; quoted ones have one quote each side.
    let lead = if written == value_len {
        Some(0)
    } else if written == value_len + 2 {
        Some(1)
    } else {
        None
    };
    match lead {
        Some(lead) if start + len <= value_len => {
            let s = node.range.start as usize + lead + start;
            Span::new(file, TextRange::new(s, s + len))
        }
        _ => Span::new(file, node.range),
    }
}

/// `k8s:Kind/ns/name` or any entity id with a scheme, `Kind/ns/name`,
/// `Kind/name`, or a bare name (a Service or workload in the namespace).
pub fn parse_reference(entry: &str, namespace: &str) -> Reference {
    if let Some(rest) = entry.strip_prefix(crate::model::TERRAFORM_ID_PREFIX) {
        // `tf:ROOT:ADDRESS` names one root module; an address has no `:`
        // outside its instance key.
        let key = rest.find('[').unwrap_or(rest.len());
        return match rest[..key].rfind(':') {
            Some(colon) => Reference::Terraform {
                root: Some(rest[..colon].to_string()),
                address: rest[colon + 1..].to_string(),
            },
            None => Reference::Terraform {
                root: None,
                address: rest.to_string(),
            },
        };
    }
    if entry.contains(':') {
        return Reference::Id(entry.to_string());
    }
    let parts: Vec<&str> = entry.split('/').collect();
    match parts.as_slice() {
        [kind, ns, name] => Reference::K8s {
            kind: kind.to_string(),
            namespace: ns.to_string(),
            name: name.to_string(),
        },
        [kind, name] => Reference::K8s {
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
        _ => Reference::K8sName {
            namespace: namespace.to_string(),
            name: entry.to_string(),
        },
    }
}

fn annotation_suppression(o: &Object<'_>, node: &Node, id: &str) -> Suppression {
    Suppression::for_entity(node.as_str().unwrap_or_default(), o.span(node), id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_follow_cluster_dns() {
        let s = |h| service_of_host(h, "own");
        assert_eq!(s("db"), Some(("db".into(), "own".into())));
        assert_eq!(s("db.prod"), Some(("db".into(), "prod".into())));
        assert_eq!(s("db.prod.svc"), Some(("db".into(), "prod".into())));
        assert_eq!(
            s("db.prod.svc.cluster.local"),
            Some(("db".into(), "prod".into()))
        );
        assert_eq!(
            s("pg-0.db.prod.svc.cluster.local"),
            Some(("db".into(), "prod".into()))
        );
        assert_eq!(s("example.com.au"), None);
    }

    #[test]
    fn references_parse_by_shape() {
        assert_eq!(
            parse_reference("StatefulSet/pg", "prod"),
            Reference::K8s {
                kind: "StatefulSet".into(),
                namespace: "prod".into(),
                name: "pg".into()
            }
        );
        assert_eq!(
            parse_reference("tf:aws_db_instance.main", "x"),
            Reference::Terraform {
                root: None,
                address: "aws_db_instance.main".into()
            }
        );
        assert_eq!(
            parse_reference("tf:envs/prod:aws_subnet.a[\"x:y\"]", "x"),
            Reference::Terraform {
                root: Some("envs/prod".into()),
                address: "aws_subnet.a[\"x:y\"]".into()
            }
        );
        assert_eq!(
            parse_reference("db", "prod"),
            Reference::K8sName {
                namespace: "prod".into(),
                name: "db".into()
            }
        );
    }

    #[test]
    fn custom_resources_are_sifted_to_their_names_and_pod_labels() {
        let text = "\
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata:
  name: main
  annotations: {big: text}
spec:
  replicas: 3
  podMetadata:
    labels: {app: am}
  containers: [{name: x, image: y}]
";
        let docs = crate::parse::yaml::parse_stream(text, &Default::default()).0;
        let slim = slim_custom_resource(&docs[0].root).unwrap();
        assert_eq!(
            slim.path(&["metadata", "name"]).and_then(Node::as_text),
            Some("main")
        );
        assert!(slim.path(&["metadata", "annotations"]).is_none());
        assert!(slim.path(&["spec", "replicas"]).is_none());
        assert!(slim.path(&["spec", "containers"]).is_none());
        let labels = slim.path(&["spec", "podMetadata", "labels"]).unwrap();
        assert_eq!(
            &text[labels.range.start as usize..labels.range.end as usize],
            "{app: am}"
        );
        // Kubernetes' own objects and definitions are not custom resources.
        for other in [
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}",
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: c}",
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}",
        ] {
            let docs = crate::parse::yaml::parse_stream(other, &Default::default()).0;
            assert!(slim_custom_resource(&docs[0].root).is_none(), "{other}");
        }
    }

    #[test]
    fn image_names() {
        assert_eq!(image_name("quay.io/coreos/etcd:v3.5@sha256:abc"), "etcd");
        assert_eq!(image_name("redis"), "redis");
    }

    #[test]
    fn a_storage_class_names_one_zone_only_when_every_alternative_does() {
        let zone = |spec: &str| {
            let text = format!("kind: StorageClass\nmetadata: {{name: c}}\n{spec}");
            let docs = crate::parse::yaml::parse_stream(&text, &Default::default()).0;
            let class = Object {
                file: FileId(0),
                cluster: None,
                kind: "StorageClass",
                namespace: "",
                name: "c",
                name_span: Span::new(FileId(0), TextRange::empty(0)),
                node: &docs[0].root,
            };
            class_zone(&class, &TopologyKeys::default()).map(|(z, span)| {
                let r = span.range;
                (z, text[r.start as usize..r.end as usize].to_string())
            })
        };
        let one = |z: &str, at: &str| Some((z.to_string(), at.to_string()));
        let terms = |t: &str| format!("allowedTopologies:\n{t}");
        // A CSI driver's own zone key, and a configured one.
        assert_eq!(
            zone(&terms(
                "- matchLabelExpressions:\n  - {key: topology.ebs.csi.aws.com/zone, values: [eu-1a]}\n"
            )),
            one("eu-1a", "eu-1a")
        );
        assert_eq!(
            zone(&terms(
                "- matchLabelExpressions:\n  - {key: topology.kubernetes.io/zone, values: [eu-1a, eu-1b]}\n  - {key: failure-domain.beta.kubernetes.io/zone, values: [eu-1b]}\n"
            )),
            one("eu-1b", "eu-1b")
        );
        // Two terms are two alternatives: two zones.
        assert_eq!(
            zone(&terms(
                "- matchLabelExpressions:\n  - {key: topology.gke.io/zone, values: [a]}\n- matchLabelExpressions:\n  - {key: topology.gke.io/zone, values: [b]}\n"
            )),
            None
        );
        // A term that does not restrict the zone allows every zone.
        assert_eq!(
            zone(&terms(
                "- matchLabelExpressions:\n  - {key: topology.gke.io/zone, values: [a]}\n- matchLabelExpressions:\n  - {key: topology.kubernetes.io/region, values: [eu]}\n"
            )),
            None
        );
        assert_eq!(
            zone(&terms(
                "- matchLabelExpressions:\n  - {key: topology.kubernetes.io/zone, values: [\"${ZONE}\"]}\n"
            )),
            None
        );
        assert_eq!(
            zone(&terms(
                "- matchLabelExpressions:\n  - {key: example.com/zone, values: [a]}\n"
            )),
            None
        );
        // In-tree provisioners' parameters.
        assert_eq!(
            zone("parameters: {type: gp2, zone: us-east-1a}\n"),
            one("us-east-1a", "us-east-1a")
        );
        assert_eq!(
            zone("parameters: {zones: \"us-east-1a\"}\n"),
            one("us-east-1a", "\"us-east-1a\"")
        );
        assert_eq!(zone("parameters: {zones: \"a, b\"}\n"), None);
        assert_eq!(zone("parameters: {zone: \"{{ .zone }}\"}\n"), None);
        assert_eq!(zone("provisioner: ebs.csi.aws.com\n"), None);
    }

    #[test]
    fn percentages_round_up() {
        assert_eq!(IntOrPercent::Percent(50).resolve(3), 2);
        assert_eq!(IntOrPercent::Percent(100).resolve(3), 3);
        assert_eq!(IntOrPercent::Int(1).resolve(3), 1);
    }
}
