//! Applying the knowledge base: resources become entities, references
//! become dependencies, and each entry's fact rules become cloud facts.

use super::{Check, Cond, Entry, FactRule, KnowledgeBase, Lit, Test, UnitKind};
use crate::frontends::terraform::{Attr, Block, Body, CountOrigin, Mode, Resource, SetBy, Value};
use crate::frontends::terraform::{recovery, symbolic};
use crate::model::{
    CloudFact, CloudUnit, Dependency, Detail, Entity, Instance, Model, Reference, Role, Strength,
};
use crate::source::Span;
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

/// References are followed this deep when resolving zones (a volume's
/// zone is its instance's, whose zone is its subnet's).
const MAX_DEPTH: usize = 8;

/// Zone names a placement keeps: no region has more zones, and a rule only
/// asks whether there are one or several. Past it, merging placements
/// (every instance of a group, every target of a reference) stays cheap.
const MAX_NAMES: usize = 64;

/// Places shown as evidence of one placement (where the zones of the
/// referenced resources are written): enough to show where they are, few
/// enough that a group of thousands of instances stays one short finding.
const MAX_EVIDENCE: usize = 8;

static UNKNOWN: Value = Value::Unknown;

/// Turns managed resources into entities. Data sources,
/// configuration-only types (IAM, security groups, subnets) and apply-time
/// types (`null_resource`, `time_sleep`) are not entities, and references
/// to them are not dependencies; they still serve to resolve zones.
///
/// Each root module is its own estate: resources are grouped by
/// [`Resource::root`], and references resolve within the root.
pub fn extract(resources: &[Resource], kb: &KnowledgeBase, model: &mut Model) {
    // Each root module is an estate of its own. Resources come sorted by
    // root from the pipeline: each root is then a slice, with no copy.
    if resources.is_sorted_by(|a, b| a.root <= b.root) {
        let extracted = extract_by_root(resources, kb);
        model
            .entities
            .extend(extracted.into_iter().flat_map(|(_, entities)| entities));
        return;
    }
    let mut roots: Vec<&str> = resources.iter().map(|r| r.root.as_str()).collect();
    roots.sort_unstable();
    roots.dedup();
    if roots.len() <= 1 {
        return extract_root(resources, kb, model);
    }
    for root in roots {
        let group: Vec<Resource> = resources
            .iter()
            .filter(|r| r.root == root)
            .cloned()
            .collect();
        extract_root(&group, kb, model);
    }
}

/// The entities of each root module of `resources`, which are sorted by
/// root: roots are independent, extracted in parallel, returned in order.
pub fn extract_by_root<'r>(
    resources: &'r [Resource],
    kb: &KnowledgeBase,
) -> Vec<(&'r str, Vec<Entity>)> {
    let groups: Vec<&[Resource]> = resources.chunk_by(|a, b| a.root == b.root).collect();
    groups
        .par_iter()
        .map(|group| {
            let mut own = Model::default();
            extract_root(group, kb, &mut own);
            (group.first().map_or("", |r| r.root.as_str()), own.entities)
        })
        .collect()
}

fn extract_root(resources: &[Resource], kb: &KnowledgeBase, model: &mut Model) {
    let inline = inline_resources(resources, kb);
    if inline.is_empty() {
        return extract_resources(resources, kb, model);
    }
    let mut all = resources.to_vec();
    all.extend(inline);
    extract_resources(&all, kb, model);
}

/// The resources module calls declare inline ([`super::Inline`]): one per
/// entry of the map argument, addressed under the call
/// (`module.eks.eks_managed_node_groups["default"]`), its keys as
/// arguments located at the map argument, and the call's inherited
/// arguments where the entry does not set them. Entries are made only
/// when the inline's conditions are known to hold of the call.
fn inline_resources(resources: &[Resource], kb: &KnowledgeBase) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut estate = None;
    for r in resources {
        let Some(entry) = kb.entry(&r.kind).filter(|e| !e.inline.is_empty()) else {
            continue;
        };
        let estate = estate.get_or_insert_with(|| Estate::new(resources, kb));
        for inline in &entry.inline {
            let holds = inline
                .when
                .iter()
                .all(|c| estate.eval(r, entry, c).0 == Truth::True);
            let Some(attr) = r.body.attr(&inline.attr).filter(|_| holds) else {
                continue;
            };
            let Value::Map(entries) = &attr.value else {
                continue;
            };
            for (key, value) in entries {
                let Value::Map(fields) = value else {
                    continue;
                };
                let set = |v: &Value| !matches!(v, Value::Null);
                let mut attrs: Vec<(String, Attr)> = fields
                    .iter()
                    .filter(|(_, v)| set(v))
                    .map(|(k, v)| {
                        let mut a = attr.clone();
                        a.value = v.clone();
                        (k.clone(), a)
                    })
                    .collect();
                for name in &inline.inherit {
                    if !fields.get(name).is_some_and(set)
                        && let Some(a) = r.body.attr(name)
                    {
                        attrs.push((name.clone(), a.clone()));
                    }
                }
                let escaped = key.replace('\\', "\\\\").replace('"', "\\\"");
                out.push(Resource {
                    address: format!("{}.{}[\"{escaped}\"]", r.address, inline.attr),
                    module: r.module.clone(),
                    root: r.root.clone(),
                    call: r.call,
                    mode: r.mode,
                    kind: inline.kind.clone(),
                    name: r.name.clone(),
                    region: r.region.clone(),
                    body: Body {
                        attrs: attrs.into_iter().collect(),
                        blocks: Vec::new(),
                    },
                    span: r.span,
                    count_unknown: r.count_unknown,
                    assumed: r.assumed.clone(),
                    count_origin: None,
                    references: Vec::new(),
                });
            }
        }
    }
    out
}

fn extract_resources(resources: &[Resource], kb: &KnowledgeBase, model: &mut Model) {
    let estate = Estate::new(resources, kb);
    let mut backups = recovery::regional_backups(resources);
    let mut registries = recovery::registry_regions(resources);
    let mut sign_ins = recovery::sign_ins(resources);
    for r in resources {
        if r.mode == Mode::Data || kb.is_inert(&r.kind) {
            continue;
        }
        let entry = kb.entry(&r.kind);
        let role = entry
            .and_then(|e| e.role.model_role())
            .unwrap_or(Role::Platform);
        let mut cloud = entry.map(|e| estate.facts(r, e)).unwrap_or_default();
        // In a module shared by several roots, say which root's call this is:
        // the `module` block, whichever of its instances this is.
        if let Some(call) = r.call {
            let module = r.module.split(".module.").next().unwrap_or(&r.module);
            let module = crate::model::address::block_address(module);
            for fact in cloud.iter_mut().filter(|f| f.span != call) {
                fact.related
                    .push((call, format!("`{module}` is instantiated here")));
            }
        }
        for fact in &mut cloud {
            fact.related.extend(r.assumed.iter().cloned());
        }
        let mut dependencies: Vec<Dependency> = r
            .references
            .iter()
            .filter(|d| estate.is_dependency(r, &d.target) && !estate.is_member_of(r, &d.target))
            .map(|d| Dependency {
                target: Reference::Terraform {
                    root: Some(r.root.clone()),
                    address: d.target.clone(),
                },
                // Images are pulled from a registry to start, not to run.
                strength: match resource_type(&d.target) {
                    Some((false, kind)) if recovery::is_registry(kind) => Strength::Recovery,
                    _ => Strength::Hard,
                },
                span: d.span,
                via: d.via.clone().into(),
                // Terraform checks its own references; a `depends_on` on a
                // resource with no instances (`count = 0`) is normal.
                explicit: false,
                origin: None,
            })
            .collect();
        dependencies.extend(sign_ins.remove(&r.address).unwrap_or_default());
        let mut placement = crate::model::Placement::default();
        placement.pins.extend(registries.remove(&r.address));
        model.entities.push(Entity {
            id: crate::frontends::terraform::entity_id(&r.root, &r.address),
            origin: crate::model::Origin::Terraform,
            kind: r.kind.clone(),
            namespace: Some(r.root.clone()),
            name: r.address.clone(),
            role,
            tool_kind: None,
            tool: None,
            tier: 0,
            instances: vec![Instance {
                dependencies: dependencies.into(),
                placement,
                detail: Detail {
                    cloud,
                    backups: backups.remove(&r.address).unwrap_or_default(),
                    ..Detail::default()
                }
                .boxed(),
                region: r.region.as_ref().map(|(name, span)| {
                    (crate::frontends::terraform::region_of(name).into(), *span)
                }),
                // A type the knowledge base does not know (`time_sleep`,
                // `null_resource`, another provider's objects) passes its
                // dependencies on without findings of its own.
                transparent: entry.is_none_or(|e| e.transparent),
                ..Instance::at(r.span)
            }],
            place: None,
        });
    }
}

