//! No function is longer than [`MAX_LINES`] lines, counted from its `fn`
//! line to its closing brace (doc comments and attributes not counted,
//! tests and benches included). A longer function is split into functions
//! that each do one thing.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 120;

/// The crate's own Rust sources: the library and binary, the tests, the
/// benches and the fuzz targets (not the vendored crates).
const ROOTS: &[&str] = &["src", "tests", "benches", "fuzz"];

#[test]
fn no_function_is_longer_than_the_limit() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for root in ROOTS {
        rust_files(&manifest.join(root), &mut files);
    }
    assert!(
        files.iter().any(|f| f.ends_with("src/lib.rs")),
        "no sources found under {}",
        manifest.display()
    );
    let mut long = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            panic!("cannot read {}", file.display());
        };
        for f in functions(&text) {
            if f.lines > MAX_LINES {
                let path = file.strip_prefix(manifest).unwrap_or(file);
                long.push(format!(
                    "{}:{}: fn {} is {} lines",
                    path.display(),
                    f.line,
                    f.name,
                    f.lines
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions longer than {MAX_LINES} lines (split each into functions that do one thing):\n{}",
        long.join("\n")
    );
}

#[test]
fn counts_by_braces_outside_strings_comments_and_chars() {
    let text = r###"
/// fn documented() { not code
pub(crate) fn outer<'a>(x: &'a str) -> impl Fn() -> usize {
    let s = "}}} fn fake() {";
    let r = r#"}" fn raw() {"#;
    let c = '}';
    let q = '\'';
    /* } /* nested } */ fn commented() { */
    // }
    let f: fn(u8) -> u8 = |b| b;
    fn inner() {
        let _ = b'{';
    }
    move || s.len() + r.len()
}

trait T {
    fn declared(&self);
}
"###;
    let found: Vec<(String, usize, usize)> = functions(text)
        .into_iter()
        .map(|f| (f.name, f.line, f.lines))
        .collect();
    assert_eq!(
        found,
        [("outer".to_string(), 3, 13), ("inner".to_string(), 11, 3)]
    );
}

/// Every `.rs` file under `dir`, build output aside.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if !path.ends_with("target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A function with a body.
struct Function {
    name: String,
    /// The line of its `fn` keyword, from 1.
    line: usize,
    /// From the `fn` line to the closing brace's, both included.
    lines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Punct(char),
}

/// The functions with a body in `text`, nested ones too, each measured by
/// matching its braces.
fn functions(text: &str) -> Vec<Function> {
    let tokens = tokens(text);
    let mut out = Vec::new();
    for (i, (token, line)) in tokens.iter().enumerate() {
        if *token != Token::Word("fn".to_string()) {
            continue;
        }
        // `fn(u8) -> u8` is a type, not a function.
        let Some((Token::Word(name), _)) = tokens.get(i + 1) else {
            continue;
        };
        // The body: the first `{` after the signature; a `;` first means
        // a declaration without one.
        let Some(open) = tokens[i + 2..]
            .iter()
            .position(|(t, _)| matches!(t, Token::Punct('{' | ';')))
            .map(|p| i + 2 + p)
            .filter(|&p| tokens[p].0 == Token::Punct('{'))
        else {
            continue;
        };
        let mut depth = 0usize;
        for (t, end) in &tokens[open..] {
            match t {
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        out.push(Function {
                            name: name.clone(),
                            line: *line,
                            lines: end - line + 1,
                        });
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Words and punctuation, with their lines; strings, characters and
/// comments skipped.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Moves past `chars[from..to]`, counting its newlines.
    let skip = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
        to
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            i = skip(i, end, &mut line);
        } else if c == '/' && next == Some('*') {
            i = skip(i, block_comment_end(&chars, i), &mut line);
        } else if c == '"' {
            i = skip(i, string_end(&chars, i + 1), &mut line);
        } else if c == '\'' {
            i = skip(i, char_end(&chars, i), &mut line);
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // `r"…"`, `r#"…"#`, `b"…"`, `br#"…"#`, `b'…'`.
            match (word.as_str(), chars.get(i)) {
                ("r" | "br", Some('"' | '#')) => i = skip(i, raw_string_end(&chars, i), &mut line),
                ("b", Some('"')) => i = skip(i, string_end(&chars, i + 1), &mut line),
                ("b", Some('\'')) => i = skip(i, char_end(&chars, i), &mut line),
                _ => out.push((Token::Word(word), line)),
            }
        } else {
            if c == '\n' {
                line += 1;
            } else if !c.is_whitespace() {
                out.push((Token::Punct(c), line));
            }
            i += 1;
        }
    }
    out
}

/// Past the `*/` that closes the comment opening at `start` (nested
/// comments counted).
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// Past the `"` closing a string whose text starts at `i`.
fn string_end(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// Past a raw string whose hashes (or quote) start at `i`.
fn raw_string_end(chars: &[char], mut i: usize) -> usize {
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if chars.get(i) != Some(&'"') {
        return i;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    chars.len()
}

/// Past a character literal at `i` (its opening quote), or past the quote
/// of a lifetime or label.
fn char_end(chars: &[char], i: usize) -> usize {
    match (chars.get(i + 1), chars.get(i + 2)) {
        (Some('\\'), _) => (i + 3..chars.len())
            .find(|&j| chars[j] == '\'')
            .map_or(chars.len(), |j| j + 1),
        (Some(_), Some('\'')) => i + 3,
        _ => i + 1,
    }
}
