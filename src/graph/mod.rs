//! Graph stage: resolves every [`Reference`] to an entity and builds one
//! petgraph over all inputs, with failure domains as nodes too.

use crate::model::scope::Nearness;
use crate::model::{
    Combine, Dependency, Domain, Entity, Instance, K8S_ID_PREFIX, Level, Model, Origin, Reference,
    Role, Strength, WorkloadKind,
};
use crate::source::FileId;
use petgraph::graph::{DiGraph, NodeIndex};
use std::borrow::Borrow;
use std::cell::OnceCell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphNode {
    Entity(usize),
    Domain(Domain),
    /// A target set of several entities (index into [`Graph::sets`]): the
    /// entities whose dependencies name it point to this one node, which
    /// points to each member, so that 10,000 Services selecting the same
    /// 2,000 workloads are 12,000 edges, not 20 million.
    Targets(usize),
}

/// A resolved dependency: `entity`'s declaration `instance` depends, through
/// its dependency number `dependency`, on `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepEdge {
    pub instance: usize,
    pub dependency: usize,
    pub target: usize,
    pub strength: Strength,
}

/// One dependency entry, resolved: `entity`'s declaration `instance`
/// depends, through its dependency number `dependency`, on every entity of
/// the target set `set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resolved {
    pub instance: u32,
    pub dependency: u32,
    pub strength: Strength,
    /// Index into [`Graph::sets`].
    pub set: u32,
}

impl Resolved {
    /// Entry `dependency` of declaration `instance`, naming target set
    /// `set`.
    pub fn new(instance: usize, dependency: usize, strength: Strength, set: usize) -> Self {
        Self {
            instance: index32(instance),
            dependency: index32(dependency),
            strength,
            set: index32(set),
        }
    }
}

/// An index held in 32 bits: the graph's entries and sets are counted by
/// the input, far below four billion (a file is at most some megabytes).
///
/// # Panics
///
/// At four billion.
fn index32(index: usize) -> u32 {
    u32::try_from(index).expect("fewer than 2^32 declarations, entries and sets")
}

/// The lists of entities that resolved dependency entries name, each
/// distinct list once, each in model order (ascending, no repeats). Entries
/// naming the same entities (every Service with the same selector) share
/// one list, so memory grows with the input, not with entries × targets.
///
/// Held flat (every list's members one after the other, with where each
/// list ends) and shared: the risk groups keep a copy of the graph's sets,
/// which costs a reference count.
#[derive(Debug, Clone, Default)]
pub struct TargetSets(Arc<Lists<usize>>);

impl TargetSets {
    /// Sets from lists, each in model order; a list's index is its set.
    pub fn from_lists(lists: impl IntoIterator<Item = Vec<usize>>) -> Self {
        Self(Arc::new(lists.into_iter().collect()))
    }

    /// The entities of `set`; none for an unknown set.
    pub fn get(&self, set: usize) -> &[usize] {
        self.0.get(set).unwrap_or(&[])
    }