/// Every resource, indexed.
struct Estate<'a> {
    kb: &'a KnowledgeBase,
    resources: &'a [Resource],
    by_address: HashMap<&'a str, usize>,
    /// Instances by resource address without instance key.
    by_base: HashMap<&'a str, Vec<usize>>,
    /// Managed resources per type.
    per_kind: HashMap<&'a str, usize>,
    /// Types with a managed resource whose number of instances is not
    /// known ([`Resource::count_unknown`]): their count is a lower bound.
    uncounted: HashSet<&'a str>,
    /// Zones of referenced resources, by address.
    memo: RefCell<HashMap<&'a str, Option<Zones>>>,
    /// Zones a reference resolves to, by address and attribute: a reference
    /// is followed once, however many resources make it (every instance of
    /// a counted resource naming the same subnets).
    refs: RefCell<HashMap<(&'a str, &'a str), Zones>>,
    /// The placement of each group of instances judged together, by the
    /// address without key: found once, not once per instance.
    groups: RefCell<HashMap<&'a str, Option<Placed<'a>>>>,
    /// Members by the address their member attribute names, per member
    /// type and attribute: indexed on first use.
    member_index: RefCell<HashMap<(String, String), MemberIndex<'a>>>,
    /// Scalers by the address their scaler attribute names, per scaler
    /// type and attribute: indexed on first use.
    scaler_index: RefCell<HashMap<(String, String), ScalerIndex<'a>>>,
}

/// Indices of member resources, by the address they refer to.
type MemberIndex<'a> = HashMap<&'a str, Vec<usize>>;

/// Indices of scaler resources: by the address they refer to, and those
/// whose scaler attribute refers to no resource (any resource's, maybe).
#[derive(Default)]
struct ScalerIndex<'a> {
    by_target: MemberIndex<'a>,
    unresolved: Vec<usize>,
}

/// What a resource's scalers keep of its members.
#[derive(Default)]
struct Scaled<'a> {
    /// Each scaler known to keep members, with how many at least.
    kept: Vec<(&'a Resource, usize)>,
    /// A scaler may keep members, how many not being known.
    unknown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}

/// Why a condition came out as it did, for labels and locations.
#[derive(Debug, Clone)]
struct Reason {
    /// Where the value is read: the attribute as written in the resource
    /// (`multi_az = var.ha`), or the block; `None` when it is not set.
    at: Option<Span>,
    /// Where the value that decides it is written, when that is elsewhere
    /// (the variable default, the `.tfvars` entry), and what that is.
    origin: Option<(Span, SetBy)>,
    label: String,
    related: Vec<(Span, String)>,
}

impl Reason {
    fn at(attr: Option<&Attr>, label: String) -> Self {
        Reason {
            at: attr.map(|a| a.span),
            origin: attr
                .filter(|a| a.origin != a.span)
                .map(|a| (a.origin, a.set_by)),
            label,
            related: Vec::new(),
        }
    }
}

/// The label of the place that decides a value read elsewhere.
fn decided_by(set_by: SetBy) -> &'static str {
    match set_by {
        SetBy::Default => "decided by this default",
        SetBy::ModuleDefault => "the module's default",
        SetBy::VariablesFile => "set here",
        SetBy::ModuleArgument => "set here, in the module call",
        SetBy::Local => "set here, in `locals`",
        SetBy::InPlace => "written here",
    }
}

/// The zones a placement resolves to.
#[derive(Debug, Default, Clone)]
struct Zones {
    /// At most [`MAX_NAMES`].
    names: BTreeSet<String>,
    /// Some part could not be resolved.
    unknown: bool,
    /// A region was named: it spans the region's zones.
    region: bool,
    /// Things in one zone each whose zone is not known: a subnet by its id
    /// (`subnet-0abc…`) or by its address. At most [`MAX_NAMES`].
    unnamed: BTreeSet<String>,
    /// Symbolic zones (`data.aws_availability_zones.x.names[0]`): family
    /// and index. Two of one family are two zones when their indexes
    /// differ. At most [`MAX_NAMES`].
    symbolic: BTreeSet<(String, usize)>,
    /// Where the zones of referenced resources are written: at most
    /// [`MAX_EVIDENCE`], each once.
    evidence: Vec<(Span, String)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Spread {
    NotSet,
    Unknown,
    One(String),
    /// One zone, whose name is not known: that of the one subnet named.
    Unnamed(String),
    Many,
}

impl Zones {
    fn spread(&self) -> Spread {
        if self.region || self.distinct() >= 2 {
            return Spread::Many;
        }
        // A subnet whose zone is not known may be in another zone than the
        // others, or in the same; so may a symbolic zone and a written one.
        if self.unknown || self.groups() >= 2 {
            return Spread::Unknown;
        }
        match (
            self.names.first(),
            self.symbolic.first(),
            self.unnamed.first(),
        ) {
            (Some(zone), _, _) => Spread::One(zone.clone()),
            (None, Some((family, index)), _) => Spread::One(symbolic::show(family, *index)),
            (None, None, Some(what)) => Spread::Unnamed(what.clone()),
            (None, None, None) => Spread::NotSet,
        }
    }

    /// How many zones these certainly are: the most that are known to be
    /// distinct, written names or zones of one family.
    fn distinct(&self) -> usize {
        let mut most = self.names.len();
        let mut run = 0;
        let mut last: Option<&str> = None;
        for (family, _) in &self.symbolic {
            run = if last == Some(family.as_str()) {
                run + 1
            } else {
                1
            };
            last = Some(family);
            most = most.max(run);
        }
        most
    }

    /// How many groups of zones may share zones with each other: the
    /// written names, each family, each thing of an unnamed zone.
    fn groups(&self) -> usize {
        let mut families: Vec<&str> = self.symbolic.iter().map(|(f, _)| f.as_str()).collect();
        families.dedup();
        usize::from(!self.names.is_empty()) + families.len() + self.unnamed.len()
    }

    /// Every zone, as shown: written names, then symbolic zones.
    fn shown(&self) -> Vec<String> {
        self.names
            .iter()
            .cloned()
            .chain(self.symbolic.iter().map(|(f, i)| symbolic::show(f, *i)))
            .collect()
    }

    /// Whether one of these zones is certainly another than the one zone of
    /// `own`.
    fn other_than(&self, own: &Zones) -> bool {
        if self.distinct() >= 2 {
            return true;
        }
        match (own.names.first(), own.symbolic.first()) {
            (Some(name), _) => self.names.iter().any(|n| n != name),
            (None, Some((family, index))) => {
                self.symbolic.iter().any(|(f, i)| f == family && i != index)
            }
            (None, None) => false,
        }
    }

    fn add_symbolic(&mut self, family: &str, index: usize) {
        if self.symbolic.len() < MAX_NAMES {
            self.symbolic.insert((family.to_string(), index));
        } else {
            self.unknown = true;
        }
    }

    /// One thing in one zone whose name is not known.
    fn add_unnamed(&mut self, what: String) {
        if self.unnamed.len() < MAX_NAMES {
            self.unnamed.insert(what);
        } else {
            self.unknown = true;
        }
    }

    fn merge(&mut self, other: Zones) {
        for name in other.names {
            self.add(name);
        }
        for what in other.unnamed {
            self.add_unnamed(what);
        }
        for (family, index) in other.symbolic {
            self.add_symbolic(&family, index);
        }
        self.unknown |= other.unknown;
        self.region |= other.region;
        for e in other.evidence {
            self.witness(e);
        }
    }

