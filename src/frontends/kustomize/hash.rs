//! `configMapGenerator` and `secretGenerator`: the objects they make, and
//! the hash suffix kustomize gives their names (the SHA-256 of their
//! content, as kustomize encodes it).

use super::build::{Build, Kz, Resource};
use super::merge::{self, key, map, set, string};
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

/// The text of a generator's data file: one of the run's files, or what
/// the tree's reader gives.
fn read(build: &mut Build<'_, '_>, kz: &Kz<'_>, path: &str, at: TextRange) -> Option<String> {
    let full = build.local(kz, path, at)?;
    let sources = build.tree.sources;
    if let Some((file, _)) = sources
        .iter()
        .find(|(_, f)| super::build::normalize(&f.path) == full)
    {
        return Some(sources.get(file).text().to_string());
    }
    build.tree.data.and_then(|data| data(&full))
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
    } else if let Some(data) = data {
        let at = data.range;
        set(&mut existing.node, key(at, "data"), data);
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

/// Standard base64, padded.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The SHA-256 digest of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = bytes.to_vec();
    let bits = (bytes.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_encodings() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(json_string("a<b\"\n"), "\"a\\u003cb\\\"\\n\"");
    }
}
