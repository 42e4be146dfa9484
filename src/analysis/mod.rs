//! Analyse stage: availability of every entity as a function of failure
//! domains.
//!
//! An entity is up when its placement survives and every hard dependency is
//! up (`up(E) = placement_ok(E) ∧ ⋀ up(D)`); a Service is up when any of the
//! workloads it selects is up; an entity declared in several clusters is up
//! when any cluster's declaration is. From this, for every entity, the
//! single failures ([`Unit`]s) that take it down, each traced back to the
//! placement fact that causes it, through the chain of dependencies.

pub mod words;

use crate::graph::{DepEdge, Graph, Resolved};
use crate::model::{
    CloudUnit, Combine, Domain, Entity, Guarantee, Instance, Level, MissedSpread, Model, Origin,
    ReplicaSource, Strength, WorkloadKind,
};
use crate::source::Span;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

/// foldhash for the analysis's own maps and sets, keyed by small ids and
/// units: several times faster than the default SipHash on such keys, and
/// nothing here is keyed by input an attacker would shape to collide.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// Most hops of a chain an explanation lists (a finding's related
/// locations, a simulation's reasons). A longer chain lists its first
/// `CHAIN_HOPS - 1` hops and then its last one, saying how many it leaves
/// out: every entity of the chain has an explanation of its own that
/// continues it, so one stays small however long the chain is.
pub const CHAIN_HOPS: usize = 8;

/// Where a cluster's nodes are, as far as the configuration or the Node
/// objects say.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub name: String,
    /// The `environment` of spof.toml: clusters of one environment run
    /// copies of one deployment.
    pub environment: Option<String>,
    pub zones: Vec<String>,
    /// What declares the zones: the `zones` entry of spof.toml, or a Node's
    /// zone label.
    pub zones_span: Option<Span>,
    pub region: Option<String>,
    pub region_span: Option<Span>,
}

pub struct Context {
    /// Configured clusters, by index.
    pub clusters: Vec<Site>,
    /// Files no `[[cluster]]` claims.
    pub implicit: Site,
    /// Long-running workloads with fewer replicas are single-homed.
    pub min_replicas: u32,
}

impl Context {
    pub fn site(&self, cluster: Option<usize>) -> &Site {
        cluster
            .and_then(|c| self.clusters.get(c))
            .unwrap_or(&self.implicit)
    }
}

/// A single failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// A named domain.
    Domain(Domain),
    /// Whichever one domain of `level` ends up holding every replica of this
    /// declaration: nothing forces them apart.
    Unplaced {
        level: Level,
        entity: u32,
        instance: u32,
    },
    /// The node running the only replica of this declaration.
    Replica { entity: u32, instance: u32 },
}

/// An index as a [`Unit`] or an [`Edge`] keeps it: 32 bits. Every
/// entity, declaration and dependency is in memory, each hundreds of bytes,
/// so none has an index past `u32::MAX`.
pub(crate) fn narrow(index: usize) -> u32 {
    debug_assert!(u32::try_from(index).is_ok(), "index {index} past u32::MAX");
    index as u32
}

/// Why a declaration's own placement fails with a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    SingleReplica {
        count: u32,
        source: ReplicaSource,
    },
    NoZoneSpread {
        replicas: u32,
        best_effort: Option<Span>,
        /// A zone spread that would count, but selects other pods.
        missed: Option<MissedSpread>,
    },
    Pinned {
        level: Level,
        via: &'static str,
        /// Where the domain is decided, when not at the pin.
        origin: Option<(Span, String)>,
    },
    ZonalVolume {
        claim: String,
        access_mode: String,
        replicas: u32,
        access_span: Span,
        /// What names the volume's zone, when something does.
        zone_span: Option<Span>,
    },
    Quorum {
        replicas: u32,
        needed: u32,
        lost: u32,
        why: String,
        /// What makes it a quorum system (the name or the annotation).
        source: Span,
        assumed_zones: bool,
    },
    /// The cluster (or, for a volume, its topology) lives in one zone.
    ClusterZone {
        cluster: Option<usize>,
    },
    ClusterRegion {
        cluster: Option<usize>,
    },
    VolumeTopology,
    /// A cloud resource's own single point: index into the declaration's
    /// [`Instance::cloud`].
    Cloud(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub unit: Unit,
    pub reason: Reason,
    pub instance: usize,
    pub span: Span,
}

/// How an entity comes to fail with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Its own declaration: index into [`Analysis::causes`] of the entity.
    Own(u32),
    /// A hard dependency that fails with it.
    Dependency(Edge),
}

/// A [`DepEdge`] as an exposure keeps it, with 32-bit indices: every
/// entity keeps one for each single failure it inherits, some thirty in a
/// large estate (16 bytes where a `DepEdge` takes 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    instance: u32,
    dependency: u32,
    target: u32,
    strength: Strength,
}

impl Edge {
    pub fn new(edge: DepEdge) -> Self {
        Self {
            instance: narrow(edge.instance),
            dependency: narrow(edge.dependency),
            target: narrow(edge.target),
            strength: edge.strength,
        }
    }

    pub fn get(self) -> DepEdge {
        DepEdge {
            instance: self.instance as usize,
            dependency: self.dependency as usize,
            target: self.target as usize,
            strength: self.strength,
        }
    }
}

/// A [`Unit`] as exposures keep it: an index into the analysis's table of
/// the units it found ([`Analysis::unit`]), each kept once however many
/// entities inherit it. Exposures compare and hash these, not the units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId(u32);

/// A single failure that takes an entity down, and how: 20 bytes, and
/// every entity keeps one for each single failure it inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub unit: UnitId,
    pub via: Via,
}

/// The units the analysis found, each once, and their ids.
#[derive(Default)]
struct Units {
    list: Vec<Unit>,
    ids: FastMap<Unit, UnitId>,
}

impl Units {
    fn intern(&mut self, unit: &Unit) -> UnitId {
        if let Some(&id) = self.ids.get(unit) {
            return id;
        }
        let id = UnitId(narrow(self.list.len()));
        self.list.push(unit.clone());
        self.ids.insert(unit.clone(), id);
        id
    }
}

/// One list per entity, in a few large blocks: a range of one of them per
/// entity instead of a vector (and its allocation) each. A block holds
/// the lists of [`BATCH`] entities one after the other, at its length; made
/// block by block, the lists never stand beside a copy of them all.
#[derive(Debug)]
pub struct Lists<T> {
    blocks: Vec<Box<[T]>>,
    /// How many entities' lists each block holds: [`BATCH`], or every
    /// entity's in one block ([`Lists::from_flat`]).
    batch: usize,
    /// Where each entity's list starts in its block; one more than there
    /// are entities, the last being the length of the last block. 32-bit,
    /// as every index the analysis keeps ([`narrow`]).
    starts: Vec<u32>,
}

