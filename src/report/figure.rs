//! The HTML report's dependency graph, grouped by failure domain: a box
//! per zone (else region, else host) holding the entities that run only
//! there, nested in its region's box, plus boxes for the entities spread
//! over several and for those in none. Labels wrap, never cut. An estate
//! too large to draw entity by entity is drawn at domain level, the
//! entities of each domain listed in an expandable list.

use super::Data;
use super::groups::{Groups, Kind};
use super::html_text::{entity_ref, escape, plural, role_badge};
use super::layout::{self, Item};
use crate::model::Role;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Above this many entities the graph is drawn at domain level.
pub const WHOLE_GRAPH_LIMIT: usize = 150;

/// Most dependencies one drawing shows: beyond, no layout is legible and
/// laying it out would cost more than the rest of the report.
pub const MAX_DRAWN_EDGES: usize = 10_000;

/// Most domain boxes the domain-level drawing holds; more are listed only.
const MAX_DRAWN_GROUPS: usize = 400;

/// Most pairs of domains the table of dependencies between them lists.
const MAX_LINK_ROWS: usize = 60;

const NODE_W: f64 = 224.0;
/// Between columns, room for the edges' curves.
const GAP_X: f64 = 84.0;
/// Between boxes of one column.
const GAP_Y: f64 = 12.0;
const MARGIN: f64 = 12.0;
/// Inside an outer (region) box, around its domain boxes.
const OUTER_PAD: f64 = 10.0;
/// Inside a domain box, around its entities.
const BAND_PAD: f64 = 12.0;
/// A box's title line.
const TITLE_H: f64 = 22.0;
/// Characters of an entity's label per line (12px, semibold).
const LABEL_CHARS: usize = 28;
/// Characters of the line under it per line (10.5px).
const SUB_CHARS: usize = 36;
/// Width of a domain-level tile.
const TILE_W: f64 = 250.0;
const TILE_GAP: f64 = 14.0;
const TILES_PER_ROW: usize = 4;

pub fn role_fill(role: Role) -> &'static str {
    match role {
        Role::Service => "#dbeafe",
        Role::Tool => "#fde68a",
        Role::Datastore => "#d1fae5",
        Role::Network => "#ede9fe",
        Role::Platform => "#e5e7eb",
    }
}

/// The whole section.
pub fn graph(h: &mut String, data: &Data) {
    h.push_str("<section id=\"graph\">\n<h2>Dependency graph</h2>\n");
    if data.entities.is_empty() {
        h.push_str("<p>No entities.</p>\n</section>\n");
        return;
    }
    let groups = Groups::of(data);
    h.push_str("<figure class=\"figure\">\n");
    if data.entities.len() <= WHOLE_GRAPH_LIMIT {
        legend(h, data, false);
        detailed(h, data, &groups);
    } else {
        legend(h, data, true);
        overview(h, data, &groups);
    }
    h.push_str("</figure>\n");
    if data.entities.len() > WHOLE_GRAPH_LIMIT {
        links(h, data, &groups);
        member_lists(h, data, &groups);
    }
    h.push_str("</section>\n");
}

fn legend(h: &mut String, data: &Data, overview: bool) {
    let level = super::groups::grouping_level(data).map_or("domain", |l| l.as_str());
    if overview {
        let _ = writeln!(
            h,
            "<p class=\"muted\">The estate has {}: too many to draw one by one, so each box is a {level} and counts the entities that run only there (boxes for those in several {level}s and in none follow), inside its region where known. A red outline marks a box holding single points of failure. The dependencies between them are counted below the drawing, and each box's entities are listed after it.</p>",
            plural(data.entities.len(), "entity", "entities")
        );
    } else {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Each grey box is a {level} and holds the entities that run only there, inside its region where known; dashed boxes hold the entities spread over several {level}s and those in none. A grey arrow points from an entity to what it depends on (dashed: a soft dependency), dependents on the left; an orange dotted arrow from a tool to what it manages. A red outline marks a single point of failure, with the domains that take it down.</p>"
        );
        if data.edges.iter().any(|e| e.recovery) {
            h.push_str("<p class=\"muted\">A purple dotted arrow points from an entity to what it needs to recover (to be restarted, rescheduled or redeployed) but not to keep serving: an image registry, a secret store.</p>\n");
        }
    }
    h.push_str("<figcaption class=\"legend\">");
    for (role, _) in data.roles() {
        let _ = write!(
            h,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            role_fill(role),
            role.as_str()
        );
    }
    h.push_str("<span><span class=\"swatch\" style=\"background:#fff;border:2px solid #c81e1e\"></span>single point of failure</span>");
    if !overview {
        h.push_str("<span><svg width=\"26\" height=\"10\" aria-hidden=\"true\"><path d=\"M1,5 H25\" stroke=\"#7b8794\" stroke-width=\"1.5\"/></svg> depends on</span><span><svg width=\"26\" height=\"10\" aria-hidden=\"true\"><path d=\"M1,5 H25\" stroke=\"#d97706\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/></svg> manages</span>");
    }
    h.push_str("</figcaption>\n");
}

