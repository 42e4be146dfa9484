//! The provider knowledge base: for each Terraform resource type, what it is
//! (its role), where its placement is written, and which attribute values
//! make it survive the loss of a zone or of one instance. It is data —
//! `rules/providers/*.toml`, embedded at build time, plus the user's files
//! given with `--rules DIR` — and [`extract`] applies it to the frontend's
//! [`Resource`](super::Resource)s to build model entities with their
//! dependencies and [`CloudFact`](crate::model::CloudFact)s.
//!
//! The file format is documented at the top of `rules/providers/aws.toml`.
//! Judgements that are genuinely about several resources (one NAT gateway
//! serving subnets in several zones) are built-in checks written in Rust
//! and named by an entry's `check` key.

mod extract;
#[cfg(test)]
mod module_tests;
mod schema;
#[cfg(test)]
mod tests;

pub use extract::{extract, extract_by_root};

use crate::diagnostic::Diagnostic;
use crate::model::{CloudClass, Role};
use crate::source::FileId;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The resource type that stands for a call of a registry module the
/// module knowledge base judges at the call site: `module:` and the
/// module's registry address (`module:terraform-aws-modules/vpc/aws`).
pub const MODULE_PREFIX: &str = "module:";

/// Error code of diagnostics about knowledge-base files.
pub const RULES_ERROR: &str = "rules-error";

/// The builtin files, in load order, by their path below
/// `rules/providers/`: the provider knowledge base, then the module
/// knowledge base (`rules/modules/`).
const BUILTIN: &[(&str, &str)] = &[
    (
        "aws.toml",
        include_str!("../../../../rules/providers/aws.toml"),
    ),
    (
        "google.toml",
        include_str!("../../../../rules/providers/google.toml"),
    ),
    (
        "azurerm.toml",
        include_str!("../../../../rules/providers/azurerm.toml"),
    ),
    (
        "utility.toml",
        include_str!("../../../../rules/providers/utility.toml"),
    ),
    (
        "../modules/aws.toml",
        include_str!("../../../../rules/modules/aws.toml"),
    ),
    (
        "../modules/google.toml",
        include_str!("../../../../rules/modules/google.toml"),
    ),
    (
        "../modules/azurerm.toml",
        include_str!("../../../../rules/modules/azurerm.toml"),
    ),
    (
        "../modules/cloudposse.toml",
        include_str!("../../../../rules/modules/cloudposse.toml"),
    ),
];

/// What a resource type is, in the knowledge base's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbRole {
    Compute,
    Cluster,
    Datastore,
    Cache,
    Queue,
    Search,
    Storage,
    Network,
    /// Pure configuration (IAM, security groups, subnets, parameter
    /// groups): not an entity, and references to it are not dependencies.
    Config,
}

impl KbRole {
    pub const NAMES: &'static [&'static str] = &[
        "compute",
        "cluster",
        "datastore",
        "cache",
        "queue",
        "search",
        "storage",
        "network",
        "config",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "compute" => KbRole::Compute,
            "cluster" => KbRole::Cluster,
            "datastore" => KbRole::Datastore,
            "cache" => KbRole::Cache,
            "queue" => KbRole::Queue,
            "search" => KbRole::Search,
            "storage" => KbRole::Storage,
            "network" => KbRole::Network,
            "config" => KbRole::Config,
            _ => return None,
        })
    }

    /// The model role of entities of this type; `None` for configuration.
    pub fn model_role(self) -> Option<Role> {
        Some(match self {
            KbRole::Compute => Role::Service,
            KbRole::Cluster => Role::Platform,
            KbRole::Datastore
            | KbRole::Cache
            | KbRole::Queue
            | KbRole::Search
            | KbRole::Storage => Role::Datastore,
            KbRole::Network => Role::Network,
            KbRole::Config => return None,
        })
    }

    pub fn class(self) -> CloudClass {
        match self {
            KbRole::Compute | KbRole::Cluster | KbRole::Config => CloudClass::Compute,
            KbRole::Datastore
            | KbRole::Cache
            | KbRole::Queue
            | KbRole::Search
            | KbRole::Storage => CloudClass::Datastore,
            KbRole::Network => CloudClass::Network,
        }
    }
}