/// How many entities' lists a block of [`Lists`] holds.
const BATCH: usize = 4096;

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Self {
            blocks: Vec::new(),
            batch: BATCH,
            starts: Vec::new(),
        }
    }
}

impl<T> Lists<T> {
    /// From each entity's own vector, each freed once it is moved into its
    /// block.
    pub fn from_nested(nested: Vec<Vec<T>>) -> Self {
        let mut starts = Vec::with_capacity(nested.len() + 1);
        let mut blocks = Vec::with_capacity(nested.len().div_ceil(BATCH));
        let mut lists = nested.into_iter();
        while lists.len() > 0 {
            let size = lists.as_slice().iter().take(BATCH).map(Vec::len).sum();
            let mut block = Vec::with_capacity(size);
            for list in lists.by_ref().take(BATCH) {
                starts.push(narrow(block.len()));
                block.extend(list);
            }
            blocks.push(block.into_boxed_slice());
        }
        starts.push(narrow(blocks.last().map_or(0, |b| b.len())));
        Self {
            blocks,
            batch: BATCH,
            starts,
        }
    }

    /// Every entity's list in `items`, one after the other, entity `e`'s
    /// from `starts[e]` to `starts[e + 1]`: one block, as it is.
    fn from_flat(items: Vec<T>, starts: Vec<u32>) -> Self {
        Self {
            blocks: vec![items.into_boxed_slice()],
            batch: usize::MAX,
            starts,
        }
    }

    /// From each entity's list in turn.
    pub fn from_lists<L: IntoIterator<Item = T>>(lists: impl IntoIterator<Item = L>) -> Self {
        let mut blocks = Vec::new();
        let mut starts = Vec::new();
        let mut block = Vec::new();
        for (e, list) in lists.into_iter().enumerate() {
            if e > 0 && e % BATCH == 0 {
                blocks.push(std::mem::take(&mut block).into_boxed_slice());
            }
            starts.push(narrow(block.len()));
            block.extend(list);
        }
        starts.push(narrow(block.len()));
        if starts.len() > 1 {
            blocks.push(block.into_boxed_slice());
        }
        starts.shrink_to_fit();
        Self {
            blocks,
            batch: BATCH,
            starts,
        }
    }

    /// Entity `e`'s list; empty past the last entity.
    pub fn of(&self, e: usize) -> &[T] {
        self.get(e).unwrap_or(&[])
    }

    /// Entity `e`'s list; `None` past the last entity.
    pub fn get(&self, e: usize) -> Option<&[T]> {
        let a = *self.starts.get(e)? as usize;
        let block = self.blocks.get(e / self.batch)?;
        let b = match self.starts.get(e + 1) {
            // The last of its block: to the block's end.
            Some(_) if (e + 1).is_multiple_of(self.batch) => block.len(),
            Some(&b) => b as usize,
            None => return None,
        };
        block.get(a..b)
    }

    /// How many lists (entities) there are.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every list, in entity order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        (0..self.len()).map(|e| self.of(e))
    }
}

/// Entity `e`'s list; empty past the last entity.
impl<T> std::ops::Index<usize> for Lists<T> {
    type Output = [T];

    fn index(&self, e: usize) -> &[T] {
        self.of(e)
    }
}

/// One hop of an explanation chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub from: usize,
    pub edge: DepEdge,
}

/// Where the chain of one exposure ends, found once for all of them: a
/// finding on each entity of a long chain cites its root in constant time
/// instead of walking the chain again. Its indices are 32-bit; an index
/// past `u32::MAX` leaves the chain unexplained, as a chain that comes back
/// on itself does. Kept as a [`Short`]: every exposure of one chain shares
/// its root and last hop, and only the hop count differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct End {
    /// The entity whose own cause it is, and the cause's index.
    root: Option<(u32, u32)>,
    /// Dependency hops from the exposure to the end.
    hops: u32,
    /// The last of those hops.
    last: Option<EndHop>,
}

/// An [`End`] as every exposure keeps it, 8 bytes (36 for the `End`):
/// its root and last hop, an index into [`Analysis::tails`], and its hop
/// count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Short {
    tail: u32,
    hops: u32,
}

/// The root and last hop of an [`End`], kept once for every chain that
/// ends with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Tail {
    root: Option<(u32, u32)>,
    last: Option<EndHop>,
}

/// A [`Hop`] with 32-bit indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct EndHop {
    from: u32,
    instance: u32,
    dependency: u32,
    target: u32,
    strength: Strength,
}

impl End {
    /// A chain that leads nowhere: it comes back on itself, or a hop finds
    /// no exposure to continue.
    const BROKEN: Self = Self {
        root: None,
        hops: 0,
        last: None,
    };

    /// The end of an exposure of `entity` that is its own cause `cause`.
    fn own(entity: usize, cause: usize) -> Self {
        match (u32::try_from(entity), u32::try_from(cause)) {
            (Ok(e), Ok(c)) => Self {
                root: Some((e, c)),
                hops: 0,
                last: None,
            },
            _ => Self::BROKEN,
        }
    }

    /// The end of an exposure whose chain takes `hop` and then ends as
    /// `self` does.
    fn after(self, hop: Hop) -> Self {
        let narrow = |hop: Hop| {
            Some(EndHop {
                from: u32::try_from(hop.from).ok()?,
                instance: u32::try_from(hop.edge.instance).ok()?,
                dependency: u32::try_from(hop.edge.dependency).ok()?,
                target: u32::try_from(hop.edge.target).ok()?,
                strength: hop.edge.strength,
            })
        };
        let last = match self.last {
            Some(last) => Some(last),
            None => narrow(hop),
        };
        match (self.hops.checked_add(1), last) {
            (Some(hops), Some(last)) => Self {
                root: self.root,
                hops,
                last: Some(last),
            },
            _ => Self::BROKEN,
        }
    }

    fn root(&self) -> Option<(usize, usize)> {
        self.root.map(|(e, c)| (e as usize, c as usize))
    }

    fn hops(&self) -> usize {
        self.hops as usize
    }

    fn last(&self) -> Option<Hop> {
        self.last.map(|h| Hop {
            from: h.from as usize,
            edge: DepEdge {
                instance: h.instance as usize,
                dependency: h.dependency as usize,
                target: h.target as usize,
                strength: h.strength,
            },
        })
    }
}