    fn add(&mut self, name: String) {
        if self.names.len() < MAX_NAMES {
            self.names.insert(name);
        }
    }

    fn witness(&mut self, evidence: (Span, String)) {
        if self.evidence.len() < MAX_EVIDENCE && !self.evidence.contains(&evidence) {
            self.evidence.push(evidence);
        }
    }
}

/// A resource's placement and the attribute that says it.
#[derive(Clone)]
struct Placed<'a> {
    zones: Zones,
    attr: Option<&'a Attr>,
    path: String,
}

impl<'a> Estate<'a> {
    fn new(resources: &'a [Resource], kb: &'a KnowledgeBase) -> Self {
        let mut by_address = HashMap::new();
        let mut by_base: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut per_kind: HashMap<&str, usize> = HashMap::new();
        let mut uncounted = HashSet::new();
        for (i, r) in resources.iter().enumerate() {
            by_address.insert(r.address.as_str(), i);
            by_base.entry(base(&r.address)).or_default().push(i);
            if r.mode == Mode::Managed {
                *per_kind.entry(r.kind.as_str()).or_default() += 1;
                if r.count_unknown {
                    uncounted.insert(r.kind.as_str());
                }
            }
        }
        Self {
            kb,
            resources,
            by_address,
            by_base,
            per_kind,
            uncounted,
            memo: RefCell::default(),
            refs: RefCell::default(),
            groups: RefCell::default(),
            member_index: RefCell::default(),
            scaler_index: RefCell::default(),
        }
    }

