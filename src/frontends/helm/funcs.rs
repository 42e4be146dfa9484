//! Helm's function map over the template engine: Helm's own functions
//! (`include`, `tpl`, `required`, `toYaml`…) and the Sprig functions charts
//! use. Random and time functions are deterministic, so a run is
//! reproducible. `set`, `unset` and the `merge` family change the caller's
//! map in place, as Sprig does on Go's maps.

use super::values::{deep_copy, empty_map, go_float, map, s};
pub use crate::frontends::digest::base64 as b64;
use crate::frontends::digest::{hex, sha256};
use gotmpl::{FuncMap, MapRef, Template, TemplateError, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

type R = Result<Value, TemplateError>;

/// Deepest nesting of `include` and `tpl` calls (Helm stops at 1000; real
/// charts nest a few dozen deep at most, and each level costs stack).
pub const MAX_INCLUDE_DEPTH: usize = 300;
/// Largest text one `include` or `tpl` call may produce.
pub const MAX_INCLUDE_BYTES: usize = 16 << 20;

/// What `include` and `tpl` need: the chart's template set, filled once
/// every file is parsed, and the depth of the calls in progress.
#[derive(Default)]
pub struct Shared {
    pub templates: OnceLock<Template>,
    pub depth: AtomicUsize,
}

fn err(m: impl Into<String>) -> TemplateError {
    TemplateError::Exec(m.into())
}

fn arg(a: &[Value], i: usize) -> Value {
    a.get(i).cloned().unwrap_or(Value::Nil)
}

fn last(a: &[Value]) -> Value {
    a.last().cloned().unwrap_or(Value::Nil)
}

/// Go's `fmt.Sprint` of a value, as Sprig's `toString` gives it.
pub fn to_str(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::String(x) => x.to_string(),
        Value::Float(f) => go_float(*f),
        Value::List(l) => format!("[{}]", l.iter().map(to_str).collect::<Vec<_>>().join(" ")),
        o => o.to_string(),
    }
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Uint(u) => *u as f64,
        Value::Float(f) => *f,
        Value::String(x) => x.trim().parse().unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        Value::Float(f) if f.is_finite() => *f as i64,
        Value::String(x) => x
            .trim()
            .parse::<i64>()
            .unwrap_or_else(|_| x.trim().parse::<f64>().map_or(0, |f| f as i64)),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

fn empty(v: &Value) -> bool {
    !v.is_truthy()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Function(_) => "func",
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        Value::Function(_) => "func",
    }
}

fn list(v: Vec<Value>) -> Value {
    Value::List(v.into())
}

/// Whether `v` holds the map `target` (so that storing `v` in `target`
/// would make a map contain itself).
fn reaches(v: &Value, target: &MapRef, depth: usize) -> bool {
    if depth > 200 {
        return true;
    }
    match v {
        Value::Map(m) => {
            m.ptr_eq(target) || m.snapshot().values().any(|x| reaches(x, target, depth + 1))
        }
        Value::List(l) => l.iter().any(|x| reaches(x, target, depth + 1)),
        _ => false,
    }
}

fn insert(m: &MapRef, key: Arc<str>, v: Value) -> Result<(), TemplateError> {
    if reaches(&v, m, 0) {
        return Err(err("a map cannot contain itself"));
    }
    m.write().insert(key, v);
    Ok(())
}

/// Sprig's `merge` (`overwrite` false: `dst` keeps its values) and
/// `mergeOverwrite`, into `dst` in place. No lock is held while another is
/// taken.
fn merge_into(
    dst: &MapRef,
    src: &MapRef,
    overwrite: bool,
    depth: usize,
) -> Result<(), TemplateError> {
    if depth > 200 {
        return Err(err("merge: maps nested too deep"));
    }
    if dst.ptr_eq(src) {
        return Ok(());
    }
    for (k, v) in src.snapshot() {
        let cur = dst.get(&k);
        match (cur, &v) {
            (Some(Value::Map(d)), Value::Map(sm)) => merge_into(&d, sm, overwrite, depth + 1)?,
            (Some(cur), _) => {
                // mergo: an empty destination value is filled; overwrite
                // replaces with a non-empty source value.
                if (overwrite && !empty(&v)) || empty(&cur) && !empty(&v) {
                    insert(dst, k, v)?;
                }
            }
            (None, _) => insert(dst, k, v)?,
        }
    }
    Ok(())
}

// ---- toYaml as Helm writes it (sigs.k8s.io/yaml over go-yaml v2).

fn needs_quote(x: &str) -> bool {
    if reads_as_other_type(x) {
        return true;
    }
    if super::values::from_node_text_is_number(x) {
        return true;
    }
    let Some(f) = x.chars().next() else {
        return true;
    };
    // An indicator first is quoted, except a `-` that cannot start a
    // sequence entry (`-foo` stays plain in go-yaml).
    let dash_plain = f == '-' && x.len() > 1 && !x[1..].starts_with([' ', '\t', '-']);
    if "-?:,[]{}#&*!|>'\"%@` \t".contains(f) && !dash_plain {
        return true;
    }
    x.ends_with([' ', '\t', ':'])
        || x.contains(": ")
        || x.contains(" #")
        || x.contains('\t')
        || x.chars().any(|c| c.is_control() && c != '\n')
}

fn reads_as_other_type(x: &str) -> bool {
    x.is_empty()
        || matches!(
            x.to_ascii_lowercase().as_str(),
            "true"
                | "false"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "y"
                | "n"
                | "null"
                | "~"
                | ".inf"
                | "-.inf"
                | "+.inf"
                | ".nan"
        )
}