pub struct Analysis {
    /// Every cause found in each entity's own declarations, whether or not
    /// another cluster's declaration survives it.
    pub causes: Lists<Cause>,
    /// The single failures that take each entity down, own ones first
    /// (per entity while they are found, then [`Analysis::settled`]).
    building: Vec<Vec<Exposure>>,
    /// The same once found, in one vector ([`Analysis::exposures`]).
    settled: Lists<Exposure>,
    /// Every unit an exposure names, by [`UnitId`].
    units: Units,
    /// For a Kubernetes entity declared in several clusters, the single
    /// failures that take its declarations in each cluster down: what a
    /// declaration in that cluster reaches, since cluster DNS and selectors
    /// stay in their cluster. Empty for other entities.
    pub per_cluster: Vec<Vec<(usize, Vec<Exposure>)>>,
    /// The cluster of each declaration of each entity.
    clusters: Lists<Option<usize>>,
    /// Where each exposure's chain ends, for every view of an entity's
    /// exposures: per entity, its views one after the other (by
    /// [`Analysis::view`], then as in the view).
    ends: Lists<Short>,
    /// The roots and last hops of those ends, each once.
    tails: Vec<Tail>,
}

impl Analysis {
    pub fn run(model: &Model, graph: &Graph, ctx: &Context) -> Self {
        // One vector for every entity's causes, a range of it each: an
        // entity nearly always has one or two.
        let causes = Lists::from_lists(model.entities.iter().enumerate().map(|(e, entity)| {
            entity
                .instances
                .iter()
                .enumerate()
                .flat_map(move |(i, inst)| {
                    // Only Kubernetes objects live in a cluster; cloud
                    // resources, manifests, catalogs and jobs are placed
                    // by what they say themselves.
                    let clustered = entity.origin == Origin::Kubernetes;
                    instance_causes(e, i, inst, ctx, clustered)
                })
        }));
        let mut units = Units::default();
        let exposures: Vec<Vec<Exposure>> = model
            .entities
            .iter()
            .enumerate()
            .map(|(e, entity)| {
                let mut own = own_exposures(entity, &causes[e], &mut units);
                own.shrink_to_fit();
                own
            })
            .collect();

        let clusters = Lists::from_lists(
            model
                .entities
                .iter()
                .map(|e| e.instances.iter().map(|i| i.cluster)),
        );
        let per_cluster: Vec<Vec<(usize, Vec<Exposure>)>> = model
            .entities
            .iter()
            .enumerate()
            .map(|(e, entity)| own_per_cluster(entity, clusters.of(e), &causes[e], &mut units))
            .collect();
        let mut analysis = Self {
            causes,
            building: exposures,
            settled: Lists::default(),
            units,
            per_cluster,
            clusters,
            ends: Lists::default(),
            tails: Vec::new(),
        };

        // Dependencies before dependents; a cycle is iterated to a fixpoint.
        let components = graph.hard_components();
        let shared = SharedUnits::new(graph, &components, &analysis.per_cluster);
        for (c, members) in components.iter().enumerate() {
            loop {
                let mut changed = false;
                for &e in members {
                    changed |= analysis.inherit(model, graph, e, (&shared, c));
                }
                if !changed || members.len() == 1 {
                    break;
                }
            }
        }
        explain_through_backends(model, graph, &analysis.causes, &mut analysis.building);
        // Every exposure found: one vector for all of them, built list by
        // list so that the per-entity ones are freed as it grows.
        analysis.settled = Lists::from_nested(std::mem::take(&mut analysis.building));
        for (_, own) in analysis.per_cluster.iter_mut().flatten() {
            own.shrink_to_fit();
        }
        (analysis.ends, analysis.tails) = chain_ends(&analysis);
        analysis
    }

    /// The single failures that take `e` down, own ones first; none past
    /// the last entity.
    pub fn exposures(&self, e: usize) -> &[Exposure] {
        match self.building.get(e) {
            // While they are being found.
            Some(list) => list,
            None => self.settled.of(e),
        }
    }

    /// The unit `id` names.
    pub fn unit(&self, id: UnitId) -> &Unit {
        // Every id was made by this table.
        &self.units.list[id.0 as usize]
    }

    /// The id of `unit`, when some exposure names it.
    pub fn unit_id(&self, unit: &Unit) -> Option<UnitId> {
        self.units.ids.get(unit).copied()
    }

    /// What takes `e` down as a declaration in `cluster` sees it: its
    /// declarations in that cluster when it is declared in several, else
    /// all of it.
    pub fn seen_from(&self, e: usize, cluster: Option<usize>) -> &[Exposure] {
        self.view(e, self.view_of(e, cluster))
    }

    /// Which list of `e`'s exposures a declaration in `cluster` sees: 0 for
    /// `exposures[e]`, `g + 1` for `per_cluster[e][g]`.
    fn view_of(&self, e: usize, cluster: Option<usize>) -> usize {
        cluster
            .and_then(|c| self.per_cluster[e].iter().position(|(k, _)| *k == c))
            .map_or(0, |g| g + 1)
    }

    /// `e`'s exposures in view `v` (see [`Analysis::view_of`]).
    fn view(&self, e: usize, v: usize) -> &[Exposure] {
        match v.checked_sub(1) {
            None => self.exposures(e),
            Some(g) => &self.per_cluster[e][g].1,
        }
    }

    /// Where `unit` is among what takes `e` down as a declaration in
    /// `cluster` sees it, else among what takes all of it down: the view
    /// and the index in it.
    fn locate(&self, e: usize, cluster: Option<usize>, unit: UnitId) -> Option<(usize, usize)> {
        let find = |v: usize| {
            self.view(e, v)
                .iter()
                .position(|x| x.unit == unit)
                .map(|x| (v, x))
        };
        match self.view_of(e, cluster) {
            0 => find(0),
            v => find(v).or_else(|| find(0)),
        }
    }

    /// Where a hop from `e` along `edge` arrives for `unit`: the target as
    /// the cluster of the declaration that makes the edge sees it.
    fn next(&self, e: usize, edge: DepEdge, unit: UnitId) -> Option<(usize, usize)> {
        let cluster = self.clusters.of(e).get(edge.instance).copied().flatten();
        self.locate(edge.target, cluster, unit)
    }

