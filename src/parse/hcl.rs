//! HCL: the syntax of Terraform configurations and Nomad jobs. hcl-edit
//! parses it; what is here is shared by the frontends that read it: the
//! nesting check made before the (recursive) parser is given a text, the
//! parse of a body, and the stack size of the threads that parse.

use crate::source::LineIndex;

/// Stack size for the threads that parse and evaluate: hcl-edit's parser
/// and the evaluator are recursive, and bracket nesting is bounded by
/// [`crate::parse::yaml::Limits::max_depth`].
pub const STACK_SIZE: usize = 64 * 1024 * 1024;

/// Byte offset where bracket nesting first exceeds `max_depth`: checked
/// before hcl-edit, a recursive parser, is given the text.
pub fn too_deep(text: &str, max_depth: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'[' | b'{' | b'(' => {
                depth += 1;
                if depth > max_depth {
                    return Some(i);
                }
            }
            b']' | b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses an HCL body with hcl-edit, which expects no byte order mark: the
/// body and the BOM's length (what its spans are offset by), or the byte
/// offset in `text` and the message of the syntax error.
pub fn parse_hcl_body(text: &str) -> Result<(hcl_edit::structure::Body, usize), (usize, String)> {
    let (body_text, bom) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    hcl_edit::parser::parse_body(body_text)
        .map(|body| (body, bom))
        .map_err(|e| {
            let loc = e.location();
            let offset = LineIndex::new(body_text).offset_of(
                body_text,
                loc.line().saturating_sub(1),
                loc.column().saturating_sub(1),
            );
            (offset + bom, e.message().to_string())
        })
}