    /// The resources an address names: the instance, or every instance of
    /// a resource written without key.
    fn targets(&self, address: &str) -> Vec<&'a Resource> {
        if let Some(&i) = self.by_address.get(address) {
            return vec![&self.resources[i]];
        }
        self.by_base
            .get(address)
            .map(|v| v.iter().map(|&i| &self.resources[i]).collect())
            .unwrap_or_default()
    }

    /// Whether `value` refers to `r` (the instance or all instances).
    fn refers_to(value: &Value, r: &Resource) -> bool {
        value
            .refs()
            .iter()
            .any(|(address, _)| *address == r.address || *address == base(&r.address))
    }

    /// A reference worth keeping as a dependency edge.
    fn is_dependency(&self, r: &Resource, target: &str) -> bool {
        if target == r.address {
            return false;
        }
        match resource_type(target) {
            Some((true, _)) => false,
            Some((false, kind)) => !self.kb.is_inert(kind),
            None => true,
        }
    }

    /// Whether `r` is one of `target`'s members (a cluster instance whose
    /// `cluster_identifier` names the cluster): part of it, not a
    /// dependency, whatever other attributes also refer to it. The
    /// cluster's availability is judged from its members.
    fn is_member_of(&self, r: &Resource, target: &str) -> bool {
        let Some((false, kind)) = resource_type(target) else {
            return false;
        };
        let Some(members) = self.kb.entry(kind).and_then(|e| e.members.as_ref()) else {
            return false;
        };
        members.kind == r.kind
            && r.references.iter().any(|d| {
                d.target == target && d.via.split('.').next() == Some(members.attr.as_str())
            })
    }

    fn facts(&self, r: &'a Resource, entry: &Entry) -> Vec<CloudFact> {
        let mut out: Vec<CloudFact> = entry
            .facts
            .iter()
            .filter_map(|rule| self.fact(r, entry, rule))
            .collect();
        match entry.check {
            Some(Check::NatGatewayRoutes) => out.extend(self.nat_gateway_routes(r, entry)),
            Some(Check::GkeNodeLocations) => out.extend(self.gke_node_locations(r, entry)),
            None => {}
        }
        // Collected from a filter, the vector has room for four facts (some
        // 600 bytes) where a resource nearly always has one: every instance
        // of a counted resource keeps its own.
        out.shrink_to_fit();
        out
    }

    /// How many instances the resource's group has (its own address
    /// without key names them): 0 for a resource written without key.
    fn group_size(&self, r: &Resource) -> usize {
        let b = base(&r.address);
        if b == r.address {
            return 0;
        }
        self.by_base.get(b).map_or(0, Vec::len)
    }

    /// [`Self::group_placement`] of the group `r` belongs to, found once
    /// per group.
    fn group_of(&self, r: &'a Resource, entry: &Entry) -> Option<Placed<'a>> {
        let b = base(&r.address);
        if let Some(known) = self.groups.borrow().get(b) {
            return known.clone();
        }
        let placed = self.group_placement(&self.targets(b), entry);
        self.groups.borrow_mut().insert(b, placed.clone());
        placed
    }

    fn fact(&self, r: &'a Resource, entry: &Entry, rule: &FactRule) -> Option<CloudFact> {
        let mut reasons = Vec::new();
        let mut when_reasons = Vec::new();
        for cond in &rule.when {
            let (truth, why) = self.eval(r, entry, cond);
            if truth != Truth::True {
                return None;
            }
            when_reasons.extend(why);
        }
        for cond in &rule.unless {
            let (truth, why) = self.eval(r, entry, cond);
            if truth != Truth::False {
                return None;
            }
            reasons.extend(why);
        }
        reasons.extend(when_reasons);
        let decisive = reasons.len();
        // Instances judged together: their group's placement is found once,
        // and shared by every instance's fact.
        let grouped = entry.replicated_by_count && self.group_size(r) >= 2;
        // Replicas whose number is not known: maybe several, so never "a
        // single instance"; in one zone only when a zone is written that
        // every one of them takes.
        let uncounted = entry.replicated_by_count && r.count_unknown;
        let unit = match rule.unit {
            UnitKind::Instance => {
                if grouped || uncounted {
                    return None;
                }
                CloudUnit::Instance
            }
            UnitKind::Zone => {
                let placed = if grouped {
                    self.group_of(r, entry)
                } else {
                    self.placement(r, entry, 0)
                };
                let spread = placed.as_ref().map_or(Spread::NotSet, |p| p.zones.spread());
                // One subnet whose zone is not known: one zone all the same.
                let unnamed = match &spread {
                    Spread::Unnamed(what) => Some(what.clone()),
                    _ => None,
                };
                let zone = match spread {
                    Spread::Many => return None,
                    Spread::One(zone) => Some(zone),
                    Spread::Unnamed(_) => None,
                    Spread::NotSet | Spread::Unknown if grouped || uncounted => return None,
                    Spread::NotSet | Spread::Unknown if !rule.zonal.unwrap_or(entry.zonal) => {
                        return None;
                    }
                    Spread::NotSet | Spread::Unknown => None,
                };
                // A zone nobody wrote down (computed by the provider) is not
                // worth pointing at; one subnet is, whatever its zone.
                let shown = match (&zone, unnamed) {
                    (Some(z), _) => Some(format!("`{z}`")),
                    (None, Some(what)) => Some(format!("one zone, that of `{what}`")),
                    (None, None) => None,
                };
                if let (Some(p), Some(z)) = (placed, &shown) {
                    let label = match p.path.as_str() {
                        "members" => format!("all its members are in {z}"),
                        path if grouped || uncounted => {
                            format!("`{path}` puts every instance in {z}")
                        }
                        path => format!("`{path}` puts it in {z}"),
                    };
                    // A zone that a module's default decides is decided
                    // at the call that leaves it unset.
                    let mut reason = p
                        .attr
                        .and_then(|a| module_default(a, &a.value, &label))
                        .unwrap_or_else(|| Reason::at(p.attr, label));
                    reason.related.extend(p.zones.evidence);
                    reasons.push(reason);
                }
                CloudUnit::Zone(zone)
            }
        };
        // A resource that exists because a module's default enables it (its
        // call leaves `create` unset): that call decides, as for any module
        // default, unless a default left unset there already says so.
        let decisive = decisive + enabled_by_default(r, &mut reasons);
        let Located {
            span,
            mut label,
            related,
            origin,
        } = locate(r, reasons, decisive);
        if label.is_empty() {
            label = match &unit {
                CloudUnit::Zone(_) => "its zone is not set, but it runs in one".to_string(),
                CloudUnit::Instance => "a single instance".to_string(),
            };
        }
        let message = if uncounted {
            format!(
                "each instance of `{}` (how many there are is not known) {}",
                shown(r),
                rule.message
            )
        } else {
            format!("`{}` {}", shown(r), rule.message)
        };
        Some(CloudFact {
            class: entry.role.class(),
            unit,
            message,
            label,
            help: rule.help.clone(),
            span,
            related,
            origin,
        })
    }

    /// Where a resource's zones are written, resolved.
    fn placement(&self, r: &'a Resource, entry: &Entry, depth: usize) -> Option<Placed<'a>> {
        for path in &entry.placement {
            let found = lookup(&r.body, path);
            let values: Vec<_> = found
                .values
                .iter()
                .filter(|(v, _)| !matches!(v, Value::Null))
                .collect();
            if values.is_empty() {
                continue;
            }
            let mut zones = Zones::default();
            for &&(value, _) in &values {
                self.resolve(value, depth, &mut zones);
            }
            return Some(Placed {
                zones,
                attr: Some(values[0].1),
                path: path.clone(),
            });
        }
        let members = entry.members.as_ref()?;
        let mut zones = Zones::default();
        let mut any = false;
        for m in self.members(r, entry) {
            any = true;
            match self.kb.entry(&members.kind) {
                Some(me) => match self.placement(m, me, depth + 1) {
                    Some(p) => {
                        for z in p.zones.shown() {
                            zones.witness((m.span, format!("`{}` is in `{z}`", m.address)));
                        }
                        zones.merge(p.zones);
                    }
                    None => zones.unknown = true,
                },
                None => zones.unknown = true,
            }
        }
        // Members a scaler keeps are placed by the provider, not written.
        let scaled = self.scaled_members(r, entry);
        if scaled.unknown || !scaled.kept.is_empty() {
            zones.unknown = true;
        }
        any.then(|| Placed {
            zones,
            attr: None,
            path: "members".to_string(),
        })
    }

    fn group_placement(&self, group: &[&'a Resource], entry: &Entry) -> Option<Placed<'a>> {
        let mut out: Option<Placed<'a>> = None;
        for r in group {
            match self.placement(r, entry, 0) {
                Some(p) => match &mut out {
                    Some(o) => o.zones.merge(p.zones),
                    None => out = Some(p),
                },
                // One instance without a placement: the group could be spread.
                None => {
                    let zones = Zones {
                        unknown: true,
                        ..Zones::default()
                    };
                    match &mut out {
                        Some(o) => o.zones.merge(zones),
                        None => {
                            out = Some(Placed {
                                zones,
                                attr: None,
                                path: String::new(),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// Resolves a placement value to zones: names, regions, and the zones
    /// of referenced resources.
    fn resolve(&self, value: &'a Value, depth: usize, zones: &mut Zones) {
        match value {
            Value::Null => {}
            Value::String(s) if s.is_empty() => zones.unknown = true,
            // An AWS subnet by its id: one zone, not known which
            // (`subnet-0a1b2c3d` ends like a zone name).
            Value::String(s) if is_aws_subnet_id(s) => zones.add_unnamed(s.clone()),
            Value::String(s) if is_zone(s) => zones.add(s.clone()),
            Value::String(_) => zones.region = true,
            Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 => zones.add(format!("{n}")),
            Value::List(items) => items.iter().for_each(|v| self.resolve(v, depth, zones)),
            Value::Zone { family, index } => zones.add_symbolic(family, *index),
            // Every zone of the region: two or more.
            Value::Zones { .. } => zones.region = true,
            Value::Ref { address, attr } if depth < MAX_DEPTH => {
                zones.merge(self.reference(address, attr, depth));
            }
            _ => zones.unknown = true,
        }
    }

    /// The zones of what `address.attr` names, found once per reference (a
    /// reference cycle resolves to unknown).
    fn reference(&self, address: &'a str, attr: &'a str, depth: usize) -> Zones {
        if let Some(known) = self.refs.borrow().get(&(address, attr)) {
            return known.clone();
        }
        let cycle = Zones {
            unknown: true,
            ..Zones::default()
        };
        self.refs.borrow_mut().insert((address, attr), cycle);
        let mut zones = Zones::default();
        let targets = self.targets(address);
        if targets.is_empty() {
            zones.unknown = true;
        }
        for t in targets {
            // The referenced attribute itself when it is known
            // (`aws_instance.a.availability_zone`), else the target's
            // placement (`aws_subnet.a.id`).
            if let Some(a) = t
                .body
                .attr(attr)
                .filter(|a| !matches!(a.value, Value::Ref { .. } | Value::Unknown | Value::Null))
            {
                let mut inner = Zones::default();
                self.resolve(&a.value, depth + 1, &mut inner);
                note(&mut inner, t, a);
                zones.merge(inner);
                continue;
            }
            let inner = self.zones_of(t, depth);
            // A subnet (`one-zone`) is in one zone even when which one is
            // not written: the provider picks it. A count not known may
            // make several.
            let decided = inner.as_ref().map(Zones::spread);
            let one_zone = self
                .kb
                .entry(&t.kind)
                .is_some_and(|e| e.one_zone && !t.count_unknown);
            match inner {
                Some(inner)
                    if !one_zone
                        || matches!(decided, Some(Spread::One(_) | Spread::Unnamed(_))) =>
                {
                    zones.merge(inner);
                }
                _ if one_zone => zones.add_unnamed(t.address.clone()),
                _ => zones.unknown = true,
            }
        }
        self.refs
            .borrow_mut()
            .insert((address, attr), zones.clone());
        zones
    }

    /// The zones of a referenced resource's placement, computed once per
    /// resource (a reference cycle resolves to unknown).
    fn zones_of(&self, t: &'a Resource, depth: usize) -> Option<Zones> {
        let key = t.address.as_str();
        if let Some(known) = self.memo.borrow().get(key) {
            return known.clone();
        }
        let cycle = Zones {
            unknown: true,
            ..Zones::default()
        };
        self.memo.borrow_mut().insert(key, Some(cycle));
        let placed = self
            .kb
            .entry(&t.kind)
            .and_then(|e| self.placement(t, e, depth + 1));
        let zones = placed.map(|p| {
            let mut inner = p.zones;
            if let Some(a) = p.attr {
                note(&mut inner, t, a);
            }
            inner
        });
        self.memo.borrow_mut().insert(key, zones.clone());
        zones
    }

    /// The resources whose member attribute refers to `r` (the instance,
    /// or all instances), in resource order.
    fn members(&self, r: &Resource, entry: &Entry) -> Vec<&'a Resource> {
        let Some(members) = &entry.members else {
            return Vec::new();
        };
        let mut index = self.member_index.borrow_mut();
        let index = index
            .entry((members.kind.clone(), members.attr.clone()))
            .or_insert_with(|| self.index_members(&members.kind, &members.attr));
        let b = base(&r.address);
        let mut found: Vec<usize> = index.get(r.address.as_str()).cloned().unwrap_or_default();
        if b != r.address {
            found.extend(index.get(b).into_iter().flatten());
        }
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| &self.resources[i]).collect()
    }

    /// The resources of the entry's `scaled-members` type that keep
    /// members of `r` in being, with how many each keeps at least.
    fn scaled_members(&self, r: &Resource, entry: &Entry) -> Scaled<'a> {
        let mut out = Scaled::default();
        let Some(scaled) = &entry.scaled_members else {
            return out;
        };
        let b = base(&r.address);
        let mut found: Vec<(usize, bool)> = {
            let mut index = self.scaler_index.borrow_mut();
            let index = index
                .entry((scaled.kind.clone(), scaled.attr.clone()))
                .or_insert_with(|| self.index_scalers(&scaled.kind, &scaled.attr));
            (index.by_target.get(r.address.as_str()))
                .into_iter()
                .chain((b != r.address).then(|| index.by_target.get(b)).flatten())
                .flatten()
                .map(|&i| (i, true))
                .chain(index.unresolved.iter().map(|&i| (i, false)))
                .collect()
        };
        found.sort_unstable();
        found.dedup();
        for (s, resolved) in found.into_iter().map(|(i, ok)| (&self.resources[i], ok)) {
            let (when, _) = combine(
                scaled.when.iter().map(|c| self.eval(s, entry, c)).collect(),
                Truth::True,
            );
            if when == Truth::False {
                continue;
            }
            // One whose target names no resource may be this one's.
            if !resolved || when == Truth::Unknown || s.count_unknown {
                out.unknown = true;
                continue;
            }
            let minimum = lookup(&s.body, &scaled.minimum);
            match minimum.values.first().and_then(|(v, _)| v.as_f64()) {
                Some(k) if k.is_finite() && k >= 1.0 => {
                    // Saturating: a scaler keeping more than usize::MAX
                    // members keeps "many".
                    out.kept.push((s, k as usize));
                }
                Some(k) if k.is_finite() && k >= 0.0 => {}
                _ => out.unknown = true,
            }
        }
        out
    }

    fn index_scalers(&self, kind: &str, attr: &str) -> ScalerIndex<'a> {
        let mut index = ScalerIndex::default();
        for (i, s) in self.resources.iter().enumerate() {
            if s.mode != Mode::Managed || s.kind != kind {
                continue;
            }
            let mut named: Vec<&'a str> = s
                .references
                .iter()
                .filter(|d| d.via.split('.').next() == Some(attr))
                .map(|d| d.target.as_str())
                .collect();
            if named.is_empty() {
                index.unresolved.push(i);
            }
            named.sort_unstable();
            named.dedup();
            for address in named {
                index.by_target.entry(address).or_default().push(i);
            }
        }
        index
    }

    fn index_members(&self, kind: &str, attr: &str) -> MemberIndex<'a> {
        let mut index: MemberIndex<'a> = HashMap::new();
        for (i, m) in self.resources.iter().enumerate() {
            if m.mode != Mode::Managed || m.kind != kind {
                continue;
            }
            let mut named: Vec<&'a str> = lookup(&m.body, attr)
                .values
                .iter()
                .flat_map(|(v, _)| v.refs())
                .map(|(address, _)| address)
                .collect();
            named.sort_unstable();
            named.dedup();
            for address in named {
                index.entry(address).or_default().push(i);
            }
        }
        index
    }

    fn eval(&self, r: &Resource, entry: &Entry, cond: &Cond) -> (Truth, Vec<Reason>) {
        match cond {
            Cond::All(conds) => {
                let results: Vec<_> = conds.iter().map(|c| self.eval(r, entry, c)).collect();
                combine(results, Truth::True)
            }
            Cond::Any(conds) => {
                let results: Vec<_> = conds.iter().map(|c| self.eval(r, entry, c)).collect();
                combine(results, Truth::False)
            }
            Cond::MembersAtLeast(n) => {
                let members = self.members(r, entry);
                let kind = entry.members.as_ref().map_or("", |m| m.kind.as_str());
                if members.is_empty() {
                    // Declared elsewhere, or not at all: nothing to say.
                    return (Truth::Unknown, Vec::new());
                }
                let scaled = self.scaled_members(r, entry);
                let kept: usize = scaled.kept.iter().map(|(_, k)| k).sum();
                let total = members.len().saturating_add(kept);
                // A member with an unknown `count` may be several, and a
                // scaler not known to keep none may keep some.
                if total < *n && (members.iter().any(|m| m.count_unknown) || scaled.unknown) {
                    return (Truth::Unknown, Vec::new());
                }
                let mut label = match members.len() {
                    1 => format!("it has one `{kind}`"),
                    m => format!("it has {m} `{kind}` resources"),
                };
                if kept > 0 {
                    label.push_str(&format!(" and autoscaling keeps at least {kept} more"));
                }
                let mut reason = Reason::at(None, label);
                reason.related = members
                    .iter()
                    .map(|m| (m.span, format!("`{}` is one of them", m.address)))
                    .chain(scaled.kept.iter().map(|(s, k)| {
                        (
                            s.span,
                            format!("`{}` keeps at least {k} of them", s.address),
                        )
                    }))
                    .collect();
                (truth(total >= *n), vec![reason])
            }
            Cond::EstateAtLeast(n) => {
                let count = self.per_kind.get(r.kind.as_str()).copied().unwrap_or(0);
                if count < *n && self.uncounted.contains(r.kind.as_str()) {
                    return (Truth::Unknown, Vec::new());
                }
                let label = match count {
                    0 | 1 => format!("it is the only `{}` in the scanned files", r.kind),
                    c => format!("the scanned files declare {c} `{}` resources", r.kind),
                };
                (truth(count >= *n), vec![Reason::at(None, label)])
            }
            Cond::Attr {
                path,
                test,
                default,
            } => {
                let whose = if r.kind.starts_with(super::MODULE_PREFIX) {
                    Whose::Module
                } else {
                    Whose::Provider
                };
                leaf(&r.body, path, test, default.as_ref(), whose)
            }
        }
    }

    /// One NAT gateway serving route tables whose subnets are in other
    /// zones than its own: those subnets lose their egress with its zone.
    fn nat_gateway_routes(&self, nat: &'a Resource, entry: &Entry) -> Option<CloudFact> {
        let tables = self.nat_route_tables(nat);
        if tables.is_empty() {
            return None;
        }
        let (served, related) = self.served_zones(&tables);
        let own = self.placement(nat, entry, 0).map(|p| {
            let spread = p.zones.spread();
            (spread, p.attr, p.zones)
        });
        let (own_zone, own_zones) = match &own {
            Some((Spread::One(z), _, zones)) => (Some(z.clone()), zones.clone()),
            _ => (None, Zones::default()),
        };
        if !served.other_than(&own_zones) {
            return None;
        }
        let zones: Vec<String> = served.shown().iter().map(|z| format!("`{z}`")).collect();
        let attr = own.as_ref().and_then(|(_, a, _)| *a);
        let label = match &own_zone {
            Some(z) => format!("in `{z}`, it serves subnets in {}", zones.join(", ")),
            None => format!("it serves subnets in {}", zones.join(", ")),
        };
        let reason = Reason {
            related,
            ..Reason::at(attr, label)
        };
        let mut reasons = vec![reason];
        // One NAT gateway because a module's caller asked for one
        // (`single_nat_gateway = true`): the argument is where to change it.
        if served.distinct() >= 2
            && self.group_size(nat) == 1
            && let Some(CountOrigin {
                argument: Some(span),
                origin,
                ..
            }) = &nat.count_origin
        {
            let span = *span;
            let caller = Reason {
                at: Some(span),
                origin: origin.filter(|(at, _)| !within(*at, span)),
                label: "makes the module create a single NAT gateway".to_string(),
                related: Vec::new(),
            };
            reasons.insert(0, caller);
        }
        let Located {
            span,
            label,
            related,
            origin,
        } = locate(nat, reasons, 1);
        Some(CloudFact {
            class: entry.role.class(),
            unit: CloudUnit::Zone(own_zone),
            message: if served.distinct() >= 2 {
                format!(
                    "`{}` is the only NAT gateway for private subnets in {}{} availability zones",
                    shown(nat),
                    // Zones of different kinds may be the same zone.
                    if served.groups() - served.unnamed.len() >= 2 {
                        "at least "
                    } else {
                        ""
                    },
                    served.distinct()
                )
            } else {
                format!(
                    "`{}` is the only NAT gateway for private subnets in another availability zone than its own",
                    nat.address
                )
            },
            label,
            help: "create one NAT gateway per availability zone and route each zone's private subnets through their own (`single_nat_gateway = false`, `one_nat_gateway_per_az = true` in terraform-aws-modules/vpc)".to_string(),
            span,
            related,
            origin,
        })
    }

    /// Route tables routing through this NAT gateway, with the place.
    fn nat_route_tables(&self, nat: &Resource) -> Vec<(&'a str, Span)> {
        let mut tables: Vec<(&str, Span)> = Vec::new();
        for r in self.resources.iter().filter(|r| r.mode == Mode::Managed) {
            match r.kind.as_str() {
                "aws_route" => {
                    let Some(via) = r.body.attr("nat_gateway_id") else {
                        continue;
                    };
                    if !Self::refers_to(&via.value, nat) {
                        continue;
                    }
                    if let Some(rt) = r.body.attr("route_table_id") {
                        for (address, _) in rt.value.refs() {
                            tables.push((address, via.origin));
                        }
                    }
                }
                "aws_route_table" => {
                    let found = lookup(&r.body, "route.nat_gateway_id");
                    if let Some((_, a)) = found.values.iter().find(|(v, _)| Self::refers_to(v, nat))
                    {
                        tables.push((r.address.as_str(), a.origin));
                    }
                }
                _ => {}
            }
        }
        tables
    }

    /// The zones of the subnets associated with these route tables; one
    /// related location per route, naming every zone it serves.
    fn served_zones(&self, tables: &[(&str, Span)]) -> (Zones, Vec<(Span, String)>) {
        let mut served = Zones::default();
        let mut per_route: std::collections::BTreeMap<(Span, &str), BTreeSet<String>> =
            std::collections::BTreeMap::new();
        for assoc in self
            .resources
            .iter()
            .filter(|r| r.mode == Mode::Managed && r.kind == "aws_route_table_association")
        {
            let Some(rt) = assoc.body.attr("route_table_id") else {
                continue;
            };
            let refs = rt.value.refs();
            let Some(&(table, route_span)) = tables
                .iter()
                .find(|(t, _)| refs.iter().any(|(a, _)| same_instance(a, t)))
            else {
                continue;
            };
            let Some(subnet) = assoc.body.attr("subnet_id") else {
                continue;
            };
            let mut zones = Zones::default();
            self.resolve(&subnet.value, 0, &mut zones);
            per_route
                .entry((route_span, table))
                .or_default()
                .extend(zones.shown());
            served.merge(zones);
        }
        let mut related: Vec<(Span, String)> = per_route
            .into_iter()
            .filter(|(_, zones)| !zones.is_empty())
            .map(|((route_span, table), zones)| {
                let names: Vec<String> = zones.iter().map(|z| format!("`{z}`")).collect();
                (
                    route_span,
                    format!(
                        "`{table}` routes subnets in {} through it",
                        names.join(", ")
                    ),
                )
            })
            .collect();
        related.sort();
        related.dedup();
        (served, related)
    }
}

impl<'a> Estate<'a> {
    /// GKE places nodes by its own rule: a regional cluster's nodes run in
    /// the zones of `node_locations`, else in every zone of the region; a
    /// zonal cluster's in its zone plus those of `node_locations`; a node
    /// pool's in its own `node_locations`, else where its cluster's run. A
    /// cluster is judged here for its default node pool (its control plane
    /// by the entry's facts), a node pool when it does not list its own
    /// zones (those it lists, by the entry's facts).
    fn gke_node_locations(&self, r: &'a Resource, entry: &Entry) -> Option<CloudFact> {
        if r.kind == "google_container_cluster" {
            return Self::gke_default_pool(r, entry);
        }
        if r.body
            .attr("node_locations")
            .is_some_and(|a| !matches!(a.value, Value::Null))
        {
            return None;
        }
        let mut help = "list at least two zones in `node_locations`, or make the cluster regional";
        let message = format!("`{}` runs every node in one zone", shown(r));
        let by_cluster = self.gke_pool_cluster(r);
        let (span, label, mut related, origin, zone) = match by_cluster {
            // The cluster's nodes are in several zones, or it is not known.
            Some((_, None)) => return None,
            Some((via, Some((node, cluster)))) => {
                if node.regional {
                    help = "list at least two zones in `node_locations`, in the node pool or in its cluster";
                }
                let label = if node.regional {
                    format!(
                        "it takes the zones of `{}`, whose `node_locations` lists only `{}`",
                        cluster.address, node.zone
                    )
                } else {
                    format!(
                        "it takes the zones of `{}`, a zonal cluster in `{}`",
                        cluster.address, node.zone
                    )
                };
                let there = if node.regional {
                    format!("`node_locations` lists only `{}`", node.zone)
                } else {
                    format!("`location` is `{}`", node.zone)
                };
                let mut related = vec![(node.attr.span, there)];
                if node.attr.origin != node.attr.span {
                    related.push((node.attr.origin, decided_by(node.attr.set_by).to_string()));
                }
                (via.span, label, related, Some(node.attr.origin), node.zone)
            }
            // A cluster not in the scanned files: the pool's own location.
            None => {
                let attr = r.body.attr("location")?;
                let mut zones = Zones::default();
                self.resolve(&attr.value, 0, &mut zones);
                let Spread::One(zone) = zones.spread() else {
                    return None;
                };
                let label = format!("`location` puts it in `{zone}`");
                let reason = Reason {
                    related: zones.evidence,
                    ..Reason::at(Some(attr), label)
                };
                let located = locate(r, vec![reason], 1);
                (
                    located.span,
                    located.label,
                    located.related,
                    located.origin,
                    zone,
                )
            }
        };
        related.dedup();
        Some(CloudFact {
            class: entry.role.class(),
            unit: CloudUnit::Zone(Some(zone)),
            message,
            label,
            help: help.to_string(),
            span,
            related,
            origin,
        })
    }

    /// A regional GKE cluster whose default node pool runs in one zone.
    fn gke_default_pool(r: &Resource, entry: &Entry) -> Option<CloudFact> {
        // Without a default node pool, the node pools are judged.
        match r.body.attr("remove_default_node_pool").map(|a| &a.value) {
            None | Some(Value::Null | Value::Bool(false)) => {}
            Some(_) => return None,
        }
        let NodeZone {
            zone,
            attr,
            regional,
        } = gke_node_zone(r)?;
        // A zonal cluster is reported for its control plane.
        if !regional {
            return None;
        }
        let label = format!("`node_locations` lists only `{zone}`");
        let located = locate(r, vec![Reason::at(Some(attr), label)], 1);
        Some(CloudFact {
            class: entry.role.class(),
            unit: CloudUnit::Zone(Some(zone)),
            message: format!(
                "`{}` is regional, but runs its default node pool in one zone",
                shown(r)
            ),
            label: located.label,
            help: "list at least two zones in `node_locations`, or leave it unset to place nodes in every zone of the region".to_string(),
            span: located.span,
            related: located.related,
            origin: located.origin,
        })
    }

    /// The `cluster` attribute of a node pool, with the one zone of that
    /// cluster's nodes and the cluster (None when they run in several
    /// zones, or it is not known); None when no scanned cluster is named.
    fn gke_pool_cluster(
        &self,
        r: &'a Resource,
    ) -> Option<(&'a Attr, Option<(NodeZone<'a>, &'a Resource)>)> {
        // Through the references, not the value: `cluster =
        // google_container_cluster.x.name` evaluates to the name.
        r.body.attr("cluster").and_then(|via| {
            let mut found = None;
            let named = r.references.iter().filter(|d| d.via == "cluster");
            for d in named {
                for t in self.targets(&d.target) {
                    if t.mode != Mode::Managed || t.kind != "google_container_cluster" {
                        continue;
                    }
                    let one = gke_node_zone(t).map(|n| (n, t));
                    match (&found, one) {
                        (None, Some(one)) => found = Some(Some(one)),
                        (Some(Some((a, _))), Some((b, _))) if a.zone == b.zone => {}
                        _ => found = Some(None),
                    }
                }
            }
            found.map(|one| (via, one))
        })
    }
}

/// Where a GKE cluster's nodes run, when that is one zone.
struct NodeZone<'a> {
    zone: String,
    /// The attribute that confines them: `node_locations` of a regional
    /// cluster, `location` of a zonal one.
    attr: &'a Attr,
    regional: bool,
}

/// The one zone of a GKE cluster's nodes, when its `location` and
/// `node_locations` are known and say one zone.
fn gke_node_zone(cluster: &Resource) -> Option<NodeZone<'_>> {
    let location = cluster.body.attr("location")?;
    let at = location.value.as_str()?;
    let listed = cluster
        .body
        .attr("node_locations")
        .filter(|a| !matches!(&a.value, Value::Null) && a.value.as_list() != Some(&[]));
    let mut zones = BTreeSet::new();
    if let Some(a) = listed {
        for v in a.value.as_list()? {
            zones.insert(v.as_str().filter(|z| is_zone(z))?);
        }
    }
    let regional = !is_zone(at);
    if !regional {
        // A zonal cluster: its own zone, and the others listed.
        zones.insert(at);
    }
    let [zone] = zones.into_iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    Some(NodeZone {
        zone: zone.to_string(),
        attr: match listed {
            Some(a) if regional => a,
            _ => location,
        },
        regional,
    })
}

/// Two addresses that may name the same instance: equal, or one of them
/// written without key.
fn same_instance(a: &str, b: &str) -> bool {
    a == b || base(a) == b || a == base(b)
}

/// Records where a referenced resource's zones are written.
fn note(zones: &mut Zones, t: &Resource, a: &Attr) {
    let names: Vec<String> = zones.shown().iter().map(|z| format!("`{z}`")).collect();
    if !names.is_empty() {
        zones.witness((
            a.origin,
            format!("`{}` is in {}", t.address, names.join(", ")),
        ));
    }
}

/// A resource as a finding names it: its address, and its root module's
/// environment when it has one (`aws_db_instance.main@prod`).
fn shown(r: &Resource) -> String {
    match crate::model::scope::environment_of(&r.root) {
        Some(env) => format!(
            "{}{}{env}",
            r.address,
            crate::frontends::terraform::ENVIRONMENT_SEPARATOR
        ),
        None => r.address.clone(),
    }
}

/// Where a fact is reported, and why.
struct Located {
    /// The attribute that carries the deciding value, in the resource.
    span: Span,
    label: String,
    related: Vec<(Span, String)>,
    /// Where that value is written, when elsewhere (a variable default).
    origin: Option<Span>,
}

/// The fact's primary location and label, and the related locations. The
/// first `decisive` reasons are the conditions' (the placement's come
/// after): the first of them that is written decides; when none is
/// written, the first one does, on the resource's header ("`multi_az` is
/// not set"); without conditions, the placement decides. The primary
/// location is the attribute in the resource, which is what a change
/// touches; where its value is written (a variable default, a `.tfvars`
/// entry, a module call's argument) is a related location.
fn locate(r: &Resource, reasons: Vec<Reason>, decisive: usize) -> Located {
    let primary = reasons[..decisive.min(reasons.len())]
        .iter()
        .position(|x| x.at.is_some())
        .unwrap_or(0);
    let mut out = Located {
        span: r.span,
        label: String::new(),
        related: Vec::new(),
        origin: None,
    };
    for (i, reason) in reasons.into_iter().enumerate() {
        if i == primary {
            out.span = reason.at.unwrap_or(r.span);
            out.label = reason.label;
            out.origin = reason.origin.map(|(span, _)| span);
        } else if let Some(at) = reason.at {
            out.related.push((at, reason.label));
        }
        if let Some((span, set_by)) = reason.origin {
            out.related.push((span, decided_by(set_by).to_string()));
        }
        out.related.extend(reason.related);
    }
    out.related.dedup();
    out
}

/// Whether `inner` lies within `outer`.
fn within(inner: Span, outer: Span) -> bool {
    inner.file == outer.file
        && inner.range.start >= outer.range.start
        && inner.range.end <= outer.range.end
}

fn truth(b: bool) -> Truth {
    if b { Truth::True } else { Truth::False }
}

/// `all` (`short` = True) or `any` (`short` = False) in three-valued logic:
/// the reasons are those of the conditions that decide.
fn combine(results: Vec<(Truth, Vec<Reason>)>, identity: Truth) -> (Truth, Vec<Reason>) {
    let absorbing = if identity == Truth::True {
        Truth::False
    } else {
        Truth::True
    };
    if results.iter().any(|(t, _)| *t == absorbing) {
        let reasons = results
            .into_iter()
            .filter(|(t, _)| *t == absorbing)
            .flat_map(|(_, r)| r)
            .collect();
        return (absorbing, reasons);
    }
    if results.iter().any(|(t, _)| *t == Truth::Unknown) {
        return (Truth::Unknown, Vec::new());
    }
    (identity, results.into_iter().flat_map(|(_, r)| r).collect())
}

/// Values and blocks found at a dotted path.
struct Found<'a> {
    values: Vec<(&'a Value, &'a Attr)>,
    blocks: Vec<&'a Block>,
}

fn lookup<'a>(body: &'a Body, path: &str) -> Found<'a> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut found = Found {
        values: Vec::new(),
        blocks: Vec::new(),
    };
    walk(body, &segments, &mut found);
    found
}

