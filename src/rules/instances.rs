//! One finding for the instances of one Terraform resource block that the
//! rules judge alike. `count = 8000` in one zone is one line to fix, the
//! `count` or the `availability_zone`, so it is one finding that names the
//! block and how many of its instances it covers, not 8,000 findings saying
//! the same thing.
//!
//! Findings are alike when they differ only by the address of the instance
//! they are about: same rule, place, label, help and related places, and
//! the same message once that address is taken out. Instances of a block
//! (`aws_instance.web[0]`, `module.db["eu"].aws_db_instance.this`) share
//! its address without keys. A finding about one instance alone is left as
//! it is.

use super::{Finding, Input, Related, Rule};
use crate::diagnostic::{Severity, Text};
use crate::source::Span;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Addresses named in a grouped finding's message; the others are counted.
const SHOWN: usize = 3;

/// A finding with the address of its instance taken out of its texts.
#[derive(PartialEq, Eq, Hash)]
struct Alike {
    rule: Rule,
    span: Span,
    label: Option<Text>,
    help: Option<Text>,
    cap: Option<Severity>,
    decided_at: Option<Span>,
    /// The root module and the block's address without keys.
    root: String,
    block: String,
    /// The message, split where it names the instance.
    message: Vec<String>,
    related: Vec<(Span, Vec<String>)>,
}

/// One instance a group of findings is about.
struct Member {
    id: String,
    address: String,
}

/// The entities that are instances of a counted Terraform block, by id:
/// those whose findings may be merged.
pub(super) fn keyed<'m>(input: &Input<'m>) -> HashMap<&'m str, usize> {
    input
        .model
        .entities
        .iter()
        .enumerate()
        // An address with a key: of a counted resource, or of a resource in
        // a counted module.
        .filter(|(_, e)| e.origin == crate::model::Origin::Terraform && e.name.contains('['))
        .map(|(i, e)| (e.id.as_str(), i))
        .collect()
}

/// Whether `finding` is about one of the `instances` ([`keyed`]) and names
/// it: whether [`collapse`] may merge it with others.
pub(super) fn may_collapse(
    input: &Input<'_>,
    instances: &HashMap<&str, usize>,
    finding: &Finding,
) -> bool {
    !instances.is_empty() && about_instance(input, instances, finding).is_some()
}

/// The instance `finding` is about, when it names it.
fn about_instance<'m>(
    input: &Input<'m>,
    instances: &HashMap<&str, usize>,
    finding: &Finding,
) -> Option<&'m crate::model::Entity> {
    finding
        .entity
        .as_deref()
        .and_then(|id| instances.get(id))
        .map(|&e| &input.model.entities[e])
        .filter(|e| finding.message.text().contains(&format!("`{}`", e.name)))
}

/// Merges the findings about instances of one resource block that differ
/// only by the instance. Findings keep their order, a group taking the place
/// of its first finding.
pub(super) fn collapse(
    input: &Input<'_>,
    instances: &HashMap<&str, usize>,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    if instances.is_empty() {
        return findings;
    }
    // Each output slot: a finding left as it is, or a group.
    let mut slots: Vec<Result<Finding, usize>> = Vec::new();
    let mut groups: Vec<(Alike, Vec<Member>)> = Vec::new();
    // Groups by the hash of their key.
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    for finding in findings {
        // A finding that does not name its instance could not say how many
        // it covers: it stays as it is.
        let Some(entity) = about_instance(input, instances, &finding) else {
            slots.push(Ok(finding));
            continue;
        };
        let (alike, member) = take_apart(finding, &entity.name, entity.namespace.as_deref());
        let mut hasher = DefaultHasher::new();
        alike.hash(&mut hasher);
        let candidates = index.entry(hasher.finish()).or_default();
        match candidates.iter().find(|&&g| groups[g].0 == alike) {
            Some(&g) => groups[g].1.push(member),
            None => {
                candidates.push(groups.len());
                slots.push(Err(groups.len()));
                groups.push((alike, vec![member]));
            }
        }
    }
    let mut groups: Vec<Option<(Alike, Vec<Member>)>> = groups.into_iter().map(Some).collect();
    slots
        .into_iter()
        .filter_map(|slot| match slot {
            Ok(finding) => Some(finding),
            Err(g) => groups[g]
                .take()
                .map(|(alike, members)| put_together(alike, members)),
        })
        .collect()
}

