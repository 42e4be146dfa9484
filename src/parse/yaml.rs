//! YAML and JSON frontend: saphyr parser events → [`Node`] tree with byte
//! ranges.
//!
//! The tree is built from saphyr-parser's event stream rather than from
//! `saphyr`'s loader so that alias expansion and nesting depth are bounded
//! while the tree is built (an alias bomb never allocates), and so that spans
//! are byte ranges: saphyr reports character offsets, which are translated
//! through the line index here, once.

use super::tree::{Document, Node, Value};
use crate::source::{LineIndex, TextRange};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::HashMap;

/// Bounds on what one file may cost to load (`--max-depth`,
/// `--max-alias-expansion`, `[limits]` in spof.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Nodes that alias expansion may copy, per file.
    pub max_alias_nodes: usize,
    /// Deepest nesting of sequences and mappings (YAML, JSON), and of
    /// brackets in HCL (Terraform, Nomad).
    pub max_depth: usize,
}

/// Default [`Limits::max_depth`].
pub const DEFAULT_MAX_DEPTH: usize = 256;
/// Default [`Limits::max_alias_nodes`].
pub const DEFAULT_MAX_ALIAS_NODES: usize = 100_000;
/// The largest `max_depth` that may be configured: HCL is parsed by a
/// recursive parser on threads with a fixed stack, and the trees built are
/// walked recursively, so depth cannot be unbounded.
pub const MAX_DEPTH_CEILING: usize = 1024;
/// YAML flow collections (`[...]`, `{...}`, so all of JSON) nest at most
/// this deep whatever `max_depth` says: saphyr counts their levels in a byte.
pub const FLOW_DEPTH_CEILING: usize = 255;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_alias_nodes: DEFAULT_MAX_ALIAS_NODES,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// A file that could not be parsed, at the byte range where parsing stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
    pub help: Option<String>,
}

/// Parses a YAML stream (JSON is a subset). Documents before a syntax error
/// are returned along with the error.
pub fn parse_stream(text: &str, limits: &Limits) -> (Vec<Document>, Option<SyntaxError>) {
    let (body, bom) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    let mut builder = Builder {
        text: body,
        positions: Positions::new(body),
        bom,
        limits,
        stack: Vec::new(),
        pending: Vec::new(),
        anchors: HashMap::new(),
        alias_budget: limits.max_alias_nodes,
        docs: Vec::new(),
    };
    let mut error = builder.run().err().map(|mut e| {
        if e.help.is_none() && looks_like_template(text) {
            e.help = Some(TEMPLATE_HELP.to_string());
        }
        if e.message == "recursion limit exceeded" {
            e.message = "nesting is too deep".to_string();
            e.help = Some(format!(
                "the YAML parser reads at most {FLOW_DEPTH_CEILING} levels of `[...]` and \
                 `{{...}}` (flow collections, and all of JSON)"
            ));
        }
        e
    });
    // saphyr stops at a NUL byte with a message about something else (the
    // end of the stream, an unprintable character): name the byte.
    if let Some(nul) = body.find('\0') {
        let at = nul + bom;
        // An error before the NUL is a different one, unless it is saphyr
        // taking the NUL for the end of the input (inside a quoted scalar,
        // the error is where the scalar started).
        let about_the_nul = |e: &SyntaxError| {
            e.range.start as usize >= at
                || e.message.contains("end of stream")
                || e.message.contains("unprintable")
        };
        if error.as_ref().is_none_or(about_the_nul) {
            error = Some(SyntaxError {
                range: TextRange::new(at, at + 1),
                message: "NUL byte in the file".to_string(),
                help: Some(
                    "YAML and JSON text cannot contain NUL (U+0000); this looks like a binary \
                     or corrupted file"
                        .to_string(),
                ),
            });
        }
    }
    (builder.docs, error)
}

const TEMPLATE_HELP: &str = "this looks like an unrendered template; render it first, e.g. \
     `helm template RELEASE CHART | spof check -`";

fn looks_like_template(text: &str) -> bool {
    text.contains("{{") && text.contains("}}")
}

/// Character index → byte offset. Pure-ASCII files (nearly all manifests)
/// need no translation; others walk forward from the last translated
/// position when the marker is a little after it (parser positions nearly
/// always increase), else look it up in the line index's character counts:
/// a marker costs the same wherever it is, even far into one long line and
/// after the parser steps back.
struct Positions {
    lines: Option<LineIndex>,
    /// Last translated (character index, byte offset).
    cursor: std::cell::Cell<(usize, usize)>,
}

