//! Where a rendered chart's text comes from: each line of a template's
//! output is matched to the template line that wrote it, so that the nodes
//! of the rendered documents point into the template file, and a scalar a
//! template line reads from `.Values` is matched to the values line that
//! set it.
//!
//! The engine does not record which action wrote which byte, so the match
//! is made on the texts: a rendered line whose key (or, without a key, its
//! whole text) is written literally in the template is matched to that
//! template line, the next one after the last match first (then the
//! earlier ones, for a `range` that writes a line again); a rendered line
//! the template does not hold (the output of an `include`, a `toYaml`, a
//! key written by an action) is matched to the first template line after
//! the last match that prints an action's value.

use crate::parse::tree::{Node, Value as Tree};
use crate::source::{LineIndex, TextRange};

/// For each line of `rendered`, the line of `template` (0-based) that
/// wrote it.
pub fn line_map(template: &str, rendered: &str) -> Vec<usize> {
    let lines: Vec<&str> = template.lines().collect();
    let keys: Vec<Option<&str>> = lines.iter().map(|l| literal_key(l)).collect();
    let mut out = Vec::new();
    let mut last = 0usize;
    for line in rendered.lines() {
        let Some(key) = key_of(line) else {
            out.push(last);
            continue;
        };
        let found = (last + usize::from(!out.is_empty())..lines.len())
            .chain((0..=last.min(lines.len().saturating_sub(1))).rev())
            .find(|&i| keys.get(i).copied().flatten() == Some(key));
        let at = match found {
            Some(i) => i,
            None if !out.is_empty() && lines.get(last).is_some_and(|l| prints(l)) => last,
            None => (last + usize::from(!out.is_empty())..lines.len())
                .find(|&i| lines.get(i).is_some_and(|l| prints(l)))
                .unwrap_or(last),
        };
        out.push(at);
        last = at;
    }
    out
}

/// The key of a rendered line (`replicas:` of `  - replicas: 1`), or its
/// text when it holds none; `None` for a blank line or a comment.
fn key_of(line: &str) -> Option<&str> {
    let t = line.trim().trim_start_matches("- ").trim_start();
    if t.is_empty() || t.starts_with('#') || t == "---" {
        return None;
    }
    Some(match t.find(": ") {
        Some(i) => &t[..=i],
        None if t.ends_with(':') => t,
        None => t,
    })
}

/// The key a template line writes literally, if it starts with text.
fn literal_key(line: &str) -> Option<&str> {
    let key = key_of(line)?;
    (!key.contains("{{")).then_some(key)
}

/// Whether a template line prints the value of an action (not only
/// control: `if`, `end`, `define`, a comment, an assignment).
fn prints(line: &str) -> bool {
    let mut rest = line;
    while let Some(i) = rest.find("{{") {
        let action = rest[i + 2..].trim_start_matches('-').trim_start();
        let control = [
            "if ", "else", "end", "range ", "with ", "define ", "/*", "block ",
        ]
        .iter()
        .any(|k| action.starts_with(k))
            || action
                .split("}}")
                .next()
                .is_some_and(|a| a.contains(":=") || a.contains(" = "));
        if !control {
            return true;
        }
        rest = &rest[i + 2..];
    }
    false
}

/// Moves every node of a rendered document into `template`'s text: a node
/// on rendered line `l` goes to template line `map[l]`, at the text it
/// holds when the template writes it literally, else at the line's first
/// action that prints (its value came from there), else over the line.
pub struct Mover<'a> {
    pub template: &'a str,
    pub template_lines: &'a LineIndex,
    pub rendered: &'a str,
    pub rendered_lines: &'a LineIndex,
    pub map: &'a [usize],
}