    /// Adds to `e` (in component `c`) what its hard dependencies' failures
    /// take down with it; returns whether anything was added.
    fn inherit(
        &mut self,
        model: &Model,
        graph: &Graph,
        e: usize,
        shared: (&SharedUnits, usize),
    ) -> bool {
        let combine = model.entities[e]
            .instances
            .first()
            .map_or(Combine::All, |i| i.combine);
        if self.per_cluster[e].is_empty() {
            let fresh = self.inherited(graph, e, combine, None, self.exposures(e), shared);
            let changed = !fresh.is_empty();
            // At its size: an entity outside a cycle inherits once.
            self.building[e].reserve_exact(fresh.len());
            self.building[e].extend(fresh);
            return changed;
        }
        let mut changed = false;
        for g in 0..self.per_cluster[e].len() {
            let cluster = self.per_cluster[e][g].0;
            let known = &self.per_cluster[e][g].1;
            let fresh = self.inherited(graph, e, combine, Some(cluster), known, shared);
            changed |= !fresh.is_empty();
            self.per_cluster[e][g].1.extend(fresh);
        }
        // The entity is down with what takes down its declarations in
        // every cluster.
        let Some(((_, first), rest)) = self.per_cluster[e].split_first() else {
            return changed;
        };
        // Its own only when its own in every cluster: else through the
        // first cluster's dependency that brings it.
        let everywhere: Vec<Exposure> = first
            .iter()
            .filter(|x| !self.building[e].iter().any(|y| y.unit == x.unit))
            .filter_map(|x| {
                let mut vias = vec![x.via];
                for (_, other) in rest {
                    vias.push(other.iter().find(|y| y.unit == x.unit)?.via);
                }
                let via = vias
                    .iter()
                    .find(|v| matches!(v, Via::Dependency(_)))
                    .copied()
                    .unwrap_or(x.via);
                Some(Exposure { unit: x.unit, via })
            })
            .collect();
        changed |= !everywhere.is_empty();
        self.building[e].extend(everywhere);
        changed
    }

    /// Exposures `e`'s declarations (those in `cluster`, or all of them)
    /// get from their hard dependencies that `known` does not hold yet,
    /// each unit once; each dependency as its declaration's cluster sees it.
    fn inherited(
        &self,
        graph: &Graph,
        e: usize,
        combine: Combine,
        cluster: Option<usize>,
        known: &[Exposure],
        (shared, c): (&SharedUnits, usize),
    ) -> Vec<Exposure> {
        let clusters = self.clusters.of(e);
        let hard: Vec<&Resolved> = graph.resolved[e]
            .iter()
            .filter(|d| {
                d.strength == Strength::Hard
                    && cluster.is_none_or(|c| clusters.get(d.instance as usize) == Some(&Some(c)))
            })
            .collect();
        // The cluster each entry is seen from: its declaration's.
        let from = |entry: &Resolved| clusters.get(entry.instance as usize).copied().flatten();
        let edge = |entry: &Resolved, target: usize| DepEdge {
            instance: entry.instance as usize,
            dependency: entry.dependency as usize,
            target,
            strength: entry.strength,
        };
        let mut fresh: Vec<(UnitId, DepEdge)> = Vec::new();
        match combine {
            Combine::All => {
                let unions: Vec<Union<'_>> = hard
                    .iter()
                    .map(|entry| shared.union(graph, self, entry.set as usize, from(entry), c))
                    .collect();
                // Most entities have nothing to inherit.
                if unions.iter().all(Union::is_empty) {
                    return Vec::new();
                }
                let mut known: FastSet<UnitId> = known.iter().map(|x| x.unit).collect();
                for (entry, union) in hard.iter().zip(&unions) {
                    for (unit, target) in union.iter() {
                        if known.insert(unit) {
                            fresh.push((unit, edge(entry, target)));
                        }
                    }
                }
            }
            Combine::Any => {
                let Some((first, first_target)) = hard
                    .first()
                    .and_then(|entry| Some((*entry, *graph.targets(entry).first()?)))
                else {
                    return Vec::new();
                };
                let seen = self.seen_from(first_target, from(first));
                if seen.is_empty() {
                    return Vec::new();
                }
                let commons: Vec<Cow<'_, [UnitId]>> = hard
                    .iter()
                    .map(|entry| shared.common(graph, self, entry.set as usize, from(entry), c))
                    .collect();
                let mut known: FastSet<UnitId> = known.iter().map(|x| x.unit).collect();
                for x in seen {
                    if commons.iter().all(|o| o.binary_search(&x.unit).is_ok())
                        && known.insert(x.unit)
                    {
                        fresh.push((x.unit, edge(first, first_target)));
                    }
                }
            }
        }
        fresh
            .into_iter()
            .map(|(unit, edge)| Exposure {
                unit,
                via: Via::Dependency(Edge::new(edge)),
            })
            .collect()
    }

    fn end(&self, entity: usize, cluster: Option<usize>, unit: &Unit) -> Option<End> {
        let (v, x) = self.locate(entity, cluster, self.unit_id(unit)?)?;
        let before: usize = (0..v).map(|w| self.view(entity, w).len()).sum();
        let short = self.ends.of(entity).get(before + x)?;
        let tail = self.tails.get(short.tail as usize)?;
        Some(End {
            root: tail.root,
            hops: short.hops,
            last: tail.last,
        })
    }

    /// The declaration whose own placement makes `entity` fail with
    /// `unit`, through its chain of dependencies, and that cause.
    pub fn root(&self, entity: usize, unit: &Unit) -> Option<(usize, &Cause)> {
        self.root_from(entity, None, unit)
    }

    /// [`Analysis::root`] as a declaration in `cluster` sees `entity`.
    pub fn root_from(
        &self,
        entity: usize,
        cluster: Option<usize>,
        unit: &Unit,
    ) -> Option<(usize, &Cause)> {
        let (at, c) = self.root_index_from(entity, cluster, unit)?;
        Some((at, self.causes.get(at)?.get(c)?))
    }

    /// [`Analysis::root_from`] as indices: the entity, and its cause's
    /// index in [`Analysis::causes`].
    pub fn root_index_from(
        &self,
        entity: usize,
        cluster: Option<usize>,
        unit: &Unit,
    ) -> Option<(usize, usize)> {
        self.end(entity, cluster, unit)?.root()
    }

    /// How many dependency hops lead from `entity` to the root of `unit`.
    pub fn hop_count(&self, entity: usize, unit: &Unit) -> usize {
        self.hop_count_from(entity, None, unit)
    }

    /// [`Analysis::hop_count`] as a declaration in `cluster` sees `entity`.
    pub fn hop_count_from(&self, entity: usize, cluster: Option<usize>, unit: &Unit) -> usize {
        self.end(entity, cluster, unit).map_or(0, |end| end.hops())
    }

    /// The last of those hops: the one into the root's entity.
    pub fn last_hop(&self, entity: usize, unit: &Unit) -> Option<Hop> {
        self.last_hop_from(entity, None, unit)
    }

    /// [`Analysis::last_hop`] as a declaration in `cluster` sees `entity`.
    pub fn last_hop_from(&self, entity: usize, cluster: Option<usize>, unit: &Unit) -> Option<Hop> {
        self.end(entity, cluster, unit)?.last()
    }

