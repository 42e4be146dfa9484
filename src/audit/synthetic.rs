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

use crate::analysis::{Analysis, Context, Site};
use crate::check::Estate;
use crate::graph::Graph;
use crate::model::{
    Combine, Dependency, Domain, Entity, Guarantee, Instance, Level, Model, Pin, Placement, Quorum,
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

/// The model of a generated estate.
pub fn model(shape: Shape) -> Model {
    let mut rng = Rng(shape.seed);
    let span = Span::new(FileId(0), TextRange::empty(0));
    let sites = shape.sites.max(1);
    let regions = shape.regions.max(1);
    let site_name = |s: usize| format!("site-{s}");
    let region_name = |s: usize| format!("region-{}", s % regions);
    let mut entities = Vec::with_capacity(shape.services);
    for i in 0..shape.services {
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
        let dependencies: Vec<Dependency> = targets
            .iter()
            .map(|t| Dependency {
                target: Reference::Id(format!("manifest:svc-{t}")),
                strength: Strength::Hard,
                span,
                via: "depends_on".to_string(),
                explicit: true,
                origin: None,
            })
            .collect();
        let tool = i % 50 == 49;
        let manages: Vec<Dependency> = if tool {
            (i.saturating_sub(5)..i)
                .map(|t| Dependency {
                    target: Reference::Id(format!("manifest:svc-{t}")),
                    strength: Strength::Hard,
                    span,
                    via: "manages".to_string(),
                    explicit: true,
                    origin: None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let base = Instance {
            cluster: None,
            span,
            workload: Some(WorkloadKind::LongRunning),
            placement: Placement::default(),
            budgets: Vec::new(),
            dependencies,
            combine: Combine::All,
            pod_labels: BTreeMap::new(),
            selector: None,
            cloud: Vec::new(),
            region: None,
            transparent: false,
            copy: None,
            manages,
        };
        let quorum = copies == 3 && rng.below(10) == 0;
        let instances = if quorum {
            let mut inst = base;
            inst.region = Some((region_name(chosen[0]), span));
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
            });
            inst.placement.spreads.push(Spread {
                level: Level::Zone,
                guarantee: Guarantee::Hard,
                max_skew: Some(1),
                one_per_domain: false,
                min_domains: Some(3),
                span,
            });
            inst.placement.quorum = Some(Quorum {
                needed: 2,
                reason: "generated quorum system".to_string(),
                span,
            });
            vec![inst]
        } else {
            chosen
                .iter()
                .map(|&s| {
                    let mut inst = base.clone();
                    inst.copy = Some(site_name(s));
                    inst.region = Some((region_name(s), span));
                    inst.placement.replicas = Some(Replicas {
                        count: 2,
                        span,
                        source: ReplicaSource::Explicit,
                    });
                    inst.placement.pins.push(Pin {
                        level: Level::Zone,
                        domains: vec![site_name(s)],
                        span,
                        via: VIA,
                    });
                    inst
                })
                .collect()
        };
        entities.push(Entity {
            id: format!("manifest:svc-{i}"),
            kind: if tool { "Tool" } else { "Service" }.to_string(),
            namespace: None,
            name: format!("svc-{i}"),
            role: if tool { Role::Tool } else { Role::Service },
            tool_kind: tool.then(|| "deploy".to_string()),
            instances,
        });
    }
    Model {
        entities,
        ..Model::default()
    }
}

/// Graph and analysis over a model, as a run builds them.
pub fn estate(model: Model) -> Estate {
    let context = Context {
        clusters: Vec::new(),
        implicit: Site::default(),
        min_replicas: 2,
    };
    let graph = Graph::build(&model, |e| {
        let mut out: Vec<Domain> = model.entities[e]
            .instances
            .iter()
            .flat_map(|i| {
                i.placement
                    .pins
                    .iter()
                    .flat_map(|p| p.domains.iter().map(|d| Domain::new(p.level, d.clone())))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    });
    let analysis = Analysis::run(&model, &graph, &context);
    Estate {
        model,
        graph,
        analysis,
        context,
    }
}