fn quote_yaml(x: &str) -> String {
    let mut o = String::from("\"");
    for c in x.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => o.push_str(&format!("\\x{:02X}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Nil => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(i) => i.to_string(),
        Value::Float(f) => go_float(*f),
        // go-yaml: a string that would read as another type is
        // double-quoted; one that cannot be plain for its characters is
        // single-quoted, unless it holds control characters.
        Value::String(x) => {
            if super::values::from_node_text_is_number(x) || reads_as_other_type(x) {
                quote_yaml(x)
            } else if !needs_quote(x) {
                x.to_string()
            } else if x.chars().any(|c| c.is_control()) {
                quote_yaml(x)
            } else {
                format!("'{}'", x.replace('\'', "''"))
            }
        }
        Value::Map(_) => "{}".into(),
        Value::List(_) => "[]".into(),
        o @ Value::Function(_) => quote_yaml(&o.to_string()),
    }
}

fn block(t: &str, ind: usize, out: &mut String) {
    if t.lines().any(|l| l.ends_with([' ', '\t'])) || t.starts_with([' ', '\t']) || t.contains('\r')
    {
        out.push(' ');
        out.push_str(&quote_yaml(t));
        out.push('\n');
        return;
    }
    out.push_str(if t.ends_with('\n') { " |\n" } else { " |-\n" });
    for line in t.strip_suffix('\n').unwrap_or(t).split('\n') {
        if !line.is_empty() {
            out.push_str(&" ".repeat(ind));
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn nonempty_map(v: &Value) -> bool {
    matches!(v, Value::Map(m) if !m.is_empty())
}

fn nonempty_list(v: &Value) -> bool {
    matches!(v, Value::List(l) if !l.is_empty())
}

/// YAML of `v` at indentation `ind`, as go-yaml v2 writes it: keys sorted,
/// block style, sequences at their key's indentation.
pub fn to_yaml(v: &Value, ind: usize, out: &mut String, depth: usize) -> Result<(), TemplateError> {
    if depth > 200 || out.len() > MAX_INCLUDE_BYTES {
        return Err(err("toYaml: value too deep or too large"));
    }
    let pad = " ".repeat(ind);
    match v {
        Value::Map(m) if !m.is_empty() => {
            for (k, x) in m.snapshot() {
                out.push_str(&pad);
                out.push_str(&yaml_scalar(&Value::String(k)));
                out.push(':');
                if nonempty_map(&x) {
                    out.push('\n');
                    to_yaml(&x, ind + 2, out, depth + 1)?;
                } else if nonempty_list(&x) {
                    out.push('\n');
                    to_yaml(&x, ind, out, depth + 1)?;
                } else if let Value::String(t) = &x
                    && t.contains('\n')
                {
                    block(t, ind + 2, out);
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(&x));
                    out.push('\n');
                }
            }
        }
        Value::List(l) if !l.is_empty() => {
            for x in l.iter() {
                out.push_str(&pad);
                out.push('-');
                if nonempty_map(x) || nonempty_list(x) {
                    let mut sub = String::new();
                    to_yaml(x, ind + 2, &mut sub, depth + 1)?;
                    out.push(' ');
                    out.push_str(sub.get(ind + 2..).unwrap_or(""));
                } else if let Value::String(t) = x
                    && t.contains('\n')
                {
                    block(t, ind + 2, out);
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(x));
                    out.push('\n');
                }
            }
        }
        x => {
            out.push_str(&pad);
            out.push_str(&yaml_scalar(x));
            out.push('\n');
        }
    }
    Ok(())
}

/// JSON of `v` as Go's `encoding/json` writes it (HTML characters escaped).
pub fn to_json(v: &Value, out: &mut String, depth: usize) -> Result<(), TemplateError> {
    if depth > 200 || out.len() > MAX_INCLUDE_BYTES {
        return Err(err("toJson: value too deep or too large"));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::String(x) => {
            out.push('"');
            for c in x.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '<' => out.push_str("\\u003c"),
                    '>' => out.push_str("\\u003e"),
                    '&' => out.push_str("\\u0026"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                to_json(x, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.snapshot().into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                to_json(&Value::String(k), out, depth + 1)?;
                out.push(':');
                to_json(&x, out, depth + 1)?;
            }
            out.push('}');
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&go_float(*f)),
        o @ Value::Function(_) => to_json(&s(&o.to_string()), out, depth + 1)?,
    }
    Ok(())
}

fn from_yaml(text: &str) -> Value {
    match super::values::decode(text) {
        Ok(Some(Value::Map(m))) => Value::Map(m),
        Ok(Some(Value::Nil) | None) => empty_map(),
        Ok(Some(_)) => map([(
            Arc::from("Error"),
            s("error unmarshaling JSON: cannot unmarshal into map"),
        )]
        .into()),
        Err(e) => map([(Arc::from("Error"), s(&e))].into()),
    }
}

fn semver_parse(v: &str) -> Option<(u64, u64, u64, bool)> {
    let v = v.trim().trim_start_matches(['v', 'V', '=']);
    let (core, pre) = match v.find(['-', '+']) {
        Some(i) => (&v[..i], v[i..].starts_with('-')),
        None => (v, false),
    };
    let mut it = core.split('.');
    let a = it.next()?.parse().ok()?;
    let b = match it.next() {
        Some(x) if x == "x" || x == "*" || x == "X" => 0,
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    let c = match it.next() {
        Some(x) if x == "x" || x == "*" || x == "X" => 0,
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    Some((a, b, c, pre))
}

/// Masterminds/semver constraints, as Helm's `semverCompare` checks them
/// (comparison operators, `^`, `~`, ranges with `,` or spaces, `||`). A
/// pre-release version matches only constraints that allow pre-releases
/// (a `-0` suffix), as there.
pub(super) fn semver_compare(c: &str, v: &str) -> Result<bool, TemplateError> {
    let ver = semver_parse(v).ok_or_else(|| err(format!("invalid semantic version {v:?}")))?;
    let key = (ver.0, ver.1, ver.2);
    for alt in c.split("||") {
        let mut ok = true;
        let mut allows_pre = false;
        let parts: Vec<String> = {
            // ">= 1.2" → ">=1.2"
            let mut toks = Vec::new();
            let mut pending = String::new();
            for t in alt.split([',', ' ']).filter(|x| !x.is_empty()) {
                if t.chars().all(|ch| "<>=!~^".contains(ch)) {
                    pending.push_str(t);
                } else {
                    toks.push(format!("{pending}{t}"));
                    pending.clear();
                }
            }
            toks
        };
        for cons in &parts {
            let (op, rest) = ["<=", ">=", "!=", "=>", "=<", "<", ">", "=", "^", "~"]
                .iter()
                .find_map(|op| cons.strip_prefix(op).map(|r| (*op, r)))
                .unwrap_or(("=", cons.as_str()));
            if rest.contains('-') {
                allows_pre = true;
            }
            let want =
                semver_parse(rest).ok_or_else(|| err(format!("improper constraint: {c}")))?;
            let w = (want.0, want.1, want.2);
            let hit = match op {
                ">=" | "=>" => key >= w,
                "<=" | "=<" => key <= w,
                ">" => key > w,
                "<" => key < w,
                "!=" => key != w,
                "^" => key >= w && key.0 == w.0,
                "~" => key >= w && key.0 == w.0 && key.1 == w.1,
                _ => key == w,
            };
            ok &= hit;
        }
        if ver.3 && !allows_pre {
            ok = false;
        }
        if ok {
            return Ok(true);
        }
    }
    Ok(false)
}

fn regex(p: &Value) -> Result<regex::Regex, TemplateError> {
    regex::RegexBuilder::new(&to_str(p))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| err(e.to_string()))
}

/// Go's regexp `Expand` template (`$1`, `${name}`) to the regex crate's.
fn go_replacement(rep: &str) -> String {
    let mut o = String::new();
    let b: Vec<char> = rep.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '$' && i + 1 < b.len() && (b[i + 1].is_ascii_alphanumeric() || b[i + 1] == '_') {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == '_') {
                j += 1;
            }
            let name: String = b[i + 1..j].iter().collect();
            o.push_str(&format!("${{{name}}}"));
            i = j;
        } else {
            o.push(b[i]);
            i += 1;
        }
    }
    o
}

fn b64dec(text: &str) -> String {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(((bits >> n) & 0xff) as u8);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn indent(n: i64, text: &str) -> String {
    let pad = " ".repeat(usize::try_from(n.clamp(0, 1024)).unwrap_or(0));
    format!("{pad}{}", text.replace('\n', &format!("\n{pad}")))
}

/// Runs `f` one `include`/`tpl` level deeper, refusing past the limit.
fn nested(shared: &Shared, f: impl FnOnce(&Template) -> Result<String, TemplateError>) -> R {
    let t = shared
        .templates
        .get()
        .ok_or_else(|| err("templates not loaded"))?;
    let d = shared.depth.fetch_add(1, Ordering::Relaxed);
    let r = if d >= MAX_INCLUDE_DEPTH {
        Err(err(
            "rendering template has a nested reference name: include/tpl nested too deep",
        ))
    } else {
        f(t)
    };
    shared.depth.fetch_sub(1, Ordering::Relaxed);
    let text = r?;
    if text.len() > MAX_INCLUDE_BYTES {
        return Err(err("include/tpl output too large"));
    }
    Ok(s(&text.replace("<no value>", "")))
}

/// Adds a function to a function map.
macro_rules! def {
    ($f:expr, $n:expr, $c:expr) => {
        $f.insert($n.to_string(), Arc::new($c));
    };
}

/// The function map, with `include` and `tpl` reaching the chart's
/// templates through `shared`.
pub fn funcs(shared: &Arc<Shared>) -> FuncMap {
    let mut f: FuncMap = BTreeMap::new();
    templates(&mut f, shared);
    encodings(&mut f);
    defaults(&mut f);
    string_edits(&mut f);
    string_forms(&mut f);
    numbers(&mut f);
    digests(&mut f);
    lists(&mut f);
    list_text(&mut f);
    dicts(&mut f);
    choices(&mut f);
    regexes(&mut f);
    fixed(&mut f);
    f
}

/// `include` and `tpl`, which render the chart's templates through
/// `shared`.
fn templates(f: &mut FuncMap, shared: &Arc<Shared>) {
    let sh = shared.clone();
    def!(f, "include", move |a: &[Value]| -> R {
        let name = to_str(&arg(a, 0));
        nested(&sh, |t| {
            t.execute_template_to_string(&name, &arg(a, 1))
                .map_err(|e| err(format!("error calling include: {e}")))
        })
    });
    let sh = shared.clone();
    def!(f, "tpl", move |a: &[Value]| -> R {
        let text = match arg(a, 0) {
            Value::String(x) => x.to_string(),
            o => {
                return Err(err(format!(
                    "error calling tpl: expected string, got {}",
                    kind(&o)
                )));
            }
        };
        nested(&sh, |t| {
            t.clone()
                .parse(&text)
                .and_then(|t| t.execute_to_string(&arg(a, 1)))
                .map_err(|e| err(format!("error calling tpl: {e}")))
        })
    });
}

/// YAML and JSON, to and from text.
fn encodings(f: &mut FuncMap) {
    def!(f, "toYaml", |a: &[Value]| -> R {
        let mut o = String::new();
        to_yaml(&arg(a, 0), 0, &mut o, 0)?;
        Ok(s(o.trim_end_matches('\n')))
    });
    def!(f, "toYamlPretty", |a: &[Value]| -> R {
        let mut o = String::new();
        to_yaml(&arg(a, 0), 0, &mut o, 0)?;
        Ok(s(o.trim_end_matches('\n')))
    });
    for n in ["toJson", "mustToJson", "toRawJson", "mustToRawJson"] {
        def!(f, n, |a: &[Value]| -> R {
            let mut o = String::new();
            to_json(&arg(a, 0), &mut o, 0)?;
            Ok(s(&o))
        });
    }
    def!(f, "toToml", |a: &[Value]| -> R {
        Ok(s(&super::toml::helm_to_toml(&arg(a, 0))?))
    });
    for n in ["toPrettyJson", "mustToPrettyJson"] {
        def!(f, n, |a: &[Value]| -> R {
            let mut o = String::new();
            to_json(&arg(a, 0), &mut o, 0)?;
            // Indented re-encoding through serde_json keeps Go's key order
            // (sorted) and two-space indentation.
            let pretty = serde_json::from_str::<serde_json::Value>(&o)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or(o);
            Ok(s(&pretty))
        });
    }
    def!(f, "fromYaml", |a: &[Value]| -> R {
        Ok(from_yaml(&to_str(&arg(a, 0))))
    });
    def!(f, "fromJson", |a: &[Value]| -> R {
        Ok(from_yaml(&to_str(&arg(a, 0))))
    });
    for n in ["fromYamlArray", "fromJsonArray"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match super::values::decode(&to_str(&arg(a, 0))) {
                Ok(Some(Value::List(l))) => Value::List(l),
                Ok(_) => list(vec![]),
                Err(e) => list(vec![s(&e)]),
            })
        });
    }
}

