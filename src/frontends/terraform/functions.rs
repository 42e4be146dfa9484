//! Terraform's standard functions, as hcl-rs [`FuncDef`]s, for the static
//! evaluation of Terraform expressions.
//!
//! Each function follows Terraform's semantics (the `cty` standard library
//! behind it). A function that cannot produce Terraform's answer — wrong
//! argument types, an out-of-range index, a result that depends on an unknown
//! value — returns `Err`, which the evaluator turns into an unknown value:
//! never a guess, never a panic.
//!
//! Unknown references travel as sentinel strings beginning with `"\u{0}"`.
//! Strings are treated opaquely, except that a function whose result would
//! depend on what an unknown stands for returns `Err` (Terraform returns
//! unknown there): `length`, `tonumber`, `tobool`, `split`, `substr`, the
//! trims, `startswith`/`endswith`, comparisons (`contains`, `index`,
//! `distinct`, `toset`, `sort`, `compact`, `coalesce`), map keys, `flatten`
//! of an unknown element, and JSON encoding (`jsonencode`, `%q`, `%#v`),
//! which would escape the sentinel out of sight. `lower`, `upper`, `replace`,
//! `format`/`formatlist` (`%s`, `%v` of a string), `join` and `tostring` just
//! carry the sentinel's text through; the caller detects it afterwards.
//!
//! Deviations from Terraform: characters are Unicode scalar values, not
//! grapheme clusters (`length`, `substr`, format widths); `replace` with a
//! `/regex/` pattern is unsupported (`Err`); sets of lists or objects keep
//! first-occurrence order (Terraform orders them by hash); type unification
//! of collections is shallow (a mix of primitives becomes strings, a mix of
//! primitives and collections is an error).

mod date;
#[cfg(test)]
mod examples;
mod hash;
pub(crate) use hash::file_digest;
mod more;
mod network;
mod text;

/// Checks a function against the examples of Terraform's documentation:
/// each evaluates an HCL expression with every function spof declares.
#[cfg(test)]
mod documented {
    use hcl::Value;
    use hcl::eval::{Context, Evaluate};
    use hcl::expr::Expression;
    use std::str::FromStr;

