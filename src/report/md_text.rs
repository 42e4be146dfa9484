//! Text for Markdown: escaping for prose and table cells, code spans.

/// Escapes text for Markdown prose and table cells: every character that
/// could start formatting, a link, HTML or a cell border is backslashed or
/// written as an entity; line breaks become spaces.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in super::plain(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    // A list marker at the start of a line.
    if out.starts_with(['-', '+']) {
        out.insert(0, '\\');
    }
    out
}

/// Prose from a message: its `quoted` parts as code spans, the rest as
/// [`text`]. Unbalanced backticks are all escaped.
pub fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return text(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { text(part) })
        .collect()
}

/// A code span holding `s` anywhere (prose or table): delimited by more
/// backticks than it contains in a row; `|` escaped, which GitHub removes
/// in tables and code spans alike.
pub fn code(s: &str) -> String {
    let s = super::plain(s).replace(['\n', '\r'], " ");
    let run = longest_run(&s, '`');
    let fence = "`".repeat(run + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", s.replace('|', "\\|"))
}

pub fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut now) = (0, 0);
    for x in s.chars() {
        if x == c {
            now += 1;
            best = best.max(now);
        } else {
            now = 0;
        }
    }
    best
}

/// `run …` as `Run …`.
pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