/// Defaults, required values, failures and `lookup` (empty, as `helm template` gives).
fn defaults(f: &mut FuncMap) {
    def!(f, "default", |a: &[Value]| -> R {
        let d = arg(a, 0);
        Ok(if a.len() < 2 || empty(&last(a)) {
            d
        } else {
            last(a)
        })
    });
    def!(f, "empty", |a: &[Value]| -> R {
        Ok(Value::Bool(empty(&arg(a, 0))))
    });
    def!(f, "required", |a: &[Value]| -> R {
        let v = arg(a, 1);
        if matches!(v, Value::Nil) || matches!(&v, Value::String(x) if x.is_empty()) {
            Err(err(to_str(&arg(a, 0))))
        } else {
            Ok(v)
        }
    });
    def!(f, "fail", |a: &[Value]| -> R {
        Err(err(to_str(&arg(a, 0))))
    });
    def!(f, "lookup", |_a: &[Value]| -> R { Ok(empty_map()) });
}

/// Quoting, indenting, trimming and testing strings.
fn string_edits(f: &mut FuncMap) {
    def!(f, "quote", |a: &[Value]| -> R {
        Ok(s(&a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| {
                let mut o = String::new();
                go_quote(&to_str(v), &mut o);
                o
            })
            .collect::<Vec<_>>()
            .join(" ")))
    });
    def!(f, "squote", |a: &[Value]| -> R {
        Ok(s(&a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{}'", to_str(v)))
            .collect::<Vec<_>>()
            .join(" ")))
    });
    def!(f, "indent", |a: &[Value]| -> R {
        Ok(s(&indent(int(&arg(a, 0)), &to_str(&arg(a, 1)))))
    });
    def!(f, "nindent", |a: &[Value]| -> R {
        Ok(s(&format!(
            "\n{}",
            indent(int(&arg(a, 0)), &to_str(&arg(a, 1)))
        )))
    });
    def!(f, "trim", |a: &[Value]| -> R {
        Ok(s(to_str(&arg(a, 0)).trim()))
    });
    def!(f, "trimAll", |a: &[Value]| -> R {
        let c = to_str(&arg(a, 0));
        Ok(s(to_str(&arg(a, 1)).trim_matches(|x| c.contains(x))))
    });
    def!(f, "trimSuffix", |a: &[Value]| -> R {
        let (x, v) = (to_str(&arg(a, 0)), to_str(&arg(a, 1)));
        Ok(s(v.strip_suffix(x.as_str()).unwrap_or(&v)))
    });
    def!(f, "trimPrefix", |a: &[Value]| -> R {
        let (x, v) = (to_str(&arg(a, 0)), to_str(&arg(a, 1)));
        Ok(s(v.strip_prefix(x.as_str()).unwrap_or(&v)))
    });
    def!(f, "hasSuffix", |a: &[Value]| -> R {
        Ok(Value::Bool(
            to_str(&arg(a, 1)).ends_with(&to_str(&arg(a, 0))),
        ))
    });
    def!(f, "hasPrefix", |a: &[Value]| -> R {
        Ok(Value::Bool(
            to_str(&arg(a, 1)).starts_with(&to_str(&arg(a, 0))),
        ))
    });
    def!(f, "contains", |a: &[Value]| -> R {
        Ok(Value::Bool(
            to_str(&arg(a, 1)).contains(&to_str(&arg(a, 0))),
        ))
    });
    def!(f, "trunc", |a: &[Value]| -> R {
        let n = int(&arg(a, 0));
        let v: Vec<char> = to_str(&arg(a, 1)).chars().collect();
        let len = i64::try_from(v.len()).unwrap_or(i64::MAX);
        Ok(s(&if n >= 0 {
            v.iter()
                .take(usize::try_from(n).unwrap_or(usize::MAX))
                .collect::<String>()
        } else {
            v.iter()
                .skip(usize::try_from((len + n).max(0)).unwrap_or(0))
                .collect()
        }))
    });
}

