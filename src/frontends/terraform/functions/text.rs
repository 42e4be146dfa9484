//! Regular expressions, paths and a few string and collection functions.

use super::{
    R, arg, dedupe, fits, has_unknown, list, set_order, to_bool, to_known_str, to_num, unify,
};
use hcl::eval::FuncArgs;
use hcl::{Map, Value};

/// Largest compiled pattern: a hostile pattern (`a{1000}{1000}`) is an
/// error, not a gigabyte.
const REGEX_SIZE: usize = 1 << 20;

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE)
        .dfa_size_limit(REGEX_SIZE)
        .build()
        .map_err(|e| format!("invalid regular expression: {e}"))
}

/// One match as Terraform gives it: the matched text without capture
/// groups, an object of the named groups, else a list of the groups (a
/// group that did not take part is null).
fn shaped(re: &regex::Regex, caps: &regex::Captures) -> Value {
    let group = |i: usize| {
        caps.get(i)
            .map_or(Value::Null, |m| Value::String(m.as_str().to_string()))
    };
    let count = re.captures_len() - 1;
    if count == 0 {
        return group(0);
    }
    if re.capture_names().flatten().next().is_some() {
        let mut out = Map::new();
        for (i, name) in re.capture_names().enumerate() {
            if let Some(name) = name {
                out.insert(name.to_string(), group(i));
            }
        }
        return Value::Object(super::sorted_map(out));
    }
    Value::Array((1..=count).map(group).collect())
}

pub(super) fn regex(args: FuncArgs) -> R {
    let re = compile(&to_known_str(arg(&args, 0)?)?)?;
    let text = to_known_str(arg(&args, 1)?)?;
    let caps = re
        .captures(&text)
        .ok_or("pattern did not match any part of the given string")?;
    Ok(shaped(&re, &caps))
}

pub(super) fn regexall(args: FuncArgs) -> R {
    let re = compile(&to_known_str(arg(&args, 0)?)?)?;
    let text = to_known_str(arg(&args, 1)?)?;
    let mut out = Vec::new();
    let mut total = 0usize;
    for caps in re.captures_iter(&text) {
        total = total.saturating_add(caps.get(0).map_or(0, |m| m.len()) + 32);
        fits(total)?;
        out.push(shaped(&re, &caps));
    }
    Ok(Value::Array(out))
}

/// The last element of a path, as Go's `filepath.Base` on a Unix system.
pub(super) fn basename(args: FuncArgs) -> R {
    let path = to_known_str(arg(&args, 0)?)?;
    if path.is_empty() {
        return Ok(Value::String(".".into()));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::String("/".into()));
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    Ok(Value::String(base.to_string()))
}

/// Everything but the last element of a path, as Go's `filepath.Dir`.
pub(super) fn dirname(args: FuncArgs) -> R {
    let path = to_known_str(arg(&args, 0)?)?;
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    Ok(Value::String(clean(dir)))
}

/// Go's `filepath.Clean`, for what `dirname` leaves.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

pub(super) fn chomp(args: FuncArgs) -> R {
    // Terraform removes every trailing newline, `\n` or `\r\n`.
    let mut out = to_known_str(arg(&args, 0)?)?;
    while out.ends_with('\n') || out.ends_with('\r') {
        out.pop();
    }
    Ok(Value::String(out))
}

pub(super) fn trim(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    let cut = to_known_str(arg(&args, 1)?)?;
    Ok(Value::String(
        s.trim_matches(|c| cut.contains(c)).to_string(),
    ))
}

pub(super) fn strrev(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    Ok(Value::String(s.chars().rev().collect()))
}

/// Every word's first letter upper case (a word follows a character that
/// is not a letter, a digit or `_`... as Go's `strings.Title`: not a letter).
pub(super) fn title(args: FuncArgs) -> R {
    let s = to_known_str(arg(&args, 0)?)?;
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    Ok(Value::String(out))
}

fn bools(args: &FuncArgs) -> Result<Vec<bool>, String> {
    let items = list(arg(args, 0)?)?;
    if items.iter().any(has_unknown) {
        return Err("list elements are unknown".into());
    }
    items.iter().map(to_bool).collect()
}

pub(super) fn alltrue(args: FuncArgs) -> R {
    Ok(Value::Bool(bools(&args)?.into_iter().all(|b| b)))
}

pub(super) fn anytrue(args: FuncArgs) -> R {
    Ok(Value::Bool(bools(&args)?.into_iter().any(|b| b)))
}

