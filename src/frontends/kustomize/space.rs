//! Where a built object's values were written.
//!
//! An object a kustomization builds is put together from several files: the
//! base's resource, the overlay's patch, the kustomization's `replicas:`
//! entry. Its tree is an ordinary [`Node`] tree whose byte ranges lie in one
//! address space for the whole build, where every file read has a range of
//! its own ([`Space`]); the Kubernetes extraction reads such a tree as if it
//! were one file ([`VIRTUAL`]), and every span of what it extracted is then
//! mapped back to the file and byte range it stands for ([`Space::map`]).

use crate::diagnostic::Diagnostic;
use crate::model::{Dependency, Detail, Entity, Instance, Model, Placement, Spreading};
use crate::parse::Node;
use crate::parse::tree::Value;
use crate::source::{FileId, Span, TextRange};
use std::collections::HashMap;

/// The file id built objects are extracted under, before their spans are
/// mapped back: no file of a run has it.
pub const VIRTUAL: FileId = FileId(u32::MAX);

/// The files of one build, each at an offset of one address space.
#[derive(Debug, Default)]
pub struct Space {
    /// Offset and file, by offset.
    segments: Vec<(u32, FileId)>,
    offsets: HashMap<FileId, u32>,
    next: u64,
}

impl Space {
    /// The offset of `file`, of `len` bytes, in the space; `None` when the
    /// space is full (four gigabytes of files in one build).
    pub fn offset(&mut self, file: FileId, len: usize) -> Option<u32> {
        if let Some(&at) = self.offsets.get(&file) {
            return Some(at);
        }
        let at = u32::try_from(self.next).ok()?;
        let end = self.next + len as u64 + 1;
        if end > u64::from(u32::MAX) {
            return None;
        }
        self.next = end;
        self.segments.push((at, file));
        self.offsets.insert(file, at);
        Some(at)
    }

    /// The range `range` of `file` in the space (`file` already placed);
    /// `None` when it is not.
    pub fn range(&self, file: FileId, range: TextRange) -> Option<TextRange> {
        let at = *self.offsets.get(&file)?;
        Some(TextRange {
            start: range.start.saturating_add(at),
            end: range.end.saturating_add(at),
        })
    }

    /// The file and range a span of the space stands for; a span of another
    /// file is itself.
    pub fn resolve(&self, span: Span) -> Span {
        if span.file != VIRTUAL {
            return span;
        }
        let i = self
            .segments
            .partition_point(|(at, _)| *at <= span.range.start);
        let Some(&(at, file)) = i.checked_sub(1).and_then(|i| self.segments.get(i)) else {
            return span;
        };
        Span::new(
            file,
            TextRange {
                start: span.range.start - at,
                end: span.range.end.saturating_sub(at).max(span.range.start - at),
            },
        )
    }

    /// Maps every span of `model` and `diagnostics` back to its file.
    pub fn map(&self, model: &mut Model, diagnostics: &mut [Diagnostic]) {
        let f = |s: &mut Span| *s = self.resolve(*s);
        for entity in &mut model.entities {
            entity_spans(entity, &f);
        }
        for s in &mut model.suppressions {
            f(&mut s.span);
        }
        for w in &mut model.admission_webhooks {
            f(&mut w.span);
        }
        for b in &mut model.backup_regions {
            f(&mut b.span);
        }
        for n in &mut model.nodes {
            if let Some((_, s)) = &mut n.zone {
                f(s);
            }
            if let Some((_, s)) = &mut n.region {
                f(s);
            }
        }
        for d in diagnostics {
            f(&mut d.span);
            d.related.iter_mut().for_each(|r| f(&mut r.span));
            if let Some(s) = &mut d.decided_at {
                f(s);
            }
        }
    }
}

/// A copy of `node` (of `file`) with its ranges moved by `offset`.
pub fn shifted(node: &Node, offset: u32) -> Node {
    let range = TextRange {
        start: node.range.start.saturating_add(offset),
        end: node.range.end.saturating_add(offset),
    };
    let value = match &node.value {
        Value::Scalar { text, plain } => Value::Scalar {
            text: text.clone(),
            plain: *plain,
        },
        Value::Seq(items) => Value::Seq(items.iter().map(|n| shifted(n, offset)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (shifted(k, offset), shifted(v, offset)))
                .collect(),
        ),
    };
    Node { range, value }
}

