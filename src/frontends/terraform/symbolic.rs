//! Symbolic zones: distinct zones whose names are not known.
//!
//! `data.aws_availability_zones.x.names` is computed by the provider, so its
//! names are not known; but what it is, is: the zones of the provider's
//! region, each once. The evaluator gives such a list a symbolic value (a
//! *family*), and each element taken out of it (`names[0]`, `slice(names,
//! 0, 3)`, `element(names, count.index)`) a symbolic zone: two zones of one
//! family are one zone when their positions are equal and two zones when
//! they differ, which is all the rules need to know. Zones of different
//! families, or a symbolic zone and a written name, may be the same zone or
//! not: that stays unknown.
//!
//! Like other values the evaluator cannot know, both travel as sentinel
//! strings (they begin with `"\u{0}"`), so that every function and operator
//! that does not know them treats them as unknown.
//!
//! A function that looks inside a zone's name (`regexall("^[a-z]{2}-",
//! az)`, which the VPC module uses to tell a zone name from a zone id) is
//! evaluated with each of a set of real names of the family's kind in
//! place of the zones ([`representatives`]): a result that is the same for
//! all of them is the result; parts that differ are unknown.

use hcl::Value;

/// What a zone family's names look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZoneKind {
    /// AWS availability zone names (`eu-west-1a`), listed sorted by name.
    AwsName,
    /// AWS availability zone ids (`euw1-az1`), listed in the order of the
    /// names.
    AwsId,
    /// Google Cloud zone names (`us-central1-a`), listed sorted.
    Google,
}

/// The data sources whose attribute is a list of distinct zones: type,
/// attribute, kind.
const ZONE_LISTS: &[(&str, &str, ZoneKind)] = &[
    ("aws_availability_zones", "names", ZoneKind::AwsName),
    ("aws_availability_zones", "zone_ids", ZoneKind::AwsId),
    ("google_compute_zones", "names", ZoneKind::Google),
];

/// The fewest zones such a list holds: every AWS and Google Cloud region
/// has two zones or more, so `element(names, i)` is zone `i` for `i` below
/// this whatever the region.
const MIN_ZONES: usize = 2;

impl ZoneKind {
    fn tag(self) -> char {
        match self {
            ZoneKind::AwsName => 'n',
            ZoneKind::AwsId => 'i',
            ZoneKind::Google => 'g',
        }
    }

    fn from_tag(c: &str) -> Option<Self> {
        match c {
            "n" => Some(ZoneKind::AwsName),
            "i" => Some(ZoneKind::AwsId),
            "g" => Some(ZoneKind::Google),
            _ => None,
        }
    }

    /// Whether the provider lists the zones sorted by their text (the AWS
    /// provider sorts by zone name, the Google provider sorts names): then
    /// sorting them, or making a set of them, keeps their order.
    fn sorted(self) -> bool {
        matches!(self, ZoneKind::AwsName | ZoneKind::Google)
    }
}

/// Real names of each kind, of regions of different shapes (Local Zones,
/// GovCloud and China included), that a function inspecting a zone's name
/// is evaluated with.
pub(crate) fn representatives(kind: ZoneKind) -> &'static [&'static str] {
    match kind {
        ZoneKind::AwsName => &[
            "us-east-1a",
            "eu-west-1b",
            "ap-northeast-2c",
            "us-gov-west-1a",
            "cn-north-1b",
            "us-west-2-lax-1a",
            "il-central-1c",
            "ca-west-1a",
        ],
        ZoneKind::AwsId => &[
            "use1-az1",
            "euw1-az2",
            "apne2-az3",
            "usgw1-az1",
            "cnn1-az2",
            "usw2-lax1-az1",
            "ilc1-az3",
            "caw1-az1",
        ],
        ZoneKind::Google => &[
            "us-central1-a",
            "europe-west1-b",
            "asia-northeast3-c",
            "me-central2-a",
            "us-east4-c",
            "australia-southeast1-b",
            "southamerica-east1-c",
            "africa-south1-a",
        ],
    }
}

/// One symbolic zone: the `index`-th zone of `family`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Zone<'a> {
    pub kind: ZoneKind,
    /// What the list is, as written: `data.aws_availability_zones.x.names`.
    pub family: &'a str,
    pub index: usize,
}

