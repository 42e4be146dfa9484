//! The JSON report's opening keys: `summary_in_words`, `headline`,
//! `top_actions` and, with `--compare`, `comparison` (see docs/report.md).

use super::compare::{Comparison, trend};
use super::opening::Loss;
use super::{Data, Ids, Place};
use serde::Serialize;
use serde::ser::SerializeMap;

/// The opening keys, written flat into the document.
pub(super) struct Opening<'a> {
    summary_in_words: &'a [String],
    headline: Vec<Headline<'a>>,
    top_actions: Vec<Action<'a>>,
    comparison: Option<Compared<'a>>,
}

impl Opening<'_> {
    /// Writes the opening's keys into the document's `map`; `comparison`
    /// only when there is one.
    pub(super) fn entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("summary_in_words", self.summary_in_words)?;
        map.serialize_entry("headline", &self.headline)?;
        map.serialize_entry("top_actions", &self.top_actions)?;
        if let Some(comparison) = &self.comparison {
            map.serialize_entry("comparison", comparison)?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct Headline<'a> {
    domain: &'a str,
    level: &'static str,
    /// The services and tools it takes down, weighed by tier.
    weight: u32,
    services: Ids<'a>,
    tools: Ids<'a>,
    /// Datastores, network and platform entities it takes down.
    others: usize,
    unrecoverable: Ids<'a>,
    recovery_paths: Ids<'a>,
}

#[derive(Serialize)]
struct Action<'a> {
    entity: &'a str,
    domain: &'a str,
    to: Option<&'a str>,
    change: String,
    effect: String,
    weight: u32,
    spared: Ids<'a>,
    location: Option<&'a Place>,
}

#[derive(Serialize)]
struct Compared<'a> {
    previous: Previous<'a>,
    single_points: Totals,
    domains: Vec<Trend<'a>>,
}

#[derive(Serialize)]
struct Previous<'a> {
    path: &'a str,
    version: u64,
    date: Option<&'a str>,
}

#[derive(Serialize)]
struct Totals {
    before: usize,
    now: usize,
    trend: &'static str,
    new: usize,
    fixed: usize,
    unchanged: usize,
}

#[derive(Serialize)]
struct Trend<'a> {
    domain: &'a str,
    before: usize,
    now: usize,
    trend: &'static str,
    new: &'a [String],
    fixed: &'a [String],
    unchanged: &'a [String],
    gone: &'a [String],
}

pub(super) fn opening<'a>(data: &'a Data<'a>) -> Opening<'a> {
    let o = data.opening();
    let ids = |list: &'a [usize]| Ids(data, list);
    let plain = |s: &str| format!("`{s}`");
    Opening {
        summary_in_words: &o.sentences,
        headline: o
            .headline
            .iter()
            .map(|l: &Loss| Headline {
                domain: data.domain_name(l.domain),
                level: data
                    .levels
                    .get(l.domain as usize)
                    .map_or("", |level| level.as_str()),
                weight: l.weight,
                services: ids(&l.services),
                tools: ids(&l.tools),
                others: l.others,
                unrecoverable: ids(&l.unrecoverable),
                recovery_paths: ids(&l.recovery_paths),
            })
            .collect(),
        top_actions: o
            .actions
            .iter()
            .map(|a| Action {
                entity: data.entity_id(a.entity),
                domain: data.domain_name(a.domain),
                to: a.to.map(|d| data.domain_name(d)),
                change: a.change(data, plain),
                effect: a.effect(data, plain),
                weight: a.weight,
                spared: ids(&a.spared),
                location: a.at.as_ref(),
            })
            .collect(),
        comparison: data.comparison.as_ref().map(compared),
    }
}

fn compared(c: &Comparison) -> Compared<'_> {
    let [before, now, new, fixed, unchanged] = c.totals();
    Compared {
        previous: Previous {
            path: &c.previous.path,
            version: c.previous.version,
            date: c.previous.date.as_deref(),
        },
        single_points: Totals {
            before,
            now,
            trend: trend(before, now),
            new,
            fixed,
            unchanged,
        },
        domains: c
            .domains
            .iter()
            .map(|d| Trend {
                domain: &d.domain,
                before: d.before(),
                now: d.now(),
                trend: trend(d.before(), d.now()),
                new: &d.new,
                fixed: &d.fixed,
                unchanged: &d.unchanged,
                gone: &d.gone,
            })
            .collect(),
    }
}