/// Substrings, case, replacement and conversion to strings.
fn string_forms(f: &mut FuncMap) {
    def!(f, "substr", |a: &[Value]| -> R {
        let v: Vec<char> = to_str(&arg(a, 2)).chars().collect();
        let len = v.len();
        let start = usize::try_from(int(&arg(a, 0)).max(0))
            .unwrap_or(0)
            .min(len);
        let end = int(&arg(a, 1));
        let end = if end < 0 {
            len
        } else {
            usize::try_from(end).unwrap_or(len).min(len)
        };
        Ok(s(&v
            .get(start..end.max(start))
            .unwrap_or(&[])
            .iter()
            .collect::<String>()))
    });
    def!(f, "upper", |a: &[Value]| -> R {
        Ok(s(&to_str(&arg(a, 0)).to_uppercase()))
    });
    def!(f, "lower", |a: &[Value]| -> R {
        Ok(s(&to_str(&arg(a, 0)).to_lowercase()))
    });
    def!(f, "title", |a: &[Value]| -> R {
        Ok(s(&to_str(&arg(a, 0))
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            })
            .collect::<Vec<String>>()
            .join(" ")))
    });
    def!(f, "replace", |a: &[Value]| -> R {
        Ok(s(
            &to_str(&arg(a, 2)).replace(&to_str(&arg(a, 0)), &to_str(&arg(a, 1)))
        ))
    });
    def!(f, "repeat", |a: &[Value]| -> R {
        let n = usize::try_from(int(&arg(a, 0)).clamp(0, 100_000)).unwrap_or(0);
        let t = to_str(&arg(a, 1));
        if t.len().saturating_mul(n) > MAX_INCLUDE_BYTES {
            return Err(err("repeat: result too large"));
        }
        Ok(s(&t.repeat(n)))
    });
    def!(f, "toString", |a: &[Value]| -> R {
        Ok(s(&to_str(&arg(a, 0))))
    });
    def!(f, "toStrings", |a: &[Value]| -> R {
        Ok(match arg(a, 0) {
            Value::List(l) => list(l.iter().map(|x| s(&to_str(x))).collect()),
            o => list(vec![s(&to_str(&o))]),
        })
    });
    def!(f, "cat", |a: &[Value]| -> R {
        Ok(s(&a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(to_str)
            .collect::<Vec<_>>()
            .join(" ")))
    });
}

