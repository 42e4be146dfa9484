//! Model stage: the domain model every input format is extracted into.
//!
//! An [`Entity`] is anything that can fail or be depended on. It is declared
//! by one or more [`Instance`]s: the same Kubernetes object applied to two
//! clusters is one service replicated across them. Each instance has a
//! [`Placement`] (where its replicas may run and how strongly that is
//! guaranteed) and dependencies on other entities, still unresolved here
//! ([`Reference`]); the graph stage resolves them.

pub mod address;
pub mod scope;

use crate::source::Span;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Failure-domain levels, outermost first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Region,
    Zone,
    Host,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Region => "region",
            Level::Zone => "zone",
            Level::Host => "host",
        }
    }

    /// A level by name; `datacenter` (`dc`, `site`) is the zone level, and
    /// `node` the host level.
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "region" => Some(Level::Region),
            "zone" | "datacenter" | "dc" | "site" => Some(Level::Zone),
            "host" | "node" => Some(Level::Host),
            _ => None,
        }
    }
}

/// A named place that can fail as a unit: `zone:ap-northeast-2a`.
///
/// The name is shared: the analysis copies a domain into every exposure of
/// every entity its failure takes down (some thirty per entity in a large
/// estate), and a copy only counts one more reference to the same text.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Domain {
    pub level: Level,
    #[serde(with = "shared_name")]
    pub name: Arc<str>,
}

/// A domain's shared name, written and read as a string.
mod shared_name {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(name: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(d).map(Arc::from)
    }
}

/// An instance's shared copy name, written and read as an optional string.
mod shared_copy {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    #[allow(clippy::ref_option)] // the signature `serde(with)` calls
    pub fn serialize<S: Serializer>(name: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
        name.as_deref().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<str>>, D::Error> {
        Option::<String>::deserialize(d).map(|name| name.map(Arc::from))
    }
}

/// An instance's shared region name and its span, written and read as an
/// optional string and span.
mod shared_region {
    use crate::source::Span;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    #[allow(clippy::ref_option)] // the signature `serde(with)` calls
    pub fn serialize<S: Serializer>(
        region: &Option<(Arc<str>, Span)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        region
            .as_ref()
            .map(|(name, span)| (&**name, *span))
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<(Arc<str>, Span)>, D::Error> {
        Option::<(String, Span)>::deserialize(d)
            .map(|region| region.map(|(name, span)| (Arc::from(name), span)))
    }
}

impl Domain {
    pub fn new(level: Level, name: impl Into<Arc<str>>) -> Self {
        Self {
            level,
            name: name.into(),
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level.as_str(), self.name)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Service,
    Tool,
    Datastore,
    Network,
    Platform,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Service => "service",
            Role::Tool => "tool",
            Role::Datastore => "datastore",
            Role::Network => "network",
            Role::Platform => "platform",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "service" => Some(Role::Service),
            "tool" => Some(Role::Tool),
            "datastore" => Some(Role::Datastore),
            "network" => Some(Role::Network),
            "platform" => Some(Role::Platform),
            _ => None,
        }
    }
}

/// The label or annotation that declares how critical an entity is
/// (`spof.dev/tier: "1"`).
pub const TIER_KEY: &str = "spof.dev/tier";

/// Least critical tier; an entity whose tier nothing declares weighs as
/// [`DEFAULT_TIER`].
pub const LOWEST_TIER: u8 = 4;

/// The tier an entity weighs as when nothing declares one.
pub const DEFAULT_TIER: u8 = 3;

/// A tier as written, `1` (most critical) to `4`: the number (`1`, `tier1`,
/// `tier-1`, `tier 1`, `t1`) or a word (`critical`, `high`, `medium` or
/// `standard`, `low`), any case. `None` for anything else.
pub fn parse_tier(text: &str) -> Option<u8> {
    let text = text.trim().to_ascii_lowercase();
    let word = match text.as_str() {
        "critical" | "mission-critical" => Some(1),
        "high" => Some(2),
        "medium" | "standard" => Some(3),
        "low" => Some(4),
        _ => None,
    };
    word.or_else(|| {
        let digits = ["tier", "t"]
            .iter()
            .find_map(|p| text.strip_prefix(p))
            .unwrap_or(&text)
            .trim_start_matches([' ', '-', '_']);
        digits
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=LOWEST_TIER).contains(n))
    })
}

/// What an entity's tier weighs in a blast radius: 8, 4, 2 and 1 for tiers
/// 1 to 4, so that one tier-1 service counts as much as two of tier 2; an
/// entity with no tier (`0`) weighs as [`DEFAULT_TIER`], so that an estate
/// that declares none weighs every entity the same.
pub fn tier_weight(tier: u8) -> u32 {
    let tier = if tier == 0 { DEFAULT_TIER } else { tier };
    1 << (LOWEST_TIER.saturating_sub(tier.min(LOWEST_TIER)))
}

/// How an entity's availability combines its dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Combine {
    /// Down when any hard dependency is down (a workload needing its database).
    All,
    /// Down only when every dependency is down (a Service load-balancing over
    /// the workloads it selects).
    Any,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Strength {
    Hard,
    Soft,
    /// Needed to recover, not to keep serving: the entity keeps running
    /// while the target is down, but cannot be restarted, rescheduled,
    /// scaled out or redeployed without it (an image registry, a secret
    /// store, an admission webhook).
    Recovery,
    /// The entity sends the alerts it raises through the target (an
    /// Alertmanager receiver, a Grafana contact point): neither needed to
    /// serve nor to restart, but to tell engineers that something is down.
    Alerts,
    /// The entity's backups are stored in the target (a Velero backup
    /// storage location, a database operator's object store): what
    /// restores it after a loss.
    Backup,
}

