//! TOML: the syntax of `spof.toml`, the knowledge base's provider files and
//! the service manifest. `toml`'s spanned tree (`DeTable`) is walked by hand
//! by each reader, so that every error points at the key or value it is
//! about and one bad value does not hide the others; what is here is the
//! part every such reader shares: the tree's types, the syntax error, and
//! the wording of unknown keys and wrong types.

pub mod headers;

use std::ops::Range;

pub use toml::Spanned;
pub use toml::de::{DeString, DeTable as Table, DeValue};

/// A key, with its span.
pub type Key<'i> = Spanned<DeString<'i>>;
/// A value, with its span.
pub type Value<'i> = Spanned<DeValue<'i>>;

/// A syntax error: where, and the first line of what the parser says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: Range<usize>,
    pub message: String,
}

impl SyntaxError {
    /// `err`, at its span, else at the end of `text`.
    pub fn new(text: &str, err: &toml::de::Error) -> Self {
        Self {
            range: err.span().unwrap_or(text.len()..text.len()),
            message: err.message().lines().next().unwrap_or("").to_string(),
        }
    }

    /// Whether the error is a key defined twice.
    pub fn is_duplicate_key(&self) -> bool {
        self.message.starts_with("duplicate key")
    }
}

/// The whole text parsed, or its syntax error.
pub fn parse(text: &str) -> Result<Spanned<Table<'_>>, SyntaxError> {
    Table::parse(text).map_err(|err| SyntaxError::new(text, &err))
}

/// What the parser recovers of the text, with its syntax errors.
pub fn parse_recoverable(text: &str) -> (Spanned<Table<'_>>, Vec<SyntaxError>) {
    let (tree, errors) = Table::parse_recoverable(text);
    let errors = errors.iter().map(|e| SyntaxError::new(text, e)).collect();
    (tree, errors)
}

/// The help for an unknown key: the allowed key it is a likely typo of,
/// else the list of allowed keys.
pub fn unknown_key_help(name: &str, allowed: &[&str]) -> String {
    match did_you_mean(name, allowed.iter().copied()) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => format!("expected one of {}", list(allowed)),
    }
}

/// The label of a value of the wrong type: `found an integer`.
pub fn found(value: &Value<'_>) -> String {
    format!("found {}", with_article(value.get_ref().type_str()))
}

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: an edit distance (with transpositions, ignoring case) of at most a
/// third of the word's length, and at least 1.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word, &c.to_lowercase()), c))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

/// Words in backquotes, separated by commas.
pub fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type's name with its indefinite article.
pub fn with_article(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_located_and_one_line() {
        let error = parse("a = 1\na = 2\n").expect_err("a duplicate key");
        assert!(error.is_duplicate_key(), "{error:?}");
        assert!(!error.message.contains('\n'));
        assert_eq!(&"a = 1\na = 2\n"[error.range.clone()], "a");
        let (tree, errors) = parse_recoverable("x = \"s\"\ny = [\n");
        assert_eq!(errors.len(), 1);
        assert!(tree.get_ref().get("x").is_some());
    }

    #[test]
    fn wording_of_unknown_keys_and_wrong_types() {
        assert_eq!(
            unknown_key_help("zone", &["zones", "region"]),
            "did you mean `zones`?"
        );
        assert_eq!(
            unknown_key_help("colour", &["zones", "region"]),
            "expected one of `zones`, `region`"
        );
        let tree = parse("n = 1\ns = \"x\"\n").expect("valid TOML");
        let table = tree.get_ref();
        let found_of = |k: &str| table.get(k).map(found);
        assert_eq!(found_of("n").as_deref(), Some("found an integer"));
        assert_eq!(found_of("s").as_deref(), Some("found a string"));
    }
}