/// How many characters past the cursor a marker is walked to rather than
/// looked up.
const WALK: usize = 64;

impl Positions {
    fn new(text: &str) -> Self {
        Self {
            lines: (!text.is_ascii()).then(|| LineIndex::new(text)),
            cursor: std::cell::Cell::new((0, 0)),
        }
    }

    fn byte(&self, text: &str, m: Marker) -> usize {
        let Some(lines) = &self.lines else {
            return m.index().min(text.len());
        };
        let (chars, bytes) = self.cursor.get();
        let index = m.index();
        let offset = match index.checked_sub(chars) {
            Some(ahead) if ahead <= WALK => text
                .get(bytes..)
                .unwrap_or("")
                .char_indices()
                .nth(ahead)
                .map_or(text.len(), |(i, _)| bytes + i),
            _ => lines.byte_of_char(text, index),
        };
        self.cursor.set((index, offset));
        offset
    }
}

/// A collection being built. Its nodes so far are `Builder::pending` from
/// `first` on (a mapping's keys and values alternating), so that a closed
/// collection is moved into a boxed slice of its exact length: no vector per
/// collection grown by doubling, and none left with spare room.
enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        first: usize,
    },
    Map {
        start: usize,
        anchor: usize,
        first: usize,
    },
    Doc,
}

struct Builder<'a> {
    text: &'a str,
    positions: Positions,
    bom: usize,
    limits: &'a Limits,
    stack: Vec<Frame>,
    /// The nodes of the open collections, innermost last (see [`Frame`]).
    pending: Vec<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_budget: usize,
    docs: Vec<Document>,
}

