//! The HTML report's opening: the summary in words, what each failure
//! takes down, the top actions and, with `--compare`, what changed since
//! the previous report. Styled with the page's own classes only.

use super::Data;
use super::compare::{id_list, trend};
use super::html_text::{escape, prose};
use super::md_text::capitalised;
use super::opening::{HEADLINE_DOMAINS, Loss, WEIGHTS_TEXT, count, named};
use std::fmt::Write as _;

fn entity(data: &Data, e: usize) -> String {
    format!(
        "<a href=\"#e{e}\"><code>{}</code></a>",
        escape(data.entity_id(e))
    )
}

pub fn opening(h: &mut String, data: &Data) {
    let o = data.opening();
    h.push_str("<section id=\"opening\">\n<h2>At a glance</h2>\n");
    let _ = writeln!(h, "<p class=\"lead\">{}</p>", prose(&o.sentences.join(" ")));
    h.push_str("<h3>What each failure takes down</h3>\n");
    if o.headline.is_empty() {
        h.push_str("<div class=\"ok\"><strong>No single failure domain takes down a service or a tool, or leaves one unable to restart.</strong></div>\n");
    } else {
        let _ = writeln!(h, "<p>{}</p>", prose(WEIGHTS_TEXT));
        h.push_str("<table><thead><tr><th>Failure domain</th><th>Weight</th><th>Services down</th><th>Tools down (recovery plane)</th><th>Others down</th><th>Cannot restart</th></tr></thead><tbody>\n");
        for loss in o.headline.iter().take(HEADLINE_DOMAINS) {
            row(h, data, loss);
        }
        h.push_str("</tbody></table>\n");
        if o.headline.len() > HEADLINE_DOMAINS {
            let _ = writeln!(
                h,
                "<p>And {} more (see <a href=\"#blast\">blast radius</a>).</p>",
                count(
                    o.headline.len() - HEADLINE_DOMAINS,
                    "failure domain",
                    "failure domains"
                )
            );
        }
    }
    h.push_str("<h3>Top actions</h3>\n");
    if o.actions.is_empty() {
        h.push_str(
            "<p>No change to one entity spares a service or a tool from a single failure.</p>\n",
        );
    } else {
        h.push_str("<ol>\n");
        for a in &o.actions {
            let at = a.at.as_ref().map_or(String::new(), |p| {
                format!(
                    " <span class=\"where\">{}:{}:{}</span>",
                    escape(&p.path),
                    p.line,
                    p.column
                )
            });
            let _ = writeln!(
                h,
                "<li>{}: {}{at}</li>",
                prose(&capitalised(&a.change(data, |s| format!("`{s}`")))),
                prose(&a.effect(data, |s| format!("`{s}`"))),
            );
        }
        h.push_str("</ol>\n");
    }
    comparison(h, data);
    h.push_str("</section>\n");
}

fn row(h: &mut String, data: &Data, loss: &Loss) {
    let ids = |list: &[usize], limit: usize| named(list, limit, |e| entity(data, e));
    let restart = if loss.unrecoverable.is_empty() {
        "—".to_string()
    } else {
        format!(
            "{} (needing {})",
            count(loss.unrecoverable.len(), "entity", "entities"),
            ids(&loss.recovery_paths, super::HEADLINE_SERVICES)
        )
    };
    let _ = writeln!(
        h,
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{restart}</td></tr>",
        escape(data.domain_name(loss.domain)),
        loss.weight,
        ids(&loss.services, super::HEADLINE_SERVICES),
        ids(&loss.tools, usize::MAX),
        loss.others,
    );
}

fn comparison(h: &mut String, data: &Data) {
    let Some(c) = &data.comparison else {
        return;
    };
    let [before, now, new, fixed, unchanged] = c.totals();
    h.push_str("<h3>Since the previous report</h3>\n");
    let _ = writeln!(
        h,
        "<p>Compared with <code>{}</code> (made {}, report version {}): {before} single points of failure then, {now} now ({}): {new} new, {fixed} fixed, {unchanged} unchanged.</p>",
        escape(&c.previous.path),
        escape(
            c.previous
                .date
                .as_deref()
                .unwrap_or("on an unrecorded date")
        ),
        c.previous.version,
        trend(before, now),
    );
    if c.domains.is_empty() {
        return;
    }
    h.push_str("<table><thead><tr><th>Failure domain</th><th>Before</th><th>Now</th><th>Trend</th><th>New</th><th>Fixed</th><th>Unchanged</th></tr></thead><tbody>\n");
    let list = |ids: &[String], gone: &[String]| {
        id_list(ids, gone, |id: &str| format!("<code>{}</code>", escape(id)))
    };
    for d in &c.domains {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&d.domain),
            d.before(),
            d.now(),
            trend(d.before(), d.now()),
            list(&d.new, &[]),
            list(&d.fixed, &d.gone),
            list(&d.unchanged, &[]),
        );
    }
    h.push_str("</tbody></table>\n");
}
