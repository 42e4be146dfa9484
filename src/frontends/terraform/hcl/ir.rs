//! The internal representation of Terraform configuration files: native
//! HCL (through hcl-edit) and the JSON syntax (through spof's spanned tree)
//! both become these types, with a [`Span`] on every expression.

use crate::parse::tree::{Node, Value as TreeValue};
use crate::source::{FileId, Span, TextRange};
use hcl::expr::{BinaryOperator, UnaryOperator};
use hcl_edit::Span as _;
use hcl_edit::expr as ex;
use hcl_edit::structure as st;
use hcl_edit::template as tp;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum ExprKind {
    Null,
    Bool(bool),
    Number(#[serde(with = "number")] hcl::Number),
    Str(String),
    Array(Vec<Expr>),
    Object(Vec<(Expr, Expr)>),
    Template(Vec<TElem>),
    Var(String),
    Traversal(Box<Expr>, Vec<Op>),
    Call {
        name: String,
        args: Vec<Expr>,
        expand_final: bool,
    },
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Unary(
        #[serde(deserialize_with = "operator")] UnaryOperator,
        Box<Expr>,
    ),
    Binary(
        #[serde(deserialize_with = "operator")] BinaryOperator,
        Box<Expr>,
        Box<Expr>,
    ),
    For(Box<ForIr>),
}

/// `hcl::Number` as the cache writes it: its own serde form is read back
/// through `deserialize_any`, which a format without type tags (postcard)
/// cannot do.
mod number {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    enum Tagged {
        Unsigned(u64),
        Signed(i64),
        Float(f64),
    }

    pub(super) fn serialize<S: Serializer>(n: &hcl::Number, s: S) -> Result<S::Ok, S::Error> {
        let tagged = match (n.as_u64(), n.as_i64()) {
            (Some(u), _) if !n.is_f64() => Tagged::Unsigned(u),
            (_, Some(i)) if !n.is_f64() => Tagged::Signed(i),
            _ => Tagged::Float(n.as_f64().unwrap_or(f64::NAN)),
        };
        tagged.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<hcl::Number, D::Error> {
        match Tagged::deserialize(d)? {
            Tagged::Unsigned(u) => Ok(hcl::Number::from(u)),
            Tagged::Signed(i) => Ok(hcl::Number::from(i)),
            Tagged::Float(f) => hcl::Number::from_f64(f)
                .ok_or_else(|| serde::de::Error::custom("a number that is not finite")),
        }
    }
}

/// An hcl operator, read back from the text it is written as: its own
/// `Deserialize` goes through `deserialize_any` too.
fn operator<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    text.parse()
        .map_err(|_| serde::de::Error::custom(format!("not an operator: {text}")))
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum Op {
    Attr(String),
    Index(Expr),
    AttrSplat,
    FullSplat,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ForIr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub coll: Expr,
    pub key: Option<Expr>,
    pub value: Expr,
    pub grouping: bool,
    pub cond: Option<Expr>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum TElem {
    Lit(String),
    Interp(Expr),
    If {
        cond: Expr,
        then: Vec<TElem>,
        els: Vec<TElem>,
    },
    For {
        key_var: Option<String>,
        value_var: String,
        coll: Expr,
        body: Vec<TElem>,
    },
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Self { kind, span }
    }

    /// `var.x` / `local.x` written alone: the root and the name.
    pub fn plain_ref(&self) -> Option<(&str, &str)> {
        match &self.kind {
            ExprKind::Traversal(base, ops) if ops.len() == 1 => match (&base.kind, &ops[0]) {
                (ExprKind::Var(root), Op::Attr(name)) => Some((root, name)),
                _ => None,
            },
            ExprKind::Template(elems) if elems.len() == 1 => match &elems[0] {
                TElem::Interp(e) => e.plain_ref(),
                _ => None,
            },
            _ => None,
        }
    }

    /// A traversal written as `a.b.c` (no index, no splat), as strings.
    pub fn dotted(&self) -> Option<Vec<String>> {
        match &self.kind {
            ExprKind::Var(root) => Some(vec![root.clone()]),
            ExprKind::Traversal(base, ops) => {
                let ExprKind::Var(root) = &base.kind else {
                    return None;
                };
                let mut out = vec![root.clone()];
                for op in ops {
                    match op {
                        Op::Attr(a) => out.push(a.clone()),
                        _ => return None,
                    }
                }
                Some(out)
            }
            ExprKind::Str(s) => Some(s.split('.').map(str::to_string).collect()),
            ExprKind::Template(elems) if elems.len() == 1 => match &elems[0] {
                TElem::Interp(e) => e.dotted(),
                TElem::Lit(s) => Some(s.split('.').map(str::to_string).collect()),
                _ => None,
            },
            _ => None,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct AttrIr {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct BlockIr {
    pub kind: String,
    pub labels: Vec<String>,
    pub body: BodyIr,
    /// The header: from the block type to the end of the last label.
    pub span: Span,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct BodyIr {
    pub attrs: Vec<AttrIr>,
    pub blocks: Vec<BlockIr>,
}

impl BodyIr {
    pub fn attr(&self, name: &str) -> Option<&AttrIr> {
        self.attrs.iter().rev().find(|a| a.name == name)
    }
}

/// Converts hcl-edit syntax into the IR. `base` is added to every byte
/// offset (templates parsed out of JSON strings); `fallback` is used where
/// hcl-edit has no span.
pub(crate) struct Conv {
    pub file: FileId,
    pub base: usize,
    pub fallback: TextRange,
}

impl Conv {
    fn span_of(&self, range: Option<std::ops::Range<usize>>) -> Span {
        match range {
            Some(r) => Span::new(
                self.file,
                TextRange::new(r.start + self.base, r.end + self.base),
            ),
            None => Span::new(self.file, self.fallback),
        }
    }

    pub fn body(&self, body: &st::Body) -> BodyIr {
        let mut out = BodyIr::default();
        for structure in body.iter() {
            match structure {
                st::Structure::Attribute(attr) => out.attrs.push(AttrIr {
                    name: attr.key.as_str().to_string(),
                    expr: self.expr(&attr.value),
                    span: self.span_of(attr.span()),
                }),
                st::Structure::Block(block) => out.blocks.push(self.block(block)),
            }
        }
        out
    }

    pub fn block(&self, block: &st::Block) -> BlockIr {
        let start = block.ident.span().map(|r| r.start);
        let end = block
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| block.ident.span())
            .map(|r| r.end);
        let span = match (start, end) {
            (Some(s), Some(e)) => self.span_of(Some(s..e)),
            _ => self.span_of(block.span()),
        };
        BlockIr {
            kind: block.ident.as_str().to_string(),
            labels: block
                .labels
                .iter()
                .map(|l| l.as_str().to_string())
                .collect(),
            body: self.body(&block.body),
            span,
        }
    }

    pub fn expr(&self, e: &ex::Expression) -> Expr {
        let span = self.span_of(e.span());
        let kind = match e {
            ex::Expression::Null(_) => ExprKind::Null,
            ex::Expression::Bool(b) => ExprKind::Bool(*b.value()),
            ex::Expression::Number(n) => ExprKind::Number(*n.value()),
            ex::Expression::String(s) => ExprKind::Str(s.value().clone()),
            ex::Expression::Array(a) => ExprKind::Array(a.iter().map(|e| self.expr(e)).collect()),
            ex::Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ex::ObjectKey::Ident(id) => Expr::new(
                                ExprKind::Str(id.as_str().to_string()),
                                self.span_of(id.span()),
                            ),
                            ex::ObjectKey::Expression(e) => match e {
                                // `{ a = 1 }` and `{ "a" = 1 }`; a bare
                                // variable as key is its name.
                                ex::Expression::Variable(v) => Expr::new(
                                    ExprKind::Str(v.as_str().to_string()),
                                    self.span_of(v.span()),
                                ),
                                other => self.expr(other),
                            },
                        };
                        (key, self.expr(v.expr()))
                    })
                    .collect(),
            ),
            ex::Expression::StringTemplate(t) => ExprKind::Template(self.template(t)),
            ex::Expression::HeredocTemplate(h) => ExprKind::Template(self.template(&h.template)),
            ex::Expression::Parenthesis(p) => return self.expr(p.inner()),
            ex::Expression::Variable(v) => ExprKind::Var(v.as_str().to_string()),
            ex::Expression::Conditional(c) => ExprKind::Cond(
                Box::new(self.expr(&c.cond_expr)),
                Box::new(self.expr(&c.true_expr)),
                Box::new(self.expr(&c.false_expr)),
            ),
            ex::Expression::FuncCall(f) => {
                let mut name: Vec<&str> = f.name.namespace.iter().map(|n| n.as_str()).collect();
                name.push(f.name.name.as_str());
                ExprKind::Call {
                    name: name.join("::"),
                    args: f.args.iter().map(|a| self.expr(a)).collect(),
                    expand_final: f.args.expand_final(),
                }
            }
            ex::Expression::Traversal(t) => ExprKind::Traversal(
                Box::new(self.expr(&t.expr)),
                t.operators
                    .iter()
                    .map(|op| match op.value() {
                        ex::TraversalOperator::AttrSplat(_) => Op::AttrSplat,
                        ex::TraversalOperator::FullSplat(_) => Op::FullSplat,
                        ex::TraversalOperator::GetAttr(id) => Op::Attr(id.as_str().to_string()),
                        ex::TraversalOperator::Index(e) => Op::Index(self.expr(e)),
                        ex::TraversalOperator::LegacyIndex(i) => Op::Index(Expr::new(
                            ExprKind::Number(hcl::Number::from(*i.value())),
                            self.span_of(i.span()),
                        )),
                    })
                    .collect(),
            ),
            ex::Expression::UnaryOp(u) => {
                ExprKind::Unary(*u.operator.value(), Box::new(self.expr(&u.expr)))
            }
            ex::Expression::BinaryOp(b) => ExprKind::Binary(
                *b.operator.value(),
                Box::new(self.expr(&b.lhs_expr)),
                Box::new(self.expr(&b.rhs_expr)),
            ),
            ex::Expression::ForExpr(f) => ExprKind::For(Box::new(ForIr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                coll: self.expr(&f.intro.collection_expr),
                key: f.key_expr.as_ref().map(|k| self.expr(k)),
                value: self.expr(&f.value_expr),
                grouping: f.grouping,
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr)),
            })),
        };
        Expr::new(kind, span)
    }

    pub fn template(&self, t: &tp::Template) -> Vec<TElem> {
        let mut out: Vec<TElem> = Vec::new();
        // Strip markers: `~` trims the whitespace of the adjacent literal.
        let mut trim_next = false;
        for el in t.iter() {
            match el {
                tp::Element::Literal(s) => {
                    let mut text: &str = s.value();
                    if trim_next {
                        text = text.trim_start();
                    }
                    trim_next = false;
                    out.push(TElem::Lit(text.to_string()));
                }
                tp::Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_last(&mut out);
                    }
                    trim_next = i.strip.strip_end();
                    out.push(TElem::Interp(self.expr(&i.expr)));
                }
                tp::Element::Directive(d) => match d.as_ref() {
                    tp::Directive::If(d) => {
                        if d.if_expr.strip.strip_start() {
                            trim_last(&mut out);
                        }
                        let mut then = self.template(&d.if_expr.template);
                        if d.if_expr.strip.strip_end() {
                            trim_first(&mut then);
                        }
                        let mut els = Vec::new();
                        if let Some(e) = &d.else_expr {
                            if e.strip.strip_start() {
                                trim_last(&mut then);
                            }
                            els = self.template(&e.template);
                            if e.strip.strip_end() {
                                trim_first(&mut els);
                            }
                        }
                        if d.endif_expr.strip.strip_start() {
                            if d.else_expr.is_some() {
                                trim_last(&mut els);
                            } else {
                                trim_last(&mut then);
                            }
                        }
                        trim_next = d.endif_expr.strip.strip_end();
                        out.push(TElem::If {
                            cond: self.expr(&d.if_expr.cond_expr),
                            then,
                            els,
                        });
                    }
                    tp::Directive::For(d) => {
                        if d.for_expr.strip.strip_start() {
                            trim_last(&mut out);
                        }
                        let mut body = self.template(&d.for_expr.template);
                        if d.for_expr.strip.strip_end() {
                            trim_first(&mut body);
                        }
                        if d.endfor_expr.strip.strip_start() {
                            trim_last(&mut body);
                        }
                        trim_next = d.endfor_expr.strip.strip_end();
                        out.push(TElem::For {
                            key_var: d.for_expr.key_var.as_ref().map(|k| k.as_str().to_string()),
                            value_var: d.for_expr.value_var.as_str().to_string(),
                            coll: self.expr(&d.for_expr.collection_expr),
                            body,
                        });
                    }
                },
            }
        }
        out
    }
}