    /// The hops from `entity` down to the declaration that causes `unit`,
    /// in order; as many as [`Analysis::hop_count`] says, walked lazily so
    /// that a caller listing a few of them never walks a long chain.
    pub fn hops<'a>(&'a self, entity: usize, unit: &'a Unit) -> impl Iterator<Item = Hop> + 'a {
        self.hops_from(entity, None, unit)
    }

    /// [`Analysis::hops`] as a declaration in `cluster` sees `entity`.
    pub fn hops_from<'a>(
        &'a self,
        entity: usize,
        cluster: Option<usize>,
        unit: &'a Unit,
    ) -> impl Iterator<Item = Hop> + 'a {
        let id = self.unit_id(unit);
        let mut at = id
            .and_then(|id| self.locate(entity, cluster, id))
            .map(|(v, x)| (entity, v, x));
        (0..self.hop_count_from(entity, cluster, unit)).map_while(move |_| {
            let (e, v, x) = at?;
            let Via::Dependency(edge) = self.view(e, v).get(x)?.via else {
                return None;
            };
            let edge = edge.get();
            at = self.next(e, edge, id?).map(|(v, x)| (edge.target, v, x));
            Some(Hop { from: e, edge })
        })
    }

    /// Whether the unit takes the entity down.
    pub fn fails_with(&self, entity: usize, unit: &Unit) -> bool {
        self.unit_id(unit)
            .is_some_and(|id| self.exposures(entity).iter().any(|x| x.unit == id))
    }

    /// Whether the unit takes the entity down through its own placement,
    /// whatever its dependencies do.
    pub fn fails_on_its_own(&self, entity: usize, unit: &Unit) -> bool {
        self.unit_id(unit).is_some_and(|id| {
            self.exposures(entity)
                .iter()
                .any(|x| x.unit == id && matches!(x.via, Via::Own(_)))
        })
    }
}

/// Where the chain of every exposure ends, in every view of an entity's
/// exposures, each exposure visited once: a walk stops at the first
/// exposure whose end is known and fills in the ones it passed on its way
/// back. Each distinct root and last hop is kept once, in the second
/// vector; the first says, for each exposure, which and how many hops.
fn chain_ends(analysis: &Analysis) -> (Lists<Short>, Vec<Tail>) {
    // The walk's state of each exposure is kept where its end will be: no
    // tail has these indices (every tail is in memory, dozens of bytes).
    const UNKNOWN: Short = Short {
        tail: u32::MAX,
        hops: 0,
    };
    const ON_PATH: Short = Short {
        tail: u32::MAX,
        hops: 1,
    };
    let mut tails = Tails::default();
    let broken = tails.short(End::BROKEN);
    let entities = analysis.per_cluster.len();
    let views = |e: usize| 0..=analysis.per_cluster[e].len();
    // One list per entity, its views one after the other.
    let mut starts: Vec<u32> = Vec::with_capacity(entities + 1);
    let mut total = 0;
    for e in 0..entities {
        starts.push(narrow(total));
        total += views(e).map(|v| analysis.view(e, v).len()).sum::<usize>();
    }
    starts.push(narrow(total));
    // Where exposure `i` of view `w` of entity `e` has its end.
    let slot = |e: usize, w: usize, i: usize| {
        starts[e] as usize + (0..w).map(|u| analysis.view(e, u).len()).sum::<usize>() + i
    };
    let mut ends = vec![UNKNOWN; total];
    let mut path: Vec<(usize, Hop)> = Vec::new();
    for e in 0..entities {
        for v in views(e) {
            for x in 0..analysis.view(e, v).len() {
                path.clear();
                let (mut at, mut w, mut i) = (e, v, x);
                let end = loop {
                    let here = slot(at, w, i);
                    match ends[here] {
                        // A chain that comes back on itself ends there.
                        ON_PATH => break broken,
                        UNKNOWN => {}
                        end => break end,
                    }
                    let exposure = &analysis.view(at, w)[i];
                    let edge = match exposure.via {
                        Via::Own(c) => {
                            let end = tails.short(End::own(at, c as usize));
                            ends[here] = end;
                            break end;
                        }
                        Via::Dependency(edge) => edge.get(),
                    };
                    ends[here] = ON_PATH;
                    path.push((here, Hop { from: at, edge }));
                    match analysis.next(at, edge, exposure.unit) {
                        Some((next_view, j)) => (at, w, i) = (edge.target, next_view, j),
                        None => break broken,
                    }
                };
                let mut end = tails.end(end);
                for &(here, hop) in path.iter().rev() {
                    end = end.after(hop);
                    ends[here] = tails.short(end);
                }
            }
        }
    }
    for end in &mut ends {
        if end.tail == u32::MAX {
            *end = broken;
        }
    }
    (Lists::from_flat(ends, starts), tails.list)
}

/// The tails of the ends being found, each once.
#[derive(Default)]
struct Tails {
    list: Vec<Tail>,
    index: FastMap<Tail, u32>,
}

impl Tails {
    /// `end` as an exposure keeps it.
    fn short(&mut self, end: End) -> Short {
        let tail = Tail {
            root: end.root,
            last: end.last,
        };
        let next = narrow(self.list.len());
        let index = *self.index.entry(tail).or_insert(next);
        if index == next {
            self.list.push(tail);
        }
        Short {
            tail: index,
            hops: end.hops,
        }
    }

    /// The whole end of `short`.
    fn end(&self, short: Short) -> End {
        let tail = self.list[short.tail as usize];
        End {
            root: tail.root,
            hops: short.hops,
            last: tail.last,
        }
    }
}

/// A Service fails with its cluster's zone on its own, but the better
/// explanation is the workload behind it, which fails with that zone too:
/// point the chain there.
fn explain_through_backends(
    model: &Model,
    graph: &Graph,
    causes: &Lists<Cause>,
    exposures: &mut [Vec<Exposure>],
) {
    for e in 0..exposures.len() {
        if model.entities[e]
            .instances
            .iter()
            .any(|i| i.combine != Combine::Any)
        {
            continue;
        }
        for x in 0..exposures[e].len() {
            let Via::Own(c) = exposures[e][x].via else {
                continue;
            };
            if !matches!(
                causes[e][c as usize].reason,
                Reason::ClusterZone { .. } | Reason::ClusterRegion { .. }
            ) {
                continue;
            }
            let unit = exposures[e][x].unit;
            let backend = graph.dependencies(e).find(|d| {
                d.strength == Strength::Hard && exposures[d.target].iter().any(|y| y.unit == unit)
            });
            if let Some(edge) = backend {
                exposures[e][x].via = Via::Dependency(Edge::new(edge));
            }
        }
    }
}