/// How an edge of the drawing is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Hard,
    Soft,
    /// Needed to restart or redeploy, not to serve.
    Recovery,
    /// A tool to what it manages.
    Manages,
}

/// The edges among `members` (as their positions in it), each pair once,
/// whichever edge joins it first; then what tools manage, where no
/// dependency already joins the two. None past [`MAX_DRAWN_EDGES`]
/// dependencies.
fn drawn_edges(data: &Data, members: &[usize]) -> Option<Vec<(usize, usize, Line)>> {
    let local: HashMap<usize, usize> = members.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let mut joined: HashSet<(usize, usize)> = HashSet::new();
    let mut edges: Vec<(usize, usize, Line)> = Vec::new();
    for e in &data.edges {
        let Some(&a) = local.get(&e.from) else {
            continue;
        };
        let line = match (e.hard, e.recovery) {
            (true, _) => Line::Hard,
            (false, true) => Line::Recovery,
            (false, false) => Line::Soft,
        };
        for t in data.targets(&e.to) {
            if let Some(&b) = local.get(t)
                && joined.insert((a, b))
            {
                edges.push((a, b, line));
                if edges.len() > MAX_DRAWN_EDGES {
                    return None;
                }
            }
        }
    }
    for t in &data.tools {
        for &m in &t.manages {
            if let (Some(&a), Some(&b)) = (local.get(&t.entity), local.get(&m))
                && a != b
                && !joined.contains(&(b, a))
                && joined.insert((a, b))
            {
                edges.push((a, b, Line::Manages));
            }
        }
    }
    Some(edges)
}

/// `text` in lines of at most `max` characters, broken after a separator
/// (`/`, `-`, `.`, `:`, `,`, a space) where one is near the end of the
/// line, else anywhere: nothing is cut.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(4);
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > max {
        let cut = rest[..max]
            .iter()
            .rposition(|c| matches!(c, '/' | '-' | '.' | ':' | ',' | ' ' | '_'))
            .filter(|&p| p + 1 >= max / 2)
            .map_or(max, |p| p + 1);
        let line: String = rest.drain(..cut).collect();
        lines.push(line.trim_end().to_string());
    }
    let last: String = rest.into_iter().collect();
    if !last.is_empty() || lines.is_empty() {
        lines.push(last);
    }
    lines
}

/// What a box says: the label's lines and the lines under it.
struct Card {
    label: Vec<String>,
    sub: Vec<String>,
    spof: bool,
}

impl Card {
    fn of(data: &Data, e: usize) -> Option<Card> {
        let entity = data.entities.get(e)?;
        // An accepted single point is not outlined: the owners know of it.
        let spof = data.is_open_spof(entity);
        let mut sub = entity.role.as_str().to_string();
        if let Some(kind) = &entity.tool_kind {
            sub = format!("{sub} ({kind})");
        }
        if spof {
            // Innermost first: a zone says more than the region around it.
            let mut cuts: Vec<u32> = data.open_failures(entity).collect();
            cuts.sort_by_key(|&d| std::cmp::Reverse(data.levels.get(d as usize).copied()));
            let names: Vec<&str> = cuts.iter().map(|&d| data.domain_name(d)).collect();
            sub = format!("{sub} · SPOF: {}", names.join(", "));
        }
        Some(Card {
            label: wrap(&entity.label, LABEL_CHARS),
            sub: wrap(&sub, SUB_CHARS),
            spof,
        })
    }

    fn height(&self) -> f64 {
        12.0 + 15.0 * self.label.len() as f64 + 13.0 * self.sub.len() as f64
    }
}

