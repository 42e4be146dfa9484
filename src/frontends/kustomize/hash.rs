//! `configMapGenerator` and `secretGenerator`: the objects they make, and
//! the hash suffix kustomize gives their names (the SHA-256 of their
//! content, as kustomize encodes it).

use super::base::{Build, Kz, Resource};
use super::merge::{self, key, map, set, string};
use crate::frontends::digest::{base64, sha256_hex};
use crate::parse::Node;
use crate::source::TextRange;

/// The object a generator entry makes; `None` (with an error) when it
/// cannot.
pub fn generated(
    build: &mut Build<'_, '_>,
    kz: &Kz<'_>,
    entry: &Node,
    kind: &str,
    options: Option<&Node>,
) -> Option<Resource> {
    let at = entry.range;
    let Some((name_key, name)) = entry.entry("name") else {
        build.error(at, format!("a {kind} generator needs a `name`"), "no name");
        return None;
    };
    let mut data: Vec<(Node, Node)> = Vec::new();
    for literal in entry.get("literals").map(Node::as_seq).unwrap_or_default() {
        let text = literal.as_str().unwrap_or_default();
        let Some((k, v)) = text.split_once('=') else {
            build.error(
                literal.range,
                format!("`{text}` is not KEY=VALUE"),
                "literal",
            );
            continue;
        };
        push(&mut data, literal.range, k.trim(), unquote(v));
    }
    for file in entry.get("files").map(Node::as_seq).unwrap_or_default() {
        let text = file.as_str().unwrap_or_default();
        let (k, path) = text
            .split_once('=')
            .unwrap_or_else(|| (text.rsplit('/').next().unwrap_or(text), text));
        let content = read(build, kz, path, file.range).unwrap_or_default();
        push(&mut data, file.range, k.trim(), &content);
    }
    let envs = entry.get("envs").map(Node::as_seq).unwrap_or_default();
    for env in envs.iter().chain(entry.get("env")) {
        let Some(path) = env.as_text() else { continue };
        let content = read(build, kz, path, env.range).unwrap_or_default();
        for line in content.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            push(&mut data, env.range, k.trim(), v);
        }
    }
    let secret = kind == "Secret";
    if secret {
        for (_, v) in &mut data {
            let encoded = wrapped(&base64(v.as_str().unwrap_or_default().as_bytes()));
            *v = string(v.range, &encoded);
        }
    }
    let mut entries = vec![
        (key(at, "apiVersion"), string(at, "v1")),
        (key(at, "kind"), string(at, kind)),
        (
            key(name_key.range, "metadata"),
            map(name_key.range, vec![(name_key.clone(), name.clone())]),
        ),
    ];
    if secret {
        let kind_of = entry
            .get("type")
            .and_then(Node::as_text)
            .unwrap_or("Opaque");
        entries.push((key(at, "type"), string(at, kind_of)));
    }
    if !data.is_empty() {
        entries.push((key(at, "data"), map(at, data)));
    }
    let mut node = map(at, entries);
    let meta = merge::get_mut(&mut node, "metadata")?;
    if let Some(ns) = entry.get("namespace").filter(|n| n.as_text().is_some()) {
        set(meta, key(ns.range, "namespace"), ns.clone());
    }
    let own = entry.get("options");
    for field in ["labels", "annotations"] {
        for pairs in [options, own]
            .into_iter()
            .flatten()
            .filter_map(|o| o.get(field))
        {
            let here = merge::ensure_path(meta, &[field], pairs.range)?;
            for (k, v) in pairs.as_map() {
                set(
                    here,
                    k.clone(),
                    string(v.range, v.as_str().unwrap_or_default()),
                );
            }
        }
    }
    let no_hash = [own, options]
        .into_iter()
        .flatten()
        .find_map(|o| o.get("disableNameSuffixHash").and_then(Node::as_bool))
        .unwrap_or(false);
    let mut r = Resource::new(node);
    r.hashed = !no_hash;
    r.behavior = entry
        .get("behavior")
        .and_then(Node::as_text)
        .map(str::to_string);
    Some(r)
}

fn push(data: &mut Vec<(Node, Node)>, at: TextRange, k: &str, v: &str) {
    data.retain(|(existing, _)| existing.as_str() != Some(k));
    data.push((key(at, k), string(at, v)));
}

