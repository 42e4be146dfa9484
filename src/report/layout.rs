//! A layered drawing of a directed graph (Sugiyama style), for the HTML
//! report's dependency graph: nodes that depend on others above what they
//! depend on.
//!
//! 1. Cycles are broken by reversing the back edges of a depth-first search
//!    (in index order, so the result is deterministic).
//! 2. Longest-path layering: a node with no dependencies is on the bottom
//!    row, any other one row above its highest dependency.
//! 3. An edge spanning several rows gets a dummy item on every row between,
//!    so it can be ordered and routed like a node.
//! 4. Barycenter sweeps, down then up, order each row by the mean position
//!    of its neighbours in the row before; the ordering with the fewest
//!    crossings wins.
//!
//! Nodes with no edge at all are left out of the rows: the caller lays them
//! out as a grid.

use std::collections::HashMap;

/// One position in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    Node(usize),
    /// A bend of edge number `.0`.
    Dummy(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Rows from the top; each in drawing order.
    pub rows: Vec<Vec<Item>>,
    /// Nodes with no edge, in index order.
    pub isolated: Vec<usize>,
    /// Per edge (same index as the input): `(row, column)` of every item it
    /// passes, from its source to its target.
    pub routes: Vec<Vec<(usize, usize)>>,
}

/// Sweeps of barycenter ordering (each one down and one up).
const SWEEPS: usize = 12;

/// Most bends a drawing may need: long edges over many rows would make a
/// layout quadratic in the graph's size.
pub const MAX_BENDS: usize = 50_000;

/// Lays out `n` nodes and `edges` (`from` above `to` where possible).
/// `key` orders each row before the sweeps (ties by index), so that nodes
/// with the same key start together. `None` when the drawing would need
/// more than [`MAX_BENDS`] bends.
pub fn layout(n: usize, edges: &[(usize, usize)], key: &[usize]) -> Option<Layout> {
    let mut connected = vec![false; n];
    for &(a, b) in edges {
        if a < n && b < n && a != b {
            connected[a] = true;
            connected[b] = true;
        }
    }
    let isolated: Vec<usize> = (0..n).filter(|&v| !connected[v]).collect();
    // Edges pointing down after breaking cycles: (upper, lower).
    let oriented = orient(n, edges);
    let level = levels(n, &oriented);
    let top = level
        .iter()
        .zip(&connected)
        .filter(|(_, c)| **c)
        .map(|(l, _)| *l)
        .max()
        .unwrap_or(0);
    let row_of = |v: usize| top - level[v];
    let mut rows: Vec<Vec<Item>> = vec![
        Vec::new();
        if connected.iter().any(|&c| c) {
            top + 1
        } else {
            0
        }
    ];
    let mut order: Vec<usize> = (0..n).filter(|&v| connected[v]).collect();
    order.sort_by_key(|&v| (key.get(v).copied().unwrap_or(usize::MAX), v));
    for v in order {
        rows[row_of(v)].push(Item::Node(v));
    }
    let bends: usize = oriented
        .iter()
        .flatten()
        .map(|&(upper, lower)| row_of(lower).saturating_sub(row_of(upper) + 1))
        .sum();
    if bends > MAX_BENDS {
        return None;
    }
    // Chains of items per edge, top to bottom.
    let mut chains: Vec<Vec<(usize, Item)>> = Vec::with_capacity(edges.len());
    for (i, o) in oriented.iter().enumerate() {
        let Some((upper, lower)) = *o else {
            chains.push(Vec::new());
            continue;
        };
        let (r0, r1) = (row_of(upper), row_of(lower));
        let mut chain = vec![(r0, Item::Node(upper))];
        for (r, row) in rows.iter_mut().enumerate().take(r1).skip(r0 + 1) {
            row.push(Item::Dummy(i));
            chain.push((r, Item::Dummy(i)));
        }
        chain.push((r1, Item::Node(lower)));
        chains.push(chain);
    }
    order_rows(&mut rows, &chains);
    let positions: Vec<HashMap<Item, usize>> = rows.iter().map(|r| positions(r)).collect();
    let column = |row: usize, item: Item| positions[row].get(&item).copied().unwrap_or(0);
    let routes = chains
        .iter()
        .enumerate()
        .map(|(i, chain)| {
            let mut route: Vec<(usize, usize)> =
                chain.iter().map(|&(r, it)| (r, column(r, it))).collect();
            // A reversed edge is drawn from its own source.
            if let Some(Some((upper, _))) = oriented.get(i)
                && edges.get(i).is_some_and(|&(a, _)| a != *upper)
            {
                route.reverse();
            }
            route
        })
        .collect();
    Some(Layout {
        rows,
        isolated,
        routes,
    })
}