/// One entity box at (x, y).
fn node(h: &mut String, data: &Data, e: usize, card: &Card, x: f64, y: f64) {
    let Some(entity) = data.entities.get(e) else {
        return;
    };
    let (stroke, width) = if card.spof {
        ("#c81e1e", 2.5)
    } else {
        ("#7b8794", 1.0)
    };
    let _ = write!(
        h,
        "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{NODE_W}\" height=\"{:.1}\" rx=\"6\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
        escape(&entity.id),
        card.height(),
        role_fill(entity.role),
    );
    let mut ty = y + 17.0;
    for line in &card.label {
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{ty:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"#1f2933\">{}</text>",
            x + 9.0,
            escape(line)
        );
        ty += 15.0;
    }
    ty += 1.0;
    for line in &card.sub {
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{ty:.1}\" font-size=\"10.5\" fill=\"{}\">{}</text>",
            x + 9.0,
            if card.spof { "#c81e1e" } else { "#52606d" },
            escape(line)
        );
        ty += 13.0;
    }
    h.push_str("</g>\n");
}

fn svg_open(h: &mut String, width: f64, height: f64, title: &str) {
    let _ = writeln!(
        h,
        "<div class=\"graph\"><svg width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{}\" font-family=\"system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif\">",
        escape(title)
    );
}

/// A domain box: its frame and title lines.
fn frame(h: &mut String, x: f64, y: f64, w: f64, ht: f64, title: &[String], class: &str) {
    let (fill, stroke, dash) = match class {
        "outer" => ("#eef2f7", "#52606d", ""),
        "loose" => ("#fbfcfd", "#9aa5b1", " stroke-dasharray=\"6 4\""),
        _ => ("#ffffff", "#7b8794", ""),
    };
    let _ = write!(
        h,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{ht:.1}\" rx=\"8\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.2\"{dash}/>"
    );
    let mut ty = y + 16.0;
    for line in title {
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{ty:.1}\" font-size=\"12\" font-weight=\"700\" fill=\"#1f2933\">{}</text>",
            x + 10.0,
            escape(line)
        );
        ty += 15.0;
    }
    h.push('\n');
}

/// Lines of a box title `w` wide.
fn title_lines(text: &str, w: f64) -> Vec<String> {
    wrap(text, ((w - 20.0) / 7.2).floor().max(8.0) as usize)
}

fn title_height(lines: &[String]) -> f64 {
    TITLE_H + 15.0 * lines.len().saturating_sub(1) as f64
}

fn group_title(data: &Data, groups: &Groups, g: usize) -> String {
    let n = groups.groups.get(g).map_or(0, |x| x.members.len());
    format!(
        "{} · {}",
        groups.title(data, g),
        plural(n, "entity", "entities")
    )
}

/// Every entity, each in its domain's box; columns from the layered
/// layout of the whole graph, so that an arrow always runs between
/// columns.
fn detailed(h: &mut String, data: &Data, groups: &Groups) {
    let n = data.entities.len();
    let members: Vec<usize> = (0..n).collect();
    let too_big = |h: &mut String, what: &str| {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Not drawn: {} with {what} is too big to draw legibly. <code>spof graph --focus ENTITY --depth N</code> draws the part around one entity.</p>",
            plural(n, "entity", "entities")
        );
    };
    let Some(edges) = drawn_edges(data, &members) else {
        return too_big(h, &format!("more than {MAX_DRAWN_EDGES} dependencies"));
    };
    let pairs: Vec<(usize, usize)> = edges.iter().map(|&(a, b, _)| (a, b)).collect();
    let Some(lay) = layout::layout(n, &pairs, &groups.of) else {
        return too_big(h, "dependencies spanning so many layers");
    };
    let cards: Vec<Option<Card>> = (0..n).map(|e| Card::of(data, e)).collect();
    let place = Placement::of(data, groups, &lay, &cards);
    svg_open(h, place.width, place.height, "dependency graph");
    h.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#52606d\"/></marker><marker id=\"manages\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d97706\"/></marker></defs>\n");
    h.push_str(&place.frames);
    // Edges under the boxes.
    for &(a, b, line) in &edges {
        edge(h, &place, &cards, a, b, line);
    }
    for (e, card) in cards.iter().enumerate() {
        if let (Some(card), Some(&(x, y))) = (card, place.at.get(e)) {
            node(h, data, e, card, x, y);
        }
    }
    h.push_str("</svg></div>\n");
}