    fn eval(src: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        for (name, def) in super::context_functions() {
            ctx.declare_func(name, def);
        }
        let expr = Expression::from_str(src).map_err(|e| format!("parse: {e}"))?;
        expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[track_caller]
    pub(super) fn ok(src: &str, want: &str) {
        let got = eval(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(got, eval(want).expect(want), "{src}");
    }

    #[track_caller]
    pub(super) fn err(src: &str) {
        assert!(eval(src).is_err(), "{src} should fail, got {:?}", eval(src));
    }
}

use crate::frontends::terraform::symbolic;
use hcl::eval::{Func, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Number, Value};
use std::cmp::Ordering;

/// Every supported Terraform function, named as in Terraform.
pub fn context_functions() -> Vec<(&'static str, FuncDef)> {
    vec![
        ("merge", var(0, merge)),
        ("lookup", var(2, lookup)),
        ("concat", var(0, concat)),
        ("length", fixed(1, length)),
        ("element", fixed(2, element)),
        ("slice", fixed(3, slice)),
        ("format", var(1, format)),
        ("formatlist", var(1, formatlist)),
        ("coalesce", var(0, coalesce)),
        ("coalescelist", var(0, coalescelist)),
        ("toset", fixed(1, toset)),
        ("tolist", fixed(1, tolist)),
        ("tomap", fixed(1, tomap)),
        ("keys", fixed(1, keys)),
        ("values", fixed(1, values)),
        ("contains", fixed(2, contains)),
        ("distinct", fixed(1, distinct)),
        ("flatten", fixed(1, flatten)),
        ("join", var(1, join)),
        ("split", fixed(2, split)),
        ("lower", fixed(1, lower)),
        ("upper", fixed(1, upper)),
        ("replace", fixed(3, replace)),
        ("trimspace", fixed(1, trimspace)),
        ("trimprefix", fixed(2, trimprefix)),
        ("trimsuffix", fixed(2, trimsuffix)),
        ("substr", fixed(3, substr)),
        ("min", var(0, min)),
        ("max", var(0, max)),
        ("abs", fixed(1, abs)),
        ("ceil", fixed(1, ceil)),
        ("floor", fixed(1, floor)),
        ("range", var(1, range)),
        ("zipmap", fixed(2, zipmap)),
        ("compact", fixed(1, compact)),
        ("index", fixed(2, index)),
        ("one", fixed(1, one)),
        ("sort", fixed(1, sort)),
        ("reverse", fixed(1, reverse)),
        ("jsonencode", fixed(1, jsonencode)),
        ("tostring", fixed(1, tostring)),
        ("tonumber", fixed(1, tonumber)),
        ("tobool", fixed(1, tobool)),
        ("startswith", fixed(2, startswith)),
        ("endswith", fixed(2, endswith)),
        ("cidrhost", fixed(2, network::cidrhost)),
        ("cidrnetmask", fixed(1, network::cidrnetmask)),
        ("cidrsubnet", fixed(3, network::cidrsubnet)),
        ("cidrsubnets", var(1, network::cidrsubnets)),
        ("regex", fixed(2, text::regex)),
        ("regexall", fixed(2, text::regexall)),
        ("basename", fixed(1, text::basename)),
        ("dirname", fixed(1, text::dirname)),
        ("chomp", fixed(1, text::chomp)),
        ("trim", fixed(2, text::trim)),
        ("strrev", fixed(1, text::strrev)),
        ("title", fixed(1, text::title)),
        ("alltrue", fixed(1, text::alltrue)),
        ("anytrue", fixed(1, text::anytrue)),
        ("sum", fixed(1, text::sum)),
        ("setintersection", var(1, text::setintersection)),
        ("setunion", var(1, text::setunion)),
        ("setsubtract", fixed(2, text::setsubtract)),
        ("chunklist", fixed(2, more::chunklist)),
        ("matchkeys", fixed(3, more::matchkeys)),
        ("setproduct", var(0, more::setproduct)),
        ("transpose", fixed(1, more::transpose)),
        ("pow", fixed(2, more::pow)),
        ("signum", fixed(1, more::signum)),
        ("log", fixed(2, more::log)),
        ("parseint", fixed(2, more::parseint)),
        ("indent", fixed(2, more::indent)),
        ("strcontains", fixed(2, more::strcontains)),
        ("base64encode", fixed(1, more::base64encode)),
        ("base64decode", fixed(1, more::base64decode)),
        ("urlencode", fixed(1, more::urlencode)),
        ("jsondecode", fixed(1, more::jsondecode)),
        ("csvdecode", fixed(1, more::csvdecode)),
        ("sensitive", fixed(1, more::unmarked)),
        ("nonsensitive", fixed(1, more::unmarked)),
        ("md5", fixed(1, hash::md5)),
        ("sha1", fixed(1, hash::sha1)),
        ("sha256", fixed(1, hash::sha256)),
        ("sha512", fixed(1, hash::sha512)),
        ("base64sha256", fixed(1, hash::base64sha256)),
        ("base64sha512", fixed(1, hash::base64sha512)),
        ("uuidv5", fixed(2, hash::uuidv5)),
        ("formatdate", fixed(2, date::formatdate)),
        ("timeadd", fixed(2, date::timeadd)),
        ("timecmp", fixed(2, date::timecmp)),
    ]
}

/// The functions the evaluator itself implements, because their arguments
/// are expressions that may fail rather than values; the file functions
/// ([`super::hcl::FILE_FUNCTIONS`]) are the evaluator's too.
pub const EVALUATOR_FUNCTIONS: &[&str] = &["can", "try"];

/// The built-in functions of Terraform that spof does not evaluate, each
/// with why: a call is an unknown value, never an error.
pub const UNKNOWN_FUNCTIONS: &[(&str, &str)] = &[
    ("abspath", "depends on where Terraform runs"),
    ("base64gzip", "compression is not implemented"),
    ("bcrypt", "random salt: differs on every run"),
    ("convert", "type constraints are not evaluated"),
    ("ephemeralasnull", "spof does not track ephemeral values"),
    ("issensitive", "spof does not track sensitive values"),
    ("list", "removed from Terraform (use `tolist`)"),
    ("map", "removed from Terraform (use `tomap`)"),
    (
        "pathexpand",
        "depends on the home directory of whoever runs Terraform",
    ),
    (
        "plantimestamp",
        "the time of the plan: differs on every run",
    ),
    ("rsadecrypt", "needs a private key"),
    (
        "templatestring",
        "templates given as values are not evaluated",
    ),
    (
        "textdecodebase64",
        "character encodings are not implemented",
    ),
    (
        "textencodebase64",
        "character encodings are not implemented",
    ),
    ("timestamp", "the time of the run: differs on every run"),
    ("type", "only in `terraform console`"),
    ("uuid", "random: differs on every run"),
    ("yamldecode", "YAML in values is not evaluated"),
    ("yamlencode", "YAML in values is not evaluated"),
];

/// How spof evaluates a built-in function of Terraform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// With Terraform's semantics (a result that depends on an unknown
    /// value is unknown).
    Implemented,
    /// Never: a call is unknown, for this reason.
    Unknown(&'static str),
}

/// Every built-in function of Terraform, by name, with how spof evaluates
/// it. Provider-defined functions (`provider::NAME::FUNCTION`) are not
/// built in: a call is unknown.
pub fn catalog() -> Vec<(&'static str, Status)> {
    let mut out: Vec<(&'static str, Status)> = context_functions()
        .into_iter()
        .map(|(name, _)| name)
        .chain(EVALUATOR_FUNCTIONS.iter().copied())
        .chain(
            crate::frontends::terraform::hcl::FILE_FUNCTIONS
                .iter()
                .copied(),
        )
        .map(|name| (name, Status::Implemented))
        .chain(
            UNKNOWN_FUNCTIONS
                .iter()
                .map(|&(name, why)| (name, Status::Unknown(why))),
        )
        .collect();
    out.sort_by_key(|(name, _)| *name);
    out
}

/// `n` positional arguments of any type; the function checks types itself.
fn fixed(n: usize, f: Func) -> FuncDef {
    FuncDef::new(f, std::iter::repeat_n(ParamType::Any, n))
}

/// `n` positional arguments followed by any number of variadic ones.
fn var(n: usize, f: Func) -> FuncDef {
    FuncDef::builder()
        .params(std::iter::repeat_n(ParamType::Any, n))
        .variadic_param(ParamType::Any)
        .build(f)
}

type R = Result<Value, String>;

// ---------------------------------------------------------------------------
// Size

/// Largest value a function builds, and an expression evaluates to, in the
/// approximate bytes of [`weight`]. Functions whose result can outgrow their
/// arguments (`replace`, `join`, `split`, `format`, `formatlist`,
/// `jsonencode`, case changes) stop at it and return [`TOO_LARGE`]; the
/// evaluator turns that into an unknown value and says where.
pub(crate) const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

/// The error of a function whose result would exceed [`MAX_VALUE_BYTES`].
pub(crate) const TOO_LARGE: &str = "the result is too large";

/// What one value, string or map entry costs besides its text.
const NODE_BYTES: usize = std::mem::size_of::<Value>();
const ENTRY_BYTES: usize = std::mem::size_of::<(String, Value)>() + std::mem::size_of::<usize>();

/// Approximate memory of `v` in bytes: every value, the text of strings and
/// of keys. Counting stops once past `cap`: the result is then some number
/// above `cap`, so that weighing a huge value costs no more than `cap`.
pub(crate) fn weight(v: &Value, cap: usize) -> usize {
    let mut total = 0usize;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        total = total.saturating_add(NODE_BYTES);
        match v {
            Value::String(s) => total = total.saturating_add(s.len()),
            Value::Array(items) => todo.extend(items),
            Value::Object(m) => {
                for (k, v) in m {
                    total = total.saturating_add(ENTRY_BYTES + k.len());
                    todo.push(v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
        if total > cap {
            break;
        }
    }
    total
}

/// `Err(TOO_LARGE)` when a string of `len` bytes would be too large.
fn fits(len: usize) -> Result<(), String> {
    if len > MAX_VALUE_BYTES {
        Err(TOO_LARGE.into())
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Helpers

/// An unknown sentinel; a symbolic zone is known (see [`symbolic`]), and
/// the functions that compare values check that zones can be compared.
fn is_unknown_str(s: &str) -> bool {
    s.starts_with('\u{0}') && symbolic::parse_zone(s).is_none()
}

/// `Err` when zones among `values` cannot be compared with the rest.
fn zones_comparable<'a>(values: impl IntoIterator<Item = &'a Value>) -> Result<(), String> {
    if symbolic::comparable(values) {
        Ok(())
    } else {
        Err("zones that may or may not be the same".into())
    }
}

/// Whether an unknown sentinel appears anywhere in `v` (keys included).
fn has_unknown(v: &Value) -> bool {
    match v {
        Value::String(s) => is_unknown_str(s),
        Value::Array(items) => items.iter().any(has_unknown),
        Value::Object(map) => map.iter().any(|(k, v)| is_unknown_str(k) || has_unknown(v)),
        _ => false,
    }
}

fn arg(args: &FuncArgs, i: usize) -> Result<&Value, String> {
    args.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn num_to_string(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        // Rust's `Display` for f64 is the shortest round-trip form without
        // an exponent, like cty's `Text('f', -1)`.
        format!("{}", n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Conversion to string as Terraform does it: strings, numbers and bools.
fn to_str(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(num_to_string(n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("a null value cannot be used as a string".into()),
        other => Err(format!("a string is required, got {}", type_name(other))),
    }
}

/// `to_str`, refusing unknown sentinels.
fn to_known_str(v: &Value) -> Result<String, String> {
    let s = to_str(v)?;
    if is_unknown_str(&s) {
        return Err("value is unknown".into());
    }
    Ok(s)
}

fn parse_number(s: &str) -> Result<Number, String> {
    if is_unknown_str(s) {
        return Err("value is unknown".into());
    }
    if let Ok(i) = s.parse::<i64>() {
        return Ok(Number::from(i));
    }
    if let Ok(u) = s.parse::<u64>() {
        return Ok(Number::from(u));
    }
    let lower = s.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") {
        return Err(format!("cannot convert {s:?} to number"));
    }
    s.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .ok_or_else(|| format!("cannot convert {s:?} to number"))
}

/// Conversion to number as Terraform does it: numbers and numeric strings.
fn to_num(v: &Value) -> Result<Number, String> {
    match v {
        Value::Number(n) => Ok(*n),
        Value::String(s) => parse_number(s),
        Value::Null => Err("a null value cannot be used as a number".into()),
        other => Err(format!("a number is required, got {}", type_name(other))),
    }
}

fn num_f64(n: &Number) -> Result<f64, String> {
    n.as_f64().ok_or_else(|| "number out of range".to_string())
}

/// A whole number, or `Err`.
fn to_int(v: &Value) -> Result<i128, String> {
    let n = to_num(v)?;
    if let Some(i) = n.as_i64() {
        return Ok(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Ok(i128::from(u));
    }
    let f = num_f64(&n)?;
    if f.fract() == 0.0 && f.abs() < 1e38 {
        return Ok(f as i128);
    }
    Err(format!("an integer is required, got {}", num_to_string(&n)))
}

fn to_index(v: &Value) -> Result<usize, String> {
    let i = to_int(v)?;
    usize::try_from(i).map_err(|_| format!("index {i} out of range"))
}

fn num_value(f: f64) -> R {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| "result is not a finite number".to_string())
}

fn int_value(i: i128) -> R {
    if let Ok(i) = i64::try_from(i) {
        Ok(Value::Number(Number::from(i)))
    } else if let Ok(u) = u64::try_from(i) {
        Ok(Value::Number(Number::from(u)))
    } else {
        num_value(i as f64)
    }
}

fn len_value(n: usize) -> Value {
    Value::Number(Number::from(n as u64))
}

fn to_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::String(s) if is_unknown_str(s) => Err("value is unknown".into()),
        other => Err(format!("a bool is required, got {}", type_name(other))),
    }
}

fn list(v: &Value) -> Result<&Vec<Value>, String> {
    match v {
        Value::Array(items) => Ok(items),
        Value::Null => Err("a null value cannot be used as a list".into()),
        other => Err(format!("a list is required, got {}", type_name(other))),
    }
}

/// A map or object whose keys are all known.
fn map(v: &Value) -> Result<&Map<String, Value>, String> {
    match v {
        Value::Object(m) => {
            if m.keys().any(|k| is_unknown_str(k)) {
                return Err("map has unknown keys".into());
            }
            Ok(m)
        }
        Value::Null => Err("a null value cannot be used as a map".into()),
        other => Err(format!("a map is required, got {}", type_name(other))),
    }
}

fn sorted_map(m: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// Shallow version of cty's type unification for the elements of a list or
/// the values of a map: a mix of strings, numbers and bools becomes strings;
/// collections mixed with primitives, or lists mixed with objects, are an
/// error. Nulls stay null.
fn unify<'a>(items: impl Iterator<Item = &'a Value> + Clone) -> Result<Vec<Value>, String> {
    let (mut s, mut n, mut b, mut a, mut o) = (false, false, false, false, false);
    for v in items.clone() {
        match v {
            Value::Null => {}
            Value::Bool(_) => b = true,
            Value::Number(_) => n = true,
            Value::String(_) => s = true,
            Value::Array(_) => a = true,
            Value::Object(_) => o = true,
        }
    }
    let primitives = usize::from(s) + usize::from(n) + usize::from(b);
    if (a || o) && primitives > 0 || a && o {
        return Err("elements have inconsistent types".into());
    }
    if primitives > 1 {
        items
            .map(|v| match v {
                Value::Null => Ok(Value::Null),
                v => to_str(v).map(Value::String),
            })
            .collect()
    } else {
        Ok(items.cloned().collect())
    }
}

// ---------------------------------------------------------------------------
// Collections

fn merge(args: FuncArgs) -> R {
    let mut out = Map::new();
    for v in args.iter() {
        if v.is_null() {
            continue;
        }
        for (k, v) in map(v)? {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(sorted_map(out)))
}

fn lookup(args: FuncArgs) -> R {
    if args.len() > 3 {
        return Err("lookup takes two or three arguments".into());
    }
    let m = map(arg(&args, 0)?)?;
    let key = to_known_str(arg(&args, 1)?)?;
    match (m.get(&key), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!("the given key {key:?} does not exist in the map")),
    }
}

fn concat(args: FuncArgs) -> R {
    if args.is_empty() {
        return Err("at least one argument is required".into());
    }
    let mut out = Vec::new();
    for v in args.iter() {
        out.extend(list(v)?.iter().cloned());
    }
    Ok(Value::Array(out))
}

fn length(args: FuncArgs) -> R {
    match arg(&args, 0)? {
        Value::String(s) if s.starts_with('\u{0}') => Err("value is unknown".into()),
        Value::String(s) => Ok(len_value(s.chars().count())),
        Value::Array(items) => Ok(len_value(items.len())),
        // Unknown keys might collide: the length is not known.
        v @ Value::Object(_) => Ok(len_value(map(v)?.len())),
        other => Err(format!("cannot take the length of {}", type_name(other))),
    }
}

fn element(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    let i = to_int(arg(&args, 1)?)?;
    if items.is_empty() {
        return Err("cannot use element function with an empty list".into());
    }
    if i < 0 {
        return Err("cannot use element function with a negative index".into());
    }
    let i = usize::try_from(i % items.len() as i128).map_err(|e| e.to_string())?;
    items
        .get(i)
        .cloned()
        .ok_or_else(|| "index out of range".into())
}

fn slice(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    let start = to_index(arg(&args, 1)?)?;
    let end = to_index(arg(&args, 2)?)?;
    if end > items.len() {
        return Err("end index must not be greater than the length of the list".into());
    }
    if start > end {
        return Err("start index must not be greater than end index".into());
    }
    Ok(Value::Array(items[start..end].to_vec()))
}

fn coalesce(args: FuncArgs) -> R {
    let unified = unify(args.iter())?;
    for v in unified {
        match v {
            Value::Null => continue,
            Value::String(ref s) if s.is_empty() => continue,
            Value::String(ref s) if is_unknown_str(s) => {
                return Err("value is unknown".into());
            }
            v => return Ok(v),
        }
    }
    Err("no non-null, non-empty-string arguments".into())
}

fn coalescelist(args: FuncArgs) -> R {
    for v in args.iter() {
        if v.is_null() {
            continue;
        }
        if !list(v)?.is_empty() {
            return Ok(v.clone());
        }
    }
    Err("no non-null arguments".into())
}

fn set_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        _ => Ordering::Equal,
    }
}

/// The elements of `items` without repeats, in first-occurrence order; in
/// time linear in their size (comparing each with every kept one would be
/// quadratic in their number).
fn dedupe(items: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items
        .into_iter()
        .filter(|v| {
            let mut key = String::new();
            canonical(v, &mut key);
            seen.insert(key)
        })
        .collect()
}

/// A text equal for equal values and different for different ones: each
/// value tagged with its type, strings and keys prefixed with their length,
/// object entries in key order (objects equal whatever their order).
fn canonical(v: &Value, out: &mut String) {
    use std::fmt::Write as _;
    match v {
        Value::Null => out.push('z'),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Number(n) => {
            let _ = write!(out, "n{n};");
        }
        Value::String(s) => {
            let _ = write!(out, "s{}:{s}", s.len());
        }
        Value::Array(items) => {
            let _ = write!(out, "a{}:", items.len());
            for item in items {
                canonical(item, out);
            }
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let _ = write!(out, "o{}:", entries.len());
            for (k, item) in entries {
                let _ = write!(out, "{}:{k}", k.len());
                canonical(item, out);
            }
        }
    }
}

fn toset(args: FuncArgs) -> R {
    let v = arg(&args, 0)?;
    if v.is_null() {
        return Ok(Value::Null);
    }
    let items = list(v)?;
    if items.iter().any(has_unknown) {
        return Err("set elements are unknown".into());
    }
    // A set is ordered by its elements' text: zones only where the
    // provider lists them in that order.
    if !symbolic::sortable(items) {
        return Err("zones whose order is not known".into());
    }
    if items.iter().any(Value::is_null) {
        return Err("sets must not contain null values".into());
    }
    let mut out = dedupe(unify(items.iter())?);
    // A stable sort: only primitives compare, so lists and objects keep
    // their first-occurrence order.
    out.sort_by(set_order);
    Ok(Value::Array(out))
}

fn tolist(args: FuncArgs) -> R {
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v => Ok(Value::Array(unify(list(v)?.iter())?)),
    }
}

fn tomap(args: FuncArgs) -> R {
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v => {
            let m = map(v)?;
            let values = unify(m.values())?;
            let out = m.keys().cloned().zip(values).collect();
            Ok(Value::Object(sorted_map(out)))
        }
    }
}

fn keys(args: FuncArgs) -> R {
    let m = map(arg(&args, 0)?)?;
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    Ok(Value::Array(
        keys.into_iter().map(|k| Value::String(k.clone())).collect(),
    ))
}

fn values(args: FuncArgs) -> R {
    let m = map(arg(&args, 0)?)?;
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    Ok(Value::Array(
        entries.into_iter().map(|(_, v)| v.clone()).collect(),
    ))
}

/// The position of the first element equal to `value`, `None` when none is,
/// `Err` when an unknown element (or value) makes the answer unknown.
fn position(items: &[Value], value: &Value) -> Result<Option<usize>, String> {
    if has_unknown(value) {
        return Err("value is unknown".into());
    }
    zones_comparable(items.iter().chain(std::iter::once(value)))?;
    for (i, item) in items.iter().enumerate() {
        if item == value {
            return Ok(Some(i));
        }
        if has_unknown(item) {
            return Err("list element is unknown".into());
        }
    }
    Ok(None)
}

fn contains(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    let value = arg(&args, 1)?;
    // A match anywhere decides, even after unknown elements (as Terraform).
    if !has_unknown(value) && !symbolic::has_symbolic(value) && items.contains(value) {
        return Ok(Value::Bool(true));
    }
    Ok(Value::Bool(position(items, value)?.is_some()))
}

fn index(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    match position(items, arg(&args, 1)?)? {
        Some(i) => Ok(len_value(i)),
        None => Err("item not found".into()),
    }
}

fn distinct(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    if items.iter().any(has_unknown) {
        return Err("list elements are unknown".into());
    }
    zones_comparable(items)?;
    Ok(Value::Array(dedupe(unify(items.iter())?)))
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>, depth: usize) -> Result<(), String> {
    if depth > 64 {
        return Err("lists nested too deeply".into());
    }
    for v in items {
        match v {
            Value::Array(inner) => flatten_into(inner, out, depth + 1)?,
            Value::String(s) if is_unknown_str(s) => {
                // An unknown element may be a list itself.
                return Err("list element is unknown".into());
            }
            v => out.push(v.clone()),
        }
    }
    Ok(())
}

fn flatten(args: FuncArgs) -> R {
    let mut out = Vec::new();
    flatten_into(list(arg(&args, 0)?)?, &mut out, 0)?;
    Ok(Value::Array(out))
}

fn range(args: FuncArgs) -> R {
    if args.len() > 3 {
        return Err("range takes one, two, or three arguments".into());
    }
    let nums = args.iter().map(to_num).collect::<Result<Vec<_>, _>>()?;
    let f = |n: &Number| num_f64(n);
    let (start, end, step) = match nums.as_slice() {
        [end] => (
            Number::from(0),
            *end,
            Number::from(if f(end)? < 0.0 { -1 } else { 1 }),
        ),
        [start, end] => {
            let step = if f(end)? < f(start)? { -1 } else { 1 };
            (*start, *end, Number::from(step))
        }
        [start, end, step] => (*start, *end, *step),
        _ => return Err("range takes one, two, or three arguments".into()),
    };
    let (s, e, st) = (f(&start)?, f(&end)?, f(&step)?);
    if st == 0.0 {
        return Err("step must not be zero".into());
    }
    let down = st < 0.0;
    if down && e > s {
        return Err("end must be less than start when step is negative".into());
    }
    if !down && e < s {
        return Err("end must be greater than start when step is positive".into());
    }
    let ints = [start, end, step].iter().all(|n| n.as_i64().is_some());
    let mut out = Vec::new();
    let mut i: u32 = 0;
    loop {
        let (value, x) = if ints {
            let v = i128::from(start.as_i64().unwrap_or(0))
                + i128::from(i) * i128::from(step.as_i64().unwrap_or(0));
            (int_value(v)?, v as f64)
        } else {
            let x = s + f64::from(i) * st;
            (num_value(x)?, x)
        };
        if (down && x <= e) || (!down && x >= e) {
            break;
        }
        if out.len() >= 1024 {
            return Err("more than 1024 values were generated".into());
        }
        out.push(value);
        i += 1;
    }
    Ok(Value::Array(out))
}

fn zipmap(args: FuncArgs) -> R {
    let ks = list(arg(&args, 0)?)?;
    let vs = list(arg(&args, 1)?)?;
    if ks.len() != vs.len() {
        return Err(format!(
            "number of keys ({}) does not match number of values ({})",
            ks.len(),
            vs.len()
        ));
    }
    let mut out = Map::new();
    for (k, v) in ks.iter().zip(vs) {
        out.insert(to_known_str(k)?, v.clone());
    }
    Ok(Value::Object(sorted_map(out)))
}

fn compact(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    let mut out = Vec::new();
    for v in items {
        if v.is_null() {
            continue;
        }
        let s = to_known_str(v)?;
        if !s.is_empty() {
            out.push(Value::String(s));
        }
    }
    Ok(Value::Array(out))
}

fn one(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    match items.as_slice() {
        [] => Ok(Value::Null),
        [v] => Ok(v.clone()),
        _ => Err(format!(
            "must be a list, set, or tuple value with either zero or one elements, got {}",
            items.len()
        )),
    }
}

fn sort(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    if !symbolic::sortable(items) {
        return Err("zones whose order is not known".into());
    }
    let mut out = items
        .iter()
        .map(|v| match v {
            Value::Null => Err("given list element is null".to_string()),
            v => to_known_str(v),
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.sort();
    Ok(Value::Array(out.into_iter().map(Value::String).collect()))
}

fn reverse(args: FuncArgs) -> R {
    let mut out = list(arg(&args, 0)?)?.clone();
    out.reverse();
    Ok(Value::Array(out))
}

// ---------------------------------------------------------------------------
// Strings

fn join(args: FuncArgs) -> R {
    let sep = to_str(arg(&args, 0)?)?;
    if args.len() < 2 {
        return Err("at least one list is required".into());
    }
    let mut out = String::new();
    let mut first = true;
    for v in args.iter().skip(1) {
        for item in list(v)? {
            if item.is_null() {
                return Err("a list element is null".into());
            }
            let part = to_str(item)?;
            if !first {
                fits(out.len() + sep.len())?;
                out.push_str(&sep);
            }
            first = false;
            fits(out.len() + part.len())?;
            out.push_str(&part);
        }
    }
    Ok(Value::String(out))
}

fn split(args: FuncArgs) -> R {
    let sep = to_known_str(arg(&args, 0)?)?;
    let s = to_known_str(arg(&args, 1)?)?;
    // Each part costs a value besides its text: a long string split at
    // every character would take many times its size.
    let count = if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep.as_str()).count() + 1
    };
    fits(count.saturating_mul(NODE_BYTES).saturating_add(s.len()))?;
    let parts: Vec<Value> = if sep.is_empty() {
        // Go's strings.Split with an empty separator: one part per character.
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str())
            .map(|p| Value::String(p.to_string()))
            .collect()
    };
    Ok(Value::Array(parts))
}

fn lower(args: FuncArgs) -> R {
    let out = to_str(arg(&args, 0)?)?.to_lowercase();
    fits(out.len())?;
    Ok(Value::String(out))
}

fn upper(args: FuncArgs) -> R {
    let out = to_str(arg(&args, 0)?)?.to_uppercase();
    fits(out.len())?;
    Ok(Value::String(out))
}

fn replace(args: FuncArgs) -> R {
    let s = to_str(arg(&args, 0)?)?;
    let from = to_str(arg(&args, 1)?)?;
    let to = to_str(arg(&args, 2)?)?;
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        return Err("regular expression patterns are not supported".into());
    }
    // An empty pattern matches before every character and at the end.
    let matches = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from.as_str()).count()
    };
    fits((s.len() - matches * from.len()).saturating_add(matches.saturating_mul(to.len())))?;
    Ok(Value::String(s.replace(&from, &to)))
}

