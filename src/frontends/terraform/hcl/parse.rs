//! Parsing one file into top-level items.

use super::ir::{AttrIr, BlockIr, BodyIr, Conv, Expr, ExprKind, JsonMode, json_body, json_expr};
use crate::diagnostic::Diagnostic;
use crate::frontends::terraform::Mode;
use crate::parse::hcl::{parse_hcl_body, too_deep};
use crate::parse::tree::Node;
use crate::parse::yaml::{Limits, parse_stream};
use crate::source::{FileId, SourceFile, Span, TextRange};

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum TypeKind {
    Any,
    String,
    Number,
    Bool,
    Complex,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct VariableDecl {
    pub name: String,
    pub default: Option<Expr>,
    pub ty: TypeKind,
    pub span: Span,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ResourceDecl {
    pub mode: Mode,
    pub kind: String,
    pub name: String,
    pub body: BodyIr,
    pub span: Span,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum Item {
    Variable(VariableDecl),
    Local(AttrIr),
    Resource(ResourceDecl),
    Module(BlockIr),
    Output(String, Option<Expr>),
    Provider(BlockIr),
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum FileKind {
    Config,
    Vars,
}

pub(crate) struct ParsedFile {
    pub id: FileId,
    pub kind: FileKind,
    pub items: Vec<Item>,
    /// `.tfvars` entries.
    pub vars: Vec<AttrIr>,
    pub error: Option<Diagnostic>,
}

pub(crate) fn file_kind(path: &str) -> Option<(FileKind, bool)> {
    if path.ends_with(".tf") {
        Some((FileKind::Config, false))
    } else if path.ends_with(".tf.json") {
        Some((FileKind::Config, true))
    } else if path.ends_with(".tfvars") {
        Some((FileKind::Vars, false))
    } else if path.ends_with(".tfvars.json") {
        Some((FileKind::Vars, true))
    } else {
        None
    }
}

fn error(file: &SourceFile, id: FileId, offset: usize, msg: &str) -> Diagnostic {
    let offset = offset.min(file.text().len());
    Diagnostic::error(
        "parse-error",
        Span::new(id, TextRange::empty(offset)),
        format!("cannot parse {}: {msg}", file.display_path()),
    )
    .with_label(msg.to_string())
}

pub(crate) fn parse_file(id: FileId, file: &SourceFile, limits: &Limits) -> ParsedFile {
    let path = file.path.to_string_lossy();
    let (kind, json) = file_kind(&path).unwrap_or((FileKind::Config, false));
    let mut out = ParsedFile {
        id,
        kind,
        items: Vec::new(),
        vars: Vec::new(),
        error: None,
    };
    let text: &str = file.text();
    if let Some(at) = too_deep(text, limits.max_depth) {
        out.error = Some(
            error(file, id, at, "nesting is too deep").with_help(format!(
                "spof reads at most {} levels of brackets in Terraform files (--max-depth)",
                limits.max_depth
            )),
        );
        return out;
    }
    if json {
        let (docs, err) = parse_stream(text, limits);
        if let Some(e) = err {
            out.error = Some(error(file, id, e.range.start as usize, &e.message));
            return out;
        }
        let Some(root) = docs.first().map(|d| &d.root) else {
            return out;
        };
        match kind {
            FileKind::Vars => {
                for (k, v) in root.as_map() {
                    out.vars.push(AttrIr {
                        name: k.as_str().unwrap_or_default().to_string(),
                        expr: json_expr(id, text, v, JsonMode::Literal),
                        span: Span::new(id, v.range),
                    });
                }
            }
            FileKind::Config => match json_shape_error(root) {
                Some((node, message)) => {
                    out.error = Some(
                        error(file, id, node.range.start as usize, &message)
                            .with_help("Terraform refuses the whole file; see https://developer.hashicorp.com/terraform/language/syntax/json"),
                    );
                }
                None => out.items = json_items(id, text, root),
            },
        }
        return out;
    }
    let (body, bom) = match parse_hcl_body(text) {
        Ok(parsed) => parsed,
        Err((offset, message)) => {
            out.error = Some(error(file, id, offset, &message));
            return out;
        }
    };
    let conv = Conv {
        file: id,
        base: bom,
        fallback: TextRange::empty(0),
    };
    let body = conv.body(&body);
    match kind {
        FileKind::Vars => out.vars = body.attrs,
        FileKind::Config => out.items = hcl_items(body),
    }
    out
}

fn type_kind(e: &Expr) -> TypeKind {
    let name = match &e.kind {
        ExprKind::Var(v) => v.as_str(),
        ExprKind::Call { name, .. } => name.as_str(),
        ExprKind::Str(s) => s.split('(').next().unwrap_or_default(),
        _ => return TypeKind::Any,
    };
    match name {
        "string" => TypeKind::String,
        "number" => TypeKind::Number,
        "bool" => TypeKind::Bool,
        "list" | "map" | "set" | "object" | "tuple" => TypeKind::Complex,
        _ => TypeKind::Any,
    }
}

fn hcl_items(body: BodyIr) -> Vec<Item> {
    let mut items = Vec::new();
    for block in body.blocks {
        let label = |i: usize| block.labels.get(i).cloned();
        match block.kind.as_str() {
            "variable" => {
                let Some(name) = label(0) else { continue };
                items.push(Item::Variable(VariableDecl {
                    name,
                    default: block.body.attr("default").map(|a| a.expr.clone()),
                    ty: block
                        .body
                        .attr("type")
                        .map_or(TypeKind::Any, |a| type_kind(&a.expr)),
                    span: block.span,
                }));
            }
            "locals" => items.extend(block.body.attrs.into_iter().map(Item::Local)),
            "resource" | "data" => {
                let (Some(kind), Some(name)) = (label(0), label(1)) else {
                    continue;
                };
                items.push(Item::Resource(ResourceDecl {
                    mode: if block.kind == "data" {
                        Mode::Data
                    } else {
                        Mode::Managed
                    },
                    kind,
                    name,
                    body: block.body,
                    span: block.span,
                }));
            }
            "module" if !block.labels.is_empty() => items.push(Item::Module(block)),
            "output" => {
                let Some(name) = label(0) else { continue };
                items.push(Item::Output(
                    name,
                    block.body.attr("value").map(|a| a.expr.clone()),
                ));
            }
            "provider" if !block.labels.is_empty() => items.push(Item::Provider(block)),
            _ => {}
        }
    }
    items
}

/// The first value of a `.tf.json` file that does not have the shape of
/// Terraform's JSON syntax (an object of block types; under each, one level
/// of objects per block label, then the block's body as an object, or an
/// array of such objects), with the message naming what was expected.
/// Terraform refuses such a file, so spof reads none of it rather than a
/// part.
fn json_shape_error(root: &Node) -> Option<(&Node, String)> {
    if !root.is_map() {
        return Some((root, "a Terraform JSON file must be an object".to_string()));
    }
    root.as_map().iter().find_map(|(key, value)| {
        let block = key.as_str().unwrap_or_default();
        let labels = match block {
            "resource" | "data" => 2,
            "variable" | "module" | "output" | "provider" | "check" | "removed" => 1,
            "locals" | "terraform" | "moved" | "import" => 0,
            _ => return None,
        };
        json_block_shape_error(value, labels, block)
    })
}

fn json_block_shape_error<'n>(
    node: &'n Node,
    labels: usize,
    block: &str,
) -> Option<(&'n Node, String)> {
    let objects: Vec<&Node> = if node.is_map() {
        vec![node]
    } else if node.is_seq() && node.as_seq().iter().all(Node::is_map) {
        node.as_seq().iter().collect()
    } else {
        let expected = if labels == 0 {
            "an object (the block's body)"
        } else {
            "an object whose keys are the block's labels"
        };
        return Some((
            node,
            format!("`{block}` must be {expected}, or an array of such objects"),
        ));
    };
    if labels == 0 {
        return None;
    }
    objects
        .into_iter()
        .flat_map(Node::as_map)
        .find_map(|(_, v)| json_block_shape_error(v, labels - 1, block))
}

/// Entries of a JSON block-type object: `{"NAME": {...}}` or
/// `{"NAME": [{...}, ...]}`, also when the whole is an array of such objects.
fn json_named(node: &Node) -> Vec<(&Node, &Node)> {
    let mut out = Vec::new();
    let objects: Vec<&Node> = if node.is_map() {
        vec![node]
    } else {
        node.as_seq().iter().collect()
    };
    for obj in objects {
        for (k, v) in obj.as_map() {
            if v.is_map() {
                out.push((k, v));
            } else {
                for item in v.as_seq() {
                    out.push((k, item));
                }
            }
        }
    }
    out
}

fn json_items(id: FileId, text: &str, root: &Node) -> Vec<Item> {
    let mut items = Vec::new();
    for (key, value) in root.as_map() {
        let span = |n: &Node| Span::new(id, n.range);
        match key.as_str().unwrap_or_default() {
            "variable" => {
                for (name, body) in json_named(value) {
                    items.push(Item::Variable(VariableDecl {
                        name: name.as_str().unwrap_or_default().to_string(),
                        default: body
                            .get("default")
                            .map(|d| json_expr(id, text, d, JsonMode::Literal)),
                        ty: body.get("type").map_or(TypeKind::Any, |t| {
                            type_kind(&json_expr(id, text, t, JsonMode::Expression))
                        }),
                        span: span(name),
                    }));
                }
            }
            "locals" => {
                let objects: Vec<&Node> = if value.is_map() {
                    vec![value]
                } else {
                    value.as_seq().iter().collect()
                };
                for obj in objects {
                    for (k, v) in obj.as_map() {
                        items.push(Item::Local(AttrIr {
                            name: k.as_str().unwrap_or_default().to_string(),
                            expr: json_expr(id, text, v, JsonMode::Template),
                            span: Span::new(
                                id,
                                TextRange::new(k.range.start as usize, v.range.end as usize),
                            ),
                        }));
                    }
                }
            }
            mode @ ("resource" | "data") => {
                for (kind, named) in json_named(value) {
                    for (name, body) in json_named(named) {
                        items.push(Item::Resource(ResourceDecl {
                            mode: if mode == "data" {
                                Mode::Data
                            } else {
                                Mode::Managed
                            },
                            kind: kind.as_str().unwrap_or_default().to_string(),
                            name: name.as_str().unwrap_or_default().to_string(),
                            body: json_body(id, text, body),
                            span: span(name),
                        }));
                    }
                }
            }
            "module" => {
                for (name, body) in json_named(value) {
                    items.push(Item::Module(BlockIr {
                        kind: "module".to_string(),
                        labels: vec![name.as_str().unwrap_or_default().to_string()],
                        body: json_body(id, text, body),
                        span: span(name),
                    }));
                }
            }
            "output" => {
                for (name, body) in json_named(value) {
                    items.push(Item::Output(
                        name.as_str().unwrap_or_default().to_string(),
                        body.get("value")
                            .map(|v| json_expr(id, text, v, JsonMode::Template)),
                    ));
                }
            }
            "provider" => {
                for (name, body) in json_named(value) {
                    items.push(Item::Provider(BlockIr {
                        kind: "provider".to_string(),
                        labels: vec![name.as_str().unwrap_or_default().to_string()],
                        body: json_body(id, text, body),
                        span: span(name),
                    }));
                }
            }
            _ => {}
        }
    }
    items
}