impl Builder<'_> {
    fn offset(&self, m: Marker) -> usize {
        self.positions.byte(self.text, m) + self.bom
    }

    fn range(&self, start: Marker, end: Marker) -> TextRange {
        TextRange::new(self.offset(start), self.offset(end))
    }

    fn error_at(&self, m: Marker, message: impl Into<String>) -> SyntaxError {
        let at = self.offset(m);
        SyntaxError {
            range: TextRange::new(at, at),
            message: message.into(),
            help: None,
        }
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        let parser = Parser::new_from_str(self.text);
        let mut last = Marker::new(0, 1, 0);
        for item in parser {
            let (event, span) = match item {
                Ok(ok) => ok,
                Err(e) => {
                    return Err(self.error_at(*e.marker(), e.info().to_string()));
                }
            };
            last = span.end;
            match event {
                Event::StreamStart | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => self.stack.push(Frame::Doc),
                Event::DocumentEnd => {
                    self.stack.pop();
                    self.anchors.clear();
                }
                Event::Scalar(text, style, anchor, _tag) => {
                    let plain = matches!(style, ScalarStyle::Plain);
                    let node = Node::scalar(self.range(span.start, span.end), &text, plain);
                    self.remember(anchor, &node, 1);
                    self.push(node, span.start)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.enter(span.start)?;
                    let start = self.offset(span.start);
                    self.stack.push(Frame::Seq {
                        start,
                        anchor,
                        first: self.pending.len(),
                    });
                }
                Event::MappingStart(anchor, _) => self.start_mapping(anchor, span.start)?,
                Event::SequenceEnd => self.end_sequence(span.start, span.end)?,
                Event::MappingEnd => self.end_mapping(span.start, span.end)?,
                Event::Alias(id) => self.alias(id, span.start, span.end)?,
            }
        }
        // A stream that ends inside a collection is reported by saphyr; this
        // guards the builder's own invariant.
        if self.stack.iter().any(|f| !matches!(f, Frame::Doc)) {
            return Err(self.error_at(last, "unexpected end of input"));
        }
        Ok(())
    }

    fn start_mapping(&mut self, anchor: usize, at: Marker) -> Result<(), SyntaxError> {
        self.enter(at)?;
        let start = self.offset(at);
        // `{{ .Values.x }}` is valid YAML (a mapping whose key is
        // a mapping) but never a manifest: an unrendered template.
        if self
            .text
            .get(start - self.bom..)
            .is_some_and(|t| t.starts_with("{{"))
        {
            return Err(SyntaxError {
                help: Some(TEMPLATE_HELP.to_string()),
                ..self.error_at(at, "unrendered template expression `{{ … }}`")
            });
        }
        self.stack.push(Frame::Map {
            start,
            anchor,
            first: self.pending.len(),
        });
        Ok(())
    }

    fn end_sequence(&mut self, at: Marker, end: Marker) -> Result<(), SyntaxError> {
        let end = self.offset(end);
        let Some(Frame::Seq {
            start,
            anchor,
            first,
        }) = self.stack.pop()
        else {
            return Err(self.error_at(at, "unbalanced sequence"));
        };
        let items: Box<[Node]> = self.pending.drain(first..).collect();
        let end = items.last().map_or(end, |n| n.range.end as usize).max(end);
        let size = 1 + items.len();
        let node = Node {
            range: TextRange::new(start, end),
            value: Value::Seq(items),
        };
        self.remember(anchor, &node, size);
        self.push(node, at)
    }

    fn end_mapping(&mut self, at: Marker, end: Marker) -> Result<(), SyntaxError> {
        let end = self.offset(end);
        let Some(Frame::Map {
            start,
            anchor,
            first,
        }) = self.stack.pop()
        else {
            return Err(self.error_at(at, "unbalanced mapping"));
        };
        let entries = pairs(self.pending.drain(first..));
        let end = entries
            .last()
            .map_or(end, |(_, v)| v.range.end as usize)
            .max(end);
        if let Some((first, again)) = duplicate_key(&entries) {
            return Err(self.duplicate_key_error(first, again));
        }
        let size = 1 + 2 * entries.len();
        let node = Node {
            range: TextRange::new(start, end),
            value: Value::Map(merge_keys(entries).into_boxed_slice()),
        };
        self.remember(anchor, &node, size);
        self.push(node, at)
    }

    /// An alias: a copy of its anchor's node, within the alias budget.
    fn alias(&mut self, id: usize, at: Marker, end: Marker) -> Result<(), SyntaxError> {
        let Some((target, size)) = self.anchors.get(&id) else {
            return Err(self.error_at(at, "alias to an unknown anchor"));
        };
        if *size > self.alias_budget {
            return Err(SyntaxError {
                help: Some(format!(
                    "spof expands at most {} nodes through aliases per file (--max-alias-expansion)",
                    self.limits.max_alias_nodes
                )),
                ..self.error_at(at, "YAML aliases expand beyond the limit")
            });
        }
        self.alias_budget -= *size;
        let mut node = target.clone();
        // The alias is where the value is used: point there.
        node.range = self.range(at, end);
        self.push(node, at)
    }

    /// A key written twice in one mapping: kubectl, Helm, compose and
    /// Backstage all refuse the file, and which value counts is anyone's
    /// guess, so it is an error at the second key.
    fn duplicate_key_error(&self, first: &Node, again: &Node) -> SyntaxError {
        let name = again.as_str().unwrap_or_default();
        let shown: String = name.chars().take(60).collect();
        let ellipsis = if shown.len() < name.len() { "…" } else { "" };
        let before = (first.range.start as usize).saturating_sub(self.bom);
        let line = 1 + self
            .text
            .get(..before)
            .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count());
        SyntaxError {
            range: again.range,
            message: format!("duplicate key `{shown}{ellipsis}`"),
            help: Some(format!(
                "the key is first written on line {line}; YAML requires keys to be unique \
                 in a mapping, and kubectl, Helm and compose refuse the file"
            )),
        }
    }

    fn enter(&self, at: Marker) -> Result<(), SyntaxError> {
        if self.stack.len() > self.limits.max_depth {
            return Err(SyntaxError {
                help: Some(format!(
                    "spof reads at most {} levels of nesting (--max-depth)",
                    self.limits.max_depth
                )),
                ..self.error_at(at, "nesting is too deep")
            });
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node, own_size: usize) {
        if anchor != 0 {
            let size = own_size + subtree_size(node).saturating_sub(own_size);
            self.anchors.insert(anchor, (node.clone(), size));
        }
    }

    fn push(&mut self, node: Node, at: Marker) -> Result<(), SyntaxError> {
        match self.stack.last() {
            Some(Frame::Seq { .. } | Frame::Map { .. }) => self.pending.push(node),
            Some(Frame::Doc) => {
                if !node.is_null() {
                    self.docs.push(Document { root: node });
                }
            }
            None => return Err(self.error_at(at, "value outside a document")),
        }
        Ok(())
    }
}

