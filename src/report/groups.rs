//! Entities grouped by failure domain, for the drawings of the HTML and
//! Markdown reports: one group per domain of the innermost level the
//! estate names (zones, else regions, else hosts) holding the entities
//! that run only there, one for the entities spread over several of them
//! and one for those in none; each group inside its outer domain (a
//! zone's region) when that is known.

use super::Data;
use crate::model::{Level, Role};
use std::collections::BTreeMap;

/// Which entities a group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Those that run in this domain of the grouping level and no other.
    One(u32),
    /// Those that run in several domains of the grouping level.
    Several,
    /// Those in no known domain of the grouping level.
    Unknown,
}

pub struct Group {
    /// The outer domain (a region) all its members run in, if any.
    pub outer: Option<u32>,
    pub kind: Kind,
    /// Entity indices, in entity order.
    pub members: Vec<usize>,
}

pub struct Groups {
    /// The level that groups: zones, else regions, else hosts.
    pub level: Option<Level>,
    /// Sorted by outer domain (none last), then kind.
    pub groups: Vec<Group>,
    /// Group index of each entity.
    pub of: Vec<usize>,
}

/// The level that groups the drawing: zones when there are any, else
/// regions, else hosts.
pub fn grouping_level(data: &Data) -> Option<Level> {
    [Level::Zone, Level::Region, Level::Host]
        .into_iter()
        .find(|l| data.levels.contains(l))
}

impl Groups {
    pub fn of(data: &Data) -> Groups {
        let level = grouping_level(data);
        // The outer level: regions around zones or hosts.
        let outer_level = match level {
            Some(Level::Zone | Level::Host) if data.levels.contains(&Level::Region) => {
                Some(Level::Region)
            }
            _ => None,
        };
        let at = |domains: &[u32], l: Option<Level>| -> Vec<u32> {
            domains
                .iter()
                .copied()
                .filter(|&d| l.is_some() && data.levels.get(d as usize).copied() == l)
                .collect()
        };
        let mut keyed: BTreeMap<(u32, Kind), Vec<usize>> = BTreeMap::new();
        for (i, e) in data.entities.iter().enumerate() {
            let inner = at(e.domains, level);
            let kind = match inner.as_slice() {
                [d] => Kind::One(*d),
                [] => Kind::Unknown,
                _ => Kind::Several,
            };
            let outer = match kind {
                Kind::One(d) => data
                    .audit
                    .parent
                    .get(d as usize)
                    .copied()
                    .flatten()
                    .filter(|&p| data.levels.get(p as usize).copied() == outer_level),
                _ => match at(e.domains, outer_level).as_slice() {
                    [r] => Some(*r),
                    _ => None,
                },
            };
            keyed
                .entry((outer.unwrap_or(u32::MAX), kind))
                .or_default()
                .push(i);
        }
        // Every domain of the grouping level has its box, empty when
        // nothing runs there alone (only spread entities).
        if level.is_some() {
            for (d, l) in data.levels.iter().enumerate() {
                let Ok(d) = u32::try_from(d) else {
                    continue;
                };
                if Some(*l) != level {
                    continue;
                }
                let outer = data
                    .audit
                    .parent
                    .get(d as usize)
                    .copied()
                    .flatten()
                    .filter(|&p| data.levels.get(p as usize).copied() == outer_level);
                keyed
                    .entry((outer.unwrap_or(u32::MAX), Kind::One(d)))
                    .or_default();
            }
        }
        let mut of = vec![0; data.entities.len()];
        let groups: Vec<Group> = keyed
            .into_iter()
            .enumerate()
            .map(|(g, ((outer, kind), members))| {
                for &m in &members {
                    of[m] = g;
                }
                Group {
                    outer: (outer != u32::MAX).then_some(outer),
                    kind,
                    members,
                }
            })
            .collect();
        Groups { level, groups, of }
    }

    /// The groups in runs of one outer domain each, in order.
    pub fn by_outer(&self) -> Vec<(Option<u32>, Vec<usize>)> {
        let mut runs: Vec<(Option<u32>, Vec<usize>)> = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            match runs.last_mut() {
                Some((outer, list)) if *outer == group.outer => list.push(g),
                _ => runs.push((group.outer, vec![g])),
            }
        }
        runs
    }

    /// A group's title: `zone:pangyo-dc`, `in several zones`, `in no
    /// known zone`.
    pub fn title(&self, data: &Data, g: usize) -> String {
        let level = self.level.map_or("domain", Level::as_str);
        match self.groups.get(g).map(|x| x.kind) {
            Some(Kind::One(d)) => data.domain_name(d).to_string(),
            Some(Kind::Several) => format!("in several {level}s"),
            _ => format!("in no known {level}"),
        }
    }

    /// Dependencies (hard or soft) between entities of different groups,
    /// counted per pair of groups: `(from, to, count)`, sorted.
    pub fn links(&self, data: &Data) -> Vec<(usize, usize, usize)> {
        let mut count: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for e in &data.edges {
            let Some(&a) = self.of.get(e.from) else {
                continue;
            };
            for &t in data.targets(&e.to) {
                if let Some(&b) = self.of.get(t)
                    && a != b
                {
                    *count.entry((a, b)).or_default() += 1;
                }
            }
        }
        count.into_iter().map(|((a, b), n)| (a, b, n)).collect()
    }

    /// Members of group `g` by role, in report order, with their count.
    pub fn roles(&self, data: &Data, g: usize) -> Vec<(Role, usize)> {
        let Some(group) = self.groups.get(g) else {
            return Vec::new();
        };
        super::ROLES
            .iter()
            .map(|&r| {
                let n = group
                    .members
                    .iter()
                    .filter(|&&m| data.entities.get(m).is_some_and(|e| e.role == r))
                    .count();
                (r, n)
            })
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// Members of group `g` that are open single points of failure.
    pub fn open_spofs(&self, data: &Data, g: usize) -> usize {
        self.groups.get(g).map_or(0, |group| {
            group
                .members
                .iter()
                .filter(|&&m| data.entities.get(m).is_some_and(|e| data.is_open_spof(e)))
                .count()
        })
    }
}

/// Most entities named as going down with a tool, per domain.
pub const FELLOWS_SHOWN: usize = 8;

/// For each domain whose failure alone takes entity `e` down, innermost
/// first, the services, tools and datastores that go down with it: what
/// it shares its fate with.
pub fn fellows(data: &Data, e: usize) -> Vec<(u32, Vec<usize>)> {
    let Some(entity) = data.entities.get(e) else {
        return Vec::new();
    };
    // Only who falls is read here: a large estate's chains are not worded.
    let blasts = if data.entities.len() > super::LARGE_ESTATE {
        data.falls()
    } else {
        data.blast()
    };
    let mut cuts: Vec<u32> = entity.single_failures().collect();
    cuts.sort_by_key(|&d| (std::cmp::Reverse(data.levels.get(d as usize).copied()), d));
    cuts.into_iter()
        .map(|d| {
            let down: Vec<usize> = blasts
                .iter()
                .filter(|b| b.domain == d)
                .flat_map(|b| b.down.iter().map(|f| f.entity))
                .filter(|&x| {
                    x != e
                        && data.entities.get(x).is_some_and(|y| {
                            matches!(y.role, Role::Service | Role::Tool | Role::Datastore)
                        })
                })
                .collect();
            (d, down)
        })
        .collect()
}
