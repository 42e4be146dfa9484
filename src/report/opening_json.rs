//! The JSON report's opening keys: `summary_in_words`, `headline`,
//! `top_actions` and, with `--compare`, `comparison` (see docs/report.md).

use super::compare::{Comparison, trend};
use super::opening::Loss;
use super::{Data, Place};
use serde::Serialize;

/// The opening keys, written flat into the document.
#[derive(Serialize)]
pub(super) struct Opening<'a> {
    summary_in_words: &'a [String],
    headline: Vec<Headline<'a>>,
    top_actions: Vec<Action<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comparison: Option<Compared<'a>>,
}

#[derive(Serialize)]
struct Headline<'a> {
    domain: &'a str,
    level: &'static str,
    /// The services and tools it takes down, weighed by tier.
    weight: u32,
    services: Vec<&'a str>,
    tools: Vec<&'a str>,
    /// Datastores, network and platform entities it takes down.
    others: usize,
    unrecoverable: Vec<&'a str>,
    recovery_paths: Vec<&'a str>,
}

#[derive(Serialize)]
struct Action<'a> {
    entity: &'a str,
    domain: &'a str,
    to: Option<&'a str>,
    change: String,
    effect: String,
    weight: u32,
    spared: Vec<&'a str>,
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
    let ids =
        |list: &[usize]| -> Vec<&'a str> { list.iter().map(|&e| data.entity_id(e)).collect() };
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