/// A mapping's keys and values, alternating, as entries in a vector of
/// exactly their number (a key left without value, which the parser never
/// sends, is dropped).
fn pairs(mut nodes: impl ExactSizeIterator<Item = Node>) -> Vec<(Node, Node)> {
    let mut entries = Vec::with_capacity(nodes.len() / 2);
    while let (Some(k), Some(v)) = (nodes.next(), nodes.next()) {
        entries.push((k, v));
    }
    entries
}

fn subtree_size(node: &Node) -> usize {
    let mut size = 0;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        size += 1;
        match &n.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => todo.extend(items),
            Value::Map(entries) => todo.extend(entries.iter().flat_map(|(k, v)| [k, v])),
        }
    }
    size
}

/// The first scalar key written twice in a mapping, as (first, second).
/// Merge keys (`<<`) may repeat.
fn duplicate_key(entries: &[(Node, Node)]) -> Option<(&Node, &Node)> {
    fn text(key: &Node) -> Option<&str> {
        match &key.value {
            Value::Scalar { text, plain } if !(*plain && &**text == "<<") => Some(text),
            _ => None,
        }
    }
    // Most mappings have a handful of keys: comparing each with those
    // before it costs less than hashing them into a table of their own.
    if entries.len() <= SMALL_MAPPING {
        for (i, (again, _)) in entries.iter().enumerate() {
            let Some(name) = text(again) else { continue };
            if let Some((first, _)) = entries[..i].iter().find(|(k, _)| text(k) == Some(name)) {
                return Some((first, again));
            }
        }
        return None;
    }
    let mut seen: HashMap<&str, &Node, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(entries.len(), Default::default());
    for (key, _) in entries {
        let Some(name) = text(key) else { continue };
        if let Some(first) = seen.insert(name, key) {
            return Some((first, key));
        }
    }
    None
}