/// A dependency as written in the source, before resolution.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Reference {
    /// An entity id, exactly (`k8s:StatefulSet/prod/pg`).
    Id(String),
    /// A Kubernetes object by kind, namespace and name.
    K8s {
        kind: String,
        namespace: String,
        name: String,
    },
    /// A name that may be a Service or a workload in the namespace.
    K8sName { namespace: String, name: String },
    /// Pods selected by labels in a namespace: the workloads whose pod
    /// template carries all of them.
    PodSelector {
        namespace: String,
        labels: BTreeMap<String, String>,
    },
    /// Every entity of a Kubernetes namespace (in any cluster): what an
    /// Argo CD Application or a Velero schedule covers.
    Namespace(String),
    /// The Kubernetes entities declared in one configured cluster (by
    /// index), in one namespace or (`None`) in all: what an Argo CD
    /// `Application` whose destination names that cluster deploys.
    Cluster {
        cluster: usize,
        namespace: Option<String>,
    },
    /// Entity ids matching a glob (`k8s:*/talk/*`): `manages` patterns of
    /// `[[tool]]` in spof.toml.
    Pattern(String),
    /// A Terraform resource address: the instance itself
    /// (`aws_instance.web[0]`), or every instance of a resource written
    /// without key (`aws_instance.web`), in one root module (`Some`, as in
    /// `Entity::namespace`) or in any.
    Terraform {
        root: Option<String>,
        address: String,
    },
    /// Kubernetes workloads whose pod template carries the label, in any
    /// namespace and cluster: what `backstage.io/kubernetes-id` links.
    K8sLabel { key: String, value: String },
    /// Whichever of several entities serves a name (the Nomad groups that
    /// register one Consul service): those nearest the reference.
    Registered { name: String, ids: Vec<String> },
    /// The entities that serve a host name (lowercase, without port), as
    /// [`Model::hosts`] lists them: an image's registry host.
    Host(String),
    /// The registry of a container image: what serves its host (as
    /// [`Reference::Host`]), and the declared repositories whose host and
    /// path it matches ([`Model::image_repositories`]).
    Image { host: String, repository: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Dependency {
    pub target: Reference,
    pub strength: Strength,
    /// The text that creates the dependency (the env var value, the
    /// annotation entry, the selector).
    pub span: Span,
    /// How the dependency is expressed, for messages: "env var DB_HOST".
    /// A fixed wording (`depends_on in the manifest`) is borrowed, not
    /// copied into every dependency that reads so.
    pub via: Cow<'static, str>,
    /// Declared on purpose (an annotation or a manifest entry) rather than
    /// inferred: naming nothing is then a mistake worth reporting.
    pub explicit: bool,
    /// Where the entity reads the text, when the text lives elsewhere (an
    /// `envFrom` or `configMapKeyRef` naming the ConfigMap that holds it).
    pub origin: Option<Span>,
}

/// An instance's dependencies (or what it manages): a list shared by every
/// copy of a declaration until one of them changes it.
///
/// A service of a service manifest placed in three sites is three
/// instances with one list of dependencies: each copy holds a pointer to
/// the same list, not a copy of every reference and its wording. Reading
/// goes through `Deref` to the `Vec`; changing it ([`Dependencies::push`],
/// [`Dependencies::extend`], [`Dependencies::iter_mut`],
/// [`Dependencies::retain`], [`Dependencies::take`]) gives the instance a
/// list of its own first when it shares one. Empty, it holds no
/// allocation, and a writer that adds nothing makes none: there is no
/// `DerefMut`, which would have to allocate a list to hand out before
/// knowing whether anything is added.
#[derive(Debug, Clone, Default)]
pub struct Dependencies(Option<Arc<Vec<Dependency>>>);

/// What an empty [`Dependencies`] reads as.
static NO_DEPENDENCIES: Vec<Dependency> = Vec::new();

impl Dependencies {
    /// Whether both lists are the same shared list (or both empty).
    pub fn shares(&self, other: &Dependencies) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl std::ops::Deref for Dependencies {
    type Target = Vec<Dependency>;

    fn deref(&self) -> &Vec<Dependency> {
        self.0.as_deref().unwrap_or(&NO_DEPENDENCIES)
    }
}

impl Dependencies {
    /// The list to change, made this instance's own (and allocated) first.
    fn own(&mut self) -> &mut Vec<Dependency> {
        Arc::make_mut(self.0.get_or_insert_with(Default::default))
    }

    /// The list, taken out to be written as a `Vec` (the instance's own
    /// when not shared, a copy otherwise; no allocation when empty), to be
    /// put back with `into()`.
    pub fn take(&mut self) -> Vec<Dependency> {
        self.0
            .take()
            .map(|list| Arc::try_unwrap(list).unwrap_or_else(|shared| (*shared).clone()))
            .unwrap_or_default()
    }

    /// Adds `dependency` at the end.
    pub fn push(&mut self, dependency: Dependency) {
        self.own().push(dependency);
    }

    /// Adds every dependency of `list` at the end; allocates nothing when
    /// `list` is empty.
    pub fn extend<I: IntoIterator<Item = Dependency>>(&mut self, list: I) {
        let mut list = list.into_iter().peekable();
        if list.peek().is_some() {
            self.own().extend(list);
        }
    }

    /// Each dependency, to change in place (none, and no allocation, when
    /// the list is empty).
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Dependency> {
        match &mut self.0 {
            Some(list) => Arc::make_mut(list).iter_mut(),
            None => [].iter_mut(),
        }
    }

    /// Keeps the dependencies `keep` accepts; an emptied list is freed.
    pub fn retain(&mut self, keep: impl FnMut(&Dependency) -> bool) {
        if self.0.is_none() {
            return;
        }
        let list = self.own();
        list.retain(keep);
        if list.is_empty() {
            self.0 = None;
        }
    }
}

/// Held at its length: a list is shared and grows only by
/// [`Dependencies::push`] and [`Dependencies::extend`], so room to grow
/// would be kept for nothing.
impl From<Vec<Dependency>> for Dependencies {
    fn from(mut list: Vec<Dependency>) -> Self {
        list.shrink_to_fit();
        Self((!list.is_empty()).then(|| Arc::new(list)))
    }
}

impl<'a> IntoIterator for &'a Dependencies {
    type Item = &'a Dependency;
    type IntoIter = std::slice::Iter<'a, Dependency>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Dependencies {
    type Item = &'a mut Dependency;
    type IntoIter = std::slice::IterMut<'a, Dependency>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// Written and read as the list it holds: the cache's bytes are those of a
/// `Vec<Dependency>`.
impl serde::Serialize for Dependencies {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Dependencies {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Dependency>::deserialize(d).map(Self::from)
    }
}

/// Adds `dependency` to every instance, keeping the lists that copies
/// share shared: each distinct list is extended once.
pub fn add_to_every(instances: &mut [Instance], dependency: &Dependency) {
    // Each list as it was, with what it became.
    let mut done: Vec<(Dependencies, Dependencies)> = Vec::new();
    for instance in instances {
        if let Some((_, after)) = done
            .iter()
            .find(|(before, _)| before.shares(&instance.dependencies))
        {
            instance.dependencies = after.clone();
            continue;
        }
        let before = instance.dependencies.clone();
        instance.dependencies.push(dependency.clone());
        done.push((before, instance.dependencies.clone()));
    }
}

/// A count with the place that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replicas {
    pub count: u32,
    pub span: Span,
    pub source: ReplicaSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReplicaSource {
    /// `replicas: N` in the workload.
    Explicit,
    /// No `replicas` field: the API server defaults it to 1.
    Defaulted,
    /// A HorizontalPodAutoscaler's `minReplicas` (or its default of 1).
    Autoscaler,
    /// A bare Pod is one replica by nature.
    SinglePod,
}

/// A hard restriction of replicas to a set of domains at one level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pin {
    pub level: Level,
    pub domains: Names,
    pub span: Span,
    /// "nodeSelector", "required node affinity", "PersistentVolume node affinity".
    pub via: &'static str,
    /// What the domains are values of, when a format pins by more than one
    /// property at a level: Nomad's `${node.datacenter}` and `${meta.zone}`
    /// are both zone level, but name different things, so their pins do not
    /// narrow each other. `""`: the level's one axis (every Kubernetes zone
    /// key names the same zones).
    pub axis: &'static str,
    /// Where the domain is decided when that is not at `span`, with what it
    /// says there: the zone of a StorageClass a claim template names.
    /// Boxed: rare, and every site copy of a service carries a pin.
    pub origin: Option<Box<(Span, String)>>,
}

impl<'de> serde::Deserialize<'de> for Pin {
    /// As derived, but `via` is read into a shared `&'static str`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            level: Level,
            domains: Names,
            span: Span,
            via: String,
            axis: String,
            origin: Option<Box<(Span, String)>>,
        }
        let Raw {
            level,
            domains,
            span,
            via,
            axis,
            origin,
        } = Raw::deserialize(deserializer)?;
        Ok(Self {
            level,
            domains,
            span,
            via: intern(via),
            axis: intern(axis),
            origin,
        })
    }
}

/// The domain names of a [`Pin`]: shared text (the copies of a manifest
/// service placed in one site hold the site's one name), and one name, as
/// almost every pin has, held without a list of its own. Reads as a slice;
/// written and read as a list of strings, as a `Vec<String>` is.
#[derive(Clone)]
pub enum Names {
    One(Arc<str>),
    Many(Box<[Arc<str>]>),
}

impl Default for Names {
    fn default() -> Self {
        Names::Many(Box::default())
    }
}

impl std::ops::Deref for Names {
    type Target = [Arc<str>];