impl Mover<'_> {
    pub fn node(&self, node: &mut Node) {
        match &mut node.value {
            Tree::Scalar { .. } => node.range = self.place(node.range, true),
            Tree::Seq(items) => {
                for item in items.iter_mut() {
                    self.node(item);
                }
                node.range = self.place(node.range, false);
            }
            Tree::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    self.node(k);
                    self.node(v);
                }
                node.range = self.place(node.range, false);
            }
        }
    }

    /// The template line a rendered offset was written by.
    pub fn line_of(&self, offset: u32) -> usize {
        let line = self.rendered_lines.line_of(offset);
        self.map.get(line).copied().unwrap_or(0)
    }

    fn place(&self, range: TextRange, scalar: bool) -> TextRange {
        let line = self.line_of(range.start);
        let start = self.template_lines.line_start(line).unwrap_or(0) as usize;
        let end = self
            .template_lines
            .line_start(line + 1)
            .map_or(self.template.len(), |e| e as usize);
        let text = self.template.get(start..end).unwrap_or("");
        let text = text.trim_end_matches(['\n', '\r']);
        let indent = text.len() - text.trim_start().len();
        let whole = TextRange::new(start + indent, start + text.len());
        if !scalar {
            return whole;
        }
        let value = self
            .rendered
            .get(range.start as usize..range.end as usize)
            .unwrap_or("");
        if !value.is_empty()
            && let Some(i) = text.find(value)
            && !inside_action(text, i)
        {
            return TextRange::new(start + i, start + i + value.len());
        }
        let after_key = text.find(": ").map_or(0, |i| i + 2);
        if let Some(i) = text[after_key..].find("{{") {
            let from = after_key + i;
            let to = text[from..].find("}}").map_or(text.len(), |j| from + j + 2);
            return TextRange::new(start + from, start + to);
        }
        whole
    }
}

/// Whether byte `i` of `line` is inside a `{{ … }}` action.
fn inside_action(line: &str, i: usize) -> bool {
    let before = &line[..i];
    match (before.rfind("{{"), before.rfind("}}")) {
        (Some(open), Some(close)) => open > close,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The `.Values` paths an action of `line` reads (`replicaCount` of
/// `{{ .Values.replicaCount }}`, `image.tag` of `$.Values.image.tag`).
pub fn values_paths(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find(".Values.") {
        let tail = &rest[i + 8..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
            .unwrap_or(tail.len());
        let path = tail[..end].trim_end_matches('.');
        if !path.is_empty() && inside_action(line, line.len() - rest.len() + i) {
            out.push(path);
        }
        rest = &tail[end..];
    }
    out
}

/// The scalar node at `path` (keys split on `.`) of a values tree.
pub fn at_path<'n>(root: &'n Node, path: &[&str]) -> Option<&'n Node> {
    let mut node = root;
    for key in path {
        let Tree::Map(entries) = &node.value else {
            return None;
        };
        node = entries
            .iter()
            .find(|(k, _)| matches!(&k.value, Tree::Scalar { text, .. } if &**text == *key))
            .map(|(_, v)| v)?;
    }
    matches!(node.value, Tree::Scalar { .. }).then_some(node)
}

/// Whether a values scalar and a rendered one are the same value, as YAML
/// reads them (`3` and `"3"`, `true` and `true`).
pub fn same_scalar(values: &Node, rendered: &Node) -> bool {
    match (&values.value, &rendered.value) {
        (Tree::Scalar { text: a, .. }, Tree::Scalar { text: b, .. }) => {
            a.trim() == b.trim() && !a.trim().is_empty()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_lines_are_matched_to_the_template_lines_that_wrote_them() {
        let template = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"x.fullname\" . }}
  labels:
    {{- include \"x.labels\" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
        {{- range .Values.containers }}
        - name: {{ .name }}
          image: {{ .image }}
        {{- end }}
";
        let rendered = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    tier: front
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: a
          image: a:1
        - name: b
          image: b:1
";
        assert_eq!(
            line_map(template, rendered),
            [0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 12, 13, 12, 13]
        );
    }

    #[test]
    fn values_paths_are_read_from_actions_only() {
        assert_eq!(
            values_paths("  replicas: {{ .Values.replicaCount | default 1 }} # .Values.no"),
            ["replicaCount"]
        );
        assert_eq!(
            values_paths("{{ $.Values.image.tag }} {{ .Values.a_b.c-d. }}"),
            ["image.tag", "a_b.c-d"]
        );
    }

    #[test]
    fn control_lines_do_not_print() {
        assert!(!prints("{{- if .Values.x }}"));
        assert!(!prints("  {{- $v := .Values.x }}"));
        assert!(prints("  {{- toYaml .Values.x | nindent 2 }}"));
        assert!(prints("  name: {{ .Release.Name }}"));
    }
}