fn walk<'a>(body: &'a Body, segments: &[&str], found: &mut Found<'a>) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if let Some(attr) = body.attr(first) {
        walk_value(&attr.value, rest, attr, found);
    }
    for (_, block) in body.blocks.iter().filter(|(k, _)| k == first) {
        if rest.is_empty() {
            found.blocks.push(block);
        } else {
            walk(&block.body, rest, found);
        }
    }
}

/// Into an attribute's value: objects and lists of objects (blocks as a
/// plan writes them).
fn walk_value<'a>(value: &'a Value, segments: &[&str], attr: &'a Attr, found: &mut Found<'a>) {
    let Some((first, rest)) = segments.split_first() else {
        found.values.push((value, attr));
        return;
    };
    match value {
        Value::Map(map) => {
            if let Some(v) = map.get(*first) {
                walk_value(v, rest, attr, found);
            }
        }
        Value::List(items) => items
            .iter()
            .for_each(|v| walk_value(v, segments, attr, found)),
        Value::Null => {}
        _ => found.values.push((&UNKNOWN, attr)),
    }
}

/// Whose default a knowledge-base condition states: the module's, for a
/// registry module judged at its call, or the provider's.
#[derive(Clone, Copy)]
enum Whose {
    Module,
    Provider,
}

/// A value as a label quotes it: a number, boolean or string as written
/// (`false`, `"ZONAL"`), in backticks; a collection described.
fn quoted(value: &Value) -> String {
    match value {
        Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Null => {
            format!("`{}`", show(value))
        }
        _ => show(value),
    }
}