fn trimspace(args: FuncArgs) -> R {
    Ok(Value::String(
        to_known_str(arg(&args, 0)?)?.trim().to_string(),
    ))
}

fn trimprefix(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    let p = to_str(arg(&args, 1)?)?;
    Ok(Value::String(
        s.strip_prefix(p.as_str()).unwrap_or(&s).to_string(),
    ))
}

fn trimsuffix(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    let p = to_str(arg(&args, 1)?)?;
    Ok(Value::String(
        s.strip_suffix(p.as_str()).unwrap_or(&s).to_string(),
    ))
}

fn substr(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    let offset = to_int(arg(&args, 1)?)?;
    let length = to_int(arg(&args, 2)?)?;
    let total = s.chars().count() as i128;
    let mut start = offset;
    if start < 0 {
        start = start.saturating_add(total).max(0);
    }
    if start >= total {
        return Ok(Value::String(String::new()));
    }
    let end = if length < 0 {
        total
    } else {
        start.saturating_add(length).min(total)
    };
    let (start, end) = (
        usize::try_from(start).map_err(|e| e.to_string())?,
        usize::try_from(end).map_err(|e| e.to_string())?,
    );
    Ok(Value::String(
        s.chars().skip(start).take(end - start).collect(),
    ))
}

fn startswith(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    let p = to_known_str(arg(&args, 1)?)?;
    Ok(Value::Bool(s.starts_with(&p)))
}