    /// The edges of one resolved entry, one per entity it names.
    pub fn edges<'a>(&'a self, entry: &'a Resolved) -> impl Iterator<Item = DepEdge> + Clone + 'a {
        self.get(entry.set as usize)
            .iter()
            .map(move |&target| DepEdge {
                instance: entry.instance as usize,
                dependency: entry.dependency as usize,
                target,
                strength: entry.strength,
            })
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A list of lists held as one: every item one after the other, and where
/// each list ends (compressed sparse rows). One allocation for all the
/// lists where a `Vec<Vec<T>>` makes one per list and keeps 24 bytes for
/// each, empty or not: the graph's per-entity entries, of which most
/// entities have one or two, and none for what they manage.
#[derive(Clone, PartialEq, Eq)]
pub struct Lists<T> {
    items: Vec<T>,
    /// The end of each list in `items`: list `k` is `ends[k - 1]..ends[k]`.
    ends: Vec<u32>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T> Lists<T> {
    /// How many lists.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// List `k`; `None` past the last.
    pub fn get(&self, k: usize) -> Option<&[T]> {
        let end = *self.ends.get(k)? as usize;
        let start = match k.checked_sub(1) {
            Some(before) => self.ends.get(before).map_or(0, |&e| e as usize),
            None => 0,
        };
        self.items.get(start..end)
    }

    /// Each list, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[T]> + Clone + '_ {
        (0..self.len()).map(|k| self.get(k).unwrap_or(&[]))
    }

    /// Adds a list at the end.
    ///
    /// # Panics
    ///
    /// When the items outgrow `u32` (four billion entries).
    pub fn push(&mut self, list: impl IntoIterator<Item = T>) {
        self.items.extend(list);
        let end =
            u32::try_from(self.items.len()).expect("fewer than 2^32 items in a graph's lists");
        self.ends.push(end);
    }

    /// Gives back the room pushing grew into.
    pub fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

impl<T> std::ops::Index<usize> for Lists<T> {
    type Output = [T];

    /// List `k`.
    ///
    /// # Panics
    ///
    /// Past the last list, as a `Vec<Vec<T>>` would.
    fn index(&self, k: usize) -> &[T] {
        match self.get(k) {
            Some(list) => list,
            None => panic!("list {k} of {}", self.len()),
        }
    }
}

impl<T, L: IntoIterator<Item = T>> FromIterator<L> for Lists<T> {
    /// At their length: nothing pushed after.
    fn from_iter<I: IntoIterator<Item = L>>(lists: I) -> Self {
        let mut all = Self::default();
        for list in lists {
            all.push(list);
        }
        all.shrink_to_fit();
        all
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Lists<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Builds [`TargetSets`], each distinct list once.
#[derive(Default)]
struct Interner {
    ids: FastMap<Arc<[usize]>, usize>,
    sets: Vec<Arc<[usize]>>,
}

impl Interner {
    fn intern(&mut self, list: &[usize]) -> usize {
        if let Some(&id) = self.ids.get(list) {
            return id;
        }
        let set: Arc<[usize]> = Arc::from(list);
        let id = self.sets.len();
        self.sets.push(Arc::clone(&set));
        self.ids.insert(set, id);
        id
    }

    fn get(&self, set: usize) -> &[usize] {
        self.sets.get(set).map_or(&[], |s| s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphEdge {
    /// From an entity to the entity, or the [`GraphNode::Targets`], that one
    /// of its dependency entries names.
    DependsOn(Strength),
    /// From a target set to each of its entities.
    Member,
    /// The entity is hard-pinned to, or its cluster lives in, the domain.
    PlacedIn,
}

/// A dependency that names nothing in the scanned files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unresolved {
    pub entity: usize,
    pub instance: usize,
    pub dependency: usize,
}

pub struct Graph {
    pub graph: DiGraph<GraphNode, GraphEdge>,
    /// Graph node of each entity, by entity index.
    pub entity_nodes: Vec<NodeIndex>,
    /// Resolved dependency entries of each entity, in declaration order;
    /// an entity's own set never holds the entity.
    pub resolved: Lists<Resolved>,
    /// What the resolved entries name.
    pub sets: TargetSets,
    /// What each tool manages: its `manages` entries, resolved.
    pub manages: Lists<ManageEdge>,
    pub unresolved: Vec<Unresolved>,
    /// `manages` entries that name nothing.
    pub unresolved_manages: Vec<Unresolved>,
}

/// A resolved `manages` entry: `entity`'s declaration `instance` manages,
/// through its entry number `entry`, `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ManageEdge {
    pub instance: usize,
    pub entry: usize,
    pub target: usize,
}

/// Label of the dependency a tool gets on a tool that manages it.
pub const GUARDED_BY: &str = "managed by";

/// Kinds of tools that guard access to the tools they manage.
pub const GUARD_KINDS: &[&str] = &["sso", "access"];

/// A tool that guards access to another tool (engineer sign-in or a bastion
/// in front of a deploy console) is needed to use it: the managed tool
/// depends on it. Monitoring that watches a tool is not needed to use it.
/// Adds those dependencies to the model, before the graph is built.
pub fn link_tools(model: &mut Model) {
    // Most estates have no guarding tool: the entities are indexed only
    // when one is found.
    let mut resolver = None;
    let mut targets = Vec::new();
    let mut added: Vec<(usize, Dependency)> = Vec::new();
    for (e, entity) in model.entities.iter().enumerate() {
        let guards = entity
            .tool_kind
            .as_deref()
            .is_some_and(|k| GUARD_KINDS.contains(&k));
        if entity.role != Role::Tool || !guards {
            continue;
        }
        let resolver = resolver.get_or_insert_with(|| Resolver::new(model));
        for instance in &entity.instances {
            for entry in &instance.manages {
                resolver.resolve(&entry.target, Referrer::of(instance, entry), &mut targets);
                for &target in &targets {
                    if target != e && model.entities[target].role == Role::Tool {
                        added.push((
                            target,
                            Dependency {
                                target: Reference::Id(entity.id.clone()),
                                strength: Strength::Hard,
                                span: entry.span,
                                via: format!("{GUARDED_BY} `{}`", entity.label()).into(),
                                explicit: false,
                                origin: None,
                            },
                        ));
                    }
                }
            }
        }
    }
    added.sort_by_key(|a| (a.0, a.1.span));
    added.dedup();
    for (target, dependency) in added {
        crate::model::add_to_every(&mut model.entities[target].instances, &dependency);
    }
}

impl Graph {
    /// The entities `entry` names.
    pub fn targets(&self, entry: &Resolved) -> &[usize] {
        self.sets.get(entry.set as usize)
    }

    /// Resolved dependencies of entity `e`, one per entity each entry
    /// names: entries in declaration order, each entry's targets in model
    /// order.
    pub fn dependencies(&self, e: usize) -> impl Iterator<Item = DepEdge> + Clone + '_ {
        self.resolved
            .get(e)
            .unwrap_or(&[])
            .iter()
            .flat_map(move |entry| self.sets.edges(entry))
    }

    /// Strongly connected components of the hard dependencies, as entity
    /// indices (sorted), dependencies before dependents.
    pub fn hard_components(&self) -> Vec<Vec<usize>> {
        let hard = petgraph::visit::EdgeFiltered::from_fn(&self.graph, |edge| {
            matches!(
                edge.weight(),
                GraphEdge::DependsOn(Strength::Hard) | GraphEdge::Member
            )
        });
        // Entity of each graph node (domains have none).
        let mut node_entity: Vec<Option<usize>> = vec![None; self.graph.node_count()];
        for (e, n) in self.entity_nodes.iter().enumerate() {
            if let Some(slot) = node_entity.get_mut(n.index()) {
                *slot = Some(e);
            }
        }
        // What `petgraph::algo::tarjan_scc` returns, in its order.
        let mut components = Vec::new();
        petgraph::algo::TarjanScc::new().run(&hard, |scc| {
            let mut members: Vec<usize> = scc
                .iter()
                .filter_map(|n| node_entity.get(n.index()).copied().flatten())
                .collect();
            if !members.is_empty() {
                members.sort_unstable();
                components.push(members);
            }
        });
        components
    }

    /// `domains_of(e, out)` puts in `out` (emptied first) the domains entity
    /// `e` is placed in, sorted, each once.
    pub fn build<'d>(
        model: &Model,
        mut domains_of: impl FnMut(usize, &mut Vec<(Level, &'d str)>),
    ) -> Self {
        let resolver = Resolver::new(model);
        let mut graph = DiGraph::new();
        let entity_nodes: Vec<NodeIndex> = (0..model.entities.len())
            .map(|i| graph.add_node(GraphNode::Entity(i)))
            .collect();
        let mut sets = Interner::default();
        let (mut resolved, unresolved) = resolve_dependencies(model, &resolver, &mut sets);
        prune_fronting_services(model, &mut resolved, &mut sets);
        let (manages, unresolved_manages) = resolve_manages(model, &resolver, &resolved, &sets);
        // One node per target set of several entities, made when an entry
        // first names it.
        let mut set_nodes: Vec<Option<NodeIndex>> = vec![None; sets.sets.len()];
        for (e, entries) in resolved.iter().enumerate() {
            for entry in entries {
                let set = entry.set as usize;
                let to = match sets.get(set) {
                    [only] => entity_nodes[*only],
                    members => *set_nodes[set].get_or_insert_with(|| {
                        let node = graph.add_node(GraphNode::Targets(set));
                        for &t in members {
                            graph.add_edge(node, entity_nodes[t], GraphEdge::Member);
                        }
                        node
                    }),
                };
                graph.add_edge(entity_nodes[e], to, GraphEdge::DependsOn(entry.strength));
            }
        }
        // Domain nodes in the order entities first name them.
        let mut domain_nodes: BTreeMap<(Level, &str), NodeIndex> = BTreeMap::new();
        let mut domains = Vec::new();
        for (e, &node) in entity_nodes.iter().enumerate() {
            domains_of(e, &mut domains);
            for &(level, name) in &domains {
                let d = *domain_nodes
                    .entry((level, name))
                    .or_insert_with(|| graph.add_node(GraphNode::Domain(Domain::new(level, name))));
                graph.add_edge(node, d, GraphEdge::PlacedIn);
            }
        }
        // Kept through the analysis and the rules: without the room the
        // node and edge lists grew by doubling into (a third more, on
        // average), and each kind of list flat.
        graph.shrink_to_fit();
        let resolved: Lists<Resolved> = resolved.into_iter().collect();
        let manages: Lists<ManageEdge> = manages.into_iter().collect();
        let Interner { ids, sets } = sets;
        drop(ids);
        let sets = TargetSets(Arc::new(
            sets.iter().map(|set| set.iter().copied()).collect(),
        ));
        Self {
            graph,
            entity_nodes,
            resolved,
            sets,
            manages,
            unresolved,
            unresolved_manages,
        }
    }
}

/// Each entity's dependencies resolved to target sets (interned in
/// `sets`), and those that name nothing.
fn resolve_dependencies(
    model: &Model,
    resolver: &Resolver<'_>,
    sets: &mut Interner,
) -> (Vec<Vec<Resolved>>, Vec<Unresolved>) {
    let mut targets = Vec::new();
    let mut resolutions = Resolutions::default();
    let mut resolved = vec![Vec::new(); model.entities.len()];
    let mut unresolved = Vec::new();
    for (e, entity) in model.entities.iter().enumerate() {
        for (i, instance) in entity.instances.iter().enumerate() {
            for (d, dep) in instance.dependencies.iter().enumerate() {
                let from = Referrer::of(instance, dep);
                let (set, ambiguous) =
                    resolutions.resolve(resolver, &dep.target, from, sets, &mut targets);
                let all = sets.get(set);
                if all.is_empty() {
                    // A name equally near to several declarations names
                    // none of them, and is not unknown either.
                    if ambiguous {
                        continue;
                    }
                    unresolved.push(Unresolved {
                        entity: e,
                        instance: i,
                        dependency: d,
                    });
                    continue;
                }
                // An entity does not depend on itself.
                let set = if all.binary_search(&e).is_ok() {
                    let others: Vec<usize> = all.iter().copied().filter(|&t| t != e).collect();
                    if others.is_empty() {
                        continue;
                    }
                    sets.intern(&others)
                } else {
                    set
                };
                resolved[e].push(Resolved::new(i, d, dep.strength, set));
            }
        }
    }
    (resolved, unresolved)
}

/// Each tool's edges to what it manages, and the entries that name
/// nothing.
fn resolve_manages(
    model: &Model,
    resolver: &Resolver<'_>,
    resolved: &[Vec<Resolved>],
    sets: &Interner,
) -> (Vec<Vec<ManageEdge>>, Vec<Unresolved>) {
    let mut targets = Vec::new();
    let mut manages = vec![Vec::new(); model.entities.len()];
    let mut unresolved_manages = Vec::new();
    // The entity whose edges last took each entity in.
    let mut managed_by = vec![usize::MAX; model.entities.len()];
    for (e, entity) in model.entities.iter().enumerate() {
        for (i, instance) in entity.instances.iter().enumerate() {
            for (m, entry) in instance.manages.iter().enumerate() {
                let ambiguous =
                    resolver.resolve(&entry.target, Referrer::of(instance, entry), &mut targets);
                if targets.is_empty() && !ambiguous {
                    unresolved_manages.push(Unresolved {
                        entity: e,
                        instance: i,
                        dependency: m,
                    });
                }
                // One edge per managed entity: the first entry that
                // names it.
                for &target in &targets {
                    // What an operator's object says a tool manages (a
                    // destination namespace) leaves out the tool's own
                    // installation, which the same namespace holds.
                    if !entry.explicit && own_component(model, resolved, sets, e, target) {
                        continue;
                    }
                    if target != e && managed_by[target] != e {
                        managed_by[target] = e;
                        manages[e].push(ManageEdge {
                            instance: i,
                            entry: m,
                            target,
                        });
                    }
                }
            }
        }
        manages[e].sort_unstable_by_key(|m| m.target);
    }
    (manages, unresolved_manages)
}

/// Whether `target` is a component of tool `e`'s own installation: a
/// tool of that product in the same namespace (Argo CD's repo server, for
/// its server), or a Service there in front of nothing else (its metrics
/// Service). Another installation of the product, elsewhere (the Argo CD
/// of a cluster a hub deploys to), is managed like anything else.
fn own_component(
    model: &Model,
    resolved: &[Vec<Resolved>],
    sets: &Interner,
    e: usize,
    target: usize,
) -> bool {
    let Some(product) = model.entities[e].tool else {
        return false;
    };
    let entity = &model.entities[target];
    if entity.namespace != model.entities[e].namespace {
        return false;
    }
    if entity.tool == Some(product) {
        return true;
    }
    if entity.role != Role::Network {
        return false;
    }
    let mut fronted = resolved
        .get(target)
        .into_iter()
        .flatten()
        .filter(|r| r.strength == Strength::Hard)
        .flat_map(|r| sets.get(r.set as usize))
        .peekable();
    fronted.peek().is_some()
        && fronted.all(|&t| {
            model
                .entities
                .get(t)
                .is_some_and(|f| f.tool == Some(product))
        })
}

/// A workload naming the Service that fronts it (its own advertised
/// address) does not depend on itself: such a Service is dropped from the
/// workload's entries. Decided on the entries as resolved, then applied.
fn prune_fronting_services(model: &Model, resolved: &mut [Vec<Resolved>], sets: &mut Interner) {
    let any_of: Vec<bool> = model
        .entities
        .iter()
        .map(|entity| entity.instances.iter().all(|i| i.combine == Combine::Any))
        .collect();
    // Most sets hold no Service at all: they are never scanned again.
    let holds_any_of: Vec<bool> = sets
        .sets
        .iter()
        .map(|set| set.iter().any(|&t| any_of[t]))
        .collect();
    let selects = |service: usize, workload: usize| {
        any_of[service]
            && resolved[service].iter().any(|entry| {
                sets.get(entry.set as usize)
                    .binary_search(&workload)
                    .is_ok()
            })
    };
    // (entity, entry, what the entry keeps)
    let mut pruned: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for (e, entries) in resolved.iter().enumerate() {
        for (k, entry) in entries.iter().enumerate() {
            if !holds_any_of[entry.set as usize] {
                continue;
            }
            let targets = sets.get(entry.set as usize);
            if targets.iter().any(|&t| selects(t, e)) {
                let kept = targets
                    .iter()
                    .copied()
                    .filter(|&t| !selects(t, e))
                    .collect();
                pruned.push((e, k, kept));
            }
        }
    }
    for (e, k, kept) in pruned.into_iter().rev() {
        if kept.is_empty() {
            resolved[e].remove(k);
        } else {
            resolved[e][k].set = index32(sets.intern(&kept));
        }
    }
}

const WORKLOAD_LOOKUP_ORDER: &[&str] = &[
    "Service",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
];

/// Hash maps keyed by text from the scanned files, iterated nowhere: what
/// they hold reaches the output through lists in model order.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Values grouped by key, each group in the order its values were pushed;
/// one allocation for all groups rather than one per group.
struct Groups<K, T> {
    /// First and last entry of each group.
    ends: FastMap<K, (usize, usize)>,
    /// Values, each with the index of the next entry of its group
    /// (`usize::MAX` for none).
    entries: Vec<(T, usize)>,
}

impl<K: Hash + Eq, T: Copy + PartialEq> Groups<K, T> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            ends: FastMap::with_capacity_and_hasher(capacity, Default::default()),
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Adds `value` to the end of `key`'s group, unless it is already the
    /// group's last value (so an entity pushed once per declaration is in
    /// its group once, as long as entities are pushed in order).
    fn push(&mut self, key: K, value: T) {
        let at = self.entries.len();
        match self.ends.entry(key) {
            Entry::Occupied(mut group) => {
                let (_, last) = group.get_mut();
                if self.entries[*last].0 == value {
                    return;
                }
                self.entries[*last].1 = at;
                *last = at;
            }
            Entry::Vacant(group) => {
                group.insert((at, at));
            }
        }
        self.entries.push((value, usize::MAX));
    }

    /// The values of `key`'s group, in order.
    fn get<Q>(&self, key: &Q) -> impl Iterator<Item = T> + '_
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut next = self.ends.get(key).map_or(usize::MAX, |&(first, _)| first);
        std::iter::from_fn(move || {
            let &(value, after) = self.entries.get(next)?;
            next = after;
            Some(value)
        })
    }
}

/// Resolutions already made, for references repeated across the model:
/// 10,000 Services with one selector, in one file or in 10,000, are
/// resolved once, not once each.
#[derive(Default)]
struct Resolutions<'m> {
    /// A name by where it is written, with whether it named several
    /// declarations equally near.
    names: FastMap<(&'m Reference, Referrer), (usize, bool)>,
    /// A set reference's members as seen from a cluster, before the place
    /// it is written in narrows them.
    members: FastMap<(&'m Reference, Option<usize>), Members>,
    /// A set reference's target set by the place it is written in.
    narrowed: FastMap<(&'m Reference, Place), usize>,
}

/// What a set reference may name from a cluster: how the place it is
/// written in narrows them, the members, and the files that declare them.
struct Members {
    narrow: Narrow,
    list: Vec<usize>,
    files: Vec<FileId>,
}

/// Where a set reference is written, as far as narrowing its members goes:
/// its cluster, whether it is explicit, its directory, and its file only
/// when that file declares a member (no other file tells the members
/// apart: they are all as near to every file of the directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Place {
    cluster: Option<usize>,
    explicit: bool,
    dir: usize,
    file: Option<FileId>,
}

impl<'m> Resolutions<'m> {
    /// The target set `reference`, written in `from`, names, and whether
    /// it names several declarations equally near; `scratch` is a buffer.
    fn resolve(
        &mut self,
        resolver: &Resolver<'_>,
        reference: &'m Reference,
        from: Referrer,
        sets: &mut Interner,
        scratch: &mut Vec<usize>,
    ) -> (usize, bool) {
        if let Some(&known) = self.names.get(&(reference, from)) {
            return known;
        }
        let members = match self.members.entry((reference, from.cluster)) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                scratch.clear();
                match resolver.members(reference, from.cluster, scratch) {
                    Some(narrow) => slot.insert(Members {
                        narrow,
                        files: resolver.files_of(scratch),
                        list: scratch.clone(),
                    }),
                    None => {
                        let ambiguous = resolver.name(reference, from, scratch);
                        let known = (sets.intern(scratch), ambiguous);
                        self.names.insert((reference, from), known);
                        return known;
                    }
                }
            }
        };
        let place = match members.narrow {
            Narrow::Whole => Place {
                cluster: None,
                explicit: false,
                dir: usize::MAX,
                file: None,
            },
            _ => Place {
                cluster: from.cluster,
                explicit: from.explicit,
                dir: resolver.model.places.dir_id(from.file),
                file: members
                    .files
                    .binary_search(&from.file)
                    .is_ok()
                    .then_some(from.file),
            },
        };
        let set = *self.narrowed.entry((reference, place)).or_insert_with(|| {
            scratch.clear();
            scratch.extend_from_slice(&members.list);
            resolver.narrow(members.narrow, from, scratch);
            sets.intern(scratch)
        });
        (set, false)
    }
}

/// Looks up what a [`Reference`] names. The entities are indexed once by
/// id, namespace and Terraform address (by pod label when a reference first
/// needs it); every group lists entities in model order, so a reference
/// resolves to entities in model order, as a scan of the model would.
struct Resolver<'m> {
    model: &'m Model,
    by_id: FastMap<&'m str, usize>,
    /// Entities declared in several places, by the id they share.
    copies: Groups<&'m str, usize>,
    /// Kubernetes entities by namespace.
    namespaces: Groups<&'m str, usize>,
    /// Workloads by namespace, for selectors.
    workloads: Groups<&'m str, usize>,
    /// Workloads by namespace and a label of their pod template, for
    /// selectors: built on the first selector that needs it.
    pod_labels: OnceCell<Groups<(&'m str, &'m str, &'m str), usize>>,
    /// Kubernetes entities by a label of their pod template, in any
    /// namespace: built on the first label reference.
    k8s_labels: OnceCell<Groups<(&'m str, &'m str), usize>>,
    /// Terraform resources by address: root module and entity.
    terraform: Groups<&'m str, (&'m str, usize)>,
    /// Terraform resource instances by address without instance key.
    terraform_keyed: Groups<&'m str, (&'m str, usize)>,
}

impl<'m> Resolver<'m> {
    fn new(model: &'m Model) -> Self {
        let terraform = model
            .entities
            .iter()
            .filter(|e| e.origin == Origin::Terraform)
            .count();
        let mut resolver = Self {
            model,
            by_id: FastMap::with_capacity_and_hasher(model.entities.len(), Default::default()),
            copies: Groups::with_capacity(0),
            namespaces: Groups::with_capacity(0),
            workloads: Groups::with_capacity(0),
            pod_labels: OnceCell::new(),
            k8s_labels: OnceCell::new(),
            terraform: Groups::with_capacity(terraform),
            terraform_keyed: Groups::with_capacity(0),
        };
        for (i, e) in model.entities.iter().enumerate() {
            // A repeated id names its last entity.
            resolver.by_id.insert(&e.id, i);
            if e.place.is_some() {
                resolver.copies.push(e.base_id(), i);
            }
            if e.origin == Origin::Terraform {
                let root = e.namespace.as_deref().unwrap_or(".");
                resolver.terraform.push(&e.name, (root, i));
                if let Some(base) = crate::model::address::without_key(&e.name) {
                    resolver.terraform_keyed.push(base, (root, i));
                }
            }
            let Some(ns) = e.namespace.as_deref() else {
                continue;
            };
            if e.origin == Origin::Kubernetes {
                resolver.namespaces.push(ns, i);
            }
            if is_workload(e) {
                resolver.workloads.push(ns, i);
            }
        }
        resolver
    }

