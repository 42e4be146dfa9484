//! Helm's `toToml`: a value as the Go TOML encoder Helm uses
//! (BurntSushi/toml, two-space indent) writes it. Values read from values
//! files are float64 in Helm, so `replicas: 3` is written `replicas = 3.0`,
//! while a number written in a template (`list 1 2`) is an integer.

use super::funcs::MAX_INCLUDE_BYTES;
use gotmpl::{TemplateError, Value};

/// How deep a value may nest before it is refused (as `toJson` refuses it).
const MAX_DEPTH: usize = 200;

/// `v` as TOML. A map is a document (its scalars and arrays first, then
/// its tables and arrays of tables, each group by key, nil entries left
/// out); any other value is written as TOML writes a value. Nil is the
/// error Go's encoder gives it.
pub fn to_toml(v: &Value) -> Result<String, TemplateError> {
    let mut out = Encoder::default();
    match v {
        Value::Nil => {
            return Err(TemplateError::Exec(
                "reflect: call of reflect.Value.Type on zero Value".into(),
            ));
        }
        Value::Map(_) => out.table(&[], v, 0)?,
        Value::List(items) if is_table_array(items) => {
            return Err(TemplateError::Exec(
                "toml: no key for an array of tables".into(),
            ));
        }
        other => out.element(other, 0)?,
    }
    Ok(out.text)
}

/// Helm's `toToml`: what the encoder refuses (`toml: …`) is the output,
/// as Helm writes the encoder's error in place of the document.
pub fn helm_to_toml(v: &Value) -> Result<String, TemplateError> {
    match to_toml(v) {
        Err(TemplateError::Exec(m)) if m.starts_with("toml: ") => Ok(m),
        other => other,
    }
}

#[derive(Default)]
struct Encoder {
    text: String,
}

/// Whether a list is an array of tables: not empty, every item a map.
fn is_table_array(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|v| matches!(v, Value::Map(_)))
}

/// Whether a value is written as a table (a map, or an array of tables).
fn is_table(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::List(items) => is_table_array(items),
        _ => false,
    }
}

impl Encoder {
    fn write(&mut self, text: &str) -> Result<(), TemplateError> {
        if self.text.len() + text.len() > MAX_INCLUDE_BYTES {
            return Err(TemplateError::Exec("toToml: value too large".into()));
        }
        self.text.push_str(text);
        Ok(())
    }

    /// A line break, unless nothing was written yet (as the Go encoder).
    fn newline(&mut self) -> Result<(), TemplateError> {
        if self.text.is_empty() {
            Ok(())
        } else {
            self.write("\n")
        }
    }