/// Where each box goes.
struct Placement {
    /// Top left of each entity's box.
    at: Vec<(f64, f64)>,
    /// Column of each entity.
    col: Vec<usize>,
    /// The domain boxes, drawn.
    frames: String,
    width: f64,
    height: f64,
}

impl Placement {
    fn of(data: &Data, groups: &Groups, lay: &layout::Layout, cards: &[Option<Card>]) -> Placement {
        let n = cards.len();
        let mut col = vec![0usize; n];
        let mut rank = vec![0usize; n];
        for (c, column) in lay.rows.iter().enumerate() {
            for (k, it) in column.iter().enumerate() {
                if let Item::Node(v) = *it
                    && v < n
                {
                    col[v] = c;
                    rank[v] = k;
                }
            }
        }
        // Entities without a dependency fill the columns of their box in
        // turn, after the others.
        let isolated: HashSet<usize> = lay.isolated.iter().copied().collect();
        let most_isolated = groups
            .groups
            .iter()
            .map(|g| g.members.iter().filter(|&&m| isolated.contains(&m)).count())
            .max()
            .unwrap_or(0);
        let columns = lay.rows.len().max(most_isolated.min(4)).max(1);
        for g in &groups.groups {
            for (j, &m) in g
                .members
                .iter()
                .filter(|&&m| isolated.contains(&m))
                .enumerate()
            {
                col[m] = j % columns;
                rank[m] = usize::MAX / 2 + j;
            }
        }
        let inner_w = columns as f64 * (NODE_W + GAP_X) - GAP_X;
        let band_w = inner_w + 2.0 * BAND_PAD;
        let outer_w = band_w + 2.0 * OUTER_PAD;
        let width = outer_w + 2.0 * MARGIN;
        let col_x = |c: usize| MARGIN + OUTER_PAD + BAND_PAD + c as f64 * (NODE_W + GAP_X);
        let height_of = |e: usize| {
            cards
                .get(e)
                .and_then(Option::as_ref)
                .map_or(40.0, Card::height)
        };
        let mut at = vec![(0.0, 0.0); n];
        let mut frames = String::new();
        let mut y = MARGIN;
        for (outer, list) in groups.by_outer() {
            let outer_top = y;
            let outer_title = outer.map(|d| title_lines(data.domain_name(d), outer_w));
            if let Some(t) = &outer_title {
                y += title_height(t) + 4.0;
            }
            let mut bands = String::new();
            for g in list {
                let Some(group) = groups.groups.get(g) else {
                    continue;
                };
                let title = title_lines(&group_title(data, groups, g), band_w);
                let top = y;
                let first = top + title_height(&title) + 4.0;
                let mut members = group.members.clone();
                members.sort_by_key(|&m| (col[m], rank[m], m));
                let mut next = vec![first; columns];
                for m in members {
                    let c = col[m].min(columns - 1);
                    at[m] = (col_x(c), next[c]);
                    next[c] += height_of(m) + GAP_Y;
                }
                let bottom = next.iter().copied().fold(first, f64::max) - GAP_Y + BAND_PAD;
                let class = if matches!(group.kind, Kind::One(_)) {
                    "band"
                } else {
                    "loose"
                };
                frame(
                    &mut bands,
                    MARGIN + OUTER_PAD,
                    top,
                    band_w,
                    bottom - top,
                    &title,
                    class,
                );
                y = bottom + 10.0;
            }
            if let Some(t) = &outer_title {
                frame(
                    &mut frames,
                    MARGIN,
                    outer_top,
                    outer_w,
                    y - outer_top,
                    t,
                    "outer",
                );
            }
            frames.push_str(&bands);
            y += 10.0;
        }
        Placement {
            at,
            col,
            frames,
            width,
            height: y - 10.0 + MARGIN,
        }
    }
}

