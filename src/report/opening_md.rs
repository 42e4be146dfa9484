//! The Markdown report's opening: the summary in words, what each failure
//! takes down, the top actions and, with `--compare`, what changed since
//! the previous report.

use super::Data;
use super::compare::{id_list, trend};
use super::md_text::{capitalised, code, prose};
use super::opening::{HEADLINE_DOMAINS, Loss, count, named};
use std::fmt::Write as _;

/// Services a headline row names before it counts the rest.
const NAMED: usize = super::HEADLINE_SERVICES;

pub fn opening(m: &mut String, data: &Data) {
    let o = data.opening();
    m.push_str("## At a glance\n\n");
    // A sentence a line: one paragraph, and no line too long to review.
    let sentences: Vec<String> = o.sentences.iter().map(|s| prose(s)).collect();
    let _ = writeln!(m, "{}\n", sentences.join("\n"));
    m.push_str("### What each failure takes down\n\n");
    if o.headline.is_empty() {
        m.push_str("No single failure domain takes down a service or a tool, or leaves one unable to restart.\n\n");
    } else {
        let _ = writeln!(m, "{}\n", prose(super::opening::WEIGHTS_TEXT));
        m.push_str("| Failure domain | Weight | Services down | Tools down (recovery plane) | Others down | Cannot restart |\n|---|---:|---|---|---:|---|\n");
        for loss in o.headline.iter().take(HEADLINE_DOMAINS) {
            row(m, data, loss);
        }
        if o.headline.len() > HEADLINE_DOMAINS {
            let _ = writeln!(
                m,
                "\nAnd {} more (see *Blast radius*).",
                count(
                    o.headline.len() - HEADLINE_DOMAINS,
                    "failure domain",
                    "failure domains"
                )
            );
        }
        m.push('\n');
    }
    m.push_str("### Top actions\n\n");
    if o.actions.is_empty() {
        m.push_str("No change to one entity spares a service or a tool from a single failure.\n\n");
    }
    for (n, a) in o.actions.iter().enumerate() {
        let at = a.at.as_ref().map_or(String::new(), |p| {
            format!(
                " ({})",
                code(&format!("{}:{}:{}", p.path, p.line, p.column))
            )
        });
        let _ = writeln!(
            m,
            "{}. {}: {}{at}",
            n + 1,
            prose(&capitalised(&a.change(data, |s| format!("`{s}`")))),
            prose(&a.effect(data, |s| format!("`{s}`"))),
        );
    }
    if !o.actions.is_empty() {
        m.push('\n');
    }
    comparison(m, data);
}

fn row(m: &mut String, data: &Data, loss: &Loss) {
    let ids = |list: &[usize], limit: usize| named(list, limit, |e| code(data.entity_id(e)));
    let restart = if loss.unrecoverable.is_empty() {
        "—".to_string()
    } else {
        format!(
            "{} (needing {})",
            count(loss.unrecoverable.len(), "entity", "entities"),
            ids(&loss.recovery_paths, NAMED)
        )
    };
    let _ = writeln!(
        m,
        "| {} | {} | {} | {} | {} | {restart} |",
        code(data.domain_name(loss.domain)),
        loss.weight,
        ids(&loss.services, NAMED),
        ids(&loss.tools, usize::MAX),
        loss.others,
    );
}

fn comparison(m: &mut String, data: &Data) {
    let Some(c) = &data.comparison else {
        return;
    };
    let [before, now, new, fixed, unchanged] = c.totals();
    m.push_str("### Since the previous report\n\n");
    let _ = writeln!(
        m,
        "Compared with {} (made {}, report version {}): {before} single points of failure then, {now} now ({}): {new} new, {fixed} fixed, {unchanged} unchanged.\n",
        code(&c.previous.path),
        c.previous
            .date
            .as_deref()
            .unwrap_or("on an unrecorded date"),
        c.previous.version,
        trend(before, now),
    );
    if c.domains.is_empty() {
        return;
    }
    m.push_str("| Failure domain | Before | Now | Trend | New | Fixed | Unchanged |\n|---|---:|---:|---|---|---|---|\n");
    let list = |ids: &[String], gone: &[String]| id_list(ids, gone, code);
    for d in &c.domains {
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} | {} | {} |",
            code(&d.domain),
            d.before(),
            d.now(),
            trend(d.before(), d.now()),
            list(&d.new, &[]),
            list(&d.fixed, &d.gone),
            list(&d.unchanged, &[]),
        );
    }
    m.push('\n');
}
