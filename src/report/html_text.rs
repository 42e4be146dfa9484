//! Text for HTML: escaping, message prose, and the small pieces every
//! HTML part of the report writes (entity references, role badges).

use super::Data;
use crate::model::Role;

/// Escapes text for HTML element content and quoted attribute values;
/// control and bidirectional-override characters become `?`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::plain(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text from a message: its `quoted` parts as `<code>`, all escaped.
/// Unbalanced backticks stay as they are.
pub fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn role_badge(role: Role) -> String {
    format!("<span class=\"role role-{0}\">{0}</span>", role.as_str())
}

/// An entity as a reference: its id in code, linked to its risk groups.
pub fn entity_ref(data: &Data, index: usize) -> String {
    let id = data.entity_id(index);
    format!("<a href=\"#e{index}\"><code>{}</code></a>", escape(id))
}
