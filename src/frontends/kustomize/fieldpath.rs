//! Field paths, as kustomize writes them: a replacement's
//! `spec.template.spec.containers.[name=web].image` (`.`-separated, list
//! items by index, by `[field=value]` or all of them with `*`), a var's
//! `spec.template.spec.containers[0].ports[1].containerPort`, and the
//! `/`-separated field specifications of `configurations`, which pass
//! through lists on their own (`spec/template/spec/containers/args`).

use super::merge::{key, map, set, string};
use crate::parse::Node;
use crate::parse::tree::Value;
use crate::source::TextRange;

/// How deep a path may go.
const MAX_SEGMENTS: usize = 64;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping's field (or, on a list, an index written as a number).
    Field(String),
    /// A list's item by position.
    Index(usize),
    /// The items of a list whose `field` is `value` (`[=value]`: whose
    /// scalar is `value`).
    Match(String, String),
    /// Every item of a list (`*`).
    All,
}

/// Parses a `.`-separated path: brackets hold their dots (`[a.b=c]`,
/// `[app.kubernetes.io/name]`); `name[0]` is a field then an index.
/// `None` when the path is empty, too long or its brackets do not close.
pub fn parse(path: &str) -> Option<Vec<Seg>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth = depth.checked_sub(1)?;
                current.push(c);
            }
            '.' if depth == 0 => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if depth != 0 {
        return None;
    }
    parts.push(current);
    let mut out = Vec::new();
    for part in parts {
        segments(&part, &mut out)?;
    }
    (!out.is_empty() && out.len() <= MAX_SEGMENTS).then_some(out)
}

fn segments(part: &str, out: &mut Vec<Seg>) -> Option<()> {
    if part.is_empty() {
        return None;
    }
    let (field, mut rest) = match part.find('[') {
        Some(i) => (&part[..i], &part[i..]),
        None => (part, ""),
    };
    if !field.is_empty() {
        out.push(match field {
            "*" => Seg::All,
            f if f.bytes().all(|b| b.is_ascii_digit()) => Seg::Index(f.parse().ok()?),
            f => Seg::Field(f.to_string()),
        });
    }
    while let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        let body = &inner[..end];
        rest = &inner[end + 1..];
        out.push(match body.split_once('=') {
            Some((k, v)) => Seg::Match(k.to_string(), v.to_string()),
            None if body == "*" => Seg::All,
            None if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) => {
                Seg::Index(body.parse().ok()?)
            }
            None => Seg::Field(body.to_string()),
        });
    }
    rest.is_empty().then_some(())
}

/// Whether a list item is the one `[field=value]` names.
fn item_matches(item: &Node, field: &str, value: &str) -> bool {
    if field.is_empty() {
        item.as_str() == Some(value)
    } else {
        item.get(field).and_then(Node::as_str) == Some(value)
    }
}

