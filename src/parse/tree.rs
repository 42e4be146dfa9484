//! spof's own spanned document tree. YAML and JSON both parse into it; every
//! node keeps the byte range of its text so findings point at exact lines.

use crate::source::TextRange;

/// Boxed slices and strings rather than vectors and `String`s: a tree holds
/// a node per scalar of its file, so every word counts (32 bytes a node, not
/// 40), and no node keeps room it will not use (the parser's strings have
/// spare capacity, and collections grown by pushing up to twice their length).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A scalar as written. `plain` is false for quoted and block scalars,
    /// which are always strings.
    Scalar {
        text: Box<str>,
        plain: bool,
    },
    Seq(Box<[Node]>),
    Map(Box<[(Node, Node)]>),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    pub range: TextRange,
    pub value: Value,
}

impl Node {
    /// A scalar node holding a copy of `text` of exactly its length.
    pub fn scalar(range: TextRange, text: &str, plain: bool) -> Self {
        Self {
            range,
            value: Value::Scalar {
                text: Box::from(text),
                plain,
            },
        }
    }

    /// Value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Key node and value node of `key` in a mapping (the last one wins, as in
    /// Kubernetes).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A string value that is not null.
    pub fn as_text(&self) -> Option<&str> {
        if self.is_null() { None } else { self.as_str() }
    }

    /// The text of a plain (unquoted) scalar: the only kind YAML may read
    /// as a number.
    pub fn plain_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain: true } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if matches!(&**text, "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => parse_int(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match &**text {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_map(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// Whether every range of the tree lies inside a text of `len` bytes
    /// (what a tree read back from the parse cache must satisfy).
    pub fn fits(&self, len: usize) -> bool {
        let own = self.range.start <= self.range.end && self.range.end as usize <= len;
        own && match &self.value {
            Value::Scalar { .. } => true,
            Value::Seq(items) => items.iter().all(|n| n.fits(len)),
            Value::Map(entries) => entries.iter().all(|(k, v)| k.fits(len) && v.fits(len)),
        }
    }
}

/// YAML 1.2 core-schema integers (decimal, `0o` octal, `0x` hex).
fn parse_int(text: &str) -> Option<i64> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(sign * value)
}

/// One document of a YAML stream (or a whole JSON file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub root: Node,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str, plain: bool) -> Node {
        Node::scalar(TextRange::empty(0), text, plain)
    }

    #[test]
    fn integers_follow_the_core_schema() {
        assert_eq!(s("3", true).as_i64(), Some(3));
        assert_eq!(s("-2", true).as_i64(), Some(-2));
        assert_eq!(s("0x10", true).as_i64(), Some(16));
        assert_eq!(s("3", false).as_i64(), None);
        assert_eq!(s("3.5", true).as_i64(), None);
        assert_eq!(s("", true).as_i64(), None);
    }

    /// A tree holds a node per scalar of its file: a wider node is more
    /// memory for every large file (see [`Value`]).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_node_is_four_words() {
        assert_eq!(std::mem::size_of::<Node>(), 32);
    }

    #[test]
    fn null_and_bool() {
        assert!(s("~", true).is_null());
        assert!(!s("null", false).is_null());
        assert_eq!(s("true", true).as_bool(), Some(true));
        assert_eq!(s("true", false).as_bool(), None);
    }
}
