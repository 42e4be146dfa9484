//! The table headers of a TOML document, found by a scan of its text that
//! follows strings, arrays and inline tables but builds no tree, so that a
//! large document can be parsed table by table: each table's text, from its
//! header to the next header, is a document of its own, with its spans
//! offset by where it starts.
//!
//! The scan is not a validator. It gives up (`None`) where the text is not
//! TOML as far as it can tell, and what it finds is only where the headers
//! are: a caller parses every byte of the text in one piece or another, so
//! that any error is still the parser's.

use std::ops::Range;

/// A table header: `[a.b]` or `[[a.b]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Where the header's first `[` is: its table's text runs from here to
    /// the next header's `start`, or to the end.
    pub start: usize,
    /// `[[…]]`: a table of an array of tables.
    pub array: bool,
    /// Where each of its keys is written, quotes included.
    pub keys: Vec<Range<usize>>,
}

/// The headers of `text`, in order; `None` where the text is not TOML as
/// far as the scan can tell (an unterminated string or bracket, a header
/// with text after it, a key that is not one).
pub fn scan(text: &str) -> Option<Vec<Header>> {
    let b = text.as_bytes();
    let mut headers = Vec::new();
    // A byte-order mark is the parser's to skip.
    let mut i = if text.starts_with('\u{feff}') { 3 } else { 0 };
    // At the start of a line, outside any string or bracket.
    while i < b.len() {
        i = blank(b, i);
        match b.get(i) {
            None => break,
            Some(b'\n') => i += 1,
            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => i += 2,
            Some(b'#') => i = line_end(b, i),
            Some(b'[') => {
                let (header, next) = header(b, i)?;
                headers.push(header);
                i = next;
            }
            Some(_) => i = key_value(b, i)?,
        }
    }
    Some(headers)
}

/// The name a key of a header is written as: a bare key, or a quoted one
/// without escapes; `None` for a key with escapes (`"\u0061"`), which the
/// scan does not decode.
pub fn key<'t>(text: &'t str, range: &Range<usize>) -> Option<&'t str> {
    let written = text.get(range.clone())?;
    match written.as_bytes().first() {
        Some(b'\'') => written.get(1..written.len() - 1),
        Some(b'"') if !written.contains('\\') => written.get(1..written.len() - 1),
        Some(b'"') => None,
        _ => Some(written),
    }
}

/// Past spaces and tabs.
fn blank(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The position of the newline that ends the line `i` is on (or the end).
fn line_end(b: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |at| i + at)
}

/// The header at `i` (its `[`), and where the next line starts.
fn header(b: &[u8], i: usize) -> Option<(Header, usize)> {
    let array = b.get(i + 1) == Some(&b'[');
    let mut j = i + 1 + usize::from(array);
    let mut keys = Vec::new();
    loop {
        j = blank(b, j);
        let end = key_end(b, j)?;
        keys.push(j..end);
        j = blank(b, end);
        match b.get(j) {
            Some(b'.') => j += 1,
            Some(b']') => break,
            _ => return None,
        }
    }
    j += 1;
    if array {
        if b.get(j) != Some(&b']') {
            return None;
        }
        j += 1;
    }
    j = blank(b, j);
    match b.get(j) {
        None | Some(b'\n' | b'#') => {}
        Some(b'\r') if b.get(j + 1) == Some(&b'\n') => {}
        Some(_) => return None,
    }
    let header = Header {
        start: i,
        array,
        keys,
    };
    Some((header, line_end(b, j)))
}

/// The end of the key that starts at `i`: bare, or in one-line quotes.
fn key_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' | b'\'' => {
            let end = string_end(b, i)?;
            // A key is never a multi-line string.
            (!b.get(i..end)?.contains(&b'\n')).then_some(end)
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Past a key/value expression that starts at `i`, and the newline that
/// ends it: its value may run over several lines (a multi-line string, an
/// array, an inline table).
fn key_value(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while let Some(&c) = b.get(j) {
        match c {
            b'"' | b'\'' => j = string_end(b, j)?,
            b'#' => j = line_end(b, j),
            b'[' | b'{' => {
                depth += 1;
                j += 1;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                j += 1;
            }
            b'\n' if depth == 0 => return Some(j + 1),
            _ => j += 1,
        }
    }
    (depth == 0).then_some(j)
}

/// Past the string whose opening quote is at `i`: basic or literal, on one
/// line or several.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let quote = *b.get(i)?;
    let escapes = quote == b'"';
    if b.get(i + 1) == Some(&quote) && b.get(i + 2) == Some(&quote) {
        let mut j = i + 3;
        loop {
            match *b.get(j)? {
                b'\\' if escapes => j += 2,
                c if c == quote && b.get(j + 1) == Some(&quote) && b.get(j + 2) == Some(&quote) => {
                    j += 3;
                    // Up to two quotes more are the string's own.
                    for _ in 0..2 {
                        if b.get(j) == Some(&quote) {
                            j += 1;
                        }
                    }
                    return Some(j);
                }
                _ => j += 1,
            }
        }
    }
    let mut j = i + 1;
    loop {
        match *b.get(j)? {
            b'\\' if escapes => j += 2,
            b'\n' => return None,
            c if c == quote => return Some(j + 1),
            _ => j += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each header's keys, as written.
    fn keys(text: &str) -> Option<Vec<Vec<&str>>> {
        let headers = scan(text)?;
        Some(
            headers
                .iter()
                .map(|h| h.keys.iter().map(|k| &text[k.clone()]).collect())
                .collect(),
        )
    }

    #[test]
    fn headers_are_found_with_their_keys() {
        let text = "a = 1\n[services.x]\nsites = [\"a\"]\n  [[ tools . 'y z' ]] # c\n[\"s\".t]\r\n";
        assert_eq!(
            keys(text),
            Some(vec![
                vec!["services", "x"],
                vec!["tools", "'y z'"],
                vec!["\"s\"", "t"]
            ])
        );
        let headers = scan(text).expect("scans");
        assert_eq!(&text[headers[1].start..headers[1].start + 2], "[[");
        assert!(headers[1].array && !headers[0].array);
        assert_eq!(key(text, &headers[1].keys[1]), Some("y z"));
        assert_eq!(key(text, &headers[2].keys[0]), Some("s"));
    }

    #[test]
    fn brackets_inside_values_are_not_headers() {
        let text = concat!(
            "[a]\n",
            "s = \"\"\"\n[not.one]\n\\\"\"\"\n\"\"\"\"\n",
            "l = '''\n[nor.this]\n'''''\n",
            "v = [\n  [1, 2], # ] [\n  \"]\",\n]\n",
            "t = { x = [\n1] }\n",
            "[b]\n",
        );
        assert_eq!(keys(text), Some(vec![vec!["a"], vec!["b"]]));
    }

    #[test]
    fn what_is_not_toml_gives_up() {
        for text in [
            "[a] x = 1\n",
            "[a\n",
            "[]\n",
            "[a.]\n",
            "s = \"\"\"\n[b]\n",
            "s = 'x\n[b]\n",
            "v = [\n[b]\n",
            "v = ]\n",
            "[\"a\nb\"]\n",
            "[[a]\n",
        ] {
            assert_eq!(scan(text), None, "{text:?}");
        }
        assert_eq!(key("[\"\\u0061\"]", &(1..9)), None);
    }
}