    fn deref(&self) -> &[Arc<str>] {
        match self {
            Names::One(name) => std::slice::from_ref(name),
            Names::Many(names) => names,
        }
    }
}

impl Names {
    /// One name.
    pub fn one(name: impl Into<Arc<str>>) -> Self {
        Names::One(name.into())
    }

    /// Whether `name` is one of them.
    pub fn has(&self, name: &str) -> bool {
        self.iter().any(|n| **n == *name)
    }
}

impl<S: Into<Arc<str>>> FromIterator<S> for Names {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Self {
        let mut names: Vec<Arc<str>> = names.into_iter().map(Into::into).collect();
        match names.len() {
            1 => Names::One(names.remove(0)),
            _ => Names::Many(names.into_boxed_slice()),
        }
    }
}

impl<S: Into<Arc<str>>> From<Vec<S>> for Names {
    fn from(names: Vec<S>) -> Self {
        names.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Names {
    type Item = &'a Arc<str>;
    type IntoIter = std::slice::Iter<'a, Arc<str>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for Names {
    fn eq(&self, other: &Names) -> bool {
        **self == **other
    }
}

impl Eq for Names {}

impl<S: AsRef<str>> PartialEq<[S]> for Names {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| **a == *b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Names {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Names {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl fmt::Debug for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Names {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|name| &**name))
    }
}

impl<'de> serde::Deserialize<'de> for Names {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Names::from)
    }
}

/// A `&'static str` for a label read back from the cache (a text from a
/// fixed set, such as [`Pin::via`]): each distinct text is leaked once and
/// shared by every entry that holds it.
fn intern(text: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let seen = seen.get_or_insert_with(HashSet::new);
    if let Some(found) = seen.get(text.as_str()) {
        return found;
    }
    let leaked: &'static str = Box::leak(text.into_boxed_str());
    seen.insert(leaked);
    leaked
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Guarantee {
    Hard,
    BestEffort,
}

/// Replicas forced (or encouraged) across domains of a level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Spread {
    pub level: Level,
    pub guarantee: Guarantee,
    /// Most replicas one domain may hold beyond the least loaded one
    /// (`maxSkew`); required anti-affinity holds one replica per domain.
    pub max_skew: Option<u32>,
    pub one_per_domain: bool,
    pub min_domains: Option<u32>,
    pub span: Span,
}

/// A zonal volume shared by all replicas pins them to its zone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VolumePin {
    pub claim: String,
    /// `ReadWriteOnce` or `ReadWriteOncePod`.
    pub access_mode: String,
    /// Where the workload mounts the claim.
    pub span: Span,
    /// The claim's `ReadWriteOnce` access mode.
    pub access_span: Span,
    /// The volume's zone when the scanned files say it.
    pub zone: Option<(String, Span)>,
}

/// Replicas needed up for a quorum system (etcd, ZooKeeper, …).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quorum {
    pub needed: u32,
    /// Why the workload is a quorum system (image, annotation).
    pub reason: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    /// Resolves against a replica count, rounding up as Kubernetes does for
    /// PodDisruptionBudgets.
    pub fn resolve(&self, replicas: u32) -> u32 {
        match *self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => (u64::from(replicas) * u64::from(p)).div_ceil(100) as u32,
        }
    }
}

/// A PodDisruptionBudget that selects the workload's pods.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DisruptionBudget {
    pub name: String,
    pub min_available: Option<(IntOrPercent, Span)>,
    pub max_unavailable: Option<(IntOrPercent, Span)>,
    pub span: Span,
    /// Every pod the budget selects in its scope (the workloads of the
    /// nearest declarations it matches), when all of them can be counted:
    /// the pods of a DaemonSet cannot.
    pub pods: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WorkloadKind {
    /// Long-running: Deployment, StatefulSet, ReplicaSet, ReplicationController, Pod.
    LongRunning,
    /// Runs on every eligible node (DaemonSet).
    PerNode,
    /// Runs to completion (Job, CronJob): never flagged for replicas.
    Batch,
}

/// Where an instance's replicas may run: their count and pins, and
/// what only some declarations write ([`Spreading`]: spreads, a volume, a
/// quorum), boxed and absent elsewhere. A manifest service's site copy has
/// a count and one pin, and nothing else: an instance of a large estate
/// keeps 8 bytes for the rest, where it kept 64.
///
/// The rest reads through `Deref` (`placement.spreads`, empty when absent);
/// writing through `DerefMut` makes it, so a writer that may set nothing
/// tests first. Compared, written to the cache and debugged as the one
/// struct it was: every field, absent ones as empty.
#[derive(Clone, Default)]
pub struct Placement {
    pub replicas: Option<Replicas>,
    pub pins: Vec<Pin>,
    /// The rest, `None` when empty (see [`Placement::with_spreading`]).
    pub spreading: Option<Box<Spreading>>,
}

/// The parts of a [`Placement`] that only some declarations write.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Spreading {
    pub spreads: Vec<Spread>,
    /// Boxed, as the rare parts of a placement are: most instances have
    /// none.
    pub volume: Option<Box<VolumePin>>,
    pub quorum: Option<Box<Quorum>>,
    /// A zone spread written for the workload whose selector matches none
    /// of its own pods, so that it spreads other pods (the first hard one,
    /// else the first): where a missing zone spread is to be fixed.
    pub missed_spread: Option<MissedSpread>,
    /// Where and how a zone spread is written, when that is not beside the
    /// replica count in a pod template: an operator's custom resource
    /// spreads its pods by fields of its own.
    pub spread_hint: Option<Box<SpreadHint>>,
}

impl Spreading {
    fn is_empty(&self) -> bool {
        let Spreading {
            spreads,
            volume,
            quorum,
            missed_spread,
            spread_hint,
        } = self;
        spreads.is_empty()
            && volume.is_none()
            && quorum.is_none()
            && missed_spread.is_none()
            && spread_hint.is_none()
    }
}

/// What a placement without [`Spreading`] reads as.
static NO_SPREADING: Spreading = Spreading {
    spreads: Vec::new(),
    volume: None,
    quorum: None,
    missed_spread: None,
    spread_hint: None,
};

impl std::ops::Deref for Placement {
    type Target = Spreading;

    fn deref(&self) -> &Spreading {
        self.spreading.as_deref().unwrap_or(&NO_SPREADING)
    }
}

impl std::ops::DerefMut for Placement {
    fn deref_mut(&mut self) -> &mut Spreading {
        self.spreading.get_or_insert_with(Box::default)
    }
}

impl Placement {
    /// Its spreads, volume, quorum and hints made (or absent when empty).
    #[must_use]
    pub fn with_spreading(mut self, spreading: Spreading) -> Self {
        self.spreading = (!spreading.is_empty()).then(|| Box::new(spreading));
        self
    }

    /// Its rest, to change where it exists: `None` when nothing set it.
    pub fn spreading_mut(&mut self) -> Option<&mut Spreading> {
        self.spreading.as_deref_mut()
    }

    /// Frees the rest when what was written left it empty.
    pub fn compact(&mut self) {
        if self.spreading.as_deref().is_some_and(Spreading::is_empty) {
            self.spreading = None;
        }
    }
}

impl PartialEq for Placement {
    fn eq(&self, other: &Placement) -> bool {
        self.replicas == other.replicas && self.pins == other.pins && **self == **other
    }
}

impl Eq for Placement {}

impl fmt::Debug for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Placement")
            .field("replicas", &self.replicas)
            .field("pins", &self.pins)
            .field("spreads", &self.spreads)
            .field("volume", &self.volume)
            .field("quorum", &self.quorum)
            .field("missed_spread", &self.missed_spread)
            .field("spread_hint", &self.spread_hint)
            .finish()
    }
}