    /// The workloads whose pod template carries `key: value`, by namespace.
    fn pod_labels(&self) -> &Groups<(&'m str, &'m str, &'m str), usize> {
        self.pod_labels.get_or_init(|| {
            let mut groups = Groups::with_capacity(0);
            for (i, e) in self.model.entities.iter().enumerate() {
                let Some(ns) = e.namespace.as_deref() else {
                    continue;
                };
                if !is_workload(e) {
                    continue;
                }
                for instance in &e.instances {
                    for (key, value) in &instance.detail().pod_labels {
                        groups.push((ns, key.as_str(), value.as_str()), i);
                    }
                }
            }
            groups
        })
    }

    /// The Kubernetes entities whose pod template carries `key: value`.
    fn k8s_labels(&self) -> &Groups<(&'m str, &'m str), usize> {
        self.k8s_labels.get_or_init(|| {
            let mut groups = Groups::with_capacity(0);
            for (i, e) in self.model.entities.iter().enumerate() {
                if e.origin != Origin::Kubernetes {
                    continue;
                }
                for instance in &e.instances {
                    for (key, value) in &instance.detail().pod_labels {
                        groups.push((key.as_str(), value.as_str()), i);
                    }
                }
            }
            groups
        })
    }

    /// The entities `reference`, written in `from`, names, in model order
    /// (ascending, each once), replacing the contents of `out`. A name
    /// declared in several places names its nearest declaration; a set (a
    /// selector, a namespace, a pattern) keeps its nearest members. Returns
    /// whether the reference names several declarations equally near, and
    /// so none of them.
    fn resolve(&self, reference: &Reference, from: Referrer, out: &mut Vec<usize>) -> bool {
        out.clear();
        match self.members(reference, from.cluster, out) {
            Some(narrow) => {
                self.narrow(narrow, from, out);
                false
            }
            None => self.name(reference, from, out),
        }
    }

