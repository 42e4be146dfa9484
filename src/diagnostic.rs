//! The one diagnostic type shared by findings, parse errors and config errors.
//! Renderers only format these; they never decide severity or location.

use crate::source::Span;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Whether a diagnostic is a finding of a rule, or a problem with the input
/// (unreadable file, syntax error, bad configuration) that stops spof from
/// seeing part of the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Finding,
    Error,
}

/// A secondary location: one hop of a dependency chain, or a related setting.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Related {
    pub span: Span,
    /// Shared: one hop, or one root cause, is cited by the finding of
    /// every entity whose chain passes through it.
    pub message: Arc<str>,
}

/// A label or help: most are the catalog's own words (`&'static str`, no
/// copy per finding), the rest made once and shared where many findings
/// say the same.
#[derive(Clone)]
pub enum Text {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Text {
    pub fn as_str(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::Static("")
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Text::Static(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Shared(s.into())
    }
}

impl From<Arc<str>> for Text {
    fn from(s: Arc<str>) -> Self {
        Text::Shared(s)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By the text, however it is kept.
impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// Words that the messages of many findings name (a single failure: a
/// domain, the node of a replica), each kept once for the run: a message
/// keeps the index of each word it names, not a copy of its text. SPOF007
/// and SPOF023 name every further single point of their entity, some
/// thirty in a large estate, hundreds of characters each finding.
#[derive(Clone, Default)]
pub struct Words(Arc<RwLock<Vec<Arc<str>>>>);

impl Words {
    /// Adds `word`, returning its index.
    pub fn add(&self, word: Arc<str>) -> u32 {
        let mut words = self.0.write().unwrap_or_else(PoisonError::into_inner);
        words.push(word);
        u32::try_from(words.len() - 1).unwrap_or(u32::MAX)
    }

    fn each(&self, ids: &[u32], mut f: impl FnMut(&str) -> fmt::Result) -> fmt::Result {
        let words = self.0.read().unwrap_or_else(PoisonError::into_inner);
        for &id in ids {
            f(words.get(id as usize).map_or("", |w| w))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Words")
    }
}

/// The single failures a message names after the first, as ` (and with
/// A)`, ` (and with A, B and C)`, written at byte `at` of its text.
#[derive(Clone, Debug)]
struct Further {
    at: usize,
    words: Words,
    ids: Box<[u32]>,
}

/// A diagnostic's message: its text, and, for the findings that list every
/// further single point of failure, that list as indices into the run's
/// [`Words`], worded as it is written. Compared, hashed and written as the
/// one string it reads as.
#[derive(Clone, Default)]
pub struct Message {
    text: String,
    further: Option<Box<Further>>,
}

impl Message {
    /// `text`, with ` (and with …)` naming `ids` of `words` at byte `at`
    /// (nothing when `ids` is empty).
    pub fn with_further(text: String, at: usize, words: &Words, ids: Vec<u32>) -> Self {
        let further = (!ids.is_empty() && text.is_char_boundary(at)).then(|| {
            Box::new(Further {
                at,
                words: words.clone(),
                ids: ids.into_boxed_slice(),
            })
        });
        Self { text, further }
    }

    /// The message as one string; borrowed when it names no further words.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.further {
            None => Cow::Borrowed(&self.text),
            Some(_) => Cow::Owned(self.to_string()),
        }
    }

    /// Gives back what its text holds beyond its length.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
    }

    pub fn contains(&self, pattern: &str) -> bool {
        self.text().contains(pattern)
    }

    pub fn starts_with(&self, pattern: &str) -> bool {
        self.text().starts_with(pattern)
    }

    pub fn ends_with(&self, pattern: &str) -> bool {
        self.text().ends_with(pattern)
    }