    fn indent(key: &[&str]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    /// The table at `key` (the document when `key` is empty).
    fn table(&mut self, key: &[&str], v: &Value, depth: usize) -> Result<(), TemplateError> {
        if key.len() == 1 {
            self.newline()?;
        }
        if !key.is_empty() {
            self.write(&format!("{}[{}]", Self::indent(key), dotted(key)))?;
            self.newline()?;
        }
        self.entries(key, v, depth)
    }

    /// A map's entries under `key`: its plain keys, then its tables.
    fn entries(&mut self, key: &[&str], v: &Value, depth: usize) -> Result<(), TemplateError> {
        if depth > MAX_DEPTH {
            return Err(TemplateError::Exec("toToml: value too deep".into()));
        }
        let Value::Map(m) = v else { return Ok(()) };
        let entries = m.snapshot();
        for tables in [false, true] {
            for (k, item) in &entries {
                if matches!(item, Value::Nil) || is_table(item) != tables {
                    continue;
                }
                let mut path = key.to_vec();
                path.push(k);
                match item {
                    Value::Map(_) => self.table(&path, item, depth + 1)?,
                    Value::List(items) if tables => {
                        for table in items.iter() {
                            self.newline()?;
                            let line = format!("{}[[{}]]", Self::indent(&path), dotted(&path));
                            self.write(&line)?;
                            self.newline()?;
                            self.entries(&path, table, depth + 1)?;
                        }
                    }
                    _ => {
                        let at = format!("{}{} = ", Self::indent(&path), bare_or_quoted(k));
                        self.write(&at)?;
                        self.element(item, depth + 1)?;
                        self.newline()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A value written in place: a scalar, an array, an inline table.
    fn element(&mut self, v: &Value, depth: usize) -> Result<(), TemplateError> {
        if depth > MAX_DEPTH {
            return Err(TemplateError::Exec("toToml: value too deep".into()));
        }
        match v {
            Value::Nil => {
                return Err(TemplateError::Exec(
                    "toml: cannot encode array with nil element".into(),
                ));
            }
            Value::Bool(b) => self.write(if *b { "true" } else { "false" })?,
            Value::Int(i) => self.write(&i.to_string())?,
            Value::Uint(u) => self.write(&u.to_string())?,
            Value::Float(f) => self.write(&float(*f))?,
            Value::String(text) => self.write(&quoted(text))?,
            Value::List(items) => {
                self.write("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.write(", ")?;
                    }
                    self.element(item, depth + 1)?;
                }
                self.write("]")?;
            }
            Value::Map(m) => {
                let entries: Vec<_> = m
                    .snapshot()
                    .into_iter()
                    .filter(|(_, v)| !matches!(v, Value::Nil))
                    .collect();
                self.write("{")?;
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.write(", ")?;
                    }
                    self.write(&format!("{} = ", bare_or_quoted(k)))?;
                    self.element(item, depth + 1)?;
                }
                self.write("}")?;
            }
            Value::Function(_) => {
                return Err(TemplateError::Exec(
                    "toml: unsupported type: function".into(),
                ));
            }
        }
        Ok(())
    }
}

/// A float as the Go encoder writes it: Go's shortest `%g` (exponent form
/// below 1e-4 and from 1e21), with `.0` added to a number that has neither
/// a point nor an exponent.
fn float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e21).contains(&abs) {
        let raw = format!("{f:e}");
        let (mantissa, exp) = raw.split_once('e').unwrap_or((&raw, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let text = format!("{f}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// A key part, bare when it may be (letters, digits, `_`, `-`), else quoted.
fn bare_or_quoted(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        quoted(key)
    }
}

fn dotted(key: &[&str]) -> String {
    key.iter()
        .map(|k| bare_or_quoted(k))
        .collect::<Vec<_>>()
        .join(".")
}

/// A basic string, escaped as the Go encoder escapes it.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontends::helm::values;

    fn doc(yaml: &str) -> Value {
        values::decode(yaml).ok().flatten().unwrap_or(Value::Nil)
    }

    #[test]
    fn writes_documents_as_helm_does() {
        // Written by Helm 4.2.3 (helm-python-sdk 0.2.2) from the same values.
        let v = doc("a: 1\ns: \"x\\\"y\"\nf: 1.5\nb: true\nl: [1, two, 3.5]\n\
                     m:\n  k: v\n  n2:\n    deep: 2\n    lst:\n      - x: 1\n      - x: 2\n  z: [a, b]\n\
                     e: {}\nnul: null\n");
        assert_eq!(
            to_toml(&v).expect("encodes"),
            "a = 1.0\nb = true\nf = 1.5\nl = [1.0, \"two\", 3.5]\ns = \"x\\\"y\"\n\n[e]\n\n[m]\n  \
             k = \"v\"\n  z = [\"a\", \"b\"]\n  [m.n2]\n    deep = 2.0\n\n    [[m.n2.lst]]\n      \
             x = 1.0\n\n    [[m.n2.lst]]\n      x = 2.0\n"
        );
    }

    #[test]
    fn writes_values_keys_and_numbers_as_helm_does() {
        let v = doc("\"k.k\": 2\nk-k: x\nw: [[1, 2], [a]]\ninline: [{a: 1}, 2]\n");
        assert_eq!(
            to_toml(&v).expect("encodes"),
            "inline = [{a = 1.0}, 2.0]\nk-k = \"x\"\n\"k.k\" = 2.0\nw = [[1.0, 2.0], [\"a\"]]\n"
        );
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(12_345_678_901.0), "12345678901.0");
        assert_eq!(float(0.00001), "1e-05");
        assert_eq!(quoted("a\nb\tc\\"), "\"a\\nb\\tc\\\\\"");
        assert_eq!(
            to_toml(&Value::List(vec![Value::Int(1), Value::Int(2)].into())).expect("encodes"),
            "[1, 2]"
        );
        assert!(to_toml(&Value::Nil).is_err());
    }
}