/// One edge from `a` to `b`: from the side of `a` facing `b`'s column.
fn edge(h: &mut String, place: &Placement, cards: &[Option<Card>], a: usize, b: usize, line: Line) {
    let (Some(&(ax, ay)), Some(&(bx, by))) = (place.at.get(a), place.at.get(b)) else {
        return;
    };
    let mid = |e: usize, y: f64| {
        y + cards
            .get(e)
            .and_then(Option::as_ref)
            .map_or(20.0, Card::height)
            / 2.0
    };
    let (ay, by) = (mid(a, ay), mid(b, by));
    let (ca, cb) = (place.col[a], place.col[b]);
    let d = if ca < cb {
        let (sx, tx) = (ax + NODE_W, bx);
        let mx = (sx + tx) / 2.0;
        format!("M{sx:.1},{ay:.1} C{mx:.1},{ay:.1} {mx:.1},{by:.1} {tx:.1},{by:.1}")
    } else if ca > cb {
        let (sx, tx) = (ax, bx + NODE_W);
        let mx = (sx + tx) / 2.0;
        format!("M{sx:.1},{ay:.1} C{mx:.1},{ay:.1} {mx:.1},{by:.1} {tx:.1},{by:.1}")
    } else {
        // Same column: out of the right side and back.
        let (sx, tx) = (ax + NODE_W, bx + NODE_W);
        let bend = sx + GAP_X * 0.6;
        format!("M{sx:.1},{ay:.1} C{bend:.1},{ay:.1} {bend:.1},{by:.1} {tx:.1},{by:.1}")
    };
    let (stroke, dash, marker) = match line {
        Line::Hard => ("#7b8794", "", "arrow"),
        Line::Soft => ("#7b8794", " stroke-dasharray=\"5 4\"", "arrow"),
        Line::Recovery => ("#7c3aed", " stroke-dasharray=\"1 3\"", "arrow"),
        Line::Manages => ("#d97706", " stroke-dasharray=\"2 3\"", "manages"),
    };
    let _ = writeln!(
        h,
        "<path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.3\"{dash} marker-end=\"url(#{marker})\"/>"
    );
}

/// One tile per domain box, in rows, inside its region's box.
fn overview(h: &mut String, data: &Data, groups: &Groups) {
    if groups.groups.len() > MAX_DRAWN_GROUPS {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Not drawn: {} domain boxes are too many to draw legibly; they are listed below.</p>",
            groups.groups.len()
        );
        return;
    }
    let outer_w = TILES_PER_ROW as f64 * (TILE_W + TILE_GAP) - TILE_GAP + 2.0 * OUTER_PAD;
    let width = outer_w + 2.0 * MARGIN;
    let mut body = String::new();
    let mut y = MARGIN;
    for (outer, list) in groups.by_outer() {
        let outer_top = y;
        let outer_title = outer.map(|d| title_lines(data.domain_name(d), outer_w));
        if let Some(t) = &outer_title {
            y += title_height(t) + 4.0;
        } else {
            y += OUTER_PAD;
        }
        let mut tiles = String::new();
        for row in list.chunks(TILES_PER_ROW) {
            let texts: Vec<Vec<(String, Ink)>> =
                row.iter().map(|&g| tile_text(data, groups, g)).collect();
            let tallest = texts.iter().map(Vec::len).max().unwrap_or(1);
            let tile_h = 12.0 + 15.0 * tallest as f64;
            for (k, (&g, lines)) in row.iter().zip(&texts).enumerate() {
                let x = MARGIN + OUTER_PAD + k as f64 * (TILE_W + TILE_GAP);
                tile(&mut tiles, groups, g, lines, x, y, tile_h);
            }
            y += tile_h + TILE_GAP;
        }
        y += OUTER_PAD - TILE_GAP + 4.0;
        if let Some(t) = &outer_title {
            frame(
                &mut body,
                MARGIN,
                outer_top,
                outer_w,
                y - outer_top,
                t,
                "outer",
            );
        }
        body.push_str(&tiles);
        y += 10.0;
    }
    svg_open(
        h,
        width,
        y - 10.0 + MARGIN,
        "dependency graph by failure domain",
    );
    h.push_str(&body);
    h.push_str("</svg></div>\n");
}

/// How a line of a tile is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ink {
    Title,
    Plain,
    Warning,
}

/// A tile's lines: title, count, roles, single points of failure.
fn tile_text(data: &Data, groups: &Groups, g: usize) -> Vec<(String, Ink)> {
    let mut lines: Vec<(String, Ink)> = title_lines(&groups.title(data, g), TILE_W)
        .into_iter()
        .map(|l| (l, Ink::Title))
        .collect();
    let n = groups.groups.get(g).map_or(0, |x| x.members.len());
    lines.push((plural(n, "entity", "entities"), Ink::Plain));
    let roles: Vec<String> = groups
        .roles(data, g)
        .iter()
        .map(|(r, n)| format!("{n} {}", r.as_str()))
        .collect();
    for l in wrap(&roles.join(", "), 34) {
        lines.push((l, Ink::Plain));
    }
    let spofs = groups.open_spofs(data, g);
    if spofs > 0 {
        lines.push((
            plural(spofs, "single point of failure", "single points of failure"),
            Ink::Warning,
        ));
    }
    lines
}