    /// Each piece of the message, in order.
    fn pieces(&self, mut f: impl FnMut(&str) -> fmt::Result) -> fmt::Result {
        let Some(further) = &self.further else {
            return f(&self.text);
        };
        let (head, tail) = self.text.split_at(further.at);
        f(head)?;
        let last = further.ids.len() - 1;
        let mut n = 0;
        further.words.each(&further.ids, |word| {
            f(match n {
                0 => " (and with ",
                _ if n == last => " and ",
                _ => ", ",
            })?;
            n += 1;
            f(word)
        })?;
        f(")")?;
        f(tail)
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Self {
            text,
            further: None,
        }
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Self::from(text.to_string())
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces(|piece| f.write_str(piece))
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text(), f)
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Message {}

impl PartialEq<str> for Message {
    fn eq(&self, other: &str) -> bool {
        self.text() == other
    }
}

impl PartialEq<String> for Message {
    fn eq(&self, other: &String) -> bool {
        self.text() == other.as_str()
    }
}

impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl PartialOrd for Message {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Message {
    /// As their strings compare.
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.further, &other.further) {
            (None, None) => self.text.cmp(&other.text),
            _ => self.text().cmp(&other.text()),
        }
    }
}

impl std::hash::Hash for Message {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text().hash(state);
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.further {
            None => s.serialize_str(&self.text),
            Some(_) => s.collect_str(self),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub kind: Kind,
    /// Rule code (`SPOF001`) for findings; error code (`parse-error`) for
    /// errors. The catalog's own text for a rule's finding: no copy per
    /// finding.
    pub code: Text,
    /// Rule name (`single-replica`) for findings; same as `code` for errors.
    pub name: Text,
    pub severity: Severity,
    pub message: Message,
    /// Entity id the finding is about (`k8s:Deployment/default/web`).
    pub entity: Option<String>,
    pub span: Span,
    /// Short text shown under the primary span.
    pub label: Option<Text>,
    pub related: Vec<Related>,
    pub help: Option<Text>,
    /// Where the value that decides a finding is written, when that is not
    /// at `span` (the variable default that `multi_az = var.multi_az`
    /// reads): a run that names that file reports the finding too.
    pub decided_at: Option<Span>,
}

impl Diagnostic {
    pub fn error(code: &str, span: Span, message: impl Into<String>) -> Self {
        Self {
            kind: Kind::Error,
            code: Text::from(code.to_string()),
            name: Text::from(code.to_string()),
            severity: Severity::Error,
            message: Message::from(message.into()),
            entity: None,
            span,
            label: None,
            related: Vec::new(),
            help: None,
            decided_at: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(Text::from(help.into()));
        self
    }

    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(Text::from(label.into()));
        self
    }

    /// Sort key within one file (diagnostics of one file share a path).
    pub fn sort_key(&self) -> (Span, &str, &Message, Option<&str>) {
        (self.span, &self.code, &self.message, self.entity.as_deref())
    }

    /// The order of output, whatever order the files were found in: by file
    /// path, position, code, message and entity.
    pub fn output_order(
        &self,
        other: &Self,
        sources: &crate::source::SourceMap,
    ) -> std::cmp::Ordering {
        let path = |d: &Diagnostic| {
            ((d.span.file.0 as usize) < sources.len()).then(|| &sources.get(d.span.file).path)
        };
        (
            path(self),
            self.span.range,
            &self.code,
            &self.message,
            &self.entity,
        )
            .cmp(&(
                path(other),
                other.span.range,
                &other.code,
                &other.message,
                &other.entity,
            ))
    }
}

/// Stable identities of findings, for baselines and CI systems that track
/// findings across commits (SARIF `partialFingerprints`, GitLab
/// `fingerprint`). A fingerprint hashes the rule, the file, the entity and
/// the text of the finding's line (whitespace-trimmed) and span, so it
/// survives lines moving and unrelated edits elsewhere in the file; it
/// changes when the offending line itself changes. Identical fingerprints
/// in one run get `:1`, `:2`, … in output order.
pub fn fingerprints(diagnostics: &[Diagnostic], sources: &crate::source::SourceMap) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let base = fingerprint(d, sources);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}:{}", *n - 1)
            }
        })
        .collect()
}

fn fingerprint(d: &Diagnostic, sources: &crate::source::SourceMap) -> String {
    let (path, line, span_text) = if (d.span.file.0 as usize) < sources.len() {
        let file = sources.get(d.span.file);
        let line = file.lines().line_of(d.span.range.start);
        let span_text = file
            .text()
            .get(d.span.range.start as usize..d.span.range.end as usize)
            .unwrap_or("");
        (
            file.display_path(),
            file.line_text(line).trim().to_string(),
            span_text,
        )
    } else {
        (String::new(), String::new(), "")
    };
    let mut hash = Fnv::default();
    for part in [
        d.code.as_str(),
        &path,
        d.entity.as_deref().unwrap_or(""),
        &line,
        span_text.trim(),
    ] {
        hash.write(part.as_bytes());
        hash.write(&[0xff]);
    }
    format!("{:016x}", hash.0)
}