/// The sentinel of a whole list of zones.
pub(crate) fn list_sentinel(kind: ZoneKind, family: &str) -> String {
    format!("\u{0}zones\u{1}{}\u{1}{family}\u{0}", kind.tag())
}

/// The sentinel of one zone. The index is written with a fixed width, so
/// that zones of one family sort in their order.
pub(crate) fn zone_sentinel(kind: ZoneKind, family: &str, index: usize) -> String {
    format!(
        "\u{0}zone\u{1}{}\u{1}{family}\u{1}{index:06}\u{0}",
        kind.tag()
    )
}

/// A whole list of zones: its kind and family.
pub(crate) fn parse_list(s: &str) -> Option<(ZoneKind, &str)> {
    let inner = s.strip_prefix("\u{0}zones\u{1}")?.strip_suffix('\u{0}')?;
    let (tag, family) = inner.split_once('\u{1}')?;
    if family.contains(['\u{0}', '\u{1}']) {
        return None;
    }
    Some((ZoneKind::from_tag(tag)?, family))
}

/// One zone.
pub(crate) fn parse_zone(s: &str) -> Option<Zone<'_>> {
    let inner = s.strip_prefix("\u{0}zone\u{1}")?.strip_suffix('\u{0}')?;
    let (tag, rest) = inner.split_once('\u{1}')?;
    let (family, index) = rest.rsplit_once('\u{1}')?;
    if family.contains(['\u{0}', '\u{1}']) {
        return None;
    }
    Some(Zone {
        kind: ZoneKind::from_tag(tag)?,
        family,
        index: index.parse().ok()?,
    })
}

/// Whether `s` is the sentinel of a zone or of a list of zones.
pub(crate) fn is_symbolic(s: &str) -> bool {
    parse_zone(s).is_some() || parse_list(s).is_some()
}

/// How a symbolic zone is shown: `data.aws_availability_zones.x.names[0]`.
pub(crate) fn show(family: &str, index: usize) -> String {
    format!("{family}[{index}]")
}

/// The list of zones that attribute `attr` of the data source at `address`
/// (`data.aws_availability_zones.available`, `module.m.data.…[0]`) is, when
/// it is one.
pub(crate) fn data_list(address: &str, attr: &str) -> Option<String> {
    let (_, rest) = address.rsplit_once("data.")?;
    let kind_name = rest.split('.').next()?;
    let (_, _, kind) = ZONE_LISTS
        .iter()
        .find(|(t, a, _)| *t == kind_name && *a == attr)?;
    let family = format!("{address}.{attr}");
    if family.contains(['\u{0}', '\u{1}']) {
        return None;
    }
    Some(list_sentinel(*kind, &family))
}

/// The `i`-th element of a whole list, where that is known: always by
/// index (out of range is Terraform's error, so nothing is applied), and
/// through `element`, which wraps around, only below [`MIN_ZONES`].
pub(crate) fn nth(list: &str, i: usize) -> Option<Value> {
    let (kind, family) = parse_list(list)?;
    Some(Value::String(zone_sentinel(kind, family, i)))
}