fn tile(
    h: &mut String,
    groups: &Groups,
    g: usize,
    lines: &[(String, Ink)],
    x: f64,
    y: f64,
    ht: f64,
) {
    let red = lines.iter().any(|l| l.1 == Ink::Warning);
    let loose = !matches!(groups.groups.get(g).map(|x| x.kind), Some(Kind::One(_)));
    let (stroke, width) = if red {
        ("#c81e1e", 2.5)
    } else {
        ("#7b8794", 1.2)
    };
    let dash = if loose {
        " stroke-dasharray=\"6 4\""
    } else {
        ""
    };
    let _ = write!(
        h,
        "<g><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{TILE_W}\" height=\"{ht:.1}\" rx=\"8\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>"
    );
    let mut ty = y + 18.0;
    for (text, ink) in lines {
        let style = match ink {
            Ink::Title => "font-size=\"12\" font-weight=\"700\" fill=\"#1f2933\"",
            Ink::Warning => "font-size=\"11\" font-weight=\"600\" fill=\"#c81e1e\"",
            Ink::Plain => "font-size=\"11\" fill=\"#52606d\"",
        };
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{ty:.1}\" {style}>{}</text>",
            x + 10.0,
            escape(text)
        );
        ty += 15.0;
    }
    h.push_str("</g>\n");
}

/// The dependencies between domain boxes, counted, most first.
fn links(h: &mut String, data: &Data, groups: &Groups) {
    let mut links = groups.links(data);
    if links.is_empty() {
        h.push_str("<p>No dependency crosses from one box to another.</p>\n");
        return;
    }
    links.sort_by_key(|&(a, b, n)| (std::cmp::Reverse(n), a, b));
    h.push_str("<h3>Dependencies between domains</h3>\n<table class=\"links\"><thead><tr><th>From entities</th><th>To entities</th><th>Dependencies</th></tr></thead><tbody>\n");
    for &(a, b, n) in links.iter().take(MAX_LINK_ROWS) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{n}</td></tr>",
            escape(&groups.title(data, a)),
            escape(&groups.title(data, b))
        );
    }
    h.push_str("</tbody></table>\n");
    if links.len() > MAX_LINK_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"muted\">And {} more pairs of domains.</p>",
            links.len() - MAX_LINK_ROWS
        );
    }
}

/// Each box's entities, in an expandable list.
fn member_lists(h: &mut String, data: &Data, groups: &Groups) {
    h.push_str("<h3>Entities by domain</h3>\n");
    for (g, group) in groups.groups.iter().enumerate() {
        let spofs = groups.open_spofs(data, g);
        let outer = group
            .outer
            .map(|d| format!(" (in <code>{}</code>)", escape(data.domain_name(d))))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<details class=\"members\"><summary><code>{}</code>{outer}: {}{}</summary><ul>",
            escape(&groups.title(data, g)),
            plural(group.members.len(), "entity", "entities"),
            if spofs > 0 {
                format!(
                    ", <span class=\"spof-mark\">{}</span>",
                    plural(spofs, "single point of failure", "single points of failure")
                )
            } else {
                String::new()
            }
        );
        // A large estate's lists hold an element or two per entity (the
        // link, the mark): what a browser builds is what it takes to open.
        let large = data.entities.len() > super::LARGE_ESTATE;
        for &m in &group.members {
            let Some(e) = data.entities.get(m) else {
                continue;
            };
            let open = data.is_open_spof(e);
            let _ = if large {
                write!(
                    h,
                    "<li><a href=\"#e{m}\">{}</a> {}{}</li>",
                    escape(&e.id),
                    e.role.as_str(),
                    if open { " <b>SPOF</b>" } else { "" }
                )
            } else {
                write!(
                    h,
                    "<li>{} {}{}</li>",
                    entity_ref(data, m),
                    role_badge(e.role),
                    if open {
                        " <span class=\"spof-mark\">SPOF</span>"
                    } else {
                        ""
                    }
                )
            };
        }
        h.push_str("</ul></details>\n");
    }
}