/// The one struct it was, field by field: the cache's bytes are unchanged.
impl serde::Serialize for Placement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Placement", 7)?;
        out.serialize_field("replicas", &self.replicas)?;
        out.serialize_field("pins", &self.pins)?;
        out.serialize_field("spreads", &self.spreads)?;
        out.serialize_field("volume", &self.volume)?;
        out.serialize_field("quorum", &self.quorum)?;
        out.serialize_field("missed_spread", &self.missed_spread)?;
        out.serialize_field("spread_hint", &self.spread_hint)?;
        out.end()
    }
}

impl<'de> serde::Deserialize<'de> for Placement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename = "Placement")]
        struct Raw {
            replicas: Option<Replicas>,
            pins: Vec<Pin>,
            spreads: Vec<Spread>,
            volume: Option<Box<VolumePin>>,
            quorum: Option<Box<Quorum>>,
            missed_spread: Option<MissedSpread>,
            spread_hint: Option<Box<SpreadHint>>,
        }
        let Raw {
            replicas,
            pins,
            spreads,
            volume,
            quorum,
            missed_spread,
            spread_hint,
        } = Raw::deserialize(d)?;
        let placement = Placement {
            replicas,
            pins,
            spreading: None,
        };
        Ok(placement.with_spreading(Spreading {
            spreads,
            volume,
            quorum,
            missed_spread,
            spread_hint,
        }))
    }
}

/// Where a custom resource's zone spread is to be written (the `spec`, or
/// the component a rack-awareness setting belongs to), and how, in its
/// operator's words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpreadHint {
    pub span: Span,
    pub help: String,
}

/// A zone spread (`topologySpreadConstraints`, pod anti-affinity) whose
/// `labelSelector` does not select the workload's own pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MissedSpread {
    /// The `labelSelector` key; the `topologyKey` when there is none.
    pub span: Span,
    /// Whether a `labelSelector` is written (an absent one selects no pod).
    pub has_selector: bool,
    pub guarantee: Guarantee,
}

impl Placement {
    pub fn hard_spread(&self, level: Level) -> Option<&Spread> {
        self.spreads
            .iter()
            .find(|s| s.level == level && s.guarantee == Guarantee::Hard)
    }

    pub fn best_effort_spread(&self, level: Level) -> Option<&Spread> {
        self.spreads
            .iter()
            .find(|s| s.level == level && s.guarantee == Guarantee::BestEffort)
    }

    /// The narrowest pin at a level: of the axes there, the one that allows
    /// the fewest domains (see [`Placement::pinned_axes`]).
    pub fn pinned(&self, level: Level) -> Option<(Vec<&str>, &Pin)> {
        self.pinned_axes(level)
            .into_iter()
            .min_by_key(|(domains, _)| domains.len())
    }

    /// For each axis pinned at a level, in the order of their first pins:
    /// the domains every pin on it allows (their intersection) and its
    /// narrowest pin. Pins on different axes name different things and do
    /// not narrow each other: replicas pinned to datacenters `dc1` and `dc2`
    /// and to the zone meta value `a` all run in zone `a`.
    pub fn pinned_axes(&self, level: Level) -> Vec<(Vec<&str>, &Pin)> {
        let mut axes: Vec<(Vec<&str>, &Pin)> = Vec::new();
        for pin in self.pins.iter().filter(|p| p.level == level) {
            match axes.iter_mut().find(|(_, first)| first.axis == pin.axis) {
                Some((domains, narrowest)) => {
                    domains.retain(|d| pin.domains.has(d));
                    if pin.domains.len() < narrowest.domains.len() {
                        *narrowest = pin;
                    }
                }
                None => axes.push((pin.domains.iter().map(|d| &**d).collect(), pin)),
            }
        }
        axes
    }
}

/// Which kind of cloud single point a [`CloudFact`] is, for rules.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum CloudClass {
    /// Databases, caches, queues, search and file systems.
    Datastore,
    /// Instances, groups, node pools, clusters.
    Compute,
    /// NAT gateways, routes, load balancers, VPN and dedicated links.
    Network,
}

/// The single failure a [`CloudFact`] does not survive.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum CloudUnit {
    /// One zone: named when the configuration says which.
    Zone(Option<String>),
    /// The one instance (host, node, appliance) it runs on: no failover.
    Instance,
}

/// A cloud resource's own single point of failure, as the provider
/// knowledge base judges it from its attributes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CloudFact {
    pub class: CloudClass,
    pub unit: CloudUnit,
    /// The finding's message: "`aws_db_instance.db` runs in one
    /// availability zone with no standby".
    pub message: String,
    /// Label at `span`: "`multi_az` is false".
    pub label: String,
    pub help: String,
    /// The value that causes it (`multi_az = false`, where it is written),
    /// else the resource's header.
    pub span: Span,
    /// Further places: the variable default that decides it, the subnets
    /// that put it in the zone.
    pub related: Vec<(Span, String)>,
    /// Where the value that decides it is written, when that is not `span`
    /// (the variable default or `.tfvars` entry that `multi_az =
    /// var.multi_az` reads).
    pub origin: Option<Span>,
}

/// One declaration of an entity, in one cluster.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Instance {
    /// Index into the configured clusters; `None` is the implicit cluster
    /// of files no `[[cluster]]` claims.
    pub cluster: Option<usize>,
    /// Where the entity is declared (its name).
    pub span: Span,
    pub workload: Option<WorkloadKind>,
    pub placement: Placement,
    pub dependencies: Dependencies,
    pub combine: Combine,
    /// What only some formats' declarations carry (pods, selectors, cloud
    /// facts, a Helm release), boxed: see [`Instance::detail`].
    pub detail: Option<Box<Detail>>,
    /// The region the declaration lives in, when known (Terraform), for the
    /// estate-wide region check.
    /// Shared text: the copies of a declaration placed in one region hold
    /// one name.
    #[serde(with = "shared_region")]
    pub region: Option<(Arc<str>, Span)>,
    /// A declaration nothing runs from (a launch template, a task
    /// definition): its dependencies count for what uses it, but it gets no
    /// dependency findings of its own.
    pub transparent: bool,
    /// Which independent copy of the entity this declaration is (a site of
    /// a service manifest): like declarations in different clusters,
    /// different copies are alternatives, and the entity is up while any
    /// copy is. Shared text: the copies placed in one site hold one name.
    #[serde(with = "shared_copy")]
    pub copy: Option<Arc<str>>,
    /// What a tool operates, deploys, monitors, recovers or guards
    /// (`manages` in a service manifest, an Argo CD Application's
    /// destination, a ServiceMonitor's selector, `[[tool]]` in spof.toml).
    pub manages: Dependencies,
    /// The file whose directory places the declaration (see
    /// [`scope`]), when that is not the file of `span`: an object a
    /// Kustomize overlay builds from its base belongs to the overlay.
    pub place: Option<crate::source::FileId>,
}

/// The parts of an [`Instance`] that only Kubernetes objects, Terraform
/// resources and Helm releases set. A declaration of a service manifest,
/// compose or Nomad has none of them: they are kept apart, and absent
/// there, so that the common declaration stays small (a large estate has
/// millions of them).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Detail {
    pub budgets: Vec<DisruptionBudget>,
    /// Pod template labels, for selectors.
    pub pod_labels: BTreeMap<String, String>,
    /// Whether this object selects pods (a Service with a selector).
    pub selector: Option<Span>,
    /// The object whose pods, which spof does not model, the selector may
    /// select (a Job, an operator's custom resource): a selector matching
    /// no modelled workload is then no mistake.
    pub unmodelled_pods: Option<Span>,
    /// Cloud single points of failure (Terraform resources).
    pub cloud: Vec<CloudFact>,
    /// The Helm release that rendered the declaration: releases of one
    /// chart are told apart as places are (see [`scope`]).
    pub release: Option<String>,
    /// Backups of the resource kept only in the region it runs in
    /// (Terraform).
    pub backups: Vec<RegionalBackup>,
}