/// Conversions and arithmetic, integer and float.
fn numbers(f: &mut FuncMap) {
    for n in ["int", "int64"] {
        def!(f, n, |a: &[Value]| -> R { Ok(Value::Int(int(&arg(a, 0)))) });
    }
    def!(f, "float64", |a: &[Value]| -> R {
        Ok(Value::Float(num(&arg(a, 0))))
    });
    def!(f, "atoi", |a: &[Value]| -> R {
        Ok(Value::Int(to_str(&arg(a, 0)).trim().parse().unwrap_or(0)))
    });
    def!(f, "add", |a: &[Value]| -> R {
        Ok(Value::Int(a.iter().map(int).fold(0i64, i64::wrapping_add)))
    });
    def!(f, "add1", |a: &[Value]| -> R {
        Ok(Value::Int(int(&arg(a, 0)).wrapping_add(1)))
    });
    def!(f, "sub", |a: &[Value]| -> R {
        Ok(Value::Int(int(&arg(a, 0)).wrapping_sub(int(&arg(a, 1)))))
    });
    def!(f, "mul", |a: &[Value]| -> R {
        Ok(Value::Int(a.iter().map(int).fold(1i64, i64::wrapping_mul)))
    });
    def!(f, "div", |a: &[Value]| -> R {
        int(&arg(a, 0))
            .checked_div(int(&arg(a, 1)))
            .map(Value::Int)
            .ok_or_else(|| err("integer divide by zero"))
    });
    def!(f, "mod", |a: &[Value]| -> R {
        int(&arg(a, 0))
            .checked_rem(int(&arg(a, 1)))
            .map(Value::Int)
            .ok_or_else(|| err("integer divide by zero"))
    });
    def!(f, "max", |a: &[Value]| -> R {
        Ok(Value::Int(a.iter().map(int).max().unwrap_or(0)))
    });
    def!(f, "min", |a: &[Value]| -> R {
        Ok(Value::Int(a.iter().map(int).min().unwrap_or(0)))
    });
    def!(f, "addf", |a: &[Value]| -> R {
        Ok(Value::Float(a.iter().map(num).sum()))
    });
    def!(f, "subf", |a: &[Value]| -> R {
        Ok(Value::Float(
            num(&arg(a, 0)) - a.iter().skip(1).map(num).sum::<f64>(),
        ))
    });
    def!(f, "mulf", |a: &[Value]| -> R {
        Ok(Value::Float(a.iter().map(num).product()))
    });
    def!(f, "divf", |a: &[Value]| -> R {
        Ok(Value::Float(num(&arg(a, 0)) / num(&arg(a, 1))))
    });
    def!(f, "floor", |a: &[Value]| -> R {
        Ok(Value::Float(num(&arg(a, 0)).floor()))
    });
    def!(f, "ceil", |a: &[Value]| -> R {
        Ok(Value::Float(num(&arg(a, 0)).ceil()))
    });
    def!(f, "round", |a: &[Value]| -> R {
        let p = 10f64.powi(i32::try_from(int(&arg(a, 1)).clamp(0, 15)).unwrap_or(0));
        Ok(Value::Float((num(&arg(a, 0)) * p).round() / p))
    });
}

/// Base64 and SHA-256.
fn digests(f: &mut FuncMap) {
    def!(f, "b64enc", |a: &[Value]| -> R {
        Ok(s(&b64(to_str(&arg(a, 0)).as_bytes())))
    });
    def!(f, "b64dec", |a: &[Value]| -> R {
        Ok(s(&b64dec(&to_str(&arg(a, 0)))))
    });
    def!(f, "sha256sum", |a: &[Value]| -> R {
        Ok(s(&hex(&sha256(to_str(&arg(a, 0)).as_bytes()))))
    });
}