    /// What a set reference (every reference but a name) may name from a
    /// declaration in `cluster`, before the place it is written in keeps
    /// the nearest: into `out`, in model order; and how that place narrows
    /// them. `None` for a name.
    fn members(
        &self,
        reference: &Reference,
        cluster: Option<usize>,
        out: &mut Vec<usize>,
    ) -> Option<Narrow> {
        match reference {
            Reference::Id(_) | Reference::K8s { .. } | Reference::K8sName { .. } => return None,
            Reference::Namespace(namespace) => {
                out.extend(self.namespaces.get(namespace.as_str()));
                return Some(Narrow::Copies);
            }
            Reference::Cluster { cluster, namespace } => {
                let declared_there = |&e: &usize| {
                    let entity = &self.model.entities[e];
                    entity.origin == Origin::Kubernetes
                        && entity.instances.iter().any(|i| i.cluster == Some(*cluster))
                };
                match namespace {
                    Some(ns) => out.extend(self.namespaces.get(ns.as_str()).filter(declared_there)),
                    None => out.extend((0..self.model.entities.len()).filter(declared_there)),
                }
                return Some(Narrow::Whole);
            }
            Reference::Pattern(pattern) => {
                if let Ok(glob) = globset::Glob::new(pattern) {
                    let matcher = glob.compile_matcher();
                    out.extend(
                        self.model
                            .entities
                            .iter()
                            .enumerate()
                            .filter(|(_, e)| {
                                matcher.is_match(&e.id) || matcher.is_match(e.base_id())
                            })
                            .map(|(i, _)| i),
                    );
                }
                return Some(Narrow::Copies);
            }
            Reference::Terraform { root, address } => {
                // The instance itself, else every instance:
                // `aws_instance.web[0]`, `aws_instance.web["a"]`.
                let in_root =
                    |&(r, _): &(&str, usize)| root.as_deref().is_none_or(|want| want == r);
                out.extend(
                    self.terraform
                        .get(address.as_str())
                        .filter(in_root)
                        .map(|(_, e)| e),
                );
                if out.is_empty() {
                    out.extend(
                        self.terraform_keyed
                            .get(address.as_str())
                            .filter(in_root)
                            .map(|(_, e)| e),
                    );
                }
                return Some(Narrow::Whole);
            }
            Reference::Host(host) => {
                self.serving(self.host_servers(host), out);
                return Some(Narrow::Copies);
            }
            Reference::Image { host, repository } => {
                let repositories = self
                    .model
                    .image_repositories
                    .iter()
                    .filter(|r| r.serves(host, repository))
                    .map(|r| r.id.as_str());
                self.serving(self.host_servers(host).chain(repositories), out);
                return Some(Narrow::Copies);
            }
            Reference::Registered { ids, .. } => {
                for id in ids {
                    match self.by_id.get(id.as_str()) {
                        Some(&e) => out.push(e),
                        None => out.extend(self.copies.get(id.as_str())),
                    }
                }
                out.sort_unstable();
                out.dedup();
            }
            Reference::K8sLabel { key, value } => {
                out.extend(self.k8s_labels().get(&(key.as_str(), value.as_str())));
            }
            Reference::PodSelector { namespace, labels } => {
                let selects = |w: &usize| {
                    let entity = &self.model.entities[*w];
                    // A Service selects the pods of its own cluster.
                    let here = |inst: &Instance| cluster.is_none() || inst.cluster == cluster;
                    entity.instances.iter().filter(|i| here(i)).any(|inst| {
                        labels.iter().all(|(k, v)| {
                            inst.detail().pod_labels.get(k) == Some(v)
                                || controller_label_matches(&entity.kind, &entity.name, k, v)
                        })
                    })
                };
                // A label no controller sets must be in the template: it
                // narrows the candidates to the workloads whose template
                // has it.
                match labels.iter().find(|(k, _)| !set_by_controller(k)) {
                    Some((k, v)) => out.extend(
                        self.pod_labels()
                            .get(&(namespace.as_str(), k.as_str(), v.as_str()))
                            .filter(selects),
                    ),
                    None => out.extend(self.workloads.get(namespace.as_str()).filter(selects)),
                }
            }
        }
        Some(Narrow::Nearest)
    }