/// The nodes at `path` of `node`.
pub fn get<'n>(node: &'n Node, path: &[Seg]) -> Vec<&'n Node> {
    let Some((first, rest)) = path.split_first() else {
        return vec![node];
    };
    let next: Vec<&Node> = match (first, &node.value) {
        (Seg::Field(f), Value::Map(_)) => node.get(f).into_iter().collect(),
        (Seg::Field(f), Value::Seq(items)) => f
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .into_iter()
            .collect(),
        (Seg::Index(i), Value::Seq(items)) => items.get(*i).into_iter().collect(),
        (Seg::Index(i), Value::Map(_)) => node.get(&i.to_string()).into_iter().collect(),
        (Seg::Match(k, v), Value::Seq(items)) => {
            items.iter().filter(|n| item_matches(n, k, v)).collect()
        }
        (Seg::All, Value::Seq(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    next.into_iter().flat_map(|n| get(n, rest)).collect()
}

/// Calls `f` on every node at `path` of `node`; when `create`, the fields
/// and `[field=value]` items on the way are made where missing (at `at`),
/// the last one as an empty string. The number of nodes `f` was called on.
pub fn visit(
    node: &mut Node,
    path: &[Seg],
    create: bool,
    at: TextRange,
    f: &mut dyn FnMut(&mut Node),
) -> usize {
    let Some((first, rest)) = path.split_first() else {
        f(node);
        return 1;
    };
    // What a missing step is made as: a list before a list step.
    let fresh = || match rest.first() {
        None => string(at, ""),
        Some(Seg::Match(..) | Seg::Index(_) | Seg::All) => Node {
            range: at,
            value: Value::Seq(Box::default()),
        },
        Some(Seg::Field(_)) => map(at, Vec::new()),
    };
    match (first, &mut node.value) {
        (Seg::Field(field), Value::Map(_)) => {
            if node
                .get(field)
                .is_none_or(|n| n.is_null() && !rest.is_empty())
            {
                if !create {
                    return 0;
                }
                set(node, key(at, field), fresh());
            }
            let n = match super::merge::get_mut(node, field) {
                Some(next) => visit(next, rest, create, at, f),
                None => 0,
            };
            // The field's key is where its new value was written: a finding
            // on the field points there, in one file.
            if rest.is_empty()
                && let Value::Map(entries) = &mut node.value
                && let Some((k, v)) = entries
                    .iter_mut()
                    .rev()
                    .find(|(k, _)| k.as_str() == Some(field))
            {
                k.range = v.range;
            }
            n
        }
        (Seg::Index(i), Value::Seq(items)) => items
            .get_mut(*i)
            .map_or(0, |n| visit(n, rest, create, at, f)),
        (Seg::Field(field), Value::Seq(items)) => match field.parse::<usize>() {
            Ok(i) => items
                .get_mut(i)
                .map_or(0, |n| visit(n, rest, create, at, f)),
            Err(_) => 0,
        },
        (Seg::All, Value::Seq(items)) => items
            .iter_mut()
            .map(|n| visit(n, rest, create, at, f))
            .sum(),
        (Seg::Match(k, v), Value::Seq(items)) => {
            let found: usize = items
                .iter_mut()
                .filter(|n| item_matches(n, k, v))
                .map(|n| visit(n, rest, create, at, f))
                .sum();
            if found > 0 || !create || k.is_empty() {
                return found;
            }
            let mut list = std::mem::take(items).into_vec();
            let mut item = map(at, vec![(key(at, k), string(at, v))]);
            let n = visit(&mut item, rest, create, at, f);
            list.push(item);
            *items = list.into_boxed_slice();
            n
        }
        _ => 0,
    }
}

/// Calls `f` on every scalar at a `/`-separated field specification
/// (`spec/template/spec/containers/env/value`) of `node`: lists on the way
/// are passed through, a list or mapping at the end gives its scalars.
pub fn each_spec_scalar(node: &mut Node, path: &[&str], f: &mut dyn FnMut(&mut Node)) {
    each_spec_scalar_at(node, path, f, 0);
}

fn each_spec_scalar_at(node: &mut Node, path: &[&str], f: &mut dyn FnMut(&mut Node), depth: usize) {
    if depth > MAX_SEGMENTS {
        return;
    }
    match (&mut node.value, path.split_first()) {
        (Value::Seq(items), _) => items
            .iter_mut()
            .for_each(|n| each_spec_scalar_at(n, path, f, depth + 1)),
        (Value::Map(_), Some((first, rest))) => {
            if let Some(next) = super::merge::get_mut(node, first) {
                each_spec_scalar_at(next, rest, f, depth + 1);
            }
        }
        (Value::Map(entries), None) => entries
            .iter_mut()
            .for_each(|(_, v)| each_spec_scalar_at(v, &[], f, depth + 1)),
        (Value::Scalar { .. }, None) => f(node),
        (Value::Scalar { .. }, Some(_)) => {}
    }
}

/// Whether a field specification (`path`, with `kind`, `group` and
/// `version` when it names them) is about objects like `node`.
pub fn spec_applies(spec: &Node, node: &Node) -> bool {
    let field = |n: &Node, k: &str| n.get(k).and_then(Node::as_text).map(str::to_string);
    let api = field(node, "apiVersion").unwrap_or_default();
    let (group, version) = api.rsplit_once('/').unwrap_or(("", &api));
    field(spec, "kind").is_none_or(|k| Some(k) == field(node, "kind"))
        && field(spec, "group").is_none_or(|g| g == group)
        && field(spec, "version").is_none_or(|v| v == version)
}

/// Calls `f` on every node at a `/`-separated field specification of
/// `node`, lists on the way passed through; with `create`, missing
/// mappings on the way and at the end are made (at `at`).
pub fn each_spec_node(
    node: &mut Node,
    path: &[&str],
    create: bool,
    at: TextRange,
    f: &mut dyn FnMut(&mut Node),
) {
    each_spec_node_at(node, path, create, at, f, 0);
}

fn each_spec_node_at(
    node: &mut Node,
    path: &[&str],
    create: bool,
    at: TextRange,
    f: &mut dyn FnMut(&mut Node),
    depth: usize,
) {
    if depth > MAX_SEGMENTS {
        return;
    }
    match (&mut node.value, path.split_first()) {
        (_, None) => f(node),
        (Value::Seq(items), Some(_)) => items
            .iter_mut()
            .for_each(|n| each_spec_node_at(n, path, create, at, f, depth + 1)),
        (Value::Map(_), Some((first, rest))) => {
            if create && node.get(first).is_none_or(Node::is_null) {
                set(node, key(at, first), map(at, Vec::new()));
            }
            if let Some(next) = super::merge::get_mut(node, first) {
                each_spec_node_at(next, rest, create, at, f, depth + 1);
            }
        }
        (Value::Scalar { .. }, Some(_)) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_as_kustomize_writes_them() {
        let f = |s: &str| Seg::Field(s.to_string());
        assert_eq!(
            parse("spec.containers.[name=web].image"),
            Some(vec![
                f("spec"),
                f("containers"),
                Seg::Match("name".into(), "web".into()),
                f("image")
            ])
        );
        assert_eq!(
            parse("spec.containers[0].ports[1].containerPort"),
            Some(vec![
                f("spec"),
                f("containers"),
                Seg::Index(0),
                f("ports"),
                Seg::Index(1),
                f("containerPort")
            ])
        );
        assert_eq!(
            parse("metadata.annotations.[app.kubernetes.io/name]"),
            Some(vec![
                f("metadata"),
                f("annotations"),
                f("app.kubernetes.io/name")
            ])
        );
        assert_eq!(parse("a.*.b"), Some(vec![f("a"), Seg::All, f("b")]));
        assert_eq!(parse("a.[b=c"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("a..b"), None);
    }
}