/// Why an attribute's value holds. When that value is the default of a
/// called module's variable that the module call leaves unset, the line
/// that decides is the call: the reason is there ("`multi_az` is not set;
/// the module's default is `false`"), with the default and the attribute
/// in the module's code as related locations.
fn valued(attr: &Attr, path: &str, value: &Value) -> Reason {
    let label = format!("`{path}` is {}", show(value));
    module_default(attr, value, &label).unwrap_or_else(|| Reason::at(Some(attr), label))
}

/// When a resource's `count` is decided by the default of a called
/// module's variable that its call leaves unset (`count = var.create ? 1 :
/// 0`): the reason at the call's opening line, saying so, with the default
/// as a related location.
/// Put first in `reasons` unless a reason there is at the same call;
/// how many reasons it added.
fn enabled_by_default(r: &Resource, reasons: &mut Vec<Reason>) -> usize {
    match enabling_reason(r) {
        Some(enabling) if !reasons.iter().any(|x| x.at == enabling.at) => {
            reasons.insert(0, enabling);
            1
        }
        _ => 0,
    }
}

fn enabling_reason(r: &Resource) -> Option<Reason> {
    let origin = r.count_origin.as_ref()?;
    let (unset, shown) = origin.unset.as_deref()?;
    let (default, _) = origin.origin?;
    Some(Reason {
        at: Some(unset.call),
        origin: Some((default, SetBy::ModuleDefault)),
        label: format!(
            "`{}` is not set; the module's default is `{shown}`",
            unset.name
        ),
        related: Vec::new(),
    })
}