/// Own causes that take the whole entity down: with declarations in several
/// clusters (or copies), a unit must take down at least one declaration in
/// every cluster (declarations within one cluster are parts of the same
/// deployment, so any of them failing counts).
fn own_exposures(entity: &Entity, causes: &[Cause], units: &mut Units) -> Vec<Exposure> {
    // Declarations in different clusters, or different copies (sites), are
    // alternatives; within one, any declaration failing counts.
    let group = |i: usize| {
        let inst = &entity.instances[i];
        (inst.cluster, inst.copy.as_deref())
    };
    let mut groups: Vec<(Option<usize>, Option<&str>)> =
        (0..entity.instances.len()).map(group).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut out: Vec<Exposure> = Vec::new();
    for (c, cause) in causes.iter().enumerate() {
        let everywhere = groups.iter().all(|&g| {
            causes
                .iter()
                .any(|other| other.unit == cause.unit && group(other.instance) == g)
        });
        if !everywhere {
            continue;
        }
        let unit = units.intern(&cause.unit);
        if !out.iter().any(|x| x.unit == unit) {
            out.push(Exposure {
                unit,
                via: Via::Own(narrow(c)),
            });
        }
    }
    out
}

/// For a Kubernetes entity declared in several configured clusters, the own
/// causes of its declarations in each cluster, each unit once; nothing for
/// other entities.
fn own_per_cluster(
    entity: &Entity,
    clusters: &[Option<usize>],
    causes: &[Cause],
    ids: &mut Units,
) -> Vec<(usize, Vec<Exposure>)> {
    if entity.origin != Origin::Kubernetes {
        return Vec::new();
    }
    let mut out: Vec<(usize, Vec<Exposure>)> = Vec::new();
    for c in clusters.iter().flatten() {
        if !out.iter().any(|(k, _)| k == c) {
            out.push((*c, Vec::new()));
        }
    }
    if out.len() < 2 {
        return Vec::new();
    }
    for (index, cause) in causes.iter().enumerate() {
        let Some(Some(c)) = clusters.get(cause.instance) else {
            continue;
        };
        let unit = ids.intern(&cause.unit);
        if let Some((_, units)) = out.iter_mut().find(|(k, _)| k == c)
            && !units.iter().any(|x| x.unit == unit)
        {
            units.push(Exposure {
                unit,
                via: Via::Own(narrow(index)),
            });
        }
    }
    out
}

/// What the entities of each target set fail with, found once per set and
/// shared by every entity whose dependencies name it: 10,000 Services
/// selecting the same 2,000 workloads compare those workloads once, not
/// 10,000 times. Only sets whose members are final (in an earlier
/// component) and look the same from every cluster are kept; a set inside
/// a cycle, or seen from the cluster of one of its members declared in
/// several, is looked at afresh.
/// The units some member of a target set fails with, each once, with the
/// first such member (see [`SharedUnits::union`]).
enum Union<'s> {
    /// The set's one member's exposures, as its dependents see them.
    One(&'s [Exposure], usize),
    /// Several members' units, in member order.
    Many(Cow<'s, [(UnitId, usize)]>),
}

impl Union<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Union::One(units, _) => units.is_empty(),
            Union::Many(units) => units.is_empty(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (UnitId, usize)> + '_ {
        let (one, member, many): (&[Exposure], usize, &[(UnitId, usize)]) = match self {
            Union::One(units, member) => (units, *member, &[]),
            Union::Many(units) => (&[], 0, units),
        };
        one.iter()
            .map(move |x| (x.unit, member))
            .chain(many.iter().map(|&(unit, t)| (unit, t)))
    }
}

struct SharedUnits {
    /// Per set: the last component holding one of its members.
    last_component: Vec<usize>,
    /// Per set: whether a member is declared in several clusters, so that
    /// a cluster sees less of it than the whole.
    clustered: Vec<bool>,
    /// Per set of several members: each unit some member fails with, with
    /// the first such member, in member order.
    union: Vec<OnceCell<Vec<(UnitId, usize)>>>,
    /// Per set: the units every member fails with, sorted by id.
    common: Vec<OnceCell<Vec<UnitId>>>,
}

impl SharedUnits {
    fn new(
        graph: &Graph,
        components: &[Vec<usize>],
        per_cluster: &[Vec<(usize, Vec<Exposure>)>],
    ) -> Self {
        let mut component_of = vec![0; graph.entity_nodes.len()];
        for (c, members) in components.iter().enumerate() {
            for &e in members {
                if let Some(slot) = component_of.get_mut(e) {
                    *slot = c;
                }
            }
        }
        let n = graph.sets.len();
        Self {
            last_component: (0..n)
                .map(|set| {
                    graph
                        .sets
                        .get(set)
                        .iter()
                        .map(|&t| component_of.get(t).copied().unwrap_or(usize::MAX))
                        .max()
                        .unwrap_or(0)
                })
                .collect(),
            clustered: (0..n)
                .map(|set| {
                    graph
                        .sets
                        .get(set)
                        .iter()
                        .any(|&t| per_cluster.get(t).is_some_and(|p| !p.is_empty()))
                })
                .collect(),
            union: (0..n).map(|_| OnceCell::new()).collect(),
            common: (0..n).map(|_| OnceCell::new()).collect(),
        }
    }

    /// Whether what `set`'s members fail with, seen from `cluster` in
    /// component `c`, is final and the same from everywhere.
    fn kept(&self, set: usize, cluster: Option<usize>, c: usize) -> bool {
        self.last_component.get(set).is_some_and(|&l| l < c)
            && (cluster.is_none() || self.clustered.get(set) == Some(&false))
    }

    /// The units some member of `set` fails with, as a declaration in
    /// `cluster` sees them, for component `c`.
    fn union<'s>(
        &'s self,
        graph: &Graph,
        analysis: &'s Analysis,
        set: usize,
        cluster: Option<usize>,
        c: usize,
    ) -> Union<'s> {
        // One member's units are its exposures, each once already: they
        // are read where they are rather than copied for the set (a copy
        // of every entity's exposures, in an estate where each dependency
        // names one entity).
        if let [t] = graph.sets.get(set) {
            return Union::One(analysis.seen_from(*t, cluster), *t);
        }
        let compute = || {
            let mut seen: FastSet<UnitId> = FastSet::default();
            let mut out = Vec::new();
            for &t in graph.sets.get(set) {
                for x in analysis.seen_from(t, cluster) {
                    if seen.insert(x.unit) {
                        out.push((x.unit, t));
                    }
                }
            }
            out
        };
        Union::Many(match self.union.get(set) {
            Some(cell) if self.kept(set, cluster, c) => Cow::Borrowed(cell.get_or_init(compute)),
            _ => Cow::Owned(compute()),
        })
    }

    /// The units every member of `set` fails with, sorted, as a
    /// declaration in `cluster` sees them, for component `c`.
    fn common<'s>(
        &'s self,
        graph: &Graph,
        analysis: &Analysis,
        set: usize,
        cluster: Option<usize>,
        c: usize,
    ) -> Cow<'s, [UnitId]> {
        let compute = || {
            let [first, rest @ ..] = graph.sets.get(set) else {
                return Vec::new();
            };
            let mut units: Vec<UnitId> = analysis
                .seen_from(*first, cluster)
                .iter()
                .map(|x| x.unit)
                .collect();
            units.sort_unstable();
            units.dedup();
            for &t in rest {
                if units.is_empty() {
                    break;
                }
                let seen = analysis.seen_from(t, cluster);
                units.retain(|u| seen.iter().any(|y| y.unit == *u));
            }
            units
        };
        match self.common.get(set) {
            Some(cell) if self.kept(set, cluster, c) => Cow::Borrowed(cell.get_or_init(compute)),
            _ => Cow::Owned(compute()),
        }
    }
}

