//! Families of minimal cut sets, truncated at a size.

use std::collections::HashSet;

/// A set of at most three domain ids, sorted; unused slots are `u32::MAX`
/// (no domain has that id), so the size is where they start: 12 bytes,
/// and an entity of a large estate keeps some thirty-five groups. Ordered
/// by size, then ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Group {
    ids: [u32; 3],
}

impl Ord for Group {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.len(), &self.ids).cmp(&(other.len(), &other.ids))
    }
}

impl PartialOrd for Group {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Group {
    const EMPTY: u32 = u32::MAX;

    pub fn single(id: u32) -> Self {
        Self {
            ids: [id, Self::EMPTY, Self::EMPTY],
        }
    }

    /// The set of `ids` when it has at most three members.
    pub fn of(ids: &[u32]) -> Option<Self> {
        let mut sorted: Vec<u32> = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.is_empty() || sorted.len() > 3 {
            return None;
        }
        let mut out = [Self::EMPTY; 3];
        out[..sorted.len()].copy_from_slice(&sorted);
        Some(Self { ids: out })
    }

    pub fn ids(&self) -> &[u32] {
        &self.ids[..self.len()]
    }

    pub fn len(&self) -> usize {
        self.ids.iter().take_while(|&&id| id != Self::EMPTY).count()
    }

    pub fn is_empty(&self) -> bool {
        self.ids[0] == Self::EMPTY
    }

    /// The union, when it has at most `k` members.
    fn union(&self, other: &Self, k: usize) -> Option<Self> {
        let mut out = [Self::EMPTY; 3];
        let (a, b) = (self.ids(), other.ids());
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() || j < b.len() {
            let next = match (a.get(i), b.get(j)) {
                (Some(&x), Some(&y)) if x == y => {
                    i += 1;
                    j += 1;
                    x
                }
                (Some(&x), Some(&y)) if x < y => {
                    i += 1;
                    x
                }
                (Some(_), Some(&y)) => {
                    j += 1;
                    y
                }
                (Some(&x), None) => {
                    i += 1;
                    x
                }
                (None, Some(&y)) => {
                    j += 1;
                    y
                }
                (None, None) => break,
            };
            if n == k.min(3) {
                return None;
            }
            out[n] = next;
            n += 1;
        }
        Some(Self { ids: out })
    }

    /// Proper non-empty subsets.
    fn proper_subsets(&self) -> impl Iterator<Item = Group> + '_ {
        let n = self.len();
        let full = (1u8 << n) - 1;
        (1..full).map(move |mask| {
            let ids: Vec<u32> = (0..n)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| self.ids[b])
                .collect();
            Group::of(&ids).unwrap_or(*self)
        })
    }
}

impl std::ops::Deref for Group {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        self.ids()
    }
}

/// Minimal cut sets of a monotone function, up to a size: no member is a
/// superset of another. Sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Family(Vec<Group>);

impl Family {
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.0.iter()
    }

    pub fn into_groups(self) -> Vec<Group> {
        self.0
    }

    /// Frees the spare capacity left by growing it.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn from_groups(groups: Vec<Group>) -> Self {
        Self::minimal(groups)
    }

    /// Drops duplicates and supersets.
    fn minimal(mut groups: Vec<Group>) -> Self {
        groups.sort_unstable();
        groups.dedup();
        let Some(first) = groups.first() else {
            return Self(groups);
        };
        if groups.last().is_none_or(|last| last.len() == first.len()) {
            return Self(groups);
        }
        // Sorted by size first: singles, then pairs, then triples.
        let singles_end = groups.partition_point(|g| g.len() == 1);
        let singles: Vec<u32> = groups[..singles_end].iter().map(|g| g.ids[0]).collect();
        let has_triples = groups.last().is_some_and(|g| g.len() == 3);
        if !has_triples {
            // Pairs only beyond the singles.
            groups.retain(|g| {
                g.len() == 1 || !g.ids().iter().any(|d| singles.binary_search(d).is_ok())
            });
            return Self(groups);
        }
        let mut pairs: HashSet<Group> = HashSet::new();
        let mut out = Vec::with_capacity(groups.len());
        for g in groups {
            if g.len() > 1 && g.ids().iter().any(|d| singles.binary_search(d).is_ok()) {
                continue;
            }
            match g.len() {
                2 => {
                    pairs.insert(g);
                }
                3 if g.proper_subsets().any(|s| pairs.contains(&s)) => continue,
                _ => {}
            }
            out.push(g);
        }
        Self(out)
    }

    /// Cuts of a conjunction: a cut of any operand.
    pub fn all<'a>(parts: impl IntoIterator<Item = &'a Family>, _k: usize) -> Self {
        let mut iter = parts.into_iter().filter(|p| !p.is_empty());
        let Some(first) = iter.next() else {
            return Self::default();
        };
        let mut groups = first.0.clone();
        let mut more = false;
        for part in iter {
            groups.extend_from_slice(&part.0);
            more = true;
        }
        if more {
            Self::minimal(groups)
        } else {
            Self(groups)
        }
    }

    /// Cuts of a disjunction: a union of one cut of each operand.
    #[must_use]
    pub fn either(&self, other: &Family, k: usize) -> Self {
        if self.is_empty() || other.is_empty() {
            return Self::default();
        }
        let mut groups = Vec::new();
        for a in &self.0 {
            for b in &other.0 {
                if let Some(u) = a.union(b, k) {
                    groups.push(u);
                }
            }
        }
        Self::minimal(groups)
    }

    /// Minimal sets of items whose weights add up to at least `threshold`,
    /// of at most `k` items.
    pub fn threshold(items: &[(u32, u32)], threshold: u32, k: usize) -> Self {
        let threshold = threshold.max(1);
        let n = items.len();
        let mut heaviest: Vec<u32> = items.iter().map(|i| i.1).collect();
        heaviest.sort_unstable_by(|a, b| b.cmp(a));
        if heaviest.iter().take(k).sum::<u32>() < threshold {
            return Self::default();
        }
        let mut groups: Vec<Group> = Vec::new();
        let weight = |idx: &[usize]| idx.iter().map(|&i| items[i].1).sum::<u32>();
        let group = |idx: &[usize]| {
            let ids: Vec<u32> = idx.iter().map(|&i| items[i].0).collect();
            Group::of(&ids)
        };
        for a in 0..n {
            if weight(&[a]) >= threshold {
                groups.extend(group(&[a]));
            }
        }
        if k >= 2 {
            for a in 0..n {
                for b in a + 1..n {
                    if weight(&[a, b]) >= threshold {
                        groups.extend(group(&[a, b]));
                    }
                }
            }
        }
        if k >= 3 {
            for a in 0..n {
                for b in a + 1..n {
                    for c in b + 1..n {
                        if weight(&[a, b, c]) >= threshold {
                            groups.extend(group(&[a, b, c]));
                        }
                    }
                }
            }
        }
        Self::minimal(groups)
    }
}