    /// Keeps, of the members of a set reference written in `from`, those
    /// it names there.
    fn narrow(&self, narrow: Narrow, from: Referrer, out: &mut Vec<usize>) {
        match narrow {
            Narrow::Whole => {}
            Narrow::Copies => {
                out.retain(|&e| self.reachable(e, from));
                self.keep_nearest_copies(from, out);
            }
            Narrow::Nearest => {
                out.retain(|&e| self.reachable(e, from));
                self.keep_nearest(from, out);
            }
        }
    }

    /// What a name (an id, a kind and name, a bare name) written in `from`
    /// names, into `out`; whether it names several declarations equally
    /// near.
    fn name(&self, reference: &Reference, from: Referrer, out: &mut Vec<usize>) -> bool {
        match reference {
            Reference::Id(id) => self.named(std::iter::once(id.as_str()), from, out),
            Reference::K8s {
                kind,
                namespace,
                name,
            } => {
                let id = format!("{K8S_ID_PREFIX}{kind}/{namespace}/{name}");
                self.named(std::iter::once(id.as_str()), from, out)
            }
            Reference::K8sName { namespace, name } => {
                let ids: Vec<String> = WORKLOAD_LOOKUP_ORDER
                    .iter()
                    .map(|kind| format!("{K8S_ID_PREFIX}{kind}/{namespace}/{name}"))
                    .collect();
                self.named(ids.iter().map(String::as_str), from, out)
            }
            _ => false,
        }
    }

    /// The files that declare any of `members`, sorted, each once.
    fn files_of(&self, members: &[usize]) -> Vec<FileId> {
        let mut files: Vec<FileId> = members
            .iter()
            .flat_map(|&e| self.model.entities[e].instances.iter().map(|i| i.span.file))
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// The ids of the entities that serve `host` ([`Model::hosts`]).
    fn host_servers<'h>(&'h self, host: &'h str) -> impl Iterator<Item = &'h str> + 'h {
        self.model
            .hosts
            .iter()
            .filter(move |(h, _)| h == host)
            .map(|(_, id)| id.as_str())
    }

    /// The entities of `ids` (or their copies), into `out`, sorted, each
    /// once.
    fn serving<'i>(&self, ids: impl Iterator<Item = &'i str>, out: &mut Vec<usize>) {
        for id in ids {
            match self.by_id.get(id) {
                Some(&e) => out.push(e),
                None => out.extend(self.copies.get(id)),
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Whether a reference from `from` may name entity `e`: a reference
    /// spof inferred (a host name, a selector) stays in its environment.
    fn reachable(&self, e: usize, from: Referrer) -> bool {
        let instances = &self.model.entities[e].instances;
        from.explicit
            || instances.is_empty()
            || instances
                .iter()
                .any(|i| self.model.places.same_environment(from.cluster, i.cluster))
    }

    /// How near entity `e`'s nearest declaration is to `from`: in its
    /// cluster first, then by place.
    fn nearness(&self, e: usize, from: Referrer) -> (bool, Nearness) {
        self.model.entities[e]
            .instances
            .iter()
            .map(|i| {
                (
                    i.cluster == from.cluster,
                    self.model.places.nearness(from.file, i.span.file),
                )
            })
            .max()
            .unwrap_or_default()
    }

    /// The entity the first of `ids` (in order of preference) that names
    /// one means, into `out`: the entity with that id, else its nearest
    /// copy, nearer copies of later ids first. Returns whether several
    /// are equally near.
    fn named<'i>(
        &self,
        ids: impl Iterator<Item = &'i str>,
        from: Referrer,
        out: &mut Vec<usize>,
    ) -> bool {
        // The nearest candidates so far; those of the first id win ties.
        let mut best: Option<((bool, Nearness), usize, usize)> = None;
        for (rank, id) in ids.enumerate() {
            let exact = self.by_id.get(id).copied();
            let mut candidates: Vec<usize> = exact.into_iter().collect();
            if exact.is_none() {
                candidates.extend(self.copies.get(id));
            }
            for e in candidates {
                if !self.reachable(e, from) {
                    continue;
                }
                let near = self.nearness(e, from);
                best = match best {
                    Some((b, r, _)) if b > near || b == near && r < rank => best,
                    Some((b, r, _)) if b == near && r == rank => Some((b, r, usize::MAX)),
                    _ => Some((near, rank, e)),
                };
            }
        }
        match best {
            Some((_, _, usize::MAX)) => true,
            Some((_, _, e)) => {
                out.push(e);
                false
            }
            None => false,
        }
    }

    /// Keeps, of the members of a set of entities, those whose declarations
    /// are nearest to `from`: in its cluster, then in its file, then
    /// sharing the most directories with it.
    fn keep_nearest(&self, from: Referrer, out: &mut Vec<usize>) {
        if out.len() < 2 {
            return;
        }
        let shared = |e: usize| {
            self.model.entities[e]
                .instances
                .iter()
                .map(|i| {
                    (
                        i.cluster == from.cluster,
                        i.span.file == from.file,
                        self.model.places.common(from.file, i.span.file),
                    )
                })
                .max()
        };
        let best = out.iter().map(|&e| shared(e)).max().flatten();
        out.retain(|&e| shared(e) == best);
    }

    /// Keeps, of the entities declared in several places, the copies
    /// nearest to `from` (all of equals).
    fn keep_nearest_copies(&self, from: Referrer, out: &mut Vec<usize>) {
        let entities = &self.model.entities;
        let mut best: FastMap<&str, (bool, Nearness)> = FastMap::default();
        for &e in out.iter() {
            if entities[e].place.is_some() {
                let near = self.nearness(e, from);
                let slot = best.entry(entities[e].base_id()).or_insert(near);
                *slot = (*slot).max(near);
            }
        }
        if best.is_empty() {
            return;
        }
        out.retain(|&e| {
            entities[e].place.is_none()
                || best.get(entities[e].base_id()) == Some(&self.nearness(e, from))
        });
    }
}

/// How the place a set reference is written in narrows its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Narrow {
    /// Not at all (a Terraform address names its root module already).
    Whole,
    /// To the members reachable from it, and of the entities declared in
    /// several places, the nearest copies (a namespace, a pattern).
    Copies,
    /// To the reachable members nearest to it (a selector, a label, the
    /// groups registering a service).
    Nearest,
}

/// Where a reference is written: the declaration that makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Referrer {
    file: FileId,
    cluster: Option<usize>,
    /// Written on purpose (an annotation, a manifest entry): it may name
    /// an entity of another environment.
    explicit: bool,
}