/// Backups of a cloud resource kept only in the region the resource runs
/// in, with no copy elsewhere (a backup plan's vault, a database's backup
/// location): a regional outage takes the resource and its backups.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegionalBackup {
    /// The value that decides where the backups are kept (the plan rule's
    /// `target_vault_name`, the `location`, the vault's `redundancy`).
    pub span: Span,
    /// The region, as the resource's is written.
    pub region: String,
    /// What keeps them there: "backup plan `aws_backup_plan.daily` (rule
    /// `daily`), in vault `aws_backup_vault.main`".
    pub what: String,
    /// Further places: the vault's region, the selection of the resource.
    pub related: Vec<(Span, String)>,
    pub help: String,
}

impl Detail {
    /// Boxed for an [`Instance`]: `None` when it holds nothing.
    pub fn boxed(self) -> Option<Box<Detail>> {
        let Detail {
            budgets,
            pod_labels,
            selector,
            unmodelled_pods,
            cloud,
            release,
            backups,
        } = &self;
        let empty = budgets.is_empty()
            && pod_labels.is_empty()
            && selector.is_none()
            && unmodelled_pods.is_none()
            && cloud.is_empty()
            && release.is_none()
            && backups.is_empty();
        (!empty).then(|| Box::new(self))
    }
}

/// What an instance without [`Detail`] reads as.
static NO_DETAIL: Detail = Detail {
    budgets: Vec::new(),
    pod_labels: BTreeMap::new(),
    selector: None,
    unmodelled_pods: None,
    cloud: Vec::new(),
    release: None,
    backups: Vec::new(),
};

impl Instance {
    /// A declaration at `span` with nothing known yet: no cluster, no
    /// placement, no dependencies; frontends fill in what they read.
    pub fn at(span: Span) -> Self {
        Self {
            cluster: None,
            span,
            workload: None,
            placement: Placement::default(),
            dependencies: Dependencies::default(),
            combine: Combine::All,
            detail: None,
            region: None,
            transparent: false,
            copy: None,
            manages: Dependencies::default(),
            place: None,
        }
    }

    /// Its pods, selector, cloud facts and release: empty when nothing set
    /// them.
    pub fn detail(&self) -> &Detail {
        self.detail.as_deref().unwrap_or(&NO_DETAIL)
    }

    /// Its [`Detail`] to fill in, made when it has none.
    pub fn detail_mut(&mut self) -> &mut Detail {
        self.detail.get_or_insert_with(Box::default)
    }
}

/// Images that make a workload a datastore rather than a service.
const DATASTORES: &[&str] = &[
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "redis",
    "valkey",
    "mongo",
    "cassandra",
    "elasticsearch",
    "opensearch",
    "kafka",
    "zookeeper",
    "etcd",
    "rabbitmq",
    "memcached",
    "cockroach",
    "minio",
    "clickhouse",
    "nats",
    "mssql",
    "influxdb",
    "couchdb",
    "neo4j",
    "consul",
    "vault",
];

/// Whether an image is a datastore's: its name, or a path segment before
/// it, starts with one (`postgres:16`, `bitnami/redis`, `redislabs/redismod`,
/// `mssql/server`), not an application merely named after one
/// (`etl-kafka`).
pub fn is_datastore_image(image: &str) -> bool {
    let image = image
        .split('@')
        .next()
        .unwrap_or(image)
        .to_ascii_lowercase();
    let path = match image.rfind('/') {
        Some(slash) => match image[slash..].find(':') {
            Some(colon) => &image[..slash + colon],
            None => &image,
        },
        None => image.split(':').next().unwrap_or(&image),
    };
    path.split('/')
        .any(|segment| DATASTORES.iter().any(|d| segment.starts_with(d)))
}

/// Entity ids of Kubernetes objects: `k8s:Kind/namespace/name`.
pub const K8S_ID_PREFIX: &str = "k8s:";

/// Entity ids of Terraform resources: `tf:` and the address.
pub const TERRAFORM_ID_PREFIX: &str = "tf:";

/// The input format an entity was declared in. Its id starts with the
/// format's prefix too, but stages ask this.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A Kubernetes object (`k8s:`).
    Kubernetes,
    /// A Terraform resource, from configuration or a plan (`tf:`).
    Terraform,
    /// A service of a compose project (`compose:`).
    Compose,
    /// A service of a swarm stack file, `docker-stack.yml` (`stack:`).
    Stack,
    /// A task group of a Nomad job (`nomad:`).
    Nomad,
    /// A Backstage catalog entity (`backstage:`).
    Backstage,
    /// A service, datastore or tool of spof's service manifest
    /// (`manifest:`).
    Manifest,
}

/// A product of the tool catalog (`rules/tools.toml`), by its position
/// there: two bytes on an entity rather than the product's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ToolId(pub u16);

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Entity {
    /// Stable id: `k8s:Deployment/default/web`.
    pub id: String,
    /// The format it was declared in.
    pub origin: Origin,
    /// Kind as shown to users: `Deployment`.
    pub kind: String,
    /// The Kubernetes namespace; a Terraform resource's root module.
    pub namespace: Option<String>,
    pub name: String,
    pub role: Role,
    /// For a tool, what kind (`deploy`, `monitoring`, `sso`, …): every tool
    /// of one kind in one failure domain is a finding of its own.
    pub tool_kind: Option<String>,
    /// For a tool recognised by what it runs, its product: the components
    /// of one installation (Argo CD's server, controller and repo server)
    /// are one product, and a tool does not manage its own installation.
    #[serde(default)]
    pub tool: Option<ToolId>,
    /// How critical it is, as declared ([`parse_tier`]): 1 (most critical)
    /// to 4, or 0 when nothing declares it.
    #[serde(default)]
    pub tier: u8,
    pub instances: Vec<Instance>,
    /// Where the entity is declared, when its kind, namespace and name are
    /// declared in other places too (a directory, an environment): the id
    /// and the label end in `@` and it (see [`scope`]). Set after
    /// extraction, so never cached.
    #[serde(skip)]
    pub place: Option<String>,
}

impl Entity {
    /// `Deployment default/web`, for messages; a Terraform resource's
    /// address. An entity with a place: `Deployment default/web@samples/a`.
    pub fn label(&self) -> String {
        // Terraform resources: the address (their root shows in locations),
        // and the root module's environment when it has several.
        if self.origin == Origin::Terraform {
            let env = self.namespace.as_deref().and_then(scope::environment_of);
            return match env {
                Some(env) => format!("{}{}{env}", self.name, scope::PLACE_SEPARATOR),
                None => self.name.clone(),
            };
        }
        let place = self
            .place
            .as_deref()
            .map_or(String::new(), |p| format!("{}{p}", scope::PLACE_SEPARATOR));
        match &self.namespace {
            Some(ns) => format!("{} {}/{}{place}", self.kind, ns, self.name),
            None => format!("{} {}{place}", self.kind, self.name),
        }
    }

    /// The id without its place: what every declaration of the kind,
    /// namespace and name shares (`k8s:Deployment/default/web`).
    pub fn base_id(&self) -> &str {
        match &self.place {
            Some(place) => self
                .id
                .get(..self.id.len().saturating_sub(place.len() + 1))
                .unwrap_or(&self.id),
            None => &self.id,
        }
    }
}

/// A suppression written in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Rule codes or names.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// `until=YYYY-MM-DD` in the reason: when the accepted risk is due.
    pub expiry: Option<Expiry>,
    pub span: Span,
    pub scope: SuppressionScope,
}

