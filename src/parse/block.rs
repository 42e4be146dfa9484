//! YAML written in a YAML string: a literal block scalar (`values: |`,
//! a ConfigMap's `alertmanager.yml: |`) holds a document of its own. Parsed
//! from the scalar's text, its positions count from the start of that text;
//! [`relocate`] moves them to where each line is written in the file, so a
//! finding on the embedded document points at its own line and column.

use super::tree::{Node, Value};
use crate::source::TextRange;

/// Moves the positions of `root`, parsed from `text` (the value of the
/// literal block scalar at `range` of `file`), to where they are written in
/// `file`. False, leaving `root` as it was, when the scalar is not a
/// literal block or its lines do not match the file's.
pub fn relocate(root: &mut Node, file: &str, range: TextRange, text: &str) -> bool {
    let Some(lines) = literal_block_lines(file, range, text) else {
        return false;
    };
    shift(root, &|offset| {
        let (line, col) = line_col(text, offset);
        lines.get(line).map_or(range.start, |&start| start + col)
    });
    true
}

/// For a literal block scalar (`values: |`) at `range` of `file`, the
/// offset in `file` where each line of its `text` starts (after the
/// block's indentation); `None` for any other scalar, or when the lines do
/// not match.
pub fn literal_block_lines(file: &str, range: TextRange, text: &str) -> Option<Vec<u32>> {
    let start = range.start as usize;
    let end = (range.end as usize).min(file.len());
    // The indicator (`|`, `|-`, `|2`) ends the line the block starts on,
    // whether the node's range starts at it or at the block's first line.
    let line_start = file.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let header_end = if file.get(start..)?.starts_with('|') {
        start + file.get(start..)?.find('\n')?
    } else {
        line_start.checked_sub(1)?
    };
    let header_start = file.get(..header_end)?.rfind('\n').map_or(0, |i| i + 1);
    let header = file.get(header_start..header_end)?.trim_end();
    let indicator = header.rsplit(' ').next().unwrap_or("");
    if !indicator.starts_with('|') {
        return None;
    }
    let mut starts = Vec::new();
    let mut offset = header_end + 1;
    let mut indent = None;
    for line in file.get(offset..end.max(offset))?.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if indent.is_none() && !body.trim().is_empty() {
            indent = Some(body.len() - body.trim_start_matches(' ').len());
        }
        let i = indent.unwrap_or(0).min(body.len());
        starts.push(u32::try_from(offset + i).ok()?);
        offset += line.len();
    }
    // The block's text has one line per line of the file, the indentation
    // removed: check it.
    let ok = text.lines().enumerate().all(|(n, l)| {
        l.is_empty()
            || starts
                .get(n)
                .and_then(|&s| file.get(s as usize..))
                .is_some_and(|f| f.starts_with(l))
    });
    ok.then_some(starts)
}

/// Line and column (bytes) of `offset` in `text`.
fn line_col(text: &str, offset: u32) -> (usize, u32) {
    let before = text.get(..(offset as usize).min(text.len())).unwrap_or("");
    let line = before.matches('\n').count();
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1);
    (line, u32::try_from(col).unwrap_or(0))
}

/// Moves every range of `node` through `to`.
fn shift(node: &mut Node, to: &dyn Fn(u32) -> u32) {
    let start = to(node.range.start);
    let end = to(node.range.end).max(start);
    node.range = TextRange::new(start as usize, end as usize);
    match &mut node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| shift(i, to)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift(k, to);
            shift(v, to);
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_stream;

    #[test]
    fn a_literal_block_keeps_its_lines() {
        let file =
            "data:\n  values.yaml: |\n    image:\n      repository: x\n    replicaCount: 1\n";
        let (docs, _) = parse_stream(file, &Default::default());
        let node = docs[0]
            .root
            .path(&["data", "values.yaml"])
            .expect("the block");
        let text = node.as_str().expect("text");
        let lines = literal_block_lines(file, node.range, text).expect("a literal block");
        let at: Vec<&str> = lines
            .iter()
            .map(|&s| file[s as usize..].lines().next().unwrap_or(""))
            .collect();
        assert_eq!(at, ["image:", "  repository: x", "replicaCount: 1"]);
    }

    #[test]
    fn a_relocated_document_points_into_the_file() {
        let file =
            "data:\n  am.yml: |\n    receivers:\n      - name: chat\n        url: http://x\n";
        let (docs, _) = parse_stream(file, &Default::default());
        let node = docs[0].root.path(&["data", "am.yml"]).expect("the block");
        let text = node.as_str().expect("text");
        let (inner, _) = parse_stream(text, &Default::default());
        let mut root = inner.into_iter().next().expect("a document").root;
        assert!(relocate(&mut root, file, node.range, text));
        let url = root
            .path(&["receivers"])
            .map(Node::as_seq)
            .unwrap_or_default()[0]
            .get("url")
            .expect("url");
        let at = &file[url.range.start as usize..url.range.end as usize];
        assert_eq!(at, "http://x");
        // A folded or plain scalar keeps the positions of its own text.
        let plain = "data:\n  am.yml: \"receivers: []\"\n";
        let (docs, _) = parse_stream(plain, &Default::default());
        let node = docs[0].root.path(&["data", "am.yml"]).expect("the scalar");
        let mut root = Node::scalar(node.range, "", true);
        assert!(!relocate(&mut root, plain, node.range, "receivers: []"));
    }
}