impl Referrer {
    fn of(instance: &Instance, dependency: &Dependency) -> Self {
        Self {
            file: instance.span.file,
            cluster: instance.cluster,
            explicit: dependency.explicit,
        }
    }
}

/// Whether pod selectors can select `entity`: a long-running workload in a
/// namespace.
fn is_workload(entity: &Entity) -> bool {
    entity.namespace.is_some()
        && entity.instances.iter().any(|inst| {
            matches!(
                inst.workload,
                Some(WorkloadKind::LongRunning | WorkloadKind::PerNode)
            )
        })
}

/// The labels [`controller_label_matches`] can match: set on pods by their
/// controller, in no pod template.
fn set_by_controller(key: &str) -> bool {
    matches!(
        key,
        "statefulset.kubernetes.io/pod-name"
            | "apps.kubernetes.io/pod-index"
            | "controller-revision-hash"
            | "pod-template-hash"
    )
}

/// Labels that controllers put on the pods they create, which no pod
/// template carries: `statefulset.kubernetes.io/pod-name: db-0` selects pod 0
/// of StatefulSet `db`; a pod index or a revision hash selects some pods of
/// the workload. Any other label must be in the template.
fn controller_label_matches(kind: &str, name: &str, key: &str, value: &str) -> bool {
    match key {
        "statefulset.kubernetes.io/pod-name" => {
            kind == "StatefulSet"
                && value.rsplit_once('-').is_some_and(|(set, ordinal)| {
                    set == name && ordinal.bytes().all(|b| b.is_ascii_digit())
                })
        }
        "apps.kubernetes.io/pod-index" => kind == "StatefulSet",
        "controller-revision-hash" => matches!(kind, "StatefulSet" | "DaemonSet"),
        "pod-template-hash" => kind == "Deployment",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Instance;
    use crate::source::{FileId, Span, TextRange};

    fn entity(id: &str, namespace: Option<&str>, name: &str, kind: &str) -> Entity {
        // The format these tests' ids are written in.
        let origin = match id.split_once(':') {
            Some(("tf", _)) => Origin::Terraform,
            Some(("nomad", _)) => Origin::Nomad,
            _ => Origin::Kubernetes,
        };
        Entity {
            id: id.to_string(),
            origin,
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            role: Role::Service,
            tool_kind: None,
            tool: None,
            tier: 0,
            instances: vec![Instance::at(Span::new(FileId(0), TextRange::empty(0)))],
            place: None,
        }
    }

    fn workload(kind: &str, namespace: &str, name: &str, labels: &[(&str, &str)]) -> Entity {
        let mut e = entity(
            &format!("k8s:{kind}/{namespace}/{name}"),
            Some(namespace),
            name,
            kind,
        );
        let workload = if kind == "DaemonSet" {
            WorkloadKind::PerNode
        } else {
            WorkloadKind::LongRunning
        };
        e.instances[0].workload = Some(workload);
        e.instances[0].detail_mut().pod_labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        e
    }

    fn model() -> Model {
        let mut entities = vec![
            workload(
                "Deployment",
                "a",
                "web",
                &[("app", "web"), ("tier", "front")],
            ),
            workload("StatefulSet", "a", "db", &[("app", "db")]),
            workload("DaemonSet", "a", "agent", &[("app", "agent")]),
            workload("Deployment", "b", "web", &[("app", "web")]),
            entity("k8s:Service/a/web", Some("a"), "web", "Service"),
            entity("k8s:ConfigMap/b/conf", Some("b"), "conf", "ConfigMap"),
            entity(
                "tf:root/aws_instance.web[0]",
                Some("root"),
                "aws_instance.web[0]",
                "x",
            ),
            entity(
                "tf:root/aws_instance.web[1]",
                Some("root"),
                "aws_instance.web[1]",
                "x",
            ),
            entity(
                "tf:other/aws_instance.web[0]",
                Some("other"),
                "aws_instance.web[0]",
                "x",
            ),
            entity("tf:root/aws_db.main", Some("root"), "aws_db.main", "x"),
            entity("nomad:a/web", Some("a"), "web", "NomadGroup"),
            // A repeated id names its last entity.
            entity("k8s:Service/a/web", Some("a"), "web", "Service"),
        ];
        // Two declarations of one workload, labelled differently.
        let mut twice = workload("Deployment", "a", "api", &[("app", "api")]);
        let mut second = twice.instances[0].clone();
        second
            .detail_mut()
            .pod_labels
            .insert("tier".into(), "back".into());
        twice.instances.push(second);
        entities.push(twice);
        Model {
            entities,
            ..Model::default()
        }
    }

    /// What a reference names, by a scan of every entity.
    fn scan(model: &Model, reference: &Reference) -> Vec<usize> {
        let all = model.entities.iter().enumerate();
        let last_with_id = |id: &str| model.entities.iter().rposition(|e| e.id == id);
        match reference {
            Reference::Id(id) => last_with_id(id).into_iter().collect(),
            Reference::Namespace(ns) => all
                .filter(|(_, e)| {
                    e.origin == Origin::Kubernetes && e.namespace.as_deref() == Some(ns)
                })
                .map(|(i, _)| i)
                .collect(),
            Reference::Terraform { root, address } => {
                let pick = |matches: &dyn Fn(&str) -> bool| -> Vec<usize> {
                    model
                        .entities
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| {
                            e.origin == Origin::Terraform
                                && matches(&e.name)
                                && root
                                    .as_deref()
                                    .is_none_or(|r| e.namespace.as_deref().unwrap_or(".") == r)
                        })
                        .map(|(i, _)| i)
                        .collect()
                };
                let exact = pick(&|name| name == address);
                if exact.is_empty() {
                    pick(&|name| crate::model::address::without_key(name) == Some(address))
                } else {
                    exact
                }
            }
            Reference::K8s {
                kind,
                namespace,
                name,
            } => last_with_id(&format!("k8s:{kind}/{namespace}/{name}"))
                .into_iter()
                .collect(),
            Reference::PodSelector { namespace, labels } => all
                .filter(|(_, e)| {
                    e.namespace.as_deref() == Some(namespace)
                        && e.instances.iter().any(|i| {
                            matches!(
                                i.workload,
                                Some(WorkloadKind::LongRunning | WorkloadKind::PerNode)
                            )
                        })
                        && e.instances.iter().any(|inst| {
                            labels.iter().all(|(k, v)| {
                                inst.detail().pod_labels.get(k) == Some(v)
                                    || controller_label_matches(&e.kind, &e.name, k, v)
                            })
                        })
                })
                .map(|(i, _)| i)
                .collect(),
            Reference::K8sLabel { key, value } => all
                .filter(|(_, e)| {
                    e.origin == Origin::Kubernetes
                        && e.instances
                            .iter()
                            .any(|i| i.detail().pod_labels.get(key) == Some(value))
                })
                .map(|(i, _)| i)
                .collect(),
            _ => unreachable!("not indexed"),
        }
    }

    #[test]
    fn indexed_lookups_name_what_a_scan_names_in_model_order() {
        let model = model();
        let resolver = Resolver::new(&model);
        let mut references = Vec::new();
        for ns in ["a", "b", "c"] {
            references.push(Reference::Namespace(ns.into()));
            for name in ["web", "db", "api", "conf"] {
                for kind in ["Service", "Deployment", "StatefulSet", "ConfigMap"] {
                    references.push(Reference::K8s {
                        kind: kind.into(),
                        namespace: ns.into(),
                        name: name.into(),
                    });
                }
            }
            let selectors: &[&[(&str, &str)]] = &[
                &[],
                &[("app", "web")],
                &[("app", "api"), ("tier", "back")],
                &[("app", "api"), ("tier", "front")],
                &[("app", "web"), ("tier", "front")],
                &[
                    ("app", "db"),
                    ("statefulset.kubernetes.io/pod-name", "db-0"),
                ],
                &[("statefulset.kubernetes.io/pod-name", "db-0")],
                &[("controller-revision-hash", "x")],
                &[("pod-template-hash", "x"), ("app", "web")],
                &[("app", "nothing")],
            ];
            for labels in selectors {
                references.push(Reference::PodSelector {
                    namespace: ns.into(),
                    labels: labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                });
            }
        }
        for root in [None, Some("root"), Some("other"), Some("none")] {
            for address in [
                "aws_instance.web",
                "aws_instance.web[0]",
                "aws_db.main",
                "x",
            ] {
                references.push(Reference::Terraform {
                    root: root.map(str::to_string),
                    address: address.into(),
                });
            }
        }
        for (key, value) in [
            ("app", "web"),
            ("app", "api"),
            ("tier", "back"),
            ("tier", "front"),
            ("app", "none"),
        ] {
            references.push(Reference::K8sLabel {
                key: key.into(),
                value: value.into(),
            });
        }
        for id in ["k8s:Service/a/web", "nomad:a/web", "k8s:Pod/a/web"] {
            references.push(Reference::Id(id.into()));
        }
        let mut out = vec![99];
        for reference in &references {
            let from = Referrer {
                file: FileId(0),
                cluster: None,
                explicit: false,
            };
            resolver.resolve(reference, from, &mut out);
            assert_eq!(out, scan(&model, reference), "{reference:?}");
            // Target sets are searched by bisection.
            assert!(out.windows(2).all(|w| w[0] < w[1]), "{reference:?}");
        }
    }

    /// A model over files in `paths` (file ids in order), clusters of
    /// `environments`.
    fn placed(paths: &[&str], environments: &[&str], entities: Vec<Entity>) -> Model {
        let mut sources = crate::source::SourceMap::default();
        for path in paths {
            sources.add(crate::source::SourceFile::new(path.into(), ""));
        }
        Model {
            entities,
            places: crate::model::scope::Places::new(
                &sources,
                environments.iter().map(|e| e.to_string()).collect(),
            ),
            ..Model::default()
        }
    }

    /// A workload declared in file `file`, cluster `cluster`, with place
    /// `place` when it has copies.
    fn declared(
        name: &str,
        labels: &[(&str, &str)],
        file: u32,
        cluster: Option<usize>,
        place: Option<&str>,
    ) -> Entity {
        let mut e = workload("Deployment", "a", name, labels);
        e.instances[0].span = Span::new(FileId(file), TextRange::empty(0));
        e.instances[0].cluster = cluster;
        if let Some(place) = place {
            e.id = format!("{}@{place}", e.id);
            e.place = Some(place.to_string());
        }
        e
    }

    fn from(file: u32, cluster: Option<usize>, explicit: bool) -> Referrer {
        Referrer {
            file: FileId(file),
            cluster,
            explicit,
        }
    }

    #[test]
    fn names_resolve_to_their_nearest_declaration_or_to_none_of_equals() {
        let model = placed(
            &[
                "s/a/app.yaml",
                "s/a/web.yaml",
                "s/b/web.yaml",
                "s/c/app.yaml",
            ],
            &[],
            vec![
                declared("web", &[("app", "web")], 1, None, Some("s/a")),
                declared("web", &[("app", "web")], 2, None, Some("s/b")),
                declared("api", &[("app", "web")], 2, None, None),
            ],
        );
        let resolver = Resolver::new(&model);
        let mut out = Vec::new();
        let web = Reference::K8s {
            kind: "Deployment".into(),
            namespace: "a".into(),
            name: "web".into(),
        };
        assert!(!resolver.resolve(&web, from(0, None, false), &mut out));
        assert_eq!(out, [0]);
        // From s/c both copies are equally near: neither, and not unknown.
        assert!(resolver.resolve(&web, from(3, None, false), &mut out));
        assert!(out.is_empty());
        // An id with its place names that copy from anywhere.
        let exact = Reference::Id("k8s:Deployment/a/web@s/b".into());
        assert!(!resolver.resolve(&exact, from(0, None, false), &mut out));
        assert_eq!(out, [1]);
        // A selector keeps the matches sharing the most directories.
        let selector = Reference::PodSelector {
            namespace: "a".into(),
            labels: [("app".to_string(), "web".to_string())].into(),
        };
        resolver.resolve(&selector, from(0, None, false), &mut out);
        assert_eq!(out, [0]);
        resolver.resolve(&selector, from(2, None, false), &mut out);
        assert_eq!(out, [1, 2]);
        resolver.resolve(&selector, from(3, None, false), &mut out);
        assert_eq!(out, [0, 1, 2]);
    }

    #[test]
    fn inferred_references_stay_in_their_environment() {
        let model = placed(
            &["k8s/prod/app.yaml", "k8s/staging/db.yaml"],
            &["prod", "staging"],
            vec![declared(
                "db",
                &[("app", "db")],
                1,
                Some(1),
                Some("staging"),
            )],
        );
        let resolver = Resolver::new(&model);
        let mut out = Vec::new();
        let db = Reference::K8sName {
            namespace: "a".into(),
            name: "db".into(),
        };
        resolver.resolve(&db, from(0, Some(0), false), &mut out);
        assert!(out.is_empty());
        resolver.resolve(&db, from(0, Some(0), true), &mut out);
        assert_eq!(out, [0]);
        // A Service selects the pods of its own cluster only.
        let selector = Reference::PodSelector {
            namespace: "a".into(),
            labels: [("app".to_string(), "db".to_string())].into(),
        };
        resolver.resolve(&selector, from(0, Some(0), true), &mut out);
        assert!(out.is_empty());
    }

    fn depends(e: &mut Entity, target: Reference) {
        e.instances[0].dependencies.push(Dependency {
            target,
            strength: Strength::Hard,
            span: Span::new(FileId(0), TextRange::empty(0)),
            via: "test".into(),
            explicit: false,
            origin: None,
        });
    }

    fn selector(app: &str) -> Reference {
        Reference::PodSelector {
            namespace: "x".into(),
            labels: [("app".to_string(), app.to_string())].into(),
        }
    }

    /// Services with the same selector share one target set, and one node
    /// of the graph: entries × targets are never materialised. A workload
    /// naming the Service that fronts it drops it; an entity never depends
    /// on itself. Expanded, the edges are what a per-edge graph would hold.
    #[test]
    fn identical_selectors_share_one_target_set() {
        let mut entities: Vec<Entity> = (0..3)
            .map(|d| workload("Deployment", "x", &format!("d{d}"), &[("app", "web")]))
            .collect();
        for s in 0..4 {
            let mut service = entity(
                &format!("k8s:Service/x/s{s}"),
                Some("x"),
                &format!("s{s}"),
                "Service",
            );
            service.instances[0].combine = Combine::Any;
            depends(&mut service, selector("web"));
            entities.push(service);
        }
        // d0 names the Service in front of it, and the namespace it is in.
        depends(
            &mut entities[0],
            Reference::K8sName {
                namespace: "x".into(),
                name: "s0".into(),
            },
        );
        depends(&mut entities[1], Reference::Namespace("x".into()));
        let model = Model {
            entities,
            ..Model::default()
        };
        let graph = Graph::build(&model, |_, out| out.clear());
        let services = 3..7;
        let set = graph.resolved[3][0].set as usize;
        assert_eq!(graph.sets.get(set), [0, 1, 2]);
        for s in services.clone() {
            assert_eq!(graph.resolved[s].len(), 1);
            assert_eq!(graph.resolved[s][0].set as usize, set);
            let targets: Vec<usize> = graph.dependencies(s).map(|d| d.target).collect();
            assert_eq!(targets, [0, 1, 2]);
        }
        // s0 fronts d0: dropped.
        assert!(graph.resolved[0].is_empty(), "{:?}", &graph.resolved[0]);
        // The namespace without d1 itself, and without the Services that
        // select d1.
        let targets: Vec<usize> = graph.dependencies(1).map(|d| d.target).collect();
        assert_eq!(targets, [0, 2]);
        // One node for the shared set: 4 edges into it, 3 out of it.
        let set_nodes = graph
            .graph
            .node_weights()
            .filter(|n| matches!(n, GraphNode::Targets(_)))
            .count();
        assert_eq!(set_nodes, 2);
        assert_eq!(graph.graph.edge_count(), 4 + 3 + 1 + 2);
        // d1 depends on d0 and d2, which the Services select: no cycle.
        assert!(graph.hard_components().iter().all(|c| c.len() == 1));
    }

    /// A selector is resolved once for every file of a directory that
    /// declares none of its members, and afresh in a file that declares
    /// one: there its own workload is nearest.
    #[test]
    fn selectors_resolve_once_per_place_that_tells_members_apart() {
        let service = |name: &str, file: u32| {
            let mut s = entity(&format!("k8s:Service/x/{name}"), Some("x"), name, "Service");
            s.instances[0].span = Span::new(FileId(file), TextRange::empty(0));
            s.instances[0].combine = Combine::Any;
            depends(&mut s, selector("web"));
            s
        };
        let web = |name: &str, file: u32| {
            let mut w = workload("Deployment", "x", name, &[("app", "web")]);
            w.instances[0].span = Span::new(FileId(file), TextRange::empty(0));
            w
        };
        let model = placed(
            &[
                "s/a/web.yaml",
                "s/a/other.yaml",
                "s/a/svc-1.yaml",
                "s/a/svc-2.yaml",
                "s/b/svc.yaml",
            ],
            &[],
            vec![
                web("web-a", 0),
                web("web-b", 1),
                service("beside-a", 0),
                service("one", 2),
                service("two", 3),
                service("beside-b", 1),
                service("elsewhere", 4),
            ],
        );
        let graph = Graph::build(&model, |_, out| out.clear());
        let targets =
            |e: usize| -> Vec<usize> { graph.dependencies(e).map(|d| d.target).collect() };
        assert_eq!(targets(2), [0]);
        assert_eq!(targets(3), [0, 1]);
        assert_eq!(targets(4), [0, 1]);
        assert_eq!(targets(5), [1]);
        assert_eq!(targets(6), [0, 1]);
        assert_eq!(graph.resolved[3][0].set, graph.resolved[4][0].set);
        // The members are found once; narrowed once for the two files of
        // s/a that declare none, once for each file declaring one, once
        // for s/b.
        let resolver = Resolver::new(&model);
        let mut resolutions = Resolutions::default();
        let (mut sets, mut scratch) = (Interner::default(), Vec::new());
        let web = selector("web");
        for file in [2, 3, 0, 1, 4, 2, 3] {
            resolutions.resolve(
                &resolver,
                &web,
                from(file, None, false),
                &mut sets,
                &mut scratch,
            );
        }
        assert_eq!(resolutions.members.len(), 1);
        assert_eq!(resolutions.narrowed.len(), 4);
    }

    /// Flat lists read as the lists they were built from, empty ones
    /// included, and hold no pointer per list.
    #[test]
    fn flat_lists_read_as_the_lists_they_hold() {
        let built: Vec<Vec<u8>> = vec![vec![1, 2], vec![], vec![3], vec![]];
        let lists: Lists<u8> = built.clone().into_iter().collect();
        assert_eq!(lists.len(), 4);
        let read: Vec<Vec<u8>> = lists.iter().map(<[u8]>::to_vec).collect();
        assert_eq!(read, built);
        assert_eq!(&lists[0], [1, 2]);
        assert!(lists[1].is_empty());
        assert_eq!(lists.get(2), Some(&[3][..]));
        assert_eq!(lists.get(4), None);
        assert_eq!(format!("{lists:?}"), "[[1, 2], [], [3], []]");
        assert!(Lists::<u8>::default().is_empty());
        // An entry in 16 bytes, where four words took 32.
        assert_eq!(std::mem::size_of::<Resolved>(), 16);
        let sets = TargetSets::from_lists([vec![0, 2], vec![1]]);
        assert_eq!(
            (sets.len(), sets.get(0), sets.get(1)),
            (2, &[0, 2][..], &[1][..])
        );
        assert!(sets.get(2).is_empty());
    }

    #[test]
    fn groups_keep_push_order_and_skip_repeats() {
        let mut groups: Groups<&str, usize> = Groups::with_capacity(0);
        for (key, value) in [("a", 3), ("b", 1), ("a", 1), ("a", 1), ("a", 7), ("b", 2)] {
            groups.push(key, value);
        }
        assert_eq!(groups.get("a").collect::<Vec<_>>(), [3, 1, 7]);
        assert_eq!(groups.get("b").collect::<Vec<_>>(), [1, 2]);
        assert_eq!(groups.get("c").count(), 0);
    }
}