/// A literal's value without the quotes around it.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// The text of a generator's data file (or a chart's values file): one of
/// the run's files, or what the tree's reader gives. As kustomize's load
/// restrictor, only a file in the kustomization's directory or below is
/// read, and never through a symbolic link. `None`, with an error, when
/// it cannot be read.
pub(super) fn read(
    build: &mut Build<'_, '_>,
    kz: &Kz<'_>,
    path: &str,
    at: TextRange,
) -> Option<String> {
    let full = build.local(kz, path, at)?;
    if !full.starts_with(&kz.dir) {
        build.error(
            at,
            format!(
                "`{path}` is outside the kustomization's directory: kustomize does not read it"
            ),
            "outside the kustomization",
        );
        return None;
    }
    let sources = build.tree.sources;
    if let Some((file, _)) = sources
        .iter()
        .find(|(_, f)| super::base::normalize(&f.path) == full)
    {
        return Some(sources.get(file).text().to_string());
    }
    let linked = full
        .ancestors()
        .take_while(|a| *a != kz.dir.as_path())
        .any(|a| {
            a.symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
        });
    let text = if linked {
        None
    } else {
        build.tree.data.and_then(|data| data(&full))
    };
    if text.is_none() {
        build.error(
            at,
            format!(
                "`{path}` cannot be read: it is not found, is a symbolic link, is larger than \
                 {} MiB or is not UTF-8 text",
                super::base::MAX_DATA_BYTES >> 20
            ),
            "not read",
        );
    }
    text
}

/// `merge` or `replace` of a generated object into the one of that name.
pub fn combine(existing: &mut Resource, generated: Resource, merge_data: bool) {
    let data = generated.node.get("data").cloned();
    if merge_data {
        if let (Some(data), Some(old)) = (data, merge::get_mut(&mut existing.node, "data")) {
            for (k, v) in data.as_map() {
                set(old, k.clone(), v.clone());
            }
        }
        if let Some(meta) = generated.node.get("metadata") {
            for field in ["labels", "annotations"] {
                if let Some(pairs) = meta.get(field) {
                    let range = pairs.range;
                    if let Some(here) =
                        merge::ensure_path(&mut existing.node, &["metadata", field], range)
                    {
                        for (k, v) in pairs.as_map() {
                            set(here, k.clone(), v.clone());
                        }
                    }
                }
            }
        }
    } else {
        if let Some(data) = data {
            let at = data.range;
            set(&mut existing.node, key(at, "data"), data);
        }
        // The object is the replacing generator's.
        existing.origin = generated.origin;
    }
    // The options of the generator that changes it hold; an object no
    // generator made keeps its name.
    existing.hashed = existing.hashed && generated.hashed;
}

/// The suffix kustomize appends to a generated object's name: of the JSON
/// of its kind, data (and a Secret's type, a ConfigMap's binary data, a
/// Secret's string data), as kustomize's hasher writes it. That hasher
/// looks the name up as a field called `metadata/name`, which no object
/// has: the name is always empty.
pub fn suffix(node: &Node) -> Option<String> {
    let kind = node.get("kind").and_then(Node::as_text)?;
    let field = |k: &str| node.get(k).map_or_else(|| json_string(""), json_node);
    let mut fields: Vec<(&str, String)> = vec![
        ("data", field("data")),
        ("kind", json_string(kind)),
        ("name", json_string("")),
    ];
    let extra = if kind == "Secret" {
        fields.push(("type", field("type")));
        "stringData"
    } else {
        "binaryData"
    };
    if let Some(more) = node.get(extra).filter(|b| b.is_map()) {
        fields.push((extra, json_node(more)));
    }
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let json = format!(
        "{{{}}}",
        fields
            .iter()
            .map(|(k, v)| format!("{}:{v}", json_string(k)))
            .collect::<Vec<_>>()
            .join(",")
    );
    let hex = sha256_hex(json.as_bytes());
    Some(
        hex.chars()
            .take(10)
            .map(|c| match c {
                '0' => 'g',
                '1' => 'h',
                '3' => 'k',
                'a' => 'm',
                'e' => 't',
                c => c,
            })
            .collect(),
    )
}

/// A value as Go's `encoding/json` writes what YAML decodes it to (keys
/// sorted).
fn json_node(node: &Node) -> String {
    use crate::parse::tree::Value;
    match &node.value {
        Value::Map(entries) => {
            let mut pairs: Vec<(&str, String)> = entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?, json_node(v))))
                .collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            pairs.dedup_by(|b, a| a.0 == b.0);
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{v}", json_string(k)))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(json_node).collect::<Vec<_>>().join(",")
        ),
        Value::Scalar { text, plain } => {
            if !plain {
                json_string(text)
            } else if node.is_null() {
                "null".to_string()
            } else if let Some(b) = node.as_bool() {
                b.to_string()
            } else if let Some(i) = node.as_i64() {
                i.to_string()
            } else {
                json_string(text)
            }
        }
    }
}

/// A string as Go's `encoding/json` writes it (HTML characters escaped).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Base64 text as kustomize writes a Secret's data: lines of 70
/// characters, each ended, when it is longer than one.
fn wrapped(text: &str) -> String {
    if text.len() <= 70 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 70 + 1);
    for chunk in text.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_as_go_does() {
        assert_eq!(json_string("a<b\"\n"), "\"a\\u003cb\\\"\\n\"");
    }
}