/// Mappings of at most this many entries are checked for duplicate keys
/// without a hash table.
const SMALL_MAPPING: usize = 16;

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`): merged entries
/// never override keys written in the mapping itself, and the first merged
/// source wins over later ones. Linear in the entries (hashed lookups), so
/// a mapping merging an alias of many keys costs no more than copying it.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge =
        |k: &Node| matches!(&k.value, Value::Scalar { text, plain: true } if &**text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut sources = Vec::new();
    for (k, v) in entries {
        if !is_merge(&k) {
            own.push((k, v));
            continue;
        }
        match v.value {
            Value::Map(m) => sources.push(m),
            Value::Seq(items) => sources.extend(items.into_iter().filter_map(|n| match n.value {
                Value::Map(m) => Some(m),
                _ => None,
            })),
            Value::Scalar { .. } => {}
        }
    }
    let own_has_complex_key = own.iter().any(|(k, _)| k.as_str().is_none());
    let mut taken: std::collections::HashSet<String> = own
        .iter()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (mk, mv) in sources.into_iter().flatten() {
        let fresh = match mk.as_str() {
            Some(key) => taken.insert(key.to_string()),
            None => !own_has_complex_key,
        };
        if fresh {
            merged.push((mk, mv));
        }
    }
    own.extend(merged);
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Document>, Option<SyntaxError>) {
        parse_stream(text, &Limits::default())
    }

    /// Markers forward by a little, forward by a lot, and back, on a long
    /// non-ASCII line: each is the byte of its character.
    #[test]
    fn positions_translate_characters_in_any_order() {
        let text = "é€😀x".repeat(2_000);
        let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let positions = Positions::new(&text);
        for index in [0, 1, 5, 70, 71, 4_000, 3_999, 10, 7_999, 8_000, 8_100, 2] {
            let marker = Marker::new(index, 1, index);
            let expected = bytes.get(index).copied().unwrap_or(text.len());
            assert_eq!(positions.byte(&text, marker), expected, "{index}");
        }
    }

    fn slice<'a>(text: &'a str, n: &Node) -> &'a str {
        &text[n.range.start as usize..n.range.end as usize]
    }

    #[test]
    fn multi_document_stream_with_spans() {
        let text = "a: 1\n---\nkind: Deployment\nspec:\n  replicas: 3\n";
        let (docs, err) = parse(text);
        assert!(err.is_none());
        assert_eq!(docs.len(), 2);
        let replicas = docs[1].root.path(&["spec", "replicas"]).unwrap();
        assert_eq!(replicas.as_i64(), Some(3));
        assert_eq!(slice(text, replicas), "3");
        let (k, _) = docs[1].root.get("spec").unwrap().entry("replicas").unwrap();
        assert_eq!(slice(text, k), "replicas");
    }

    #[test]
    fn non_ascii_text_gets_byte_ranges() {
        let text = "name: café\nreplicas: 2\n";
        let (docs, _) = parse(text);
        let r = docs[0].root.get("replicas").unwrap();
        assert_eq!(slice(text, r), "2");
        assert_eq!(slice(text, docs[0].root.get("name").unwrap()), "café");
    }

    #[test]
    fn bom_and_crlf_parse_normally() {
        let text = "\u{feff}kind: Pod\r\nmetadata:\r\n  name: x\r\n";
        let (docs, err) = parse(text);
        assert!(err.is_none(), "{err:?}");
        let name = docs[0].root.path(&["metadata", "name"]).unwrap();
        assert_eq!(slice(text, name), "x");
    }

    #[test]
    fn json_parses_as_yaml() {
        let text = r#"{"kind": "Service", "spec": {"ports": [{"port": 80}]}}"#;
        let (docs, err) = parse(text);
        assert!(err.is_none());
        let port = &docs[0].root.path(&["spec", "ports"]).unwrap().as_seq()[0];
        assert_eq!(port.get("port").unwrap().as_i64(), Some(80));
    }

    #[test]
    fn syntax_error_points_at_the_problem() {
        let text = "a: 1\nb: [1, 2\n";
        let (_, err) = parse(text);
        let err = err.expect("error");
        assert!(err.range.start as usize <= text.len());
        assert!(err.help.is_none());
    }

    #[test]
    fn unrendered_template_gets_help() {
        let text = "metadata:\n  name: {{ .Values.name }}\n  {{- if .Values.x }}\n";
        let (_, err) = parse(text);
        assert!(err.unwrap().help.unwrap().contains("helm template"));
    }

    #[test]
    fn template_expressions_in_values_are_errors() {
        let text = "metadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n";
        let (_, err) = parse(text);
        let err = err.expect("template is an error");
        assert_eq!(err.range.start as usize, text.find("{{").unwrap());
        assert!(err.help.unwrap().contains("helm template"));
        // A quoted or block template is text, as in alerting rule templates.
        let (_, err) = parse("summary: \"{{ $labels.instance }} down\"\n");
        assert!(err.is_none());
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        let (_, err) = parse(&text);
        assert!(err.unwrap().message.contains("aliases"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let (_, err) = parse(&text);
        let err = err.unwrap();
        assert!(
            err.message.contains("deep") || err.message.contains("recursion"),
            "{err:?}"
        );
        // Block nesting deeper than our own limit, below saphyr's.
        let text: String = (0..300).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let (_, err) = parse(&text);
        assert!(err.unwrap().message.contains("deep"));
    }

    #[test]
    fn merge_keys_fill_missing_entries() {
        let text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n";
        let (docs, _) = parse(text);
        let m = docs[0].root.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(m.get("y").unwrap().as_i64(), Some(3));
        assert!(m.get("<<").is_none());
    }

    #[test]
    fn empty_documents_are_skipped() {
        let (docs, err) = parse("---\n---\n");
        assert!(err.is_none());
        assert!(docs.is_empty());
        let (docs, _) = parse("");
        assert!(docs.is_empty());
    }

    #[test]
    fn merge_sources_in_order_first_wins() {
        let text = "a: &a {x: 1, z: 1}\nb: &b {x: 2, y: 2}\nm:\n  <<: [*a, *b]\n  z: 3\n";
        let (docs, err) = parse(text);
        assert!(err.is_none(), "{err:?}");
        let m = docs[0].root.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(m.get("y").unwrap().as_i64(), Some(2));
        assert_eq!(m.get("z").unwrap().as_i64(), Some(3));
        assert_eq!(m.as_map().len(), 3);
    }

    /// A block key cannot span lines (vendor/saphyr-parser/PATCHES.md, 5):
    /// a flow collection starting a line of a block mapping that runs onto
    /// the next line is refused where that line starts, as soon as the
    /// scanner gets there.
    #[test]
    fn a_multi_line_flow_key_is_refused_at_its_second_line() {
        let text = "a: 1
{b: 2,
 c: 3}: 4
";
        let err = parse(text).1.unwrap();
        assert_eq!(err.message, "simple key expect ':'");
        assert_eq!(err.range.start as usize, text.find("c: 3").unwrap());
        // Not a key, or on one line: read as before.
        let (docs, err) = parse(
            "x:
  {b: 2,
   c: 3}
",
        );
        assert!(err.is_none(), "{err:?}");
        assert_eq!(docs[0].root.path(&["x", "c"]).unwrap().as_i64(), Some(3));
        let (docs, err) = parse(
            "? {b: 2,
   c: 3}
: 4
",
        );
        assert!(err.is_none(), "{err:?}");
        assert_eq!(docs[0].root.as_map().len(), 1);
    }

    #[test]
    fn duplicate_keys_are_an_error_at_the_second() {
        let text = "kind: Deployment\nspec:\n  replicas: 3\n  replicas: 1\n";
        let (docs, err) = parse(text);
        assert!(docs.is_empty());
        let err = err.unwrap();
        assert_eq!(err.message, "duplicate key `replicas`");
        assert_eq!(
            &text[err.range.start as usize..err.range.end as usize],
            "replicas"
        );
        assert_eq!(err.range.start, 39);
        assert!(err.help.unwrap().contains("first written on line 3"));
        // Documents before the one with the duplicate are kept; the same
        // key in two mappings, or in two documents, is no duplicate.
        let text = "a: {x: 1}\nb: {x: 1}\n---\na: 1\n---\na: 1\na: 2\n";
        let (docs, err) = parse(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(err.unwrap().message, "duplicate key `a`");
        // Merge keys may repeat; with a byte order mark, lines still count.
        let (_, err) = parse("\u{feff}b: &b {x: 1}\nm: {<<: *b, <<: *b}\n");
        assert!(err.is_none(), "{err:?}");
        let (_, err) = parse("\u{feff}a: 1\r\nb: 2\r\na: 3\r\n");
        assert!(err.unwrap().help.unwrap().contains("line 1;"));
        // A mapping too large to be checked pair by pair (hashed), and one
        // just small enough.
        for n in [SMALL_MAPPING + 24, SMALL_MAPPING - 1] {
            let mut text: String = (0..n).map(|i| format!("k{i}: 1\n")).collect();
            text.push_str("k7: 2\n");
            let err = parse(&text).1.unwrap();
            assert_eq!(err.message, "duplicate key `k7`");
            assert_eq!(err.range.start as usize, text.len() - "k7: 2\n".len());
            assert!(err.help.unwrap().contains("first written on line 8;"));
        }
    }

    /// A mapping of many keys merging an alias of as many: linear, not
    /// quadratic (each merged key used to be looked up by scanning the
    /// mapping).
    #[test]
    fn merge_of_a_large_mapping_is_linear() {
        let n = 30_000;
        let mut text = String::from("base: &b {");
        for i in 0..n {
            text.push_str(&format!("k{i}: 1, "));
        }
        text.push_str("}\nm:\n  <<: *b\n");
        for i in 0..n {
            text.push_str(&format!("  o{i}: 2\n"));
        }
        let (docs, err) = parse(&text);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(docs[0].root.get("m").unwrap().as_map().len(), 2 * n);
    }

    #[test]
    fn nul_bytes_are_named() {
        for (text, at) in [
            ("a: \"x\0y\"\n", 5),
            ("a: 1\n\0\n---\nb: 2\n", 5),
            ("a: 1\n# \0\n", 7),
            ("\u{feff}a: \0\n", 6),
        ] {
            let (_, err) = parse(text);
            let err = err.unwrap();
            assert_eq!(err.message, "NUL byte in the file", "{text:?}");
            assert_eq!(err.range.start, at, "{text:?}");
        }
        // An earlier error is the one reported.
        let (_, err) = parse("a: [\n}\n\0");
        assert_ne!(err.unwrap().message, "NUL byte in the file");
    }
}