fn trim_last(elems: &mut [TElem]) {
    if let Some(TElem::Lit(s)) = elems.last_mut() {
        *s = s.trim_end().to_string();
    }
}

fn trim_first(elems: &mut [TElem]) {
    if let Some(TElem::Lit(s)) = elems.first_mut() {
        *s = s.trim_start().to_string();
    }
}

/// How a JSON value is read.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum JsonMode {
    /// Strings are templates (`"${var.x}"`).
    Template,
    /// Strings are literal (`.tfvars.json`, variable defaults).
    Literal,
    /// Strings are expressions (`depends_on`, `provider`, variable types).
    Expression,
}

/// Converts one node of a `.tf.json` or `.tfvars.json` file.
pub(crate) fn json_expr(file: FileId, text: &str, node: &Node, mode: JsonMode) -> Expr {
    let span = Span::new(file, node.range);
    let kind = match &node.value {
        TreeValue::Seq(items) => ExprKind::Array(
            items
                .iter()
                .map(|n| json_expr(file, text, n, mode))
                .collect(),
        ),
        TreeValue::Map(entries) => ExprKind::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        Expr::new(
                            ExprKind::Str(k.as_str().unwrap_or_default().to_string()),
                            Span::new(file, k.range),
                        ),
                        json_expr(file, text, v, mode),
                    )
                })
                .collect(),
        ),
        TreeValue::Scalar { text: s, plain } => {
            if *plain {
                if node.is_null() {
                    ExprKind::Null
                } else if let Some(b) = node.as_bool() {
                    ExprKind::Bool(b)
                } else if let Some(n) = s.parse::<f64>().ok().and_then(hcl::Number::from_f64) {
                    match s.parse::<i64>() {
                        Ok(i) => ExprKind::Number(hcl::Number::from(i)),
                        Err(_) => ExprKind::Number(n),
                    }
                } else {
                    ExprKind::Str(s.to_string())
                }
            } else {
                match mode {
                    JsonMode::Literal => ExprKind::Str(s.to_string()),
                    JsonMode::Template => {
                        if !s.contains("${") && !s.contains("%{") {
                            ExprKind::Str(s.to_string())
                        } else {
                            return json_template(file, text, node, s);
                        }
                    }
                    JsonMode::Expression => {
                        return match hcl_edit::parser::parse_expr(s) {
                            Ok(e) => conv_for_string(file, text, node).expr(&e),
                            Err(_) => Expr::new(ExprKind::Str(s.to_string()), span),
                        };
                    }
                }
            }
        }
    };
    Expr::new(kind, span)
}