fn endswith(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    let p = to_known_str(arg(&args, 1)?)?;
    Ok(Value::Bool(s.ends_with(&p)))
}

// ---------------------------------------------------------------------------
// Numbers

fn extreme(args: &FuncArgs, want: Ordering) -> R {
    let mut best: Option<Number> = None;
    for v in args.iter() {
        let n = to_num(v)?;
        best = match best {
            Some(b) if n.partial_cmp(&b) != Some(want) => Some(b),
            _ => Some(n),
        };
    }
    best.map(Value::Number)
        .ok_or_else(|| "at least one number is required".into())
}

fn min(args: FuncArgs) -> R {
    extreme(&args, Ordering::Less)
}

fn max(args: FuncArgs) -> R {
    extreme(&args, Ordering::Greater)
}

fn abs(args: FuncArgs) -> R {
    let n = to_num(arg(&args, 0)?)?;
    if let Some(i) = n.as_i64() {
        return Ok(Value::Number(Number::from(i.unsigned_abs())));
    }
    if n.as_u64().is_some() {
        return Ok(Value::Number(n));
    }
    num_value(num_f64(&n)?.abs())
}

fn ceil(args: FuncArgs) -> R {
    let n = to_num(arg(&args, 0)?)?;
    if n.as_i64().is_some() || n.as_u64().is_some() {
        return Ok(Value::Number(n));
    }
    num_value(num_f64(&n)?.ceil())
}

