//! Generated estates for benchmarks and tests: N services over Z sites in
//! R regions, with a random dependency DAG. Deterministic for a seed.
//!
//! Shape (documented in docs/performance.md):
//! - site `s` lies in region `s % R`;
//! - a service runs in 1 site (10%), 2 sites (60%) or 3 sites (30%), each
//!   site a copy with 2 replicas; one in ten services on 3 sites is a
//!   quorum system (3 members, 2 needed) instead of independent copies;
//! - service `i` depends on 0 to 3 services drawn from the 1,000 before it,
//!   and with probability 1/20 on one of the first 100 (shared platform
//!   services); dependencies always point to earlier services, so the
//!   graph is a DAG;
//! - one service in fifty is a tool that manages the five services before
//!   it.

use super::{Structure, Term, Why};
use crate::analysis::{Analysis, Context, Site};
use crate::estate::Estate;
use crate::graph::Graph;
use crate::graph::{Resolved, TargetSets};
use crate::model::{
    Dependency, Domain, Entity, Guarantee, Instance, Level, Model, Names, Origin, Pin, Quorum,
    Reference, ReplicaSource, Replicas, Role, Spread, Strength, WorkloadKind,
};
use crate::source::{FileId, Span, TextRange};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub services: usize,
    pub sites: usize,
    pub regions: usize,
    pub seed: u64,
}

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

const VIA: &str = "generated site list";

/// One generated service: its sites, whether it is a quorum system, what
/// it depends on (earlier services) and whether it is a tool.
#[derive(Debug, Clone)]
pub struct Planned {
    pub sites: Vec<usize>,
    pub quorum: bool,
    pub dependencies: Vec<usize>,
    pub tool: bool,
}

/// The random estate, before it becomes a model or structures.
pub fn plan(shape: Shape) -> Vec<Planned> {
    let mut rng = Rng(shape.seed);
    let sites = shape.sites.max(1);
    (0..shape.services)
        .map(|i| {
            let copies = match rng.below(10) {
                0 => 1,
                1..=6 => 2,
                _ => 3,
            }
            .min(sites);
            let mut chosen: Vec<usize> = Vec::with_capacity(copies);
            while chosen.len() < copies {
                let s = rng.below(sites);
                if !chosen.contains(&s) {
                    chosen.push(s);
                }
            }
            chosen.sort_unstable();
            let mut targets: Vec<usize> = Vec::new();
            if i > 0 {
                for _ in 0..rng.below(4) {
                    let window = i.min(1000);
                    targets.push(i - 1 - rng.below(window));
                }
                if rng.below(20) == 0 {
                    targets.push(rng.below(i.min(100)));
                }
            }
            targets.sort_unstable();
            targets.dedup();
            let quorum = copies == 3 && rng.below(10) == 0;
            Planned {
                sites: chosen,
                quorum,
                dependencies: targets,
                tool: i % 50 == 49,
            }
        })
        .collect()
}

fn site_name(s: usize) -> String {
    format!("site-{s}")
}

fn region_of(shape: Shape, s: usize) -> usize {
    s % shape.regions.max(1)
}

/// The failure domains of a generated estate: regions, then sites, and the
/// region each site lies in.
pub fn domains(shape: Shape) -> (Vec<Domain>, Vec<Option<u32>>) {
    let regions = shape.regions.max(1);
    let sites = shape.sites.max(1);
    let mut domains: Vec<Domain> = (0..regions)
        .map(|r| Domain::new(Level::Region, format!("region-{r}")))
        .collect();
    domains.extend((0..sites).map(|s| Domain::new(Level::Zone, site_name(s))));
    let mut parent: Vec<Option<u32>> = vec![None; regions];
    parent.extend((0..sites).map(|s| u32::try_from(region_of(shape, s)).ok()));
    // Sorted as an audit sorts them: by level, then name.
    let mut order: Vec<usize> = (0..domains.len()).collect();
    order.sort_by(|&a, &b| {
        (domains[a].level, &domains[a].name).cmp(&(domains[b].level, &domains[b].name))
    });
    let mut new_id = vec![0u32; domains.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old] = u32::try_from(new).unwrap_or(u32::MAX);
    }
    let sorted: Vec<Domain> = order.iter().map(|&i| domains[i].clone()).collect();
    let parents: Vec<Option<u32>> = order
        .iter()
        .map(|&i| parent[i].map(|p| new_id[p as usize]))
        .collect();
    (sorted, parents)
}

