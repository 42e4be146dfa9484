//! Collection, number, string and encoding functions beyond the common ones:
//! `chunklist`, `matchkeys`, `setproduct`, `transpose`, `pow`, `signum`,
//! `log`, `parseint`, `indent`, `strcontains`, `base64encode`,
//! `base64decode`, `urlencode`, `jsondecode`, `csvdecode`, and the
//! sensitivity markers, which spof does not track (`sensitive` and
//! `nonsensitive` give their argument).

use super::{
    R, arg, fits, has_unknown, int_value, list, map, num_value, position, to_int, to_known_str,
    to_num,
};
use hcl::eval::FuncArgs;
use hcl::{Map, Number, Value};

/// Most lists `setproduct` makes: its result grows as the product of its
/// arguments' lengths.
const MAX_PRODUCT: usize = 10_000;

pub(super) fn chunklist(args: FuncArgs) -> R {
    let items = list(arg(&args, 0)?)?;
    let size = to_int(arg(&args, 1)?)?;
    if size < 0 {
        return Err("the size argument must be positive".into());
    }
    if items.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if size == 0 {
        return Ok(Value::Array(vec![Value::Array(items.clone())]));
    }
    Ok(Value::Array(
        items
            .chunks(size)
            .map(|c| Value::Array(c.to_vec()))
            .collect(),
    ))
}

pub(super) fn matchkeys(args: FuncArgs) -> R {
    let values = list(arg(&args, 0)?)?;
    let keys = list(arg(&args, 1)?)?;
    let search = list(arg(&args, 2)?)?;
    if values.len() != keys.len() {
        return Err("length of keys and values should be equal".into());
    }
    if [keys, search].iter().any(|l| l.iter().any(has_unknown)) {
        return Err("value is unknown".into());
    }
    let mut out = Vec::new();
    for (v, k) in values.iter().zip(keys) {
        if position(search, k)?.is_some() {
            out.push(v.clone());
        }
    }
    Ok(Value::Array(out))
}

pub(super) fn setproduct(args: FuncArgs) -> R {
    if args.len() < 2 {
        return Err("at least two arguments are required".into());
    }
    let mut sets: Vec<Vec<Value>> = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        let items = list(arg(&args, i)?)?;
        if items.iter().any(has_unknown) {
            return Err("value is unknown".into());
        }
        sets.push(items.clone());
    }
    let count = sets
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.len()))
        .filter(|&n| n <= MAX_PRODUCT)
        .ok_or_else(|| super::TOO_LARGE.to_string())?;
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for set in &sets {
        let mut next = Vec::with_capacity(count);
        for prefix in &out {
            for item in set {
                let mut row = prefix.clone();
                row.push(item.clone());
                next.push(row);
            }
        }
        out = next;
    }
    Ok(Value::Array(out.into_iter().map(Value::Array).collect()))
}

pub(super) fn transpose(args: FuncArgs) -> R {
    let input = map(arg(&args, 0)?)?;
    let mut out: Map<String, Value> = Map::new();
    for (key, values) in input {
        for v in list(values)? {
            let Value::String(s) = v else {
                return Err("input must be a map of lists of strings".into());
            };
            if super::is_unknown_str(s) || super::is_unknown_str(key) {
                return Err("value is unknown".into());
            }
            let slot = out
                .entry(s.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(keys) = slot {
                keys.push(Value::String(key.clone()));
            }
        }
    }
    Ok(Value::Object(super::sorted_map(out)))
}

pub(super) fn pow(args: FuncArgs) -> R {
    let base = super::num_f64(&to_num(arg(&args, 0)?)?)?;
    let exp = super::num_f64(&to_num(arg(&args, 1)?)?)?;
    num_value(base.powf(exp))
}

pub(super) fn signum(args: FuncArgs) -> R {
    let n = super::num_f64(&to_num(arg(&args, 0)?)?)?;
    let sign = if n > 0.0 {
        1
    } else if n < 0.0 {
        -1
    } else {
        0
    };
    int_value(sign)
}

pub(super) fn log(args: FuncArgs) -> R {
    let n = super::num_f64(&to_num(arg(&args, 0)?)?)?;
    let base = super::num_f64(&to_num(arg(&args, 1)?)?)?;
    num_value(n.ln() / base.ln())
}

pub(super) fn parseint(args: FuncArgs) -> R {
    let text = to_known_str(arg(&args, 0)?)?;
    let base = to_int(arg(&args, 1)?)?;
    if !(2..=62).contains(&base) {
        return Err("base must be a whole number between 2 and 62 inclusive".into());
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(format!("cannot parse {text:?} as a base {base} integer"));
    }
    let mut n: i128 = 0;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as i128 - '0' as i128,
            'a'..='z' => c as i128 - 'a' as i128 + 10,
            'A'..='Z' if base > 36 => c as i128 - 'A' as i128 + 36,
            'A'..='Z' => c as i128 - 'A' as i128 + 10,
            _ => base,
        };
        if d >= base {
            return Err(format!("cannot parse {text:?} as a base {base} integer"));
        }
        n = n
            .checked_mul(base)
            .and_then(|n| n.checked_add(d))
            .ok_or("the number is too large")?;
    }
    int_value(if negative { -n } else { n })
}