impl Suppression {
    /// An entity suppression written as `"SPOF001,SPOF009: reason"` (the
    /// `spof.dev/ignore` annotation, label or meta entry) at `span`.
    pub fn for_entity(text: &str, span: Span, entity: &str) -> Self {
        let (codes, reason) = text.split_once(':').unwrap_or((text, ""));
        let (expiry, reason) = Expiry::split(reason);
        Self {
            rules: codes
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            reason,
            expiry,
            span,
            scope: SuppressionScope::Entity(entity.to_string()),
        }
    }
}

/// An `[[accept]]` entry of `spof.toml`: single points of failure their
/// owners accept. Findings it covers leave the exit code and the report's
/// headline, and are listed with the reason and the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// What it accepts, as written: `domain region:capital`, `level region`
    /// or `entity k8s:Deployment/ops/*`.
    pub what: String,
    pub reason: String,
    pub owner: String,
    /// The last day (UTC) it applies.
    pub until: Option<crate::date::Date>,
    /// The `[[accept]]` key that names what it accepts.
    pub span: Span,
}

/// When a suppression stops applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// The last day (UTC) the suppression applies.
    Until(crate::date::Date),
    /// A malformed `until=`, in words; the suppression does not apply.
    Invalid(String),
}

pub const UNTIL_PREFIX: &str = "until=";

impl Expiry {
    /// Splits a suppression's reason into its `until=YYYY-MM-DD` word (at
    /// most one, anywhere among the words) and the reason proper.
    pub fn split(reason: &str) -> (Option<Expiry>, Option<String>) {
        let words: Vec<&str> = reason.split_whitespace().collect();
        let dates: Vec<&str> = words
            .iter()
            .filter_map(|w| w.strip_prefix(UNTIL_PREFIX))
            .collect();
        let expiry = match dates.as_slice() {
            [] => {
                let reason = reason.trim();
                return (None, (!reason.is_empty()).then(|| reason.to_string()));
            }
            [date] => Some(match crate::date::Date::parse(date) {
                Some(date) => Expiry::Until(date),
                None => {
                    // Quote enough to recognise it, not a whole line.
                    let mut shown: String = date.chars().take(16).collect();
                    if shown.len() < date.len() {
                        shown.push('…');
                    }
                    Expiry::Invalid(format!(
                        "`{UNTIL_PREFIX}{shown}` is not a valid date (YYYY-MM-DD)"
                    ))
                }
            }),
            _ => Some(Expiry::Invalid(format!(
                "it names {} `{UNTIL_PREFIX}` dates",
                dates.len()
            ))),
        };
        let rest: Vec<&str> = words
            .into_iter()
            .filter(|w| !w.starts_with(UNTIL_PREFIX))
            .collect();
        (expiry, (!rest.is_empty()).then(|| rest.join(" ")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuppressionScope {
    /// `spof.dev/ignore` annotation: findings about this entity.
    Entity(String),
    /// `# spof:ignore[...]` comment: findings whose primary location is on
    /// this 0-based line of the file (the comment's line or the next).
    Lines {
        file: crate::source::FileId,
        first: usize,
        last: usize,
    },
}

/// Facts about nodes: domains their labels name, per cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFacts {
    pub cluster: Option<usize>,
    pub name: String,
    pub zone: Option<(String, Span)>,
    pub region: Option<(String, Span)>,
}

/// A Terraform module call, a Helm chart's dependency, or a part of a
/// Kustomize build, whose resources the analysis cannot see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfollowedModule {
    /// The call's address: `module.vpc`; for a chart, its dependency and
    /// chart; for a kustomization, what the entry is (`remote resource`).
    pub module: String,
    /// The `source` as written.
    pub source: String,
    /// Registry, git, HTTP or bucket (never fetched), rather than a local
    /// directory that was not scanned (for a chart: a packaged `.tgz`).
    pub remote: bool,
    pub kind: Unfollowed,
    /// The `source` attribute (the dependency's entry in `Chart.yaml`, the
    /// kustomization's entry).
    pub span: Span,
}

/// What an [`UnfollowedModule`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfollowed {
    /// A Terraform module call.
    Module,
    /// A Helm chart's dependency (`source` is its repository, or its
    /// `.tgz` under `charts/`).
    Chart,
    /// A part of a kustomization that is not built.
    Kustomize(KustomizeGap),
}

/// Which part of a kustomization is not built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KustomizeGap {
    /// A remote resource (`source` is its URL), never fetched.
    Resource,
    /// A remote patch, never fetched.
    Patch,
    /// A chart of `helmCharts` that is not in the chart home (`module`
    /// names it, `source` is its repository).
    Chart,
    /// A plugin field (`module` is `generators`, `transformers` or
    /// `validators`), never run.
    Plugin,
    /// An entry of such a field that configures kustomize's built-in
    /// transformers or generators (`source` names their kinds), not
    /// applied.
    Builtin,
}

/// A Terraform expression left unknown because its evaluation reached a
/// limit: the first one reached in its root module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationLimit {
    /// The expression.
    pub span: Span,
    pub kind: LimitKind,
}

/// Which limit an evaluation reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// The value grew too large.
    Size,
    /// The root module's budget of work ran out there: what is evaluated
    /// after it is unknown too.
    Work,
    /// A `count` or `for_each` makes more instances than its root module may
    /// have: they are one unknown instance.
    Instances,
}

/// Everything extracted from the inputs.
#[derive(Debug, Default)]
pub struct Model {
    pub entities: Vec<Entity>,
    /// Zones declared inside a region (a manifest site's `region`): zone
    /// name, region name.
    pub regions: Vec<(String, String)>,
    pub suppressions: Vec<Suppression>,
    pub nodes: Vec<NodeFacts>,
    pub unfollowed_modules: Vec<UnfollowedModule>,
    /// Where each input file is, for resolving references to the nearest
    /// declaration.
    pub places: scope::Places,
    pub evaluation_limits: Vec<EvaluationLimit>,
    /// Text a Helm template writes with a value read from a values file:
    /// a finding there is decided at the values line.
    pub value_lines: Vec<ValueLine>,
    /// Values of built Kustomize objects that a patch or a `replicas:`
    /// entry wrote over the lines of a base: a finding at the value lists
    /// them.
    pub replaced_values: Vec<ReplacedValue>,
    /// Host names that entities serve (an Ingress rule's `host`, a
    /// manifest's `hosts`), lowercase, with the serving entity's id: what a
    /// [`Reference::Host`] names.
    pub hosts: Vec<(String, String)>,
    /// The admission webhooks that fail closed and are served by a Service
    /// in the scanned files: the recovery dependencies whose span is one of
    /// theirs are the webhook's.
    pub admission_webhooks: Vec<AdmissionWebhook>,
    /// Backups stored in a cloud region (a Velero backup storage
    /// location's `config.region`): compared with the region of the
    /// cluster they back up.
    pub backup_regions: Vec<BackupRegion>,
    /// Repositories of container images that entities serve (a Terraform
    /// `aws_ecr_repository`): what a [`Reference::Image`] names.
    pub image_repositories: Vec<ImageRepository>,
}

/// A repository of container images an entity serves: the images whose
/// registry host and repository path it matches are pulled from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageRepository {
    pub host: RegistryHost,
    pub path: RepositoryPath,
    /// The serving entity's id.
    pub id: String,
}

/// The host a repository's images are pulled from, lowercase.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RegistryHost {
    /// This host (`shop.azurecr.io`).
    Exact(String),
    /// A host of any account ending with this suffix
    /// (`.dkr.ecr.eu-west-1.amazonaws.com`): an ECR repository's account
    /// is rarely written where the repository is.
    AnyAccount(String),
}