/// Building, slicing and filtering lists.
fn lists(f: &mut FuncMap) {
    def!(f, "list", |a: &[Value]| -> R { Ok(list(a.to_vec())) });
    def!(f, "tuple", |a: &[Value]| -> R { Ok(list(a.to_vec())) });
    for n in ["append", "mustAppend", "push", "mustPush"] {
        def!(f, n, |a: &[Value]| -> R {
            match arg(a, 0) {
                Value::List(l) => {
                    let mut v = l.to_vec();
                    v.push(arg(a, 1));
                    Ok(list(v))
                }
                Value::Nil => Ok(list(vec![arg(a, 1)])),
                o => Err(err(format!("Cannot push on type {}", kind(&o)))),
            }
        });
    }
    for n in ["prepend", "mustPrepend"] {
        def!(f, n, |a: &[Value]| -> R {
            let mut v = vec![arg(a, 1)];
            if let Value::List(l) = arg(a, 0) {
                v.extend(l.iter().cloned());
            }
            Ok(list(v))
        });
    }
    def!(f, "concat", |a: &[Value]| -> R {
        let mut v = vec![];
        for x in a {
            if let Value::List(l) = x {
                v.extend(l.iter().cloned());
            }
        }
        Ok(list(v))
    });
    for n in ["first", "mustFirst"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match arg(a, 0) {
                Value::List(l) => l.first().cloned().unwrap_or(Value::Nil),
                _ => Value::Nil,
            })
        });
    }
    for n in ["last", "mustLast"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match arg(a, 0) {
                Value::List(l) => l.last().cloned().unwrap_or(Value::Nil),
                _ => Value::Nil,
            })
        });
    }
    for n in ["rest", "mustRest"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match arg(a, 0) {
                Value::List(l) => list(l.iter().skip(1).cloned().collect()),
                _ => list(vec![]),
            })
        });
    }
    for n in ["initial", "mustInitial"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match arg(a, 0) {
                Value::List(l) => list(l.iter().take(l.len().saturating_sub(1)).cloned().collect()),
                _ => list(vec![]),
            })
        });
    }
    for n in ["reverse", "mustReverse"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match arg(a, 0) {
                Value::List(l) => list(l.iter().rev().cloned().collect()),
                _ => list(vec![]),
            })
        });
    }
    // Deterministic: the list as given (a shuffle that is the same every run).
    def!(f, "shuffle", |a: &[Value]| -> R { Ok(arg(a, 0)) });
    def!(f, "has", |a: &[Value]| -> R {
        Ok(Value::Bool(match arg(a, 1) {
            Value::List(l) => l.iter().any(|x| x == &arg(a, 0)),
            _ => false,
        }))
    });
    for n in ["uniq", "mustUniq"] {
        def!(f, n, |a: &[Value]| -> R {
            let mut v: Vec<Value> = vec![];
            if let Value::List(l) = arg(a, 0) {
                for x in l.iter() {
                    if !v.contains(x) {
                        v.push(x.clone());
                    }
                }
            }
            Ok(list(v))
        });
    }
    for n in ["without", "mustWithout"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match arg(a, 0) {
                Value::List(l) => list(l.iter().filter(|x| !a[1..].contains(x)).cloned().collect()),
                o => o,
            })
        });
    }
    for n in ["compact", "mustCompact"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(match arg(a, 0) {
                Value::List(l) => list(l.iter().filter(|x| !empty(x)).cloned().collect()),
                o => o,
            })
        });
    }
}

/// Lists to and from text, and ranges of integers.
fn list_text(f: &mut FuncMap) {
    def!(f, "sortAlpha", |a: &[Value]| -> R {
        let mut v: Vec<String> = match arg(a, 0) {
            Value::List(l) => l.iter().map(to_str).collect(),
            o => vec![to_str(&o)],
        };
        v.sort();
        Ok(list(v.iter().map(|x| s(x)).collect()))
    });
    def!(f, "join", |a: &[Value]| -> R {
        let sep = to_str(&arg(a, 0));
        Ok(s(&match arg(a, 1) {
            Value::List(l) => l.iter().map(to_str).collect::<Vec<_>>().join(&sep),
            o => to_str(&o),
        }))
    });
    def!(f, "splitList", |a: &[Value]| -> R {
        Ok(list(
            to_str(&arg(a, 1))
                .split(to_str(&arg(a, 0)).as_str())
                .map(s)
                .collect(),
        ))
    });
    def!(f, "split", |a: &[Value]| -> R {
        Ok(map(to_str(&arg(a, 1))
            .split(to_str(&arg(a, 0)).as_str())
            .enumerate()
            .map(|(i, x)| (Arc::from(format!("_{i}").as_str()), s(x)))
            .collect()))
    });
    def!(f, "splitn", |a: &[Value]| -> R {
        let n = usize::try_from(int(&arg(a, 1)).max(0)).unwrap_or(0);
        Ok(map(to_str(&arg(a, 2))
            .splitn(n, to_str(&arg(a, 0)).as_str())
            .enumerate()
            .map(|(i, x)| (Arc::from(format!("_{i}").as_str()), s(x)))
            .collect()))
    });
    def!(f, "until", |a: &[Value]| -> R {
        let n = int(&arg(a, 0));
        if n > 1_000_000 {
            return Err(err("until: count too large"));
        }
        Ok(list((0..n.max(0)).map(Value::Int).collect()))
    });
    def!(f, "untilStep", |a: &[Value]| -> R {
        let (start, stop, step) = (int(&arg(a, 0)), int(&arg(a, 1)), int(&arg(a, 2)));
        if step == 0 || (stop - start) / step > 1_000_000 {
            return Err(err("untilStep: bad step or count too large"));
        }
        let mut v = vec![];
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            v.push(Value::Int(i));
            i += step;
        }
        Ok(list(v))
    });
}