fn take_apart(finding: Finding, address: &str, root: Option<&str>) -> (Alike, Member) {
    let named = format!("`{address}`");
    let split = |text: &str| -> Vec<String> { text.split(&named).map(str::to_string).collect() };
    let alike = Alike {
        rule: finding.rule,
        span: finding.span,
        message: split(&finding.message.text()),
        related: finding
            .related
            .iter()
            .map(|r| (r.span, split(&r.message)))
            .collect(),
        label: finding.label,
        help: finding.help,
        cap: finding.cap,
        decided_at: finding.decided_at,
        root: root.unwrap_or_default().to_string(),
        block: crate::model::address::block_address(address),
    };
    let member = Member {
        id: finding.entity.unwrap_or_default(),
        address: address.to_string(),
    };
    (alike, member)
}

/// The finding of a group: about its one instance as it was, or about each
/// of its instances.
fn put_together(alike: Alike, mut members: Vec<Member>) -> Finding {
    members.sort_by(|a, b| natural(&a.address, &b.address));
    members.dedup_by(|a, b| a.id == b.id);
    let (first, all, each) = match members.as_slice() {
        [one] => {
            let named = format!("`{}`", one.address);
            (named.clone(), named.clone(), named)
        }
        _ => {
            let block = &alike.block;
            (
                format!(
                    "each of the {} instances of `{block}` ({})",
                    members.len(),
                    listed(block, &members)
                ),
                format!("each instance of `{block}`"),
                format!("every instance of `{block}`"),
            )
        }
    };
    let mut message = String::new();
    for (i, part) in alike.message.iter().enumerate() {
        match i {
            0 => {}
            1 => message.push_str(&first),
            _ => message.push_str(&all),
        }
        message.push_str(part);
    }
    let related = alike
        .related
        .into_iter()
        .map(|(span, parts)| Related {
            span,
            message: parts.join(&each).into(),
        })
        .collect();
    Finding {
        rule: alike.rule,
        message: message.into(),
        entity: members.into_iter().next().map(|m| m.id),
        span: alike.span,
        label: alike.label,
        related,
        help: alike.help,
        cap: alike.cap,
        decided_at: alike.decided_at,
        units: Vec::new(),
    }
}

/// The first addresses of a group, and how many more: only their keys when
/// the block's address is the rest (`[0]`, `["eu"]`).
fn listed(block: &str, members: &[Member]) -> String {
    let short = members
        .iter()
        .all(|m| crate::model::address::without_key(&m.address) == Some(block));
    let name = |m: &Member| {
        let shown = if short {
            &m.address[block.len()..]
        } else {
            &m.address
        };
        format!("`{shown}`")
    };
    let names: Vec<String> = members.iter().take(SHOWN + 1).map(name).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        _ if members.len() > SHOWN + 1 => format!(
            "{} and {} more",
            names[..SHOWN].join(", "),
            members.len() - SHOWN
        ),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Addresses in the order people count: `[2]` before `[10]`.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, ra) = digits(a);
                let (db, rb) = digits(b);
                let (ta, tb) = (trim_zeros(da), trim_zeros(db));
                let order = ta.len().cmp(&tb.len()).then(ta.cmp(tb)).then(da.cmp(db));
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (ra, rb);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_addresses_compare_as_numbers() {
        let mut v = vec!["x[10]", "x[2]", "x[1]", "x[02]", "m[1].x[0]", "m[0].x[10]"];
        v.sort_by(|a, b| natural(a, b));
        assert_eq!(
            v,
            ["m[0].x[10]", "m[1].x[0]", "x[1]", "x[02]", "x[2]", "x[10]"]
        );
    }

    fn member(address: &str) -> Member {
        Member {
            id: format!("tf:{address}"),
            address: address.to_string(),
        }
    }

    #[test]
    fn groups_name_their_first_instances_and_count_the_rest() {
        let few: Vec<Member> = ["x[0]", "x[1]", "x[2]"].map(member).into();
        assert_eq!(listed("x", &few), "`[0]`, `[1]` and `[2]`");
        let many: Vec<Member> = (0..8000).map(|i| member(&format!("x[{i}]"))).collect();
        assert_eq!(listed("x", &many), "`[0]`, `[1]`, `[2]` and 7997 more");
        let nested: Vec<Member> = ["module.m[0].x[0]", "module.m[1].x[0]"].map(member).into();
        assert_eq!(
            listed("module.m.x", &nested),
            "`module.m[0].x[0]` and `module.m[1].x[0]`"
        );
    }
}