/// A converter whose offsets are those of the string's content, when the
/// string has no escapes (else every span is the whole string).
fn conv_for_string(file: FileId, text: &str, node: &Node) -> Conv {
    let start = node.range.start as usize;
    let end = node.range.end as usize;
    let raw = text.get(start..end).unwrap_or("");
    let exact = raw.starts_with('"') && !raw.contains('\\');
    Conv {
        file,
        base: if exact { start + 1 } else { 0 },
        fallback: node.range,
    }
}

fn json_template(file: FileId, text: &str, node: &Node, s: &str) -> Expr {
    let span = Span::new(file, node.range);
    let conv = conv_for_string(file, text, node);
    match hcl_edit::parser::parse_template(s) {
        Ok(t) => {
            let mut conv = conv;
            if conv.base == 0 {
                // Offsets would point elsewhere: drop them.
                return strip_spans(Expr::new(ExprKind::Template(conv.template(&t)), span));
            }
            conv.fallback = node.range;
            Expr::new(ExprKind::Template(conv.template(&t)), span)
        }
        Err(_) => Expr::new(ExprKind::Str(s.to_string()), span),
    }
}

/// Replaces every span inside by the root's (used when offsets are unknown).
pub(crate) fn strip_spans(mut e: Expr) -> Expr {
    let span = e.span;
    fn walk(e: &mut Expr, span: Span) {
        e.span = span;
        match &mut e.kind {
            ExprKind::Array(items) => items.iter_mut().for_each(|i| walk(i, span)),
            ExprKind::Object(entries) => entries.iter_mut().for_each(|(k, v)| {
                walk(k, span);
                walk(v, span);
            }),
            ExprKind::Template(elems) => walk_t(elems, span),
            ExprKind::Traversal(base, ops) => {
                walk(base, span);
                for op in ops {
                    if let Op::Index(i) = op {
                        walk(i, span);
                    }
                }
            }
            ExprKind::Call { args, .. } => args.iter_mut().for_each(|i| walk(i, span)),
            ExprKind::Cond(a, b, c) => {
                walk(a, span);
                walk(b, span);
                walk(c, span);
            }
            ExprKind::Unary(_, a) => walk(a, span),
            ExprKind::Binary(_, a, b) => {
                walk(a, span);
                walk(b, span);
            }
            ExprKind::For(f) => {
                walk(&mut f.coll, span);
                walk(&mut f.value, span);
                if let Some(k) = &mut f.key {
                    walk(k, span);
                }
                if let Some(c) = &mut f.cond {
                    walk(c, span);
                }
            }
            _ => {}
        }
    }
    fn walk_t(elems: &mut [TElem], span: Span) {
        for el in elems {
            match el {
                TElem::Lit(_) => {}
                TElem::Interp(e) => walk(e, span),
                TElem::If { cond, then, els } => {
                    walk(cond, span);
                    walk_t(then, span);
                    walk_t(els, span);
                }
                TElem::For { coll, body, .. } => {
                    walk(coll, span);
                    walk_t(body, span);
                }
            }
        }
    }
    walk(&mut e, span);
    e
}