/// When `attr`'s value is the default of a called module's variable that
/// the module call leaves unset: the reason at the call's opening line,
/// saying so, with the default and the attribute (labelled `label`) as
/// related locations.
fn module_default(attr: &Attr, value: &Value, label: &str) -> Option<Reason> {
    let unset = attr
        .unset
        .as_ref()
        .filter(|_| attr.set_by == SetBy::Default)?;
    Some(Reason {
        at: Some(unset.call),
        origin: Some((attr.origin, SetBy::ModuleDefault)),
        label: format!(
            "`{}` is not set; the module's default is {}",
            unset.name,
            quoted(value)
        ),
        related: vec![(attr.span, label.to_string())],
    })
}

/// One attribute test.
fn leaf(
    body: &Body,
    path: &str,
    test: &Test,
    default: Option<&Lit>,
    whose: Whose,
) -> (Truth, Vec<Reason>) {
    let found = lookup(body, path);
    let values: Vec<_> = found
        .values
        .iter()
        .filter(|(v, _)| !matches!(v, Value::Null))
        .collect();
    let first_attr = values.first().map(|(_, a)| *a);
    if let Test::Present(want) = test {
        let present = !values.is_empty() || !found.blocks.is_empty();
        let label = if present {
            format!("`{path}` is set")
        } else {
            format!("`{path}` is not set")
        };
        let mut reason = Reason::at(first_attr, label);
        if reason.at.is_none() {
            reason.at = found.blocks.first().map(|b| b.span);
        }
        return (truth(present == *want), vec![reason]);
    }
    if let Test::LengthAtLeast(n) = test {
        if !found.blocks.is_empty() {
            let count = found.blocks.len();
            let label = format!("{count} `{path}` block{}", plural(count));
            let reason = Reason {
                at: Some(found.blocks[0].span),
                origin: None,
                label,
                related: Vec::new(),
            };
            return (truth(count >= *n), vec![reason]);
        }
        return match values.as_slice() {
            [] => (
                truth(*n == 0),
                vec![Reason::at(None, format!("`{path}` is not set"))],
            ),
            [(Value::List(items), attr)] if items.iter().all(Value::is_known) => {
                let count = items.len();
                let label = format!(
                    "`{path}` has {count} entr{}",
                    if count == 1 { "y" } else { "ies" }
                );
                (truth(count >= *n), vec![Reason::at(Some(attr), label)])
            }
            // A map's entries (a module's `instances = { one = {} }`).
            [(Value::Map(entries), attr)] if entries.values().all(Value::is_known) => {
                let count = entries.len();
                let label = format!(
                    "`{path}` has {count} entr{}",
                    if count == 1 { "y" } else { "ies" }
                );
                (truth(count >= *n), vec![Reason::at(Some(attr), label)])
            }
            _ => (Truth::Unknown, Vec::new()),
        };
    }
    if values.is_empty() {
        let Some(default) = default else {
            return (
                Truth::False,
                vec![Reason::at(None, format!("`{path}` is not set"))],
            );
        };
        let whose = match whose {
            Whose::Module => "module",
            Whose::Provider => "provider",
        };
        let label = format!(
            "`{path}` is not set; the {whose}'s default is {}",
            quoted(&lit_value(default))
        );
        let t = compare(&lit_value(default), test);
        return (t, vec![Reason::at(None, label)]);
    }
    // Repeated blocks: any of them.
    let mut result = Truth::False;
    let mut reasons = Vec::new();
    for (value, attr) in &values {
        let t = compare(value, test);
        let reason = valued(attr, path, value);
        match t {
            Truth::True => {
                if result != Truth::True {
                    reasons.clear();
                }
                result = Truth::True;
                reasons.push(reason);
            }
            Truth::Unknown if result == Truth::False => {
                result = Truth::Unknown;
                reasons.clear();
            }
            Truth::False if result == Truth::False => reasons.push(reason),
            _ => {}
        }
    }
    (result, reasons)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn lit_value(lit: &Lit) -> Value {
    match lit {
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Number(n) => Value::Number(*n),
        Lit::String(s) => Value::String(s.clone()),
    }
}

fn compare(value: &Value, test: &Test) -> Truth {
    if matches!(value, Value::Unknown | Value::Ref { .. }) {
        return Truth::Unknown;
    }
    match test {
        Test::Is(lit) => matches(value, lit),
        Test::OneOf(lits) => any_match(value, lits),
        Test::NotOneOf(lits) => match any_match(value, lits) {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        },
        Test::AtLeast(n) => match value.as_f64() {
            Some(v) => truth(v >= *n),
            None => Truth::Unknown,
        },
        Test::LengthAtLeast(_) | Test::Present(_) => Truth::Unknown,
    }
}

fn any_match(value: &Value, lits: &[Lit]) -> Truth {
    let mut out = Truth::False;
    for lit in lits {
        match matches(value, lit) {
            Truth::True => return Truth::True,
            Truth::Unknown => out = Truth::Unknown,
            Truth::False => {}
        }
    }
    out
}

fn matches(value: &Value, lit: &Lit) -> Truth {
    match lit {
        Lit::Bool(b) => value.as_bool().map_or(Truth::Unknown, |v| truth(v == *b)),
        Lit::Number(n) => value.as_f64().map_or(Truth::Unknown, |v| truth(v == *n)),
        Lit::String(s) => match value {
            Value::String(v) => truth(v.eq_ignore_ascii_case(s)),
            Value::Number(_) | Value::Bool(_) => truth(show(value) == *s),
            _ => Truth::False,
        },
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("\"{s}\""),
        Value::List(items) => {
            format!(
                "a list of {} entr{}",
                items.len(),
                if items.len() == 1 { "y" } else { "ies" }
            )
        }
        Value::Map(_) => "an object".to_string(),
        Value::Zone { family, index } => format!("`{}`", symbolic::show(family, *index)),
        Value::Zones { family } => format!("`{family}`"),
        Value::Ref { .. } | Value::Unknown => "not known".to_string(),
    }
}

/// Whether a zone or region name is a zone: Azure's `1`, AWS's
/// `us-east-1a` and `use1-az1`, Google's `us-central1-a`. Regions
/// (`us-east-1`, `us-central1`, `westeurope`) are not.
pub(super) fn is_zone(name: &str) -> bool {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let b = name.as_bytes();
    if let [.., before, last] = b
        && last.is_ascii_lowercase()
        && (before.is_ascii_digit() || *before == b'-')
    {
        return true;
    }
    // AWS zone ids: `use1-az1`.
    if let Some(pos) = name.rfind("-az") {
        let tail = &name[pos + 3..];
        return !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit());
    }
    false
}