/// Which images of its host a repository holds, by their path (the image
/// reference without host, tag or digest).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RepositoryPath {
    /// The image of this path (an ECR repository `team/web`).
    Exact(String),
    /// The images under these first segments, `None` standing for any one
    /// (Artifact Registry's `<project>/<repository>/…`); none, every image
    /// of the host (an Azure container registry).
    Under(Vec<Option<String>>),
}

impl ImageRepository {
    /// Whether the image `host`/`path` is pulled from this repository.
    pub fn serves(&self, host: &str, path: &str) -> bool {
        let host_matches = match &self.host {
            RegistryHost::Exact(h) => h == host,
            RegistryHost::AnyAccount(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|account| !account.is_empty() && !account.contains('.')),
        };
        host_matches
            && match &self.path {
                RepositoryPath::Exact(p) => p == path,
                RepositoryPath::Under(prefix) => {
                    let segments: Vec<&str> = path.split('/').collect();
                    segments.len() > prefix.len()
                        && prefix
                            .iter()
                            .zip(&segments)
                            .all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
                }
            }
    }
}

/// A backup location in a named cloud region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRegion {
    /// The line that names the region.
    pub span: Span,
    /// The region, as written.
    pub region: String,
    /// The cluster whose objects and volumes it backs up.
    pub cluster: Option<usize>,
    /// What stores there: "BackupStorageLocation `default` (bucket
    /// `backups`)".
    pub what: String,
}

/// An admission webhook that fails closed (`failurePolicy: Fail`): while
/// its Service is down, the API server refuses what it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionWebhook {
    /// Its `failurePolicy` value, else its `name` (the policy defaulted):
    /// the span of the recovery dependencies it makes.
    pub span: Span,
    /// The webhook's `name`.
    pub name: String,
    /// `MutatingWebhookConfiguration/istio-sidecar-injector`.
    pub configuration: String,
}

/// A value a template writes (`replicas: {{ .Values.replicaCount }}`) and
/// the values line that set it (`replicaCount: 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueLine {
    /// Where the rendered value is written, in the template.
    pub written: Span,
    /// Where the values file sets it.
    pub set: Span,
    /// The release rendered with those values ([`Instance::release`]);
    /// `None` for a chart rendered with its own values.
    pub release: Option<String>,
    /// The root kustomization whose build inflated the chart (of its
    /// `helmCharts`, [`Instance::place`] of the objects it builds); `None`
    /// for a chart Helm's frontend rendered.
    pub root: Option<crate::source::FileId>,
}

/// A value a kustomization's patch or `replicas:` entry wrote over the
/// values of other lines (the base's `replicas: 3`, an overlay's patch
/// above it), in the build of one root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacedValue {
    /// Where the value that stands is written.
    pub written: Span,
    /// Each line it replaced, the nearest first, with what it says there
    /// ("the base sets `replicas: 3` here; a patch replaces it").
    pub lines: Vec<(Span, String)>,
    /// The root kustomization whose build it is ([`Instance::place`] of
    /// the objects it builds).
    pub root: crate::source::FileId,
}