pub(super) fn sum(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    if items.is_empty() {
        return Err("cannot sum an empty list".into());
    }
    let mut total = 0f64;
    let mut whole: Option<i128> = Some(0);
    for v in items {
        let n = to_num(v)?;
        total += n.as_f64().ok_or("not a number")?;
        whole = match (whole, n.as_i64(), n.as_u64()) {
            (Some(w), Some(i), _) if !n.is_f64() => w.checked_add(i128::from(i)),
            (Some(w), _, Some(u)) if !n.is_f64() => w.checked_add(i128::from(u)),
            _ => None,
        };
    }
    match whole {
        Some(w) => super::int_value(w),
        None => super::num_value(total),
    }
}

/// The elements of each set argument, known and unified, each once.
fn sets(args: &FuncArgs) -> Result<Vec<Vec<Value>>, String> {
    args.iter()
        .map(|v| {
            let items = list(v)?;
            if items.iter().any(has_unknown)
                || !crate::frontends::terraform::symbolic::comparable(items)
            {
                return Err("set elements are unknown".into());
            }
            Ok(dedupe(unify(items.iter())?))
        })
        .collect()
}

fn as_set(mut items: Vec<Value>) -> Value {
    items.sort_by(set_order);
    Value::Array(items)
}

pub(super) fn setintersection(args: FuncArgs) -> R {
    let mut sets = sets(&args)?.into_iter();
    let first = sets.next().ok_or("at least one set is required")?;
    let rest: Vec<Vec<Value>> = sets.collect();
    Ok(as_set(
        first
            .into_iter()
            .filter(|v| rest.iter().all(|s| s.contains(v)))
            .collect(),
    ))
}

pub(super) fn setunion(args: FuncArgs) -> R {
    let all: Vec<Value> = sets(&args)?.into_iter().flatten().collect();
    Ok(as_set(dedupe(all)))
}

pub(super) fn setsubtract(args: FuncArgs) -> R {
    let sets = sets(&args)?;
    let [a, b] = sets.as_slice() else {
        return Err("setsubtract takes two sets".into());
    };
    Ok(as_set(
        a.iter().filter(|v| !b.contains(v)).cloned().collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::documented::{err, ok};

    // Examples of Terraform's documentation.
    #[test]
    fn regex_as_documented() {
        ok(
            r#"regex("[a-z]+", "53453453.345345aaabbbccc23454")"#,
            r#""aaabbbccc""#,
        );
        ok(
            r#"regex("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01")"#,
            r#"["2019", "02", "01"]"#,
        );
        ok(
            r#"regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")"#,
            r#"{ authority = "terraform.io", scheme = "https" }"#,
        );
        ok(r#"regex("(a)?b", "b")"#, "[null]");
        err(r#"regex("[a-z]+", "123")"#);
        err(r#"regex("(", "123")"#);
    }

    #[test]
    fn regexall_as_documented() {
        ok(
            r#"regexall("[a-z]+", "1234abcd5678efgh9")"#,
            r#"["abcd", "efgh"]"#,
        );
        ok(r#"length(regexall("[a-z]+", "1234abcd5678efgh9"))"#, "2");
        ok(r#"length(regexall("[a-z]+", "123456789")) > 0"#, "false");
        ok(r#"regexall("^[a-z]{2}-", "eu-west-1a")"#, r#"["eu-"]"#);
    }

    #[test]
    fn paths_and_strings_as_documented() {
        ok(r#"basename("foo/bar/baz.txt")"#, r#""baz.txt""#);
        ok(r#"basename("/")"#, r#""/""#);
        ok(r#"basename("")"#, r#"".""#);
        ok(r#"dirname("foo/bar/baz.txt")"#, r#""foo/bar""#);
        ok(r#"dirname("baz.txt")"#, r#"".""#);
        ok(r#"dirname("/baz.txt")"#, r#""/""#);
        ok(r#"chomp("hello\n")"#, r#""hello""#);
        ok(r#"chomp("hello\r\n")"#, r#""hello""#);
        ok(r#"chomp("hello\n\n")"#, r#""hello""#);
        ok(r#"trim("?!hello?!", "!?")"#, r#""hello""#);
        ok(r#"strrev("hello")"#, r#""olleh""#);
        ok(r#"title("hello world")"#, r#""Hello World""#);
    }

    #[test]
    fn collections_as_documented() {
        ok(r#"alltrue(["true", true])"#, "true");
        ok(r#"alltrue([true, false])"#, "false");
        ok("alltrue([])", "true");
        ok("anytrue([false, true])", "true");
        ok("anytrue([])", "false");
        ok("sum([10, 13, 6, 4.5])", "33.5");
        ok("sum([1, 2])", "3");
        err("sum([])");
        ok(
            r#"setintersection(["a", "b"], ["b", "c"], ["b", "d"])"#,
            r#"["b"]"#,
        );
        ok(
            r#"setunion(["a", "b"], ["b", "c"], ["d"])"#,
            r#"["a", "b", "c", "d"]"#,
        );
        ok(r#"setsubtract(["a", "b", "c"], ["a", "c"])"#, r#"["b"]"#);
    }
}