fn floor(args: FuncArgs) -> R {
    let n = to_num(arg(&args, 0)?)?;
    if n.as_i64().is_some() || n.as_u64().is_some() {
        return Ok(Value::Number(n));
    }
    num_value(num_f64(&n)?.floor())
}

// ---------------------------------------------------------------------------
// Conversions and encoding

fn tostring(args: FuncArgs) -> R {
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v => to_str(v).map(Value::String),
    }
}

fn tonumber(args: FuncArgs) -> R {
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v => to_num(v).map(Value::Number),
    }
}

fn tobool(args: FuncArgs) -> R {
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v => to_bool(v).map(Value::Bool),
    }
}

/// JSON string quoting as Go's `encoding/json` does it (HTML characters
/// escaped).
fn json_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_into(v: &Value, out: &mut String, depth: usize) -> Result<(), String> {
    if depth > 128 {
        return Err("value nested too deeply".into());
    }
    fits(out.len())?;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&num_to_string(n)),
        Value::String(s) => {
            if is_unknown_str(s) {
                return Err("value is unknown".into());
            }
            json_quote(s, out);
            fits(out.len())?;
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_into(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if is_unknown_str(k) {
                    return Err("value is unknown".into());
                }
                if i > 0 {
                    out.push(',');
                }
                json_quote(k, out);
                out.push(':');
                json_into(item, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn to_json(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    json_into(v, &mut out, 0)?;
    Ok(out)
}

fn jsonencode(args: FuncArgs) -> R {
    to_json(arg(&args, 0)?).map(Value::String)
}

// ---------------------------------------------------------------------------
// format and formatlist

#[derive(Default)]
struct Verb {
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
    mode: char,
}

fn format(args: FuncArgs) -> R {
    let fmt = to_str(arg(&args, 0)?)?;
    format_values(&fmt, &args[1..]).map(Value::String)
}

fn formatlist(args: FuncArgs) -> R {
    let fmt = to_str(arg(&args, 0)?)?;
    let rest = &args[1..];
    let mut len: Option<usize> = None;
    for (i, v) in rest.iter().enumerate() {
        if let Value::Array(items) = v {
            match len {
                None => len = Some(items.len()),
                Some(l) if l != items.len() => {
                    return Err(format!(
                        "argument {} has length {}, which is inconsistent with length {l}",
                        i + 2,
                        items.len()
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    let mut size = 0usize;
    for i in 0..len.unwrap_or(1) {
        let row: Vec<Value> = rest
            .iter()
            .map(|v| match v {
                Value::Array(items) => items.get(i).cloned().unwrap_or(Value::Null),
                v => v.clone(),
            })
            .collect();
        let s = format_values(&fmt, &row).map_err(|e| {
            if e == TOO_LARGE {
                e
            } else {
                format!("error on format iteration {i}: {e}")
            }
        })?;
        size = size.saturating_add(NODE_BYTES + s.len());
        fits(size)?;
        out.push(Value::String(s));
    }
    Ok(Value::Array(out))
}

fn parse_digits(chars: &[char], pos: &mut usize) -> Option<usize> {
    let start = *pos;
    while *pos < chars.len() && chars[*pos].is_ascii_digit() {
        *pos += 1;
    }
    if *pos == start {
        return None;
    }
    // Cap widths and precisions: a huge one would only allocate.
    chars[start..*pos]
        .iter()
        .collect::<String>()
        .parse::<usize>()
        .ok()
        .map(|n| n.min(10_000))
}

fn format_values(fmt: &str, vals: &[Value]) -> Result<String, String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    let mut next_arg = 0usize;
    let mut highest = 0usize;
    while pos < chars.len() {
        let c = chars[pos];
        pos += 1;
        fits(out.len())?;
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.get(pos) == Some(&'%') {
            out.push('%');
            pos += 1;
            continue;
        }
        let start = pos - 1;
        let mut verb = Verb::default();
        while let Some(&f) = chars.get(pos) {
            match f {
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                '+' => verb.plus = true,
                '-' => verb.minus = true,
                ' ' => verb.space = true,
                _ => break,
            }
            pos += 1;
        }
        if chars.get(pos) == Some(&'[') {
            pos += 1;
            let n = parse_digits(&chars, &mut pos).ok_or("invalid argument index")?;
            if chars.get(pos) != Some(&']') || n == 0 {
                return Err("invalid argument index".into());
            }
            pos += 1;
            next_arg = n - 1;
        }
        verb.width = parse_digits(&chars, &mut pos);
        if chars.get(pos) == Some(&'.') {
            pos += 1;
            verb.prec = Some(parse_digits(&chars, &mut pos).ok_or("missing precision")?);
        }
        verb.mode = *chars.get(pos).ok_or("unterminated format sequence")?;
        pos += 1;
        let raw: String = chars[start..pos].iter().collect();
        let value = vals.get(next_arg).ok_or_else(|| {
            format!(
                "not enough arguments for {raw:?}: need index {} but have {} total",
                next_arg + 1,
                vals.len()
            )
        })?;
        next_arg += 1;
        highest = highest.max(next_arg);
        format_one(&verb, value, &mut out).map_err(|e| {
            if e == TOO_LARGE {
                e
            } else {
                format!("unsupported value for {raw:?}: {e}")
            }
        })?;
    }
    if highest < vals.len() {
        return Err(format!(
            "too many arguments; only {highest} used by format string"
        ));
    }
    fits(out.len())?;
    Ok(out)
}

fn pad(verb: &Verb, s: String) -> String {
    let len = s.chars().count();
    let Some(width) = verb.width.filter(|w| *w > len) else {
        return s;
    };
    let fill: String =
        std::iter::repeat_n(if verb.zero { '0' } else { ' ' }, width - len).collect();
    if verb.minus { s + &fill } else { fill + &s }
}

/// Go-style numeric padding: the sign stays in front of zero padding.
fn pad_number(verb: &Verb, negative: bool, digits: String) -> String {
    let sign = if negative {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + digits.chars().count();
    let width = verb.width.unwrap_or(0);
    if width <= len {
        return format!("{sign}{digits}");
    }
    let fill = width - len;
    if verb.minus {
        format!("{sign}{digits}{}", " ".repeat(fill))
    } else if verb.zero {
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{sign}{digits}", " ".repeat(fill))
    }
}

fn format_one(verb: &Verb, v: &Value, out: &mut String) -> Result<(), String> {
    if v.is_null() && verb.mode != 'v' {
        return Err("null value cannot be formatted".into());
    }
    match verb.mode {
        'v' => {
            let s = match v {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => {
                    let f = num_f64(n)?;
                    let (neg, digits) = float_g(f, None, false);
                    format!("{}{digits}", if neg { "-" } else { "" })
                }
                v => to_json(v)?,
            };
            out.push_str(&pad(verb, s));
        }
        't' => {
            out.push_str(if to_bool(v)? { "true" } else { "false" });
        }
        'b' | 'd' | 'o' | 'x' | 'X' => {
            let i = to_int(v)?;
            let abs = i.unsigned_abs();
            let mut digits = match verb.mode {
                'b' => format!("{abs:b}"),
                'o' => format!("{abs:o}"),
                'x' => format!("{abs:x}"),
                'X' => format!("{abs:X}"),
                _ => abs.to_string(),
            };
            if let Some(p) = verb.prec.filter(|p| digits.len() < *p) {
                digits = "0".repeat(p - digits.len()) + &digits;
            }
            if verb.sharp {
                let prefix = match verb.mode {
                    'b' => "0b",
                    'o' if !digits.starts_with('0') => "0",
                    'x' => "0x",
                    'X' => "0X",
                    _ => "",
                };
                digits = format!("{prefix}{digits}");
            }
            let verb = Verb {
                zero: verb.zero && verb.prec.is_none(),
                ..*verb
            };
            out.push_str(&pad_number(&verb, i < 0, digits));
        }
        'e' | 'E' | 'f' | 'g' | 'G' => {
            let f = num_f64(&to_num(v)?)?;
            let upper = verb.mode.is_ascii_uppercase();
            let (neg, digits) = match verb.mode {
                'f' => (
                    f.is_sign_negative() && f != 0.0,
                    format!("{:.*}", verb.prec.unwrap_or(6), f.abs()),
                ),
                'e' | 'E' => (
                    f.is_sign_negative() && f != 0.0,
                    float_e(f.abs(), verb.prec.unwrap_or(6), upper),
                ),
                _ => float_g(f, verb.prec, upper),
            };
            out.push_str(&pad_number(verb, neg, digits));
        }
        's' | 'q' => {
            let mut s = to_str(v)?;
            if let Some(p) = verb.prec.filter(|p| *p > 0) {
                s = s.chars().take(p).collect();
            }
            if verb.mode == 'q' {
                if is_unknown_str(&s) {
                    return Err("value is unknown".into());
                }
                let mut q = String::new();
                json_quote(&s, &mut q);
                s = q;
            }
            out.push_str(&pad(verb, s));
        }
        m => return Err(format!("unsupported format verb {m:?}")),
    }
    Ok(())
}

/// Scientific notation of a non-negative `f` with `prec` fraction digits,
/// Go-style exponent (`e+06`).
fn float_e(f: f64, prec: usize, upper: bool) -> String {
    let s = format!("{f:.prec$e}");
    go_exponent(&s, upper)
}

fn go_exponent(s: &str, upper: bool) -> String {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mant}{e}{sign}{:02}", exp.unsigned_abs())
}

/// Go's `%g` (shortest when `prec` is `None`): returns the sign and the
/// digits.
fn float_g(f: f64, prec: Option<usize>, upper: bool) -> (bool, String) {
    let neg = f.is_sign_negative() && f != 0.0;
    let a = f.abs();
    // Decimal digits and the decimal exponent (value = 0.DIGITS × 10^dexp).
    let sci = match prec {
        None => format!("{a:e}"),
        Some(p) => format!("{:.*e}", p.max(1) - 1, a),
    };
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let nd = digits.len() as i64;
    let eprec = match prec {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i64;
            if p > nd && nd > exp { nd } else { p }
        }
    };
    if exp < -4 || exp >= eprec {
        let mant = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        return (neg, go_exponent(&format!("{mant}e{exp}"), upper));
    }
    let frac = (nd - (exp + 1)).max(0);
    let frac = usize::try_from(frac).unwrap_or(0);
    (neg, format!("{a:.frac$}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::{Context, Evaluate};
    use hcl::expr::{Expression, FuncCall};
    use std::str::FromStr;

    const UNK: &str = "\u{0}aws_subnet.a.id";

    fn ctx() -> Context<'static> {
        let mut ctx = Context::new();
        for (name, def) in context_functions() {
            ctx.declare_func(name, def);
        }
        ctx.declare_var("unk", Value::String(UNK.into()));
        ctx
    }

    fn eval(src: &str) -> Result<Value, String> {
        let expr = Expression::from_str(src).map_err(|e| format!("parse: {e}"))?;
        expr.evaluate(&ctx()).map_err(|e| e.to_string())
    }

    #[track_caller]
    fn ok(src: &str, expected: &str) {
        let got = eval(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let want = eval(expected).unwrap_or_else(|e| panic!("{expected}: {e}"));
        assert_eq!(got, want, "{src}");
    }

    #[track_caller]
    fn err(src: &str) {
        assert!(eval(src).is_err(), "{src} should fail, got {:?}", eval(src));
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn merge_lookup() {
        ok(
            r#"merge({a = 1, b = 2}, {b = 3, c = 4})"#,
            "{a = 1, b = 3, c = 4}",
        );
        ok("merge()", "{}");
        ok("merge(null, {a = 1})", "{a = 1}");
        err(r#"merge({a = 1}, ["x"])"#);
        ok(r#"lookup({a = "x"}, "a")"#, r#""x""#);
        ok(r#"lookup({a = "x"}, "b", "d")"#, r#""d""#);
        err(r#"lookup({a = "x"}, "b")"#);
        err(r#"lookup({a = "x"}, "a", 1, 2)"#);
        err(r#"lookup(["a"], "a")"#);
        err("lookup({a = 1}, unk, 2)");
    }

    #[test]
    fn concat_length_element_slice() {
        ok(r#"concat(["a"], [], ["b", "c"])"#, r#"["a", "b", "c"]"#);
        err(r#"concat(["a"], "b")"#);
        ok(r#"length("héllo")"#, "5");
        ok("length([1, 2, 3])", "3");
        ok("length({a = 1})", "1");
        ok("length([])", "0");
        assert_eq!(
            eval("length([1])").ok(),
            Some(Value::Number(Number::from(1u64)))
        );
        assert!(eval("length([1])").is_ok_and(|v| v.as_number().is_some_and(|n| !n.is_f64())));
        err("length(5)");
        err("length(null)");
        err("length(unk)");
        ok("length([unk, unk])", "2");
        ok(r#"element(["a", "b", "c"], 1)"#, r#""b""#);
        ok(r#"element(["a", "b", "c"], 5)"#, r#""c""#);
        err("element([], 0)");
        err(r#"element(["a"], -1)"#);
        err(r#"element(["a"], 0.5)"#);
        ok(r#"slice(["a", "b", "c", "d"], 1, 3)"#, r#"["b", "c"]"#);
        ok(r#"slice(["a"], 1, 1)"#, "[]");
        err(r#"slice(["a"], 0, 2)"#);
        err(r#"slice(["a", "b"], 2, 1)"#);
    }

    #[test]
    fn format_verbs() {
        ok(r#"format("Hello, %s!", "Ander")"#, r#""Hello, Ander!""#);
        ok(r#"format("%d items", 3)"#, r#""3 items""#);
        ok(r#"format("%d", "42")"#, r#""42""#);
        err(r#"format("%d", 1.5)"#);
        ok(r#"format("%5.2f|", 3.14159)"#, r#"" 3.14|""#);
        ok(
            r#"format("%-5d|%05d|%+d", 1, -2, 3)"#,
            r#""1    |-0002|+3""#,
        );
        ok(r#"format("%.3f", 2)"#, r#""2.000""#);
        ok(r#"format("%e", 1234.5678)"#, r#""1.234568e+03""#);
        ok(
            r#"format("%x %X %o %b", 255, 255, 8, 5)"#,
            r#""ff FF 10 101""#,
        );
        ok(r#"format("%v %v %v", "a", 1.5, true)"#, r#""a 1.5 true""#);
        ok(r#"format("%v", 1000000)"#, r#""1e+06""#);
        ok(r#"format("%v", 123456)"#, r#""123456""#);
        ok(r#"format("%v", [1, "a"])"#, r#""[1,\"a\"]""#);
        ok(r#"format("%v", null)"#, r#""null""#);
        err(r#"format("%s", null)"#);
        ok(r#"format("%q", "a\"b")"#, r#""\"a\\\"b\"""#);
        ok(r#"format("%q", 5)"#, r#""\"5\"""#);
        ok(r#"format("100%%")"#, r#""100%""#);
        ok(r#"format("%5s|%-5s|", "ab", "cd")"#, r#""   ab|cd   |""#);
        ok(r#"format("%.2s", "abcdef")"#, r#""ab""#);
        ok(r#"format("%[2]s %[1]s", "a", "b")"#, r#""b a""#);
        ok(r#"format("%[2]s %s", "a", "b", "c")"#, r#""b c""#);
        err(r#"format("%[1]s", "a", "b")"#);
        ok(r#"format("%t", true)"#, r#""true""#);
        ok(r#"format("%g", 0.00001234)"#, r#""1.234e-05""#);
        ok(r#"format("%.3g", 3.14159)"#, r#""3.14""#);
        err(r#"format("%s")"#);
        err(r#"format("%s", "a", "b")"#);
        err(r#"format("%z", 1)"#);
        err(r#"format("%s", [1])"#);
        err(r#"format("%.f", 1)"#);
        err(r#"format("%", 1)"#);
        // Sentinels pass through %s; %q would escape them out of sight.
        assert_eq!(eval(r#"format("id-%s", unk)"#), Ok(s(&format!("id-{UNK}"))));
        err(r#"format("%q", unk)"#);
        err(r#"format("%d", unk)"#);
    }

    #[test]
    fn formatlist_() {
        ok(
            r#"formatlist("%s-%s", ["a", "b"], "x")"#,
            r#"["a-x", "b-x"]"#,
        );
        ok(
            r#"formatlist("%s=%d", ["a", "b"], [1, 2])"#,
            r#"["a=1", "b=2"]"#,
        );
        ok(r#"formatlist("%s", [])"#, "[]");
        ok(r#"formatlist("x")"#, r#"["x"]"#);
        ok(r#"formatlist("%s", "a")"#, r#"["a"]"#);
        err(r#"formatlist("%s%s", ["a"], ["b", "c"])"#);
    }

    #[test]
    fn coalesce_() {
        ok(r#"coalesce("", null, "b", "c")"#, r#""b""#);
        ok("coalesce(null, 1, 2)", "1");
        ok(r#"coalesce(1, "a")"#, r#""1""#);
        err(r#"coalesce("", null)"#);
        err("coalesce()");
        err(r#"coalesce(unk, "a")"#);
        ok(r#"coalesce("a", unk)"#, r#""a""#);
        ok(r#"coalescelist([], ["a"], ["b"])"#, r#"["a"]"#);
        ok(r#"coalescelist(null, [1])"#, "[1]");
        err("coalescelist([], [])");
        err(r#"coalescelist("a")"#);
    }

    #[test]
    fn conversions_to_collections() {
        ok(r#"toset(["b", "a", "b"])"#, r#"["a", "b"]"#);
        ok("toset([3, 1, 2, 1])", "[1, 2, 3]");
        ok(r#"toset(["a", 1])"#, r#"["1", "a"]"#);
        ok("toset([[1], [1], [2]])", "[[1], [2]]");
        ok("toset([])", "[]");
        err(r#"toset(["a", null])"#);
        err(r#"toset(["a", unk])"#);
        err(r#"toset({a = 1})"#);
        ok(r#"tolist(["a", 1, true])"#, r#"["a", "1", "true"]"#);
        ok("tolist([1, 2])", "[1, 2]");
        err(r#"tolist(["a", [1]])"#);
        err(r#"tolist({a = 1})"#);
        ok(r#"tomap({b = 1, a = "x"})"#, r#"{a = "x", b = "1"}"#);
        err(r#"tomap(["a"])"#);
        err(r#"tomap({a = [1], b = "x"})"#);
    }

    #[test]
    fn keys_values_contains_distinct() {
        ok(r#"keys({b = 1, a = 2, c = 3})"#, r#"["a", "b", "c"]"#);
        ok(r#"values({b = 1, a = 2, c = 3})"#, "[2, 1, 3]");
        ok("keys({})", "[]");
        err(r#"keys(["a"])"#);
        err(r#"values("a")"#);
        ok(r#"contains(["a", "b"], "b")"#, "true");
        ok(r#"contains(["a", "b"], "c")"#, "false");
        ok(r#"contains(["1"], 1)"#, "false");
        ok(r#"contains([unk, "b"], "b")"#, "true");
        err(r#"contains([unk, "b"], "c")"#);
        err(r#"contains(["b"], unk)"#);
        err(r#"contains("ab", "a")"#);
        ok(r#"distinct(["a", "b", "a", "c"])"#, r#"["a", "b", "c"]"#);
        ok("distinct([[1], [1]])", "[[1]]");
        err(r#"distinct([unk, "a"])"#);
        err(r#"distinct("a")"#);
    }

    #[test]
    fn flatten_join_split() {
        ok(
            r#"flatten([["a", "b"], [], ["c", ["d"]], "e"])"#,
            r#"["a", "b", "c", "d", "e"]"#,
        );
        ok("flatten([])", "[]");
        err(r#"flatten([["a"], unk])"#);
        err(r#"flatten("a")"#);
        ok(r#"join(", ", ["a", "b", "c"])"#, r#""a, b, c""#);
        ok(r#"join("-", ["a"], [1, true])"#, r#""a-1-true""#);
        ok(r#"join(",", [])"#, r#""""#);
        err(r#"join(",")"#);
        err(r#"join(",", ["a", null])"#);
        err(r#"join(",", [["a"]])"#);
        assert_eq!(eval(r#"join("/", [unk, "x"])"#), Ok(s(&format!("{UNK}/x"))));
        ok(r#"split(",", "a,b,,c")"#, r#"["a", "b", "", "c"]"#);
        ok(r#"split(",", "")"#, r#"[""]"#);
        ok(r#"split("", "ab")"#, r#"["a", "b"]"#);
        err(r#"split(",", unk)"#);
        err(r#"split(",", ["a"])"#);
    }

    #[test]
    fn strings() {
        ok(r#"lower("HeLLo")"#, r#""hello""#);
        ok(r#"upper("hello")"#, r#""HELLO""#);
        ok("upper(5)", r#""5""#);
        err("upper([])");
        assert_eq!(eval("lower(unk)"), Ok(s(UNK)));
        ok(r#"replace("a-b-c", "-", "_")"#, r#""a_b_c""#);
        ok(r#"replace("abc", "x", "_")"#, r#""abc""#);
        err(r#"replace("abc", "/b/", "_")"#);
        ok(r#"replace("a/b", "/", "_")"#, r#""a_b""#);
        ok(r#"trimspace("  a b \n")"#, r#""a b""#);
        err("trimspace(unk)");
        ok(r#"trimprefix("prefix-x", "prefix-")"#, r#""x""#);
        ok(r#"trimprefix("x", "prefix-")"#, r#""x""#);
        ok(r#"trimsuffix("x.tf", ".tf")"#, r#""x""#);
        ok(r#"trimsuffix("x.tf.tf", ".tf")"#, r#""x.tf""#);
        ok(r#"substr("hello world", 1, 4)"#, r#""ello""#);
        ok(r#"substr("hello", -3, -1)"#, r#""llo""#);
        ok(r#"substr("hello", 2, 100)"#, r#""llo""#);
        ok(r#"substr("hello", 10, 2)"#, r#""""#);
        ok(r#"substr("héllo", 1, 2)"#, r#""él""#);
        ok(r#"substr("hello", -10, 2)"#, r#""he""#);
        err(r#"substr("hello", 0.5, 2)"#);
        ok(r#"startswith("hello", "he")"#, "true");
        ok(r#"startswith("hello", "lo")"#, "false");
        ok(r#"endswith("hello", "lo")"#, "true");
        err(r#"startswith(unk, "x")"#);
        err(r#"endswith(1, [])"#);
    }

    #[test]
    fn numbers() {
        ok("min(3, 1, 2)", "1");
        ok("max(3, 1.5, 2)", "3");
        ok(r#"max("4", 2)"#, "4");
        err("min()");
        err(r#"min("a")"#);
        err("max(unk)");
        ok("abs(-3)", "3");
        ok("abs(-1.5)", "1.5");
        ok("abs(4)", "4");
        ok("ceil(1.2)", "2");
        ok("floor(-1.2)", "-2");
        ok("floor(5)", "5");
        assert!(eval("ceil(1.2)").is_ok_and(|v| v.as_number().is_some_and(|n| !n.is_f64())));
        err(r#"ceil("x")"#);
        ok("range(3)", "[0, 1, 2]");
        ok("range(1, 4)", "[1, 2, 3]");
        ok("range(4, 1)", "[4, 3, 2]");
        ok("range(-3)", "[0, -1, -2]");
        ok("range(0, 10, 3)", "[0, 3, 6, 9]");
        ok("range(1, 2, 0.25)", "[1, 1.25, 1.5, 1.75]");
        ok("range(0)", "[]");
        err("range(0, 1, 0)");
        err("range(5, 1, 1)");
        err("range(1, 5, -1)");
        err("range(2000)");
        err("range()");
        err("range(1, 2, 3, 4)");
    }

    #[test]
    fn zipmap_compact_index_one_sort_reverse() {
        ok(r#"zipmap(["a", "b"], [1, 2])"#, "{a = 1, b = 2}");
        err(r#"zipmap(["a"], [1, 2])"#);
        err("zipmap([unk], [1])");
        ok(r#"compact(["a", "", null, "b"])"#, r#"["a", "b"]"#);
        err(r#"compact(["a", unk])"#);
        err(r#"compact([["a"]])"#);
        ok(r#"index(["a", "b", "c"], "b")"#, "1");
        err(r#"index(["a"], "z")"#);
        err(r#"index([unk, "b"], "b")"#);
        ok("one([])", "null");
        ok(r#"one(["a"])"#, r#""a""#);
        err("one([1, 2])");
        err("one(1)");
        ok(r#"sort(["b", "c", "a"])"#, r#"["a", "b", "c"]"#);
        ok("sort([10, 9])", r#"["10", "9"]"#);
        err(r#"sort(["a", null])"#);
        err("sort([unk])");
        ok("reverse([1, 2, 3])", "[3, 2, 1]");
        err(r#"reverse("abc")"#);
    }

    #[test]
    fn encoding_and_primitive_conversions() {
        ok(
            r#"jsonencode({b = [1, 2.5, true, null], a = "x<y"})"#,
            r#""{\"a\":\"x\\u003cy\",\"b\":[1,2.5,true,null]}""#,
        );
        ok(r#"jsonencode("a\nb")"#, r#""\"a\\nb\"""#);
        ok("jsonencode(null)", r#""null""#);
        err("jsonencode([unk])");
        ok("tostring(5)", r#""5""#);
        ok("tostring(1.5)", r#""1.5""#);
        ok("tostring(true)", r#""true""#);
        ok("tostring(null)", "null");
        err("tostring([])");
        assert_eq!(eval("tostring(unk)"), Ok(s(UNK)));
        ok(r#"tonumber("42")"#, "42");
        ok(r#"tonumber("1.5")"#, "1.5");
        ok("tonumber(3)", "3");
        ok("tonumber(null)", "null");
        err(r#"tonumber("x")"#);
        err(r#"tonumber("inf")"#);
        err("tonumber(unk)");
        err("tonumber(true)");
        ok(r#"tobool("true")"#, "true");
        ok("tobool(false)", "false");
        ok("tobool(null)", "null");
        err(r#"tobool("yes")"#);
        err("tobool(unk)");
        err("tobool(1)");
    }

    /// Every function, with every combination of up to three assorted
    /// arguments: errors are fine, panics are not.
    #[test]
    fn no_panic_on_odd_arguments() {
        let pool: Vec<Expression> = [
            "null",
            "true",
            "0",
            "-1",
            "1.5",
            "18446744073709551615",
            "-9223372036854775808",
            "1e300",
            r#""""#,
            r#""abc""#,
            r#""%""#,
            r#""%[0]d %.""#,
            "unk",
            "[]",
            r#"[1, "a", null]"#,
            "[[1, [2]], unk]",
            "{}",
            r#"{a = 1, b = [2]}"#,
        ]
        .iter()
        .map(|src| Expression::from_str(src).expect(src))
        .collect();
        let ctx = ctx();
        let mut calls = 0;
        for (name, _) in context_functions() {
            let mut arg_lists: Vec<Vec<&Expression>> = vec![vec![]];
            for a in &pool {
                arg_lists.push(vec![a]);
                for b in &pool {
                    arg_lists.push(vec![a, b]);
                    for c in &pool {
                        arg_lists.push(vec![a, b, c]);
                    }
                }
            }
            for args in arg_lists {
                let mut call = FuncCall::builder(name);
                for a in args {
                    call = call.arg(a.clone());
                }
                let _ = Expression::from(call.build()).evaluate(&ctx);
                calls += 1;
            }
        }
        assert!(calls > 100_000);
    }

    #[test]
    fn all_functions_declared() {
        let names: Vec<&str> = context_functions().iter().map(|(n, _)| *n).collect();
        assert_eq!(names.len(), 90);
        let mut dedup = names.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(dedup.len(), names.len());
    }
}