/// A JSON object as a body: object members become attributes; objects and
/// arrays of objects are also nested blocks (without a schema, JSON cannot
/// tell a map attribute from a block).
pub(crate) fn json_body(file: FileId, text: &str, node: &Node) -> BodyIr {
    let mut out = BodyIr::default();
    for (k, v) in node.as_map() {
        let Some(name) = k.as_str() else { continue };
        let span = Span::new(
            file,
            TextRange::new(k.range.start as usize, v.range.end as usize),
        );
        let mode = match name {
            "depends_on" | "provider" => JsonMode::Expression,
            _ => JsonMode::Template,
        };
        if name == "//" {
            continue;
        }
        match &v.value {
            TreeValue::Map(_) => out.blocks.push(BlockIr {
                kind: name.to_string(),
                labels: Vec::new(),
                body: json_body(file, text, v),
                span: Span::new(file, k.range),
            }),
            TreeValue::Seq(items) if !items.is_empty() && items.iter().all(Node::is_map) => {
                for item in items {
                    out.blocks.push(BlockIr {
                        kind: name.to_string(),
                        labels: Vec::new(),
                        body: json_body(file, text, item),
                        span: Span::new(file, k.range),
                    });
                }
            }
            _ => {}
        }
        out.attrs.push(AttrIr {
            name: name.to_string(),
            expr: json_expr(file, text, v, mode),
            span,
        });
    }
    out
}