/// Whether a string is an AWS subnet id (`subnet-` and 8 or 17 hex
/// digits): a subnet lives in one availability zone.
pub(super) fn is_aws_subnet_id(s: &str) -> bool {
    s.strip_prefix("subnet-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Byte offsets of the top-level `.` separators and `[` keys of an address,
/// ignoring those inside quoted keys.
fn split_address(address: &str) -> (Vec<&str>, Option<usize>) {
    let mut segments = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut depth = 0usize;
    let mut last_key = None;
    let bytes = address.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'[' if !in_quotes => {
                if depth == 0 {
                    last_key = Some(i);
                }
                depth += 1;
            }
            b']' if !in_quotes => depth = depth.saturating_sub(1),
            b'.' if !in_quotes && depth == 0 => {
                segments.push(&address[start..i]);
                start = i + 1;
                last_key = None;
            }
            _ => {}
        }
        i += 1;
    }
    segments.push(&address[start..]);
    (segments, last_key)
}

/// The resource address without its instance key.
pub(super) fn base(address: &str) -> &str {
    match split_address(address) {
        (_, Some(key)) if address.ends_with(']') => &address[..key],
        _ => address,
    }
}

/// Whether an address names a data source, and its resource type; `None`
/// when it names no resource (a module).
pub(super) fn resource_type(address: &str) -> Option<(bool, &str)> {
    let (segments, _) = split_address(address);
    let mut i = 0;
    while segments
        .get(i)
        .is_some_and(|s| *s == "module" || s.starts_with("module["))
    {
        i += 2;
    }
    let data = segments.get(i) == Some(&"data");
    if data {
        i += 1;
    }
    // A type and a name must both be there.
    segments.get(i + 1)?;
    let kind = segments.get(i)?;
    let kind = kind.split('[').next().unwrap_or(kind);
    Some((data, kind))
}