pub(super) fn indent(args: FuncArgs) -> R {
    let n = usize::try_from(to_int(arg(&args, 0)?)?).map_err(|_| "spaces must be positive")?;
    let text = to_known_str(arg(&args, 1)?)?;
    let lines = text.matches('\n').count();
    if lines == 0 {
        return Ok(Value::String(text));
    }
    fits(text.len().saturating_add(n.saturating_mul(lines)))?;
    let pad = " ".repeat(n.min(super::MAX_VALUE_BYTES));
    Ok(Value::String(text.replace('\n', &format!("\n{pad}"))))
}

pub(super) fn strcontains(args: FuncArgs) -> R {
    let text = to_known_str(arg(&args, 0)?)?;
    let part = to_known_str(arg(&args, 1)?)?;
    Ok(Value::Bool(text.contains(&part)))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) fn base64encode(args: FuncArgs) -> R {
    let text = to_known_str(arg(&args, 0)?)?;
    fits(text.len() / 3 * 4 + 4)?;
    Ok(Value::String(base64(text.as_bytes())))
}

/// Standard Base64 with padding.
pub(super) fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() / 3 * 4 + 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(super) fn base64decode(args: FuncArgs) -> R {
    let text = to_known_str(arg(&args, 0)?)?;
    let invalid = || format!("failed to decode base64 data {text:?}");
    if text.len() % 4 != 0 {
        return Err(invalid());
    }
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let last = text.len() / 4;
    for (at, chunk) in text.as_bytes().chunks(4).enumerate() {
        let mut n = 0u32;
        let mut pads = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'=' if i >= 2 && at + 1 == last => {
                    pads += 1;
                    0
                }
                _ if pads > 0 => return Err(invalid()),
                _ => BASE64.iter().position(|&b| b == c).ok_or_else(invalid)? as u32,
            };
            n = (n << 6) | v;
        }
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        bytes.extend_from_slice(&decoded[..3 - pads]);
    }
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| "the result of decoding the base64 data is not valid UTF-8".into())
}

pub(super) fn urlencode(args: FuncArgs) -> R {
    let text = to_known_str(arg(&args, 0)?)?;
    fits(text.len().saturating_mul(3))?;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::String(out))
}

pub(super) fn jsondecode(args: FuncArgs) -> R {
    let text = to_known_str(arg(&args, 0)?)?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let json =
        serde::Deserialize::deserialize(&mut de).map_err(|e: serde_json::Error| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    from_json(json, 0)
}

fn from_json(json: serde_json::Value, depth: usize) -> R {
    if depth > 128 {
        return Err("value nested too deeply".into());
    }
    Ok(match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Number(
            n.as_i64()
                .map(Number::from)
                .or_else(|| n.as_u64().map(Number::from))
                .or_else(|| n.as_f64().and_then(Number::from_f64))
                .ok_or("number out of range")?,
        ),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| from_json(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k, from_json(v, depth + 1)?);
            }
            Value::Object(super::sorted_map(out))
        }
    })
}

/// RFC 4180 fields of `text`, row by row.
fn csv_rows(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, '"') => return Err("bare \" in non-quoted field".into()),
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("extraneous or missing \" in quoted field".into());
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

pub(super) fn csvdecode(args: FuncArgs) -> R {
    let text = to_known_str(arg(&args, 0)?)?;
    let rows = csv_rows(&text)?;
    let Some((header, records)) = rows.split_first() else {
        return Err("missing header line".into());
    };
    let mut out = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        if record.len() != header.len() {
            return Err(format!(
                "record on line {} has the wrong number of fields",
                i + 2
            ));
        }
        let mut m = Map::new();
        for (k, v) in header.iter().zip(record) {
            m.insert(k.clone(), Value::String(v.clone()));
        }
        out.push(Value::Object(super::sorted_map(m)));
    }
    Ok(Value::Array(out))
}

/// `sensitive`, `nonsensitive`: spof keeps no marks, so the value is what
/// it is.
pub(super) fn unmarked(args: FuncArgs) -> R {
    Ok(arg(&args, 0)?.clone())
}

#[cfg(test)]
mod tests {
    use super::super::documented::{err, ok};

    #[test]
    fn errors_where_terraform_errs() {
        err(r#"chunklist(["a"], -1)"#);
        err(r#"matchkeys(["a"], [], [])"#);
        err(r#"setproduct(["a"])"#);
        err(r#"parseint("12", 1)"#);
        err(r#"parseint("FF", 10)"#);
        err(r#"base64decode("not base64")"#);
        err(r#"jsondecode("{")"#);
        err(r#"csvdecode("a,b\n1")"#);
        ok(r#"chunklist([], 2)"#, "[]");
    }
}