/// Building, reading and changing dicts (in place, as in Go: maps are shared).
fn dicts(f: &mut FuncMap) {
    def!(f, "dict", |a: &[Value]| -> R {
        let mut m = BTreeMap::new();
        for c in a.chunks(2) {
            m.insert(
                Arc::from(to_str(&c[0]).as_str()),
                c.get(1).cloned().unwrap_or(Value::Nil),
            );
        }
        Ok(map(m))
    });
    def!(f, "hasKey", |a: &[Value]| -> R {
        Ok(Value::Bool(match arg(a, 0) {
            Value::Map(m) => m.read().contains_key(to_str(&arg(a, 1)).as_str()),
            _ => false,
        }))
    });
    def!(f, "keys", |a: &[Value]| -> R {
        let mut v = vec![];
        for x in a {
            if let Value::Map(m) = x {
                v.extend(m.snapshot().into_keys().map(Value::String));
            }
        }
        Ok(list(v))
    });
    def!(f, "values", |a: &[Value]| -> R {
        Ok(match arg(a, 0) {
            Value::Map(m) => list(m.snapshot().into_values().collect()),
            _ => list(vec![]),
        })
    });
    def!(f, "get", |a: &[Value]| -> R {
        Ok(match arg(a, 0) {
            Value::Map(m) => m.get(&to_str(&arg(a, 1))).unwrap_or_else(|| s("")),
            _ => s(""),
        })
    });
    def!(f, "set", |a: &[Value]| -> R {
        match arg(a, 0) {
            Value::Map(m) => {
                insert(&m, Arc::from(to_str(&arg(a, 1)).as_str()), arg(a, 2))?;
                Ok(Value::Map(m))
            }
            o => Err(err(format!(
                "set: first argument is a {}, not a map",
                kind(&o)
            ))),
        }
    });
    def!(f, "unset", |a: &[Value]| -> R {
        match arg(a, 0) {
            Value::Map(m) => {
                m.write().remove(to_str(&arg(a, 1)).as_str());
                Ok(Value::Map(m))
            }
            o => Err(err(format!(
                "unset: first argument is a {}, not a map",
                kind(&o)
            ))),
        }
    });
    def!(f, "omit", |a: &[Value]| -> R {
        match arg(a, 0) {
            Value::Map(m) => {
                let ks: Vec<String> = a[1..].iter().map(to_str).collect();
                Ok(map(m
                    .snapshot()
                    .into_iter()
                    .filter(|(k, _)| !ks.iter().any(|x| **x == **k))
                    .collect()))
            }
            o => Ok(o),
        }
    });
    def!(f, "pick", |a: &[Value]| -> R {
        match arg(a, 0) {
            Value::Map(m) => {
                let ks: Vec<String> = a[1..].iter().map(to_str).collect();
                Ok(map(m
                    .snapshot()
                    .into_iter()
                    .filter(|(k, _)| ks.iter().any(|x| **x == **k))
                    .collect()))
            }
            o => Ok(o),
        }
    });
    for (n, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        def!(f, n, move |a: &[Value]| -> R {
            let Value::Map(dst) = arg(a, 0) else {
                return Err(err(format!("{n}: the destination is not a map")));
            };
            for x in a.iter().skip(1) {
                if let Value::Map(m) = x {
                    merge_into(&dst, m, overwrite, 0)?;
                }
            }
            Ok(Value::Map(dst))
        });
    }
    for n in ["deepCopy", "mustDeepCopy"] {
        def!(f, n, |a: &[Value]| -> R { Ok(deep_copy(&arg(a, 0), 0)) });
    }
}

/// Digging, choosing, and testing kinds and versions.
fn choices(f: &mut FuncMap) {
    def!(f, "dig", |a: &[Value]| -> R {
        let n = a.len();
        if n < 3 {
            return Err(err("dig needs at least three arguments"));
        }
        let mut cur = a[n - 1].clone();
        for k in &a[..n - 2] {
            cur = match &cur {
                Value::Map(m) => match m.get(&to_str(k)) {
                    Some(v) => v,
                    None => return Ok(a[n - 2].clone()),
                },
                _ => return Ok(a[n - 2].clone()),
            };
        }
        Ok(cur)
    });
    def!(f, "ternary", |a: &[Value]| -> R {
        Ok(if arg(a, 2).is_truthy() {
            arg(a, 0)
        } else {
            arg(a, 1)
        })
    });
    def!(f, "coalesce", |a: &[Value]| -> R {
        Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
    });
    def!(f, "all", |a: &[Value]| -> R {
        Ok(Value::Bool(a.iter().all(|v| !empty(v))))
    });
    def!(f, "any", |a: &[Value]| -> R {
        Ok(Value::Bool(a.iter().any(|v| !empty(v))))
    });
    def!(f, "kindIs", |a: &[Value]| -> R {
        Ok(Value::Bool(to_str(&arg(a, 0)) == kind(&arg(a, 1))))
    });
    def!(f, "kindOf", |a: &[Value]| -> R { Ok(s(kind(&arg(a, 0)))) });
    def!(f, "typeOf", |a: &[Value]| -> R {
        Ok(s(type_of(&arg(a, 0))))
    });
    def!(f, "typeIs", |a: &[Value]| -> R {
        Ok(Value::Bool(to_str(&arg(a, 0)) == type_of(&arg(a, 1))))
    });
    def!(f, "semverCompare", |a: &[Value]| -> R {
        Ok(Value::Bool(semver_compare(
            &to_str(&arg(a, 0)),
            &to_str(&arg(a, 1)),
        )?))
    });
    def!(f, "semver", |a: &[Value]| -> R {
        let v = to_str(&arg(a, 0));
        let (ma, mi, pa, _) =
            semver_parse(&v).ok_or_else(|| err(format!("invalid semantic version {v:?}")))?;
        Ok(map([
            (
                Arc::from("Major"),
                Value::Int(i64::try_from(ma).unwrap_or(0)),
            ),
            (
                Arc::from("Minor"),
                Value::Int(i64::try_from(mi).unwrap_or(0)),
            ),
            (
                Arc::from("Patch"),
                Value::Int(i64::try_from(pa).unwrap_or(0)),
            ),
            (Arc::from("Original"), s(&v)),
        ]
        .into()))
    });
}