/// Each edge as (upper, lower), reversing the back edges of a depth-first
/// search; `None` for self-loops and edges out of range.
fn orient(n: usize, edges: &[(usize, usize)]) -> Vec<Option<(usize, usize)>> {
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if a < n && b < n && a != b {
            out[a].push((b, i));
        }
    }
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&(w, i)) = out[v].get(*next) {
                *next += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[i] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    edges
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            (a < n && b < n && a != b).then(|| if back[i] { (b, a) } else { (a, b) })
        })
        .collect()
}

/// Longest path to a sink, over the oriented (acyclic) edges.
fn levels(n: usize, oriented: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for &(a, b) in oriented.iter().flatten() {
        out[b].push(a);
        indegree[a] += 1;
    }
    // Kahn's algorithm from the sinks up (edges reversed: b before a).
    let mut level = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &a in &out[v] {
            level[a] = level[a].max(level[v] + 1);
            indegree[a] -= 1;
            if indegree[a] == 0 {
                ready.push(a);
            }
        }
    }
    level
}

fn positions(row: &[Item]) -> HashMap<Item, usize> {
    row.iter().enumerate().map(|(i, &item)| (item, i)).collect()
}

/// Links between consecutive rows, by the upper row: (upper, lower).
type Links = Vec<Vec<(Item, Item)>>;

fn order_rows(rows: &mut [Vec<Item>], chains: &[Vec<(usize, Item)>]) {
    let mut links: Links = vec![Vec::new(); rows.len()];
    for chain in chains {
        for pair in chain.windows(2) {
            if let Some(row) = links.get_mut(pair[0].0) {
                row.push((pair[0].1, pair[1].1));
            }
        }
    }
    let mut best = rows.to_vec();
    let mut best_crossings = crossings(rows, &links);
    for _ in 0..SWEEPS {
        if best_crossings == 0 {
            break;
        }
        for r in 1..rows.len() {
            let (above, here) = rows.split_at_mut(r);
            reorder(&mut here[0], &above[r - 1], &links[r - 1], true);
        }
        for r in (0..rows.len().saturating_sub(1)).rev() {
            let (here, below) = rows.split_at_mut(r + 1);
            reorder(&mut here[r], &below[0], &links[r], false);
        }
        let c = crossings(rows, &links);
        if c < best_crossings {
            best_crossings = c;
            best = rows.to_vec();
        }
    }
    rows.clone_from_slice(&best);
}