/// FNV-1a, 64-bit: stable across Rust versions and platforms, unlike std's
/// hasher, which is what a fingerprint stored in a baseline needs.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile, SourceMap, TextRange};

    fn finding(file: FileId, at: usize, len: usize) -> Diagnostic {
        let mut d = Diagnostic::error(
            "SPOF001",
            Span::new(file, TextRange::new(at, at + len)),
            "m",
        );
        d.kind = Kind::Finding;
        d.entity = Some("k8s:Deployment/default/web".into());
        d
    }

    #[test]
    fn fingerprints_survive_line_shifts_but_not_edits_of_the_line() {
        let before = "kind: Deployment\nspec:\n  replicas: 1\n";
        let shifted = "# a comment\nkind: Deployment\n\nspec:\n  replicas: 1\n";
        let edited = "kind: Deployment\nspec:\n  replicas: 1 # canary\n";
        let print = |text: &str| {
            let mut sources = SourceMap::default();
            let file = sources.add(SourceFile::new("a.yaml".into(), text));
            let at = text.find("replicas").unwrap();
            fingerprints(&[finding(file, at, 11)], &sources).remove(0)
        };
        assert_eq!(print(before), print(shifted));
        assert_ne!(print(before), print(edited));
    }

    #[test]
    fn identical_findings_get_distinct_fingerprints() {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(
            "a.yaml".into(),
            "replicas: 1\n---\nreplicas: 1\n",
        ));
        let prints = fingerprints(&[finding(file, 0, 11), finding(file, 16, 11)], &sources);
        assert_eq!(prints[1], format!("{}:1", prints[0]));
    }

    /// A message of `head` and `tail` naming the first `n` of `zone:0`,
    /// `zone:1`, … after `head`, and the string it must read as.
    fn naming(n: usize, tail: &str) -> (Message, String) {
        let words = Words::default();
        let ids: Vec<u32> = (0..n)
            .map(|i| words.add(format!("`zone:{i}`").into()))
            .collect();
        let named: Vec<String> = (0..n).map(|i| format!("`zone:{i}`")).collect();
        let further = match named.as_slice() {
            [] => String::new(),
            [one] => format!(" (and with {one})"),
            [init @ .., last] => format!(" (and with {} and {last})", init.join(", ")),
        };
        let head = "`a` fails with `region:eu`";
        let message = Message::with_further(format!("{head}{tail}"), head.len(), &words, ids);
        (message, format!("{head}{further}{tail}"))
    }

    #[test]
    fn further_failures_are_each_named_where_they_go() {
        for n in [0, 1, 2, 3, 11] {
            for tail in ["", ": it is needed during the incident"] {
                let (message, expected) = naming(n, tail);
                assert_eq!(message.to_string(), expected);
                assert_eq!(message.text(), expected);
                assert_eq!(message, Message::from(expected.clone()));
                assert_eq!(
                    serde_json::to_string(&message).unwrap(),
                    serde_json::to_string(&expected).unwrap()
                );
            }
        }
        let (eleven, text) = naming(11, "");
        assert!(text.ends_with(", `zone:9` and `zone:10`)"), "{text}");
        assert!(matches!(eleven.text(), Cow::Owned(_)));
        assert!(matches!(naming(0, "").0.text(), Cow::Borrowed(_)));
    }

    #[test]
    fn messages_order_and_hash_as_their_strings() {
        use std::hash::{BuildHasher, RandomState};
        let (named, text) = naming(3, "");
        let plain = |t: &str| Message::from(t.to_string());
        let before = plain(&text[..text.len() - 1]);
        let after = plain(&format!("{text}!"));
        assert!(before < named && named < after);
        assert_eq!(named.cmp(&plain(&text)), Ordering::Equal);
        let hasher = RandomState::new();
        assert_eq!(hasher.hash_one(&named), hasher.hash_one(plain(&text)));
    }

    #[test]
    fn a_finding_keeps_its_words_small() {
        // The message's text and a pointer to its further failures; a
        // label or help is a pointer to shared or static text.
        assert_eq!(size_of::<Message>(), 32);
        assert_eq!(size_of::<Option<Text>>(), 24);
        let (message, _) = naming(30, "");
        let further = message.further.as_ref().unwrap();
        assert_eq!(std::mem::size_of_val(&*further.ids), 30 * 4);
    }
}