/// Regular expressions.
fn regexes(f: &mut FuncMap) {
    for n in ["regexMatch", "mustRegexMatch"] {
        def!(f, n, |a: &[Value]| -> R {
            Ok(Value::Bool(
                regex(&arg(a, 0))?.is_match(&to_str(&arg(a, 1))),
            ))
        });
    }
    for n in ["regexFind", "mustRegexFind"] {
        def!(f, n, |a: &[Value]| -> R {
            let t = to_str(&arg(a, 1));
            Ok(s(regex(&arg(a, 0))?.find(&t).map_or("", |m| m.as_str())))
        });
    }
    for n in ["regexFindAll", "mustRegexFindAll"] {
        def!(f, n, |a: &[Value]| -> R {
            let t = to_str(&arg(a, 1));
            let lim = int(&arg(a, 2));
            let r = regex(&arg(a, 0))?;
            let it = r.find_iter(&t).map(|m| s(m.as_str()));
            Ok(list(if lim < 0 {
                it.collect()
            } else {
                it.take(usize::try_from(lim).unwrap_or(0)).collect()
            }))
        });
    }
    for n in ["regexReplaceAll", "mustRegexReplaceAll"] {
        def!(f, n, |a: &[Value]| -> R {
            let r = regex(&arg(a, 0))?;
            let rep = go_replacement(&to_str(&arg(a, 2)));
            Ok(s(&r.replace_all(&to_str(&arg(a, 1)), rep.as_str())))
        });
    }
    for n in ["regexReplaceAllLiteral", "mustRegexReplaceAllLiteral"] {
        def!(f, n, |a: &[Value]| -> R {
            let r = regex(&arg(a, 0))?;
            let rep = to_str(&arg(a, 2));
            Ok(s(&r.replace_all(&to_str(&arg(a, 1)), regex::NoExpand(&rep))))
        });
    }
    def!(f, "regexQuoteMeta", |a: &[Value]| -> R {
        let mut o = String::new();
        for c in to_str(&arg(a, 0)).chars() {
            if "\\.+*?()|[]{}^$".contains(c) {
                o.push('\\');
            }
            o.push(c);
        }
        Ok(s(&o))
    });
    for n in ["regexSplit", "mustRegexSplit"] {
        def!(f, n, |a: &[Value]| -> R {
            let r = regex(&arg(a, 0))?;
            let t = to_str(&arg(a, 1));
            Ok(list(r.split(&t).map(s).collect()))
        });
    }
}

/// Random, time and certificate functions, fixed so that a run is reproducible.
fn fixed(f: &mut FuncMap) {
    // Deterministic stand-ins for random values: the same on every run.
    for (n, ch) in [
        ("randAlphaNum", 'x'),
        ("randAlpha", 'x'),
        ("randNumeric", '0'),
        ("randAscii", 'x'),
    ] {
        def!(f, n, move |a: &[Value]| -> R {
            let len = usize::try_from(int(&arg(a, 0)).clamp(0, 4096)).unwrap_or(0);
            Ok(s(&ch.to_string().repeat(len)))
        });
    }
    def!(f, "uuidv4", |_a: &[Value]| -> R {
        Ok(s("00000000-0000-4000-8000-000000000000"))
    });
    def!(f, "derivePassword", |_a: &[Value]| -> R { Ok(s("")) });
    // Time is fixed at the Unix epoch.
    def!(f, "now", |_a: &[Value]| -> R {
        Ok(s("1970-01-01 00:00:00 +0000 UTC"))
    });
    def!(f, "date", |_a: &[Value]| -> R { Ok(s("1970-01-01")) });
    def!(f, "htpasswd", |a: &[Value]| -> R {
        Ok(s(&format!("{}:{{SHA}}", to_str(&arg(a, 0)))))
    });
    for n in [
        "genCA",
        "genSelfSignedCert",
        "genSignedCert",
        "buildCustomCert",
        "genPrivateKey",
    ] {
        def!(f, n, |_a: &[Value]| -> R {
            Ok(map(
                [(Arc::from("Cert"), s("")), (Arc::from("Key"), s(""))].into()
            ))
        });
    }
}

/// Go's `%q` of a string (`strconv.Quote`).
fn go_quote(x: &str, o: &mut String) {
    o.push('"');
    for c in x.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                o.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => o.push(c),
        }
    }
    o.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn semver_constraints_follow_masterminds() {
        assert!(semver_compare(">=1.21-0", "v1.36.0").unwrap_or(false));
        assert!(!semver_compare("<1.19-0", "v1.36.0").unwrap_or(true));
        assert!(semver_compare("^1.2.3", "1.9.0").unwrap_or(false));
        assert!(semver_compare(">= 1.4, < 2", "1.5").unwrap_or(false));
        assert!(semver_compare("~1.2 || >3", "4.0.0").unwrap_or(false));
        assert!(!semver_compare(">=1.0", "1.5.0-rc1").unwrap_or(true));
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(b64(b"hello"), "aGVsbG8=");
        assert_eq!(b64dec("aGVsbG8="), "hello");
    }
}