fn entity_spans(entity: &mut Entity, f: &impl Fn(&mut Span)) {
    for instance in &mut entity.instances {
        instance_spans(instance, f);
    }
}

/// Every span of an instance. The fields are named one by one, so that a
/// new span-holding field does not go unmapped unseen.
fn instance_spans(instance: &mut Instance, f: &impl Fn(&mut Span)) {
    let Instance {
        cluster: _,
        span,
        workload: _,
        placement,
        dependencies,
        combine: _,
        detail,
        region,
        transparent: _,
        copy: _,
        manages,
        place: _,
    } = instance;
    f(span);
    placement_spans(placement, f);
    for d in dependencies.iter_mut().chain(manages.iter_mut()) {
        dependency_spans(d, f);
    }
    if let Some(detail) = detail {
        detail_spans(detail, f);
    }
    if let Some((_, s)) = region {
        f(s);
    }
}

fn detail_spans(detail: &mut Detail, f: &impl Fn(&mut Span)) {
    let Detail {
        budgets,
        pod_labels: _,
        selector,
        unmodelled_pods,
        cloud,
        release: _,
        backups,
    } = detail;
    for b in budgets {
        f(&mut b.span);
        if let Some((_, s)) = &mut b.min_available {
            f(s);
        }
        if let Some((_, s)) = &mut b.max_unavailable {
            f(s);
        }
    }
    selector
        .iter_mut()
        .chain(unmodelled_pods.iter_mut())
        .for_each(f);
    for c in cloud {
        f(&mut c.span);
        c.related.iter_mut().for_each(|(s, _)| f(s));
        c.origin.iter_mut().for_each(f);
    }
    for b in backups {
        f(&mut b.span);
        b.related.iter_mut().for_each(|(s, _)| f(s));
    }
}

fn dependency_spans(d: &mut Dependency, f: &impl Fn(&mut Span)) {
    f(&mut d.span);
    d.origin.iter_mut().for_each(f);
}

fn placement_spans(p: &mut Placement, f: &impl Fn(&mut Span)) {
    let Placement { replicas, pins, .. } = p;
    if let Some(r) = replicas {
        f(&mut r.span);
    }
    for pin in pins {
        f(&mut pin.span);
        if let Some(origin) = &mut pin.origin {
            f(&mut origin.0);
        }
    }
    let Some(Spreading {
        spreads,
        volume,
        quorum,
        missed_spread,
        spread_hint,
    }) = p.spreading_mut()
    else {
        return;
    };
    for s in spreads.iter_mut() {
        f(&mut s.span);
    }
    if let Some(v) = volume {
        f(&mut v.span);
        f(&mut v.access_span);
        if let Some((_, s)) = &mut v.zone {
            f(s);
        }
    }
    if let Some(q) = quorum {
        f(&mut q.span);
    }
    if let Some(m) = missed_spread {
        f(&mut m.span);
    }
    if let Some(h) = spread_hint {
        f(&mut h.span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_map_back_to_their_files() {
        let mut space = Space::default();
        let a = space.offset(FileId(3), 10).unwrap();
        let b = space.offset(FileId(1), 5).unwrap();
        assert_eq!(space.offset(FileId(3), 10), Some(a));
        let r = space.range(FileId(1), TextRange::new(2, 4)).unwrap();
        assert_eq!(
            space.resolve(Span::new(VIRTUAL, r)),
            Span::new(FileId(1), TextRange::new(2, 4))
        );
        let r = space.range(FileId(3), TextRange::new(0, 10)).unwrap();
        assert_eq!(
            space.resolve(Span::new(VIRTUAL, r)),
            Span::new(FileId(3), TextRange::new(0, 10))
        );
        assert!(b > a);
        // A span of a real file is left alone.
        let real = Span::new(FileId(2), TextRange::new(7, 9));
        assert_eq!(space.resolve(real), real);
    }
}