impl Model {
    /// Adds what `other` holds after what this model holds, as if its
    /// extractors had run on this model after the others.
    pub fn append(&mut self, other: Model) {
        let Model {
            entities,
            regions,
            suppressions,
            nodes,
            unfollowed_modules,
            places: _,
            evaluation_limits,
            value_lines,
            replaced_values,
            hosts,
            admission_webhooks,
            backup_regions,
            image_repositories,
        } = other;
        self.replaced_values.extend(replaced_values);
        self.backup_regions.extend(backup_regions);
        self.image_repositories.extend(image_repositories);
        self.hosts.extend(hosts);
        self.admission_webhooks.extend(admission_webhooks);
        self.value_lines.extend(value_lines);
        self.entities.extend(entities);
        self.regions.extend(regions);
        self.suppressions.extend(suppressions);
        self.nodes.extend(nodes);
        self.unfollowed_modules.extend(unfollowed_modules);
        self.evaluation_limits.extend(evaluation_limits);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_repository_serves_the_images_of_its_host_and_path() {
        use super::{ImageRepository, RegistryHost, RepositoryPath};
        let ecr = ImageRepository {
            host: RegistryHost::AnyAccount(".dkr.ecr.us-east-1.amazonaws.com".into()),
            path: RepositoryPath::Exact("shop/web".into()),
            id: "tf:aws_ecr_repository.web".into(),
        };
        assert!(ecr.serves("123456789012.dkr.ecr.us-east-1.amazonaws.com", "shop/web"));
        assert!(!ecr.serves("123456789012.dkr.ecr.us-east-1.amazonaws.com", "shop/api"));
        assert!(!ecr.serves("123456789012.dkr.ecr.us-west-2.amazonaws.com", "shop/web"));
        // An account is one label, and there is one.
        assert!(!ecr.serves(".dkr.ecr.us-east-1.amazonaws.com", "shop/web"));
        assert!(!ecr.serves("a.b.dkr.ecr.us-east-1.amazonaws.com", "shop/web"));
        let gar = ImageRepository {
            host: RegistryHost::Exact("us-central1-docker.pkg.dev".into()),
            path: RepositoryPath::Under(vec![None, Some("images".into())]),
            id: "tf:google_artifact_registry_repository.images".into(),
        };
        assert!(gar.serves("us-central1-docker.pkg.dev", "any-project/images/web"));
        assert!(!gar.serves("us-central1-docker.pkg.dev", "any-project/images"));
        assert!(!gar.serves("us-central1-docker.pkg.dev", "any-project/other/web"));
        let acr = ImageRepository {
            host: RegistryHost::Exact("shop.azurecr.io".into()),
            path: RepositoryPath::Under(Vec::new()),
            id: "tf:azurerm_container_registry.shop".into(),
        };
        assert!(acr.serves("shop.azurecr.io", "web"));
        assert!(!acr.serves("shop.azurecr.io.evil.example", "web"));
    }

    #[test]
    fn tiers_are_read_as_numbers_or_words() {
        use super::{parse_tier, tier_weight};
        for (text, tier) in [
            ("1", Some(1)),
            ("tier1", Some(1)),
            ("Tier-2", Some(2)),
            ("tier 3", Some(3)),
            ("t4", Some(4)),
            ("critical", Some(1)),
            (" HIGH ", Some(2)),
            ("standard", Some(3)),
            ("low", Some(4)),
            ("0", None),
            ("5", None),
            ("gold", None),
            ("", None),
        ] {
            assert_eq!(parse_tier(text), tier, "{text:?}");
        }
        assert_eq!([1, 2, 3, 4, 0].map(tier_weight), [8, 4, 2, 1, 2]);
    }

    use super::{Domain, Level};

    #[test]
    fn a_domain_is_written_and_read_back_with_its_name_as_a_string() {
        let domain = Domain::new(Level::Zone, "eu-west-1a");
        let json = serde_json::to_string(&domain).unwrap();
        assert_eq!(json, r#"{"level":"zone","name":"eu-west-1a"}"#);
        let back: Domain = serde_json::from_str(&json).unwrap();
        assert_eq!(back, domain);
        // The cache's encoding: the same bytes as a `String` name gives.
        let bytes = postcard::to_allocvec(&domain).unwrap();
        let plain = postcard::to_allocvec(&(Level::Zone, "eu-west-1a".to_string())).unwrap();
        assert_eq!(bytes, plain);
        assert_eq!(postcard::from_bytes::<Domain>(&bytes).unwrap(), domain);
    }

    use super::{Dependencies, Dependency, Detail, Instance, Pin, Placement, Reference, Strength};
    use crate::source::{FileId, Span, TextRange};

    fn dependency(id: &str) -> Dependency {
        Dependency {
            target: Reference::Id(id.to_string()),
            strength: Strength::Hard,
            span: Span::new(FileId(0), TextRange::empty(0)),
            via: "depends_on".into(),
            explicit: true,
            origin: None,
        }
    }

    /// A large estate holds millions of declarations (a service manifest's
    /// service is one per site): what each of them carries inline is most
    /// of the model's memory, so the parts few formats set are boxed.
    #[test]
    fn a_declaration_stays_small() {
        assert_eq!(size_of::<Dependencies>(), 8);
        assert_eq!(size_of::<Option<Box<Detail>>>(), 8);
        assert!(size_of::<Pin>() <= 80, "{}", size_of::<Pin>());
        assert_eq!(size_of::<super::Names>(), 24);
        assert!(size_of::<Placement>() <= 56, "{}", size_of::<Placement>());
        assert!(size_of::<Instance>() <= 168, "{}", size_of::<Instance>());
    }

    #[test]
    fn a_writer_that_adds_nothing_leaves_no_list() {
        let mut list = Dependencies::default();
        list.extend(Vec::new());
        list.iter_mut().for_each(|d| d.explicit = false);
        list.retain(|_| true);
        assert!(list.shares(&Dependencies::default()));
        let taken = list.take();
        assert_eq!(taken.capacity(), 0);
        list = taken.into();
        assert!(list.shares(&Dependencies::default()));
        // A list emptied by `retain` is freed.
        list.push(dependency("manifest:db"));
        assert!(!list.shares(&Dependencies::default()));
        list.retain(|_| false);
        assert!(list.shares(&Dependencies::default()));
    }

    #[test]
    fn a_list_is_held_at_its_length_and_taken_without_touching_its_sharers() {
        let mut grown = Vec::with_capacity(8);
        grown.push(dependency("manifest:db"));
        let mut first = Instance::at(Span::new(FileId(0), TextRange::empty(0)));
        first.dependencies = grown.into();
        assert_eq!(first.dependencies.capacity(), 1);
        let mut second = first.clone();
        let mut taken = second.dependencies.take();
        taken.push(dependency("manifest:cache"));
        second.dependencies = taken.into();
        assert_eq!(first.dependencies.len(), 1);
        assert_eq!(second.dependencies.len(), 2);
    }

    #[test]
    fn shared_copy_names_are_written_as_strings() {
        use std::sync::Arc;
        // (A span is written only inside the cache's own context.)
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Shared {
            #[serde(with = "super::shared_copy")]
            copy: Option<Arc<str>>,
            #[serde(with = "super::shared_region")]
            region: Option<(Arc<str>, Span)>,
        }
        let shared = Shared {
            copy: Some(Arc::from("pangyo")),
            region: None,
        };
        let plain: (Option<String>, Option<(String, Span)>) = (Some("pangyo".to_string()), None);
        let bytes = postcard::to_allocvec(&shared).unwrap();
        assert_eq!(bytes, postcard::to_allocvec(&plain).unwrap());
        let back: Shared = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.copy.as_deref(), Some("pangyo"));
        assert!(back.region.is_none());
    }

    /// Pin names and placements are written as the `Vec<String>` and the
    /// one struct they were: the cache's bytes do not change.
    #[test]
    fn names_and_placements_are_written_as_before() {
        use super::{Names, Placement};
        use std::sync::Arc;
        let one = Names::one("pangyo");
        let many: Names = vec!["a", "b"].into();
        assert!(matches!(one, Names::One(_)));
        assert_eq!((one.len(), &*one[0]), (1, "pangyo"));
        assert_eq!(many, ["a", "b"]);
        assert!(many.has("b") && !many.has("c"));
        // One name however it is made.
        assert_eq!(one, Names::from(vec!["pangyo".to_string()]));
        assert_eq!(format!("{many:?}"), r#"["a", "b"]"#);
        for (names, plain) in [(one, vec!["pangyo"]), (many, vec!["a", "b"])] {
            let bytes = postcard::to_allocvec(&names).unwrap();
            assert_eq!(bytes, postcard::to_allocvec(&plain).unwrap());
            let back: Names = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back, names);
        }
        let shared: Arc<str> = Arc::from("site-1");
        let copies = [Names::one(Arc::clone(&shared)), Names::one(shared)];
        assert!(Arc::ptr_eq(&copies[0][0], &copies[1][0]));

        // A placement with nothing: seven fields, each absent or empty.
        let placement = Placement::default();
        let bytes = postcard::to_allocvec(&placement).unwrap();
        assert_eq!(bytes, [0; 7]);
        let back: Placement = postcard::from_bytes(&bytes).unwrap();
        assert!(back.spreading.is_none());
        assert_eq!(back, placement);
        // Written through, then emptied: equal, and freed by `compact`.
        let mut written = Placement::default();
        written.spreads.clear();
        assert!(written.spreading.is_some());
        assert_eq!(written, placement);
        written.compact();
        assert!(written.spreading.is_none());
    }

    #[test]
    fn copies_share_their_dependencies_until_one_changes_them() {
        let mut first = Instance::at(Span::new(FileId(0), TextRange::empty(0)));
        first.dependencies = vec![dependency("manifest:db")].into();
        let second = first.clone();
        assert!(first.dependencies.shares(&second.dependencies));
        let mut changed = first.clone();
        changed.dependencies.push(dependency("manifest:cache"));
        assert!(!changed.dependencies.shares(&first.dependencies));
        assert_eq!(first.dependencies.len(), 1);
        assert_eq!(second.dependencies.len(), 1);
        assert_eq!(changed.dependencies.len(), 2);
        // Empty, a list holds nothing, and reads as empty.
        assert!(Dependencies::from(Vec::new()).is_empty());
        assert!(
            Instance::at(first.span)
                .dependencies
                .shares(&Dependencies::default())
        );
    }

    #[test]
    fn a_dependency_added_to_every_copy_is_added_to_their_one_list() {
        let span = Span::new(FileId(0), TextRange::empty(0));
        let mut copy = Instance::at(span);
        copy.dependencies = vec![dependency("manifest:db")].into();
        let mut instances = vec![copy.clone(), copy.clone(), Instance::at(span)];
        super::add_to_every(&mut instances, &dependency("manifest:sso"));
        assert!(instances[0].dependencies.shares(&instances[1].dependencies));
        let targets = |i: &Instance| -> Vec<Reference> {
            i.dependencies.iter().map(|d| d.target.clone()).collect()
        };
        let both = vec![
            Reference::Id("manifest:db".into()),
            Reference::Id("manifest:sso".into()),
        ];
        assert_eq!(targets(&instances[0]), both);
        assert_eq!(targets(&instances[1]), both);
        assert_eq!(targets(&instances[2]), both[1..]);
        // The list it was made from is unchanged.
        assert_eq!(copy.dependencies.len(), 1);
    }

    #[test]
    fn a_declaration_without_detail_reads_as_an_empty_one() {
        let span = Span::new(FileId(0), TextRange::empty(0));
        let mut instance = Instance::at(span);
        assert!(instance.detail.is_none());
        assert!(instance.detail().pod_labels.is_empty());
        assert!(instance.detail().release.is_none());
        assert!(Detail::default().boxed().is_none());
        instance.detail_mut().release = Some("prod".into());
        assert_eq!(instance.detail().release.as_deref(), Some("prod"));
        let released = Detail {
            release: Some("prod".into()),
            ..Detail::default()
        };
        assert!(released.boxed().is_some());
    }

    #[test]
    fn copies_of_a_domain_share_its_name() {
        let domain = Domain::new(Level::Region, String::from("eu-west-1"));
        let copy = domain.clone();
        assert!(std::sync::Arc::ptr_eq(&domain.name, &copy.name));
        assert_eq!(copy.to_string(), "region:eu-west-1");
    }
}