/// The availability structures of a generated estate, for the risk-group
/// engine alone (no model, graph or analysis), with what their dependencies
/// name and the components of its dependency graph (a DAG: one entity
/// each, dependencies first).
pub fn structures(shape: Shape, plan: &[Planned]) -> (Vec<Structure>, TargetSets, Vec<Vec<usize>>) {
    let (domains, _) = domains(shape);
    let id_of: BTreeMap<String, u32> = domains
        .iter()
        .enumerate()
        .map(|(i, d)| (d.to_string(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let site_id = |s: usize| {
        id_of
            .get(&format!("zone:{}", site_name(s)))
            .copied()
            .unwrap_or(0)
    };
    let span = Span::new(FileId(0), TextRange::empty(0));
    let structures = plan
        .iter()
        .map(|p| {
            // Set `t` is entity `t` alone.
            let dependencies: Vec<Resolved> = p
                .dependencies
                .iter()
                .enumerate()
                .map(|(d, &target)| Resolved::new(0, d, Strength::Hard, target))
                .collect();
            let (terms, alternatives) = if p.quorum {
                // Three members over three sites, two needed: any two
                // sites.
                let term = Term {
                    instance: 0,
                    domains: p.sites.iter().map(|&s| site_id(s)).collect(),
                    threshold: 2,
                    why: Why::Spread {
                        replicas: 3,
                        needed: 2,
                        span,
                    },
                };
                (vec![vec![term]], vec![vec![0]])
            } else {
                let terms: Vec<Vec<Term>> = p
                    .sites
                    .iter()
                    .enumerate()
                    .map(|(i, &s)| {
                        vec![Term {
                            instance: i,
                            domains: vec![site_id(s)],
                            threshold: 1,
                            why: Why::Spread {
                                replicas: 2,
                                needed: 1,
                                span,
                            },
                        }]
                    })
                    .collect();
                let alternatives = (0..p.sites.len()).map(|i| vec![i]).collect();
                (terms, alternatives)
            };
            Structure {
                terms,
                alternatives,
                any_dependency: false,
                dependencies,
            }
        })
        .collect();
    let sets = TargetSets::from_lists((0..plan.len()).map(|e| vec![e]));
    let order = (0..plan.len()).map(|e| vec![e]).collect();
    (structures, sets, order)
}

/// The model of a generated estate, as the service manifest would give it.
pub fn model(shape: Shape, plan: &[Planned]) -> Model {
    let span = Span::new(FileId(0), TextRange::empty(0));
    let region_name = |s: usize| format!("region-{}", region_of(shape, s));
    let mut entities = Vec::with_capacity(plan.len());
    for (i, p) in plan.iter().enumerate() {
        let chosen = &p.sites;
        let dependencies: Vec<Dependency> = p
            .dependencies
            .iter()
            .map(|t| Dependency {
                target: Reference::Id(format!("manifest:svc-{t}")),
                strength: Strength::Hard,
                span,
                via: "depends_on".into(),
                explicit: true,
                origin: None,
            })
            .collect();
        let tool = p.tool;
        let manages: Vec<Dependency> = if tool {
            (i.saturating_sub(5)..i)
                .map(|t| Dependency {
                    target: Reference::Id(format!("manifest:svc-{t}")),
                    strength: Strength::Hard,
                    span,
                    via: "manages".into(),
                    explicit: true,
                    origin: None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let base = Instance {
            workload: Some(WorkloadKind::LongRunning),
            dependencies: dependencies.into(),
            manages: manages.into(),
            ..Instance::at(span)
        };
        let instances = if p.quorum {
            let mut inst = base;
            inst.region = Some((region_name(chosen[0]).into(), span));
            inst.placement.replicas = Some(Replicas {
                count: 3,
                span,
                source: ReplicaSource::Explicit,
            });
            inst.placement.pins.push(Pin {
                level: Level::Zone,
                domains: chosen.iter().map(|&s| site_name(s)).collect(),
                span,
                via: VIA,
                axis: "",
                origin: None,
            });
            inst.placement.spreads.push(Spread {
                level: Level::Zone,
                guarantee: Guarantee::Hard,
                max_skew: Some(1),
                one_per_domain: false,
                min_domains: Some(3),
                span,
            });
            inst.placement.quorum = Some(Box::new(Quorum {
                needed: 2,
                reason: "generated quorum system".to_string(),
                span,
            }));
            vec![inst]
        } else {
            chosen
                .iter()
                .map(|&s| {
                    let mut inst = base.clone();
                    inst.copy = Some(site_name(s).into());
                    inst.region = Some((region_name(s).into(), span));
                    inst.placement.replicas = Some(Replicas {
                        count: 2,
                        span,
                        source: ReplicaSource::Explicit,
                    });
                    inst.placement.pins.push(Pin {
                        level: Level::Zone,
                        domains: Names::one(site_name(s)),
                        span,
                        via: VIA,
                        axis: "",
                        origin: None,
                    });
                    inst
                })
                .collect()
        };
        entities.push(Entity {
            id: format!("manifest:svc-{i}"),
            origin: Origin::Manifest,
            kind: if tool { "Tool" } else { "Service" }.to_string(),
            namespace: None,
            name: format!("svc-{i}"),
            role: if tool { Role::Tool } else { Role::Service },
            tool_kind: tool.then(|| "deploy".to_string()),
            tool: None,
            tier: 0,
            instances,
            place: None,
        });
    }
    let regions = (0..shape.sites.max(1))
        .map(|s| (site_name(s), region_name(s)))
        .collect();
    Model {
        entities,
        regions,
        ..Model::default()
    }
}

/// The estate as a service manifest (`spof.services.toml`, see
/// docs/manifest.md) that reads into the model [`model`] builds: the same
/// sites, copies, quorum systems, dependencies and tools, with spans and
/// the manifest reader's wording where the generated model has none.
pub fn manifest(shape: Shape, plan: &[Planned]) -> String {
    use std::fmt::Write as _;
    let quoted = |names: &mut dyn Iterator<Item = String>| -> String {
        let items: Vec<String> = names.map(|n| format!("\"{n}\"")).collect();
        format!("[{}]", items.join(", "))
    };
    let mut text = String::with_capacity(plan.len() * 120);
    for s in 0..shape.sites.max(1) {
        let _ = writeln!(
            text,
            "[sites.{}]\nregion = \"region-{}\"\n",
            site_name(s),
            region_of(shape, s)
        );
    }
    for (i, p) in plan.iter().enumerate() {
        let section = if p.tool { "tools" } else { "services" };
        let _ = writeln!(text, "[{section}.svc-{i}]");
        let _ = writeln!(
            text,
            "sites = {}",
            quoted(&mut p.sites.iter().map(|&s| site_name(s)))
        );
        if p.quorum {
            text.push_str("replicas = 3\nquorum = 2\n");
        } else {
            let _ = writeln!(text, "replicas = {}", 2 * p.sites.len());
        }
        if !p.dependencies.is_empty() {
            let _ = writeln!(
                text,
                "depends_on = {}",
                quoted(&mut p.dependencies.iter().map(|t| format!("svc-{t}")))
            );
        }
        if p.tool {
            let _ = writeln!(
                text,
                "kind = \"deploy\"\nmanages = {}",
                quoted(&mut (i.saturating_sub(5)..i).map(|t| format!("svc-{t}")))
            );
        }
        text.push('\n');
    }
    text
}

/// Graph and analysis over a model, as a run builds them.
pub fn estate(model: Model) -> Estate {
    let context = Context {
        clusters: Vec::new(),
        implicit: Site::default(),
        min_replicas: 2,
    };
    let graph = Graph::build(&model, |e, out| {
        out.clear();
        out.extend(model.entities[e].instances.iter().flat_map(|i| {
            i.placement
                .pins
                .iter()
                .flat_map(|p| p.domains.iter().map(|d| (p.level, &**d)))
        }));
        out.sort_unstable();
        out.dedup();
    });
    let analysis = Analysis::run(&model, &graph, &context);
    Estate {
        model,
        graph,
        analysis,
        context,
    }
}