/// A literal a condition compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Bool(bool),
    Number(f64),
    String(String),
}

/// What a condition tests about an attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal (strings compare case-insensitively).
    Is(Lit),
    OneOf(Vec<Lit>),
    NotOneOf(Vec<Lit>),
    /// A number at least N.
    AtLeast(f64),
    /// A list (or repeated block) with at least N entries.
    LengthAtLeast(usize),
    /// Set (`true`) or not set (`false`).
    Present(bool),
}

/// A condition on a resource, three-valued: an unknown value makes it
/// unknown, and an unknown judgement says nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Attr {
        /// Dotted path into nested blocks: `high_availability.mode`.
        path: String,
        test: Test,
        /// The provider's default when the attribute is not set.
        default: Option<Lit>,
    },
    All(Vec<Cond>),
    Any(Vec<Cond>),
    /// At least N resources of the entry's `members` type refer to it.
    MembersAtLeast(usize),
    /// The scanned files declare at least N resources of its type.
    EstateAtLeast(usize),
}

/// The failure a fact rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Zone,
    Instance,
}

/// One way a resource type is a single point of failure.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRule {
    pub unit: UnitKind,
    /// Overrides the entry's [`Entry::zonal`] for this fact.
    pub zonal: Option<bool>,
    /// All must hold.
    pub when: Vec<Cond>,
    /// None may hold: any of them makes the resource redundant.
    pub unless: Vec<Cond>,
    pub message: String,
    pub help: String,
}

/// Resources of another type that make up this one (the instances of an
/// Aurora cluster, the mount targets of a file system).
#[derive(Debug, Clone, PartialEq)]
pub struct Members {
    pub kind: String,
    /// The member's attribute that refers to this resource.
    pub attr: String,
}

/// Resources of another type that keep a number of members in being
/// without declaring them: an Application Auto Scaling target on an Aurora
/// cluster's read replicas always keeps `min_capacity` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledMembers {
    pub kind: String,
    /// The scaler's attribute that refers to this resource.
    pub attr: String,
    /// The scaler's attribute holding how many members it keeps at least.
    pub minimum: String,
    /// All must hold of the scaler for it to keep members of this resource.
    pub when: Vec<Cond>,
}

/// Cross-resource judgements written in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// One NAT gateway serving route tables of subnets in other zones.
    NatGatewayRoutes,
    /// The nodes of a GKE cluster, or of a node pool that takes its
    /// cluster's zones, all in one zone.
    GkeNodeLocations,
}

impl Check {
    pub const NAMES: &'static [&'static str] = &["nat-gateway-routes", "gke-node-locations"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "nat-gateway-routes" => Some(Check::NatGatewayRoutes),
            "gke-node-locations" => Some(Check::GkeNodeLocations),
            _ => None,
        }
    }
}

/// Resources a module call declares inline: an argument that is a map of
/// objects, one resource per entry (`eks_managed_node_groups = { default =
/// { … } }`), each judged as a call of another module entry with the
/// entry's keys as its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Inline {
    /// The call's argument holding the map.
    pub attr: String,
    /// The type each entry is judged as: `module:` and the address.
    pub kind: String,
    /// Arguments of the call an entry takes when it does not set them
    /// itself (`coalesce(each.value.subnet_ids, var.subnet_ids)`).
    pub inherit: Vec<String>,
    /// All must hold of the call for the entries to exist.
    pub when: Vec<Cond>,
}

/// What the knowledge base knows about one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub role: KbRole,
    /// In one zone by nature (unless a fact's `unless` holds), even when
    /// its configuration does not say which.
    pub zonal: bool,
    /// Always in exactly one zone (a subnet): a reference to it stands for
    /// one zone even when which one is not written.
    pub one_zone: bool,
    /// Where its zones are written, in order: the first one set decides.
    pub placement: Vec<String>,
    /// Instances of one resource (`count`/`for_each`) are replicas of each
    /// other: judged together.
    pub replicated_by_count: bool,
    pub transparent: bool,
    pub members: Option<Members>,
    pub scaled_members: Option<ScaledMembers>,
    pub check: Option<Check>,
    pub facts: Vec<FactRule>,
    /// For a module: the resources its calls declare inline.
    pub inline: Vec<Inline>,
}