/// Sorts `row` by the mean column of its neighbours in `other` (the row
/// above when `from_above`, else below); `links` join the upper of the two
/// rows to the lower.
fn reorder(row: &mut [Item], other: &[Item], links: &[(Item, Item)], from_above: bool) {
    let col = positions(other);
    let mut sums: HashMap<Item, (f64, f64)> = HashMap::new();
    for &(up, down) in links {
        let (mine, theirs) = if from_above { (down, up) } else { (up, down) };
        if let Some(&c) = col.get(&theirs) {
            let entry = sums.entry(mine).or_insert((0.0, 0.0));
            entry.0 += c as f64;
            entry.1 += 1.0;
        }
    }
    let mut keyed: Vec<(f64, usize, Item)> = row
        .iter()
        .enumerate()
        .map(|(i, &item)| {
            let bary = match sums.get(&item) {
                Some(&(sum, count)) => sum / count,
                // Keep its place, scaled to the other row's width.
                None => i as f64 * other.len().max(1) as f64 / row.len().max(1) as f64,
            };
            (bary, i, item)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (slot, (_, _, item)) in row.iter_mut().zip(keyed) {
        *slot = item;
    }
}

/// Edge crossings between consecutive rows.
fn crossings(rows: &[Vec<Item>], links: &Links) -> usize {
    let mut total = 0;
    for r in 0..rows.len().saturating_sub(1) {
        let (upper, lower) = (positions(&rows[r]), positions(&rows[r + 1]));
        let mut pairs: Vec<(usize, usize)> = links[r]
            .iter()
            .map(|(up, down)| {
                (
                    upper.get(up).copied().unwrap_or(0),
                    lower.get(down).copied().unwrap_or(0),
                )
            })
            .collect();
        pairs.sort_unstable();
        // Inversions of the lower columns, counted with a Fenwick tree.
        let width = rows[r + 1].len() + 1;
        let mut tree = vec![0usize; width + 1];
        for (seen, &(_, low)) in pairs.iter().enumerate() {
            let mut not_greater = 0;
            let mut i = low + 1;
            while i > 0 {
                not_greater += tree[i];
                i -= i & i.wrapping_neg();
            }
            total += seen - not_greater;
            let mut i = low + 1;
            while i <= width {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_of(l: &Layout, v: usize) -> usize {
        l.rows
            .iter()
            .position(|r| r.contains(&Item::Node(v)))
            .expect("placed")
    }

    #[test]
    fn dependents_sit_above_what_they_depend_on() {
        // 0 -> 1 -> 2, 0 -> 2, 3 alone.
        let l = layout(4, &[(0, 1), (1, 2), (0, 2)], &[0, 0, 0, 0]).expect("drawn");
        assert_eq!(l.isolated, [3]);
        assert_eq!((row_of(&l, 0), row_of(&l, 1), row_of(&l, 2)), (0, 1, 2));
        // The long edge bends once, in the middle row.
        assert_eq!(l.routes[2].len(), 3);
        assert_eq!(l.rows[1].len(), 2);
        assert_eq!(l.routes[2][0], (0, 0));
    }

    #[test]
    fn cycles_are_broken_and_every_edge_is_routed() {
        let l = layout(3, &[(0, 1), (1, 2), (2, 0), (1, 1)], &[0, 0, 0]).expect("drawn");
        assert!(l.isolated.is_empty());
        for (i, &(a, b)) in [(0, 1), (1, 2), (2, 0)].iter().enumerate() {
            let route = &l.routes[i];
            let first = route[0];
            let last = route[route.len() - 1];
            assert_eq!(l.rows[first.0][first.1], Item::Node(a));
            assert_eq!(l.rows[last.0][last.1], Item::Node(b));
        }
        assert!(l.routes[3].is_empty());
    }

    #[test]
    fn barycenter_ordering_removes_avoidable_crossings() {
        // Two parents, each with its own child, keyed so they start crossed.
        let l = layout(4, &[(0, 3), (1, 2)], &[0, 1, 0, 1]).expect("drawn");
        let links = vec![vec![
            (Item::Node(0), Item::Node(3)),
            (Item::Node(1), Item::Node(2)),
        ]];
        assert_eq!(crossings(&l.rows, &links), 0);
    }

    #[test]
    fn a_drawing_with_too_many_bends_is_refused() {
        // A chain of `n`, and its first node also depending on every other
        // one: about n²/2 bends.
        let chain = |n: usize| -> Vec<(usize, usize)> {
            (0..n - 1)
                .map(|i| (i, i + 1))
                .chain((2..n).map(|j| (0, j)))
                .collect()
        };
        let key = vec![0; 400];
        assert!(layout(300, &chain(300), &key).is_some());
        assert!(layout(400, &chain(400), &key).is_none());
    }

    #[test]
    fn layout_is_deterministic() {
        let edges: Vec<(usize, usize)> = (0..40).map(|i| (i, (i * 7 + 3) % 40)).collect();
        let key: Vec<usize> = (0..40).map(|i| i % 3).collect();
        assert_eq!(layout(40, &edges, &key), layout(40, &edges, &key));
    }
}