/// A function applied to a whole list of zones, where its result is
/// known: `slice` with known bounds, `element` below [`MIN_ZONES`], the
/// list itself through `tolist`, `distinct`, and `sort`/`toset` when the
/// provider lists it sorted. `None`: unknown.
pub(crate) fn on_list(name: &str, args: &[Value]) -> Option<Value> {
    let Some(Value::String(first)) = args.first() else {
        return None;
    };
    let (kind, family) = parse_list(first)?;
    let whole = || Some(Value::String(first.clone()));
    let int = |v: &Value| match v {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    match (name, args) {
        ("slice", [_, start, end]) => {
            let (start, end) = (int(start)?, int(end)?);
            // A slice past the end of the list is Terraform's error.
            if start > end || end - start > 1024 {
                return None;
            }
            Some(Value::Array(
                (start..end)
                    .map(|i| Value::String(zone_sentinel(kind, family, i)))
                    .collect(),
            ))
        }
        ("element", [_, i]) => {
            let i = int(i)?;
            (i < MIN_ZONES).then(|| Value::String(zone_sentinel(kind, family, i)))
        }
        ("tolist" | "distinct", [_]) => whole(),
        ("sort" | "toset", [_]) if kind.sorted() => whole(),
        _ => None,
    }
}

/// Whether a zone or a list of zones is anywhere in `v`.
pub(crate) fn has_symbolic(v: &Value) -> bool {
    match v {
        Value::String(s) => is_symbolic(s),
        Value::Array(items) => items.iter().any(has_symbolic),
        Value::Object(map) => map.iter().any(|(k, v)| is_symbolic(k) || has_symbolic(v)),
        _ => false,
    }
}

/// Whether a whole list of zones is anywhere in `v`.
pub(crate) fn has_list(v: &Value) -> bool {
    match v {
        Value::String(s) => parse_list(s).is_some(),
        Value::Array(items) => items.iter().any(has_list),
        Value::Object(map) => map.values().any(has_list),
        _ => false,
    }
}

/// Whether values that hold zones can be compared for equality: every
/// string in them (keys included) is a zone of one family, so that equal
/// text is one zone and different text two. A zone beside a written name,
/// or beside a zone of another family, may or may not be the same.
pub(crate) fn comparable<'a>(values: impl IntoIterator<Item = &'a Value>) -> bool {
    let mut family: Option<&str> = None;
    let mut other = false;
    let mut zones = false;
    let mut todo: Vec<&Value> = values.into_iter().collect();
    let mut check = |s: &'a str, family: &mut Option<&'a str>| match parse_zone(s) {
        Some(z) => {
            zones = true;
            match family {
                Some(f) if *f != z.family => other = true,
                Some(_) => {}
                None => *family = Some(z.family),
            }
        }
        None => other = true,
    };
    while let Some(v) = todo.pop() {
        match v {
            Value::String(s) => check(s, &mut family),
            Value::Array(items) => todo.extend(items),
            Value::Object(map) => {
                for (k, v) in map {
                    check(k, &mut family);
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
    !zones || !other
}

/// Whether zones in `values` sort in their order: they are of one family
/// the provider lists sorted.
pub(crate) fn sortable<'a>(values: impl IntoIterator<Item = &'a Value> + Clone) -> bool {
    comparable(values.clone())
        && values.into_iter().all(|v| match v {
            Value::String(s) => parse_zone(s).is_none_or(|z| z.kind.sorted()),
            _ => true,
        })
}

/// `v` with each zone replaced by a real name of its kind: zone `i` of a
/// family by the `(i + turn)`-th representative, so that the zones of one
/// family stay distinct. `None` when a zone's index is past the
/// representatives, or `v` holds a whole list.
pub(crate) fn substitute(v: &Value, turn: usize) -> Option<Value> {
    Some(match v {
        Value::String(s) => match parse_zone(s) {
            Some(z) => {
                let names = representatives(z.kind);
                if z.index >= names.len() {
                    return None;
                }
                Value::String(names[(z.index + turn) % names.len()].to_string())
            }
            None if parse_list(s).is_some() => return None,
            None => v.clone(),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| substitute(i, turn))
                .collect::<Option<_>>()?,
        ),
        Value::Object(map) => {
            let mut out = hcl::Map::new();
            for (k, v) in map {
                let Value::String(k) = substitute(&Value::String(k.clone()), turn)? else {
                    return None;
                };
                out.insert(k, substitute(v, turn)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// How many turns [`substitute`] takes: the fewest representatives of a
/// kind.
pub(crate) const TURNS: usize = 8;

/// The results of one function for every turn, as one value: what they
/// agree on, and `unknown` where they differ (a list whose length differs
/// is unknown as a whole). A result that names a representative is made
/// from a zone's name and is unknown.
pub(crate) fn agree(results: &[Value], unknown: &str) -> Value {
    let Some(first) = results.first() else {
        return Value::String(unknown.to_string());
    };
    let differ = || Value::String(unknown.to_string());
    if results.iter().all(|r| r == first) {
        return if names_representative(first) {
            differ()
        } else {
            first.clone()
        };
    }
    match first {
        Value::Array(items) => {
            let mut columns: Vec<Vec<Value>> = vec![Vec::with_capacity(results.len()); items.len()];
            for r in results {
                match r {
                    Value::Array(other) if other.len() == items.len() => {
                        for (c, v) in columns.iter_mut().zip(other) {
                            c.push(v.clone());
                        }
                    }
                    _ => return differ(),
                }
            }
            Value::Array(columns.iter().map(|c| agree(c, unknown)).collect())
        }
        Value::Object(map) => {
            let mut out = hcl::Map::new();
            for k in map.keys() {
                let mut column = Vec::with_capacity(results.len());
                for r in results {
                    match r {
                        Value::Object(other) if other.len() == map.len() => match other.get(k) {
                            Some(v) => column.push(v.clone()),
                            None => return differ(),
                        },
                        _ => return differ(),
                    }
                }
                out.insert(k.clone(), agree(&column, unknown));
            }
            Value::Object(out)
        }
        _ => differ(),
    }
}

fn names_representative(v: &Value) -> bool {
    let named = |s: &str| {
        [ZoneKind::AwsName, ZoneKind::AwsId, ZoneKind::Google]
            .iter()
            .flat_map(|k| representatives(*k))
            .any(|r| s.contains(r))
    };
    match v {
        Value::String(s) => named(s),
        Value::Array(items) => items.iter().any(names_representative),
        Value::Object(map) => map.iter().any(|(k, v)| named(k) || names_representative(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    #[test]
    fn sentinels_round_trip() {
        let list = data_list("data.aws_availability_zones.available", "names").unwrap();
        assert_eq!(
            parse_list(&list),
            Some((
                ZoneKind::AwsName,
                "data.aws_availability_zones.available.names"
            ))
        );
        let z = zone_sentinel(ZoneKind::Google, "data.google_compute_zones.a[0].names", 12);
        let parsed = parse_zone(&z).unwrap();
        assert_eq!(parsed.index, 12);
        assert_eq!(parsed.family, "data.google_compute_zones.a[0].names");
        assert!(data_list("data.aws_availability_zones.available", "id").is_none());
        assert!(data_list("aws_subnet.a", "names").is_none());
    }

    #[test]
    fn slices_and_elements_of_a_list() {
        let list = data_list("data.aws_availability_zones.a", "names").unwrap();
        let Some(Value::Array(three)) = on_list("slice", &[s(&list), 0.into(), 3.into()]) else {
            panic!("a slice with known bounds is three zones");
        };
        assert_eq!(three.len(), 3);
        assert_ne!(three[0], three[1]);
        // `element` wraps around: past the fewest zones a region has, which
        // one it is depends on how many the region has.
        assert!(on_list("element", &[s(&list), 1.into()]).is_some());
        assert!(on_list("element", &[s(&list), 2.into()]).is_none());
        assert!(on_list("length", &[s(&list)]).is_none());
        let ids = data_list("data.aws_availability_zones.a", "zone_ids").unwrap();
        assert!(on_list("sort", &[s(&ids)]).is_none());
        assert!(on_list("sort", &[s(&list)]).is_some());
    }

    #[test]
    fn zones_compare_only_within_their_family() {
        let a0 = s(&zone_sentinel(ZoneKind::AwsName, "f", 0));
        let a1 = s(&zone_sentinel(ZoneKind::AwsName, "f", 1));
        let b0 = s(&zone_sentinel(ZoneKind::AwsName, "g", 0));
        assert!(comparable([&a0, &a1]));
        assert!(!comparable([&a0, &b0]));
        assert!(!comparable([&a0, &s("eu-west-1a")]));
        assert!(comparable([&s("a"), &s("b")]));
    }

    #[test]
    fn results_agree_where_every_name_gives_the_same() {
        let unknown = "\u{0}unknown\u{0}";
        let same = agree(&[Value::from(1), Value::from(1)], unknown);
        assert_eq!(same, Value::from(1));
        let lists = agree(
            &[
                Value::Array(vec![s("us-"), s("x")]),
                Value::Array(vec![s("eu-"), s("x")]),
            ],
            unknown,
        );
        assert_eq!(lists, Value::Array(vec![s(unknown), s("x")]));
        // Every turn made the same name: still a zone's name.
        assert_eq!(agree(&[s("us-east-1a")], unknown), s(unknown));
    }
}