/// A knowledge base as a run holds it: the built-in one is parsed the
/// first time it is used, so that a run that reads no Terraform (a
/// pre-commit run on charts, say) does not parse it.
#[derive(Debug, Clone, Default)]
pub struct Knowledge(OnceLock<KnowledgeBase>);

impl Knowledge {
    /// The built-in knowledge base, parsed when first used.
    pub fn builtin() -> Self {
        Self(OnceLock::new())
    }

    /// `kb`, as it is.
    pub fn of(kb: KnowledgeBase) -> Self {
        Self(OnceLock::from(kb))
    }
}

impl std::ops::Deref for Knowledge {
    type Target = KnowledgeBase;

    fn deref(&self) -> &KnowledgeBase {
        self.0.get_or_init(KnowledgeBase::builtin)
    }
}

#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entries: BTreeMap<String, Entry>,
    /// Type patterns of configuration-only resources: exact names, or
    /// prefixes ending in `*`.
    config: Vec<String>,
    /// Type patterns of resources that act or exist only while Terraform
    /// applies.
    apply_time: Vec<String>,
    /// BLAKE3 over every file added, in order: what the parse cache keys
    /// entities the knowledge base decided by.
    digest: [u8; 32],
}

impl KnowledgeBase {
    /// The knowledge base shipped with spof.
    pub fn builtin() -> Self {
        static BUILTIN_KB: OnceLock<KnowledgeBase> = OnceLock::new();
        BUILTIN_KB
            .get_or_init(|| {
                let mut kb = KnowledgeBase::default();
                for (name, text) in BUILTIN {
                    let diags = kb.extend(FileId(u32::MAX), text);
                    // The builtin files are tested to load cleanly.
                    assert!(
                        diags.is_empty(),
                        "rules/providers/{name} is invalid: {:?}",
                        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
                    );
                }
                kb
            })
            .clone()
    }

    /// Adds a knowledge-base file (same format as the builtin ones); its
    /// entries replace entries of the same resource type. An entry with
    /// errors is left out; the problems are returned.
    pub fn extend(&mut self, file: FileId, text: &str) -> Vec<Diagnostic> {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.digest);
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
        self.digest = *hasher.finalize().as_bytes();
        let (entries, patterns, mut diags) = schema::read(text, file);
        self.entries.extend(entries);
        self.config.extend(patterns.config);
        self.apply_time.extend(patterns.apply_time);
        diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diags
    }

    /// Identifies the files added, in order: equal digests, equal
    /// knowledge bases.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    pub fn entry(&self, kind: &str) -> Option<&Entry> {
        self.entries.get(kind)
    }

    /// Whether resources of the type are configuration only.
    pub fn is_config(&self, kind: &str) -> bool {
        match self.entries.get(kind) {
            Some(entry) => entry.role == KbRole::Config,
            // A call of a module the knowledge base does not know says
            // nothing of its own.
            None => kind.starts_with(MODULE_PREFIX) || matches_any(&self.config, kind),
        }
    }

    /// Whether resources of the type act or exist only while Terraform
    /// applies (a provisioner, a wait, a generated value, a patch of
    /// another resource): nothing of theirs runs afterwards, so depending
    /// on them orders the apply and is no dependency.
    pub fn is_apply_time(&self, kind: &str) -> bool {
        !self.entries.contains_key(kind) && matches_any(&self.apply_time, kind)
    }

    /// Whether resources of the type are no entities, and references to
    /// them no dependencies.
    pub fn is_inert(&self, kind: &str) -> bool {
        self.is_config(kind) || self.is_apply_time(kind)
    }

    /// Resource types with an entry.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
}

/// Whether a type matches one of `patterns`: exact names, or prefixes
/// ending in `*`.
fn matches_any(patterns: &[String], kind: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => p == kind,
    })
}