/// The single failures one declaration's own placement cannot survive.
fn instance_causes(
    entity: usize,
    index: usize,
    inst: &Instance,
    ctx: &Context,
    clustered: bool,
) -> Vec<Cause> {
    let mut out = Vec::new();
    let unclustered = Site::default();
    let site = if clustered {
        ctx.site(inst.cluster)
    } else {
        &unclustered
    };
    let at = Declared { entity, index };
    let cluster_zone = cluster_causes(&at, inst, site, &mut out);
    let pinned_zone = pin_causes(&at, inst, &mut out);
    for (i, fact) in inst.detail().cloud.iter().enumerate() {
        let unit = match &fact.unit {
            CloudUnit::Zone(Some(zone)) => Unit::Domain(Domain::new(Level::Zone, zone.clone())),
            CloudUnit::Zone(None) => at.unplaced(Level::Zone),
            CloudUnit::Instance => at.replica(),
        };
        out.push(at.cause(unit, Reason::Cloud(i), fact.span));
    }
    out.extend(replica_cause(
        &at,
        inst,
        ctx,
        site,
        pinned_zone || cluster_zone,
    ));
    out
}

/// Which declaration [`instance_causes`] looks at.
struct Declared {
    entity: usize,
    index: usize,
}

impl Declared {
    fn cause(&self, unit: Unit, reason: Reason, span: Span) -> Cause {
        Cause {
            unit,
            reason,
            instance: self.index,
            span,
        }
    }

    fn unplaced(&self, level: Level) -> Unit {
        Unit::Unplaced {
            level,
            entity: narrow(self.entity),
            instance: narrow(self.index),
        }
    }

    fn replica(&self) -> Unit {
        Unit::Replica {
            entity: narrow(self.entity),
            instance: narrow(self.index),
        }
    }
}

/// Where the cluster itself lives: its one zone, its region. Whether it
/// has one zone.
fn cluster_causes(at: &Declared, inst: &Instance, site: &Site, out: &mut Vec<Cause>) -> bool {
    let mut one_zone = false;
    if let ([only], Some(span)) = (site.zones.as_slice(), site.zones_span) {
        out.push(at.cause(
            Unit::Domain(Domain::new(Level::Zone, only.clone())),
            Reason::ClusterZone {
                cluster: inst.cluster,
            },
            span,
        ));
        one_zone = true;
    }
    if let (Some(region), Some(span)) = (&site.region, site.region_span) {
        out.push(at.cause(
            Unit::Domain(Domain::new(Level::Region, region.clone())),
            Reason::ClusterRegion {
                cluster: inst.cluster,
            },
            span,
        ));
    }
    one_zone
}

/// Hard pins to exactly one domain, on any axis. Whether one pins the
/// zone or the host.
fn pin_causes(at: &Declared, inst: &Instance, out: &mut Vec<Cause>) -> bool {
    let mut pinned_zone = false;
    for level in [Level::Region, Level::Zone, Level::Host] {
        let mut seen: Vec<&str> = Vec::new();
        for (domains, pin) in inst.placement.pinned_axes(level) {
            let [only] = domains.as_slice() else {
                continue;
            };
            if seen.contains(only) {
                continue;
            }
            seen.push(only);
            let reason = if inst.workload.is_some() {
                Reason::Pinned {
                    level,
                    via: pin.via,
                    origin: pin.origin.as_deref().cloned(),
                }
            } else {
                Reason::VolumeTopology
            };
            out.push(at.cause(Unit::Domain(Domain::new(level, *only)), reason, pin.span));
            pinned_zone |= level != Level::Region;
        }
    }
    pinned_zone
}

/// What a long-running workload's replicas cannot survive: too few of
/// them; else, unless its zone is fixed already, one zonal volume, a
/// quorum one zone can break, or no zone spread.
fn replica_cause(
    at: &Declared,
    inst: &Instance,
    ctx: &Context,
    site: &Site,
    zone_fixed: bool,
) -> Option<Cause> {
    let placement = &inst.placement;
    if inst.workload? != WorkloadKind::LongRunning {
        return None;
    }
    let replicas = placement.replicas?;
    let r = replicas.count;
    if r == 0 {
        return None;
    }
    if r < ctx.min_replicas.max(1) {
        return Some(at.cause(
            at.replica(),
            Reason::SingleReplica {
                count: r,
                source: replicas.source,
            },
            replicas.span,
        ));
    }
    // One replica cannot spread; below the configured minimum it is accepted.
    if r < 2 || zone_fixed {
        return None;
    }
    if let Some(volume) = &placement.volume {
        let unit = match &volume.zone {
            Some((zone, _)) => Unit::Domain(Domain::new(Level::Zone, zone.clone())),
            None => at.unplaced(Level::Zone),
        };
        return Some(at.cause(
            unit,
            Reason::ZonalVolume {
                claim: volume.claim.clone(),
                access_mode: volume.access_mode.clone(),
                replicas: r,
                access_span: volume.access_span,
                zone_span: volume.zone.as_ref().map(|(_, span)| *span),
            },
            volume.span,
        ));
    }
    if let Some(quorum) = &placement.quorum {
        let needed = if quorum.needed == 0 {
            r / 2 + 1
        } else {
            quorum.needed
        };
        let (lost, assumed_zones) = worst_zone_loss(inst, site, r);
        if r.saturating_sub(lost) >= needed {
            return None;
        }
        let span = placement
            .hard_spread(Level::Zone)
            .map_or(replicas.span, |s| s.span);
        return Some(at.cause(
            at.unplaced(Level::Zone),
            Reason::Quorum {
                replicas: r,
                needed,
                lost,
                why: quorum.reason.clone(),
                source: quorum.span,
                assumed_zones,
            },
            span,
        ));
    }
    if placement.hard_spread(Level::Zone).is_some() {
        return None;
    }
    Some(at.cause(
        at.unplaced(Level::Zone),
        Reason::NoZoneSpread {
            replicas: r,
            best_effort: placement.best_effort_spread(Level::Zone).map(|s| s.span),
            missed: placement.missed_spread,
        },
        replicas.span,
    ))
}

