//! Values as Helm holds them: YAML decoded the way `sigs.k8s.io/yaml` does
//! (numbers are float64, YAML 1.1 booleans), coalesced as `helm template`
//! coalesces a chart's `values.yaml` with the user's values.

use crate::parse::tree::{Node, Value as Y};
use crate::parse::yaml::{Limits, parse_stream};
use gotmpl::{MapRef, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A map value, new and owned by nobody else.
pub fn map(entries: BTreeMap<Arc<str>, Value>) -> Value {
    Value::Map(MapRef::new(entries))
}

/// An empty map.
pub fn empty_map() -> Value {
    map(BTreeMap::new())
}

/// A string value.
pub fn s(text: &str) -> Value {
    Value::String(Arc::from(text))
}

/// Decodes the first document of a YAML text; `Ok(None)` for an empty text.
pub fn decode(text: &str) -> Result<Option<Value>, String> {
    let (docs, err) = parse_stream(text, &Limits::default());
    if let Some(e) = err {
        return Err(e.message);
    }
    Ok(docs.first().map(|d| from_node(&d.root)))
}

/// Decodes every document of a YAML stream.
pub fn decode_all(text: &str) -> Result<Vec<Value>, String> {
    let (docs, err) = parse_stream(text, &Limits::default());
    if let Some(e) = err {
        return Err(e.message);
    }
    Ok(docs.iter().map(|d| from_node(&d.root)).collect())
}

/// One node as Helm's values hold it.
pub fn from_node(node: &Node) -> Value {
    match &node.value {
        Y::Scalar { text, plain } => {
            if !plain {
                return s(text);
            }
            scalar(text)
        }
        Y::Seq(items) => Value::List(items.iter().map(from_node).collect::<Vec<_>>().into()),
        Y::Map(entries) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries.iter() {
                let key = match &k.value {
                    Y::Scalar { text, .. } => Arc::from(&**text),
                    _ => Arc::from(""),
                };
                out.insert(key, from_node(v));
            }
            map(out)
        }
    }
}

/// A plain scalar resolved as go-yaml v2 resolves it, numbers as float64.
fn scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Nil,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    if let Some(n) = number(text) {
        return Value::Float(n);
    }
    s(text)
}

fn number(text: &str) -> Option<f64> {
    let t = text.replace('_', "");
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let sign = if neg { -1.0 } else { 1.0 };
    if let Some(h) = body.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok().map(|v| sign * v as f64);
    }
    if let Some(o) = body.strip_prefix("0o") {
        return i64::from_str_radix(o, 8).ok().map(|v| sign * v as f64);
    }
    match body {
        ".inf" | ".Inf" | ".INF" => return Some(sign * f64::INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let first = body.chars().next()?;
    if !(first.is_ascii_digit() || first == '.') {
        return None;
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    body.parse::<f64>().ok().map(|v| sign * v)
}

/// A deep copy: new maps (so that in-place changes do not reach the
/// original), shared scalars. Depth-bounded.
pub fn deep_copy(v: &Value, depth: usize) -> Value {
    if depth > 200 {
        return Value::Nil;
    }
    match v {
        Value::Map(m) => map(m
            .snapshot()
            .into_iter()
            .map(|(k, x)| (k, deep_copy(&x, depth + 1)))
            .collect()),
        Value::List(l) => Value::List(
            l.iter()
                .map(|x| deep_copy(x, depth + 1))
                .collect::<Vec<_>>()
                .into(),
        ),
        o => o.clone(),
    }
}

/// Helm's coalescing of `user` values over a chart's `defaults`: maps merge
/// key by key, a user's null deletes the key, anything else replaces. The
/// result is a new tree (the inputs are not changed).
pub fn coalesce(user: &Value, defaults: &Value, depth: usize) -> Value {
    if depth > 200 {
        return user.clone();
    }
    match (user, defaults) {
        (Value::Map(u), Value::Map(d)) => {
            let mut out: BTreeMap<Arc<str>, Value> = d
                .snapshot()
                .into_iter()
                .map(|(k, v)| (k, deep_copy(&v, depth + 1)))
                .collect();
            for (k, v) in u.snapshot() {
                if matches!(v, Value::Nil) {
                    out.remove(&k);
                    continue;
                }
                let merged = match out.get(&k) {
                    Some(dv) => coalesce(&v, dv, depth + 1),
                    None => deep_copy(&v, depth + 1),
                };
                out.insert(k, merged);
            }
            map(out)
        }
        (Value::Nil, d) => deep_copy(d, depth + 1),
        (u, _) => deep_copy(u, depth + 1),
    }
}

/// Values files merged as Helm merges `-f` files and `--set` values before
/// coalescing them with a chart's: maps merge key by key, anything else in
/// `over` replaces what `base` holds (a null too: it deletes the chart's
/// default when coalesced).
pub fn merge(over: &Value, base: &Value, depth: usize) -> Value {
    match (over, base) {
        (Value::Map(o), Value::Map(b)) if depth <= 200 => {
            let mut out: BTreeMap<Arc<str>, Value> = b.snapshot().into_iter().collect();
            for (k, v) in o.snapshot() {
                let merged = match out.get(&k) {
                    Some(bv) => merge(&v, bv, depth + 1),
                    None => v,
                };
                out.insert(k, merged);
            }
            map(out)
        }
        (o, _) => o.clone(),
    }
}

/// The value at a dotted path (`a.b.c`) of a map.
pub fn get_path(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v.clone();
    for k in path.split('.') {
        cur = match &cur {
            Value::Map(m) => m.get(k)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Go's `%v` of a float64 as JSON writes it (what `toYaml`, `toJson` and
/// Helm's string conversions print): integers without a fraction.
pub fn go_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i128)
    } else if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{f}")
    }
}

/// Whether go-yaml would read this text, written plain, as a number (so
/// `toYaml` must quote it to keep it a string).
pub fn from_node_text_is_number(text: &str) -> bool {
    number(text).is_some()
}