/// Most replicas one zone can hold under the workload's hard zone spread,
/// and whether the zone count had to be assumed (two) because neither
/// `minDomains`, the pins nor the cluster say it.
fn worst_zone_loss(inst: &Instance, site: &Site, replicas: u32) -> (u32, bool) {
    let placement = &inst.placement;
    let Some(spread) = placement
        .spreads
        .iter()
        .filter(|s| s.level == Level::Zone && s.guarantee == Guarantee::Hard)
        .min_by_key(|s| (!s.one_per_domain, s.max_skew))
    else {
        return (replicas, false);
    };
    if spread.one_per_domain {
        return (1.min(replicas), false);
    }
    let known = spread
        .min_domains
        .or_else(|| {
            placement
                .pinned(Level::Zone)
                .map(|(d, _)| u32::try_from(d.len()).unwrap_or(u32::MAX))
        })
        .or_else(|| {
            (!site.zones.is_empty()).then(|| u32::try_from(site.zones.len()).unwrap_or(u32::MAX))
        });
    let (zones, assumed) = match known {
        Some(n) => (n.max(1), false),
        None => (2, true),
    };
    let skew = spread.max_skew.unwrap_or(1);
    let most = (u64::from(replicas) + u64::from(zones - 1) * u64::from(skew)) / u64::from(zones);
    (
        u32::try_from(most).unwrap_or(u32::MAX).min(replicas),
        assumed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Placement, Replicas, Spread};
    use crate::source::{FileId, TextRange};

    fn span() -> Span {
        Span::new(FileId(0), TextRange::empty(0))
    }

    /// Every entity keeps an exposure, and the end of its chain, for each
    /// single failure it inherits (some thirty in a large estate): their
    /// size is most of the analysis's memory.
    #[test]
    fn an_exposure_and_its_end_stay_small() {
        assert_eq!(size_of::<Edge>(), 16);
        assert_eq!(size_of::<Via>(), 16);
        assert!(size_of::<Unit>() <= 32, "{}", size_of::<Unit>());
        assert_eq!(size_of::<Exposure>(), 20);
        assert_eq!(size_of::<Short>(), 8);
    }

    /// One vector for every entity's list: each entity gets back its own
    /// list, empty ones included, and nothing past the last.
    #[test]
    fn lists_give_back_each_entitys_list() {
        let lists = Lists::from_nested(vec![vec![1, 2], vec![], vec![3]]);
        assert_eq!(lists.of(0), &[1, 2]);
        assert!(lists.of(1).is_empty());
        assert_eq!(lists.of(2), &[3]);
        assert!(lists.of(3).is_empty());
        assert_eq!(lists.get(3), None);
        assert_eq!(lists.len(), 3);
        assert_eq!(lists[2], [3]);
        assert!(Lists::<u8>::default().of(0).is_empty());
    }

    /// Across blocks, and at their edges, each entity's list is its own,
    /// made either way.
    #[test]
    fn lists_over_several_blocks() {
        for n in [0, 1, BATCH - 1, BATCH, BATCH + 1, 2 * BATCH, 2 * BATCH + 7] {
            let list = |e: usize| (0..e % 4).map(move |i| e * 10 + i).collect::<Vec<_>>();
            let nested = Lists::from_nested((0..n).map(list).collect());
            let made = Lists::from_lists((0..n).map(list));
            for lists in [&nested, &made] {
                assert_eq!(lists.len(), n);
                for e in 0..n {
                    assert_eq!(lists.of(e), list(e).as_slice(), "{n} lists, list {e}");
                }
                assert_eq!(lists.get(n), None);
            }
        }
        let flat = Lists::from_flat(vec![1, 2, 3], vec![0, 2, 2, 3]);
        assert_eq!(
            (flat.of(0), flat.of(1), flat.of(2)),
            (&[1, 2][..], &[][..], &[3][..])
        );
        assert_eq!((flat.len(), flat.get(3)), (3, None));
    }

    /// A unit is kept once, and its id names it.
    #[test]
    fn units_are_interned_once() {
        let mut units = Units::default();
        let zone = Unit::Domain(Domain::new(Level::Zone, "a"));
        let replica = Unit::Replica {
            entity: 3,
            instance: 0,
        };
        let a = units.intern(&zone);
        let b = units.intern(&replica);
        assert_ne!(a, b);
        assert_eq!(
            units.intern(&Unit::Domain(Domain::new(Level::Zone, "a"))),
            a
        );
        assert_eq!(units.list.len(), 2);
        assert_eq!(units.list[a.0 as usize], zone);
    }

    fn quorum_instance(max_skew: u32, min_domains: Option<u32>) -> Instance {
        Instance {
            workload: Some(WorkloadKind::LongRunning),
            placement: Placement {
                replicas: Some(Replicas {
                    count: 3,
                    span: span(),
                    source: ReplicaSource::Explicit,
                }),
                ..Placement::default()
            }
            .with_spreading(crate::model::Spreading {
                spreads: vec![Spread {
                    level: Level::Zone,
                    guarantee: Guarantee::Hard,
                    max_skew: Some(max_skew),
                    one_per_domain: false,
                    min_domains,
                    span: span(),
                }],
                ..Default::default()
            }),
            ..Instance::at(span())
        }
    }

    #[test]
    fn three_members_over_two_zones_lose_two() {
        let inst = quorum_instance(1, None);
        assert_eq!(worst_zone_loss(&inst, &Site::default(), 3), (2, true));
    }

    #[test]
    fn three_members_over_three_zones_lose_one() {
        let inst = quorum_instance(1, Some(3));
        assert_eq!(worst_zone_loss(&inst, &Site::default(), 3), (1, false));
        let site = Site {
            zones: vec!["a".into(), "b".into(), "c".into()],
            ..Site::default()
        };
        assert_eq!(
            worst_zone_loss(&quorum_instance(1, None), &site, 3),
            (1, false)
        );
    }

    #[test]
    fn skew_allows_more_per_zone() {
        let inst = quorum_instance(2, Some(3));
        // 5 replicas, skew 2 over 3 zones: 3/1/1 is allowed.
        assert_eq!(worst_zone_loss(&inst, &Site::default(), 5), (3, false));
    }
}
