//! Inline suppressions: the `spof.dev/ignore` annotation and
//! `# spof:ignore[CODE] reason` comments. A suppression must say why, one
//! that silences nothing is reported, and one with an `until=YYYY-MM-DD`
//! word in its reason stops applying after that day, so suppressions stay
//! auditable.

use super::{Finding, Rule, Settings};
use crate::date::Date;
use crate::model::{Expiry, Suppression, SuppressionScope};
use crate::source::{COMMENT_MARKER, FileId, SourceFile, SourceMap, Span, TextRange};

/// `# spof:ignore[CODE,CODE] reason` comments of one file. A comment
/// covers its own line and the line below it. The reason may hold an
/// `until=YYYY-MM-DD` word.
pub fn comments(file: FileId, source: &SourceFile) -> Vec<Suppression> {
    let mut out = Vec::new();
    // Most files have none: one search of the whole text spares a search
    // per line.
    if !source.marks().suppression {
        return out;
    }
    let mut line_start = 0usize;
    // HCL (Terraform, Nomad) also writes comments with `//`.
    let slashes =
        crate::frontends::classify(&source.path).is_some_and(crate::frontends::slash_comments);
    for (line_no, line) in source.text().split_inclusive('\n').enumerate() {
        if let Some(s) = parse_comment(line, slashes) {
            let start = line_start + s.start;
            out.push(Suppression {
                rules: s.rules,
                reason: s.reason,
                expiry: s.expiry,
                span: Span::new(file, TextRange::new(start, start + s.len)),
                scope: SuppressionScope::Lines {
                    file,
                    first: line_no,
                    last: line_no + 1,
                },
            });
        }
        line_start += line.len();
    }
    out
}

/// Whether findings of `rule` can be suppressed. Findings about
/// suppressions and baselines are made after suppressions apply.
pub fn suppressible(rule: Rule) -> bool {
    !matches!(
        rule,
        Rule::SuppressionWithoutReason
            | Rule::UnusedSuppression
            | Rule::ExpiredSuppression
            | Rule::StaleBaselineEntry
            | Rule::RiskGroupShrank
    )
}

struct Parsed {
    start: usize,
    len: usize,
    rules: Vec<String>,
    reason: Option<String>,
    expiry: Option<Expiry>,
}

fn parse_comment(line: &str, slashes: bool) -> Option<Parsed> {
    let marker = line.find(COMMENT_MARKER)?;
    let before = line[..marker].trim_end();
    let hash = if slashes && before.ends_with("//") {
        before.len() - 2
    } else {
        line[..marker].rfind('#')?
    };
    let opener = if line[hash..].starts_with('#') { 1 } else { 2 };
    // The comment must start at the start of the line or after blank.
    let opens_comment = line[..hash].chars().last().is_none_or(char::is_whitespace);
    if !opens_comment || !line[hash + opener..marker].trim().is_empty() {
        return None;
    }
    let codes_start = marker + COMMENT_MARKER.len();
    let close = line[codes_start..].find(']')? + codes_start;
    let rules = line[codes_start..close]
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let (expiry, reason) = Expiry::split(&line[close + 1..]);
    let end = hash + line[hash..].trim_end().len();
    Some(Parsed {
        start: hash,
        len: end - hash,
        rules,
        reason,
        expiry,
    })
}

/// Findings after suppressions: what is still reported, what was silenced
/// (with the suppression that did it), and findings about the suppressions
/// themselves.
pub struct Outcome {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<(Finding, usize)>,
}

/// Applies `suppressions` to `findings`. A suppression whose `until=` date
/// is before `today`, or is invalid, silences nothing and is reported.
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    sources: &SourceMap,
    settings: &Settings,
    today: Date,
) -> Outcome {
    let mut suppressor = Suppressor::new(suppressions, sources, today);
    // The findings kept stay where they are, in order: a large run makes
    // a hundred thousand, and a second vector of them all would double
    // what they take while it is filled.
    let mut kept = findings;
    let mut chosen: Vec<usize> = Vec::new();
    let taken: Vec<Finding> = kept
        .extract_if(.., |finding| {
            let first = suppressor.suppresses(finding);
            chosen.extend(first);
            first.is_some()
        })
        .collect();
    let suppressed: Vec<(Finding, usize)> = taken.into_iter().zip(chosen).collect();
    suppressor.finish(settings, today, &mut kept);
    Outcome { kept, suppressed }
}

/// [`apply`] one finding at a time: [`Suppressor::suppresses`] for each,
/// then [`Suppressor::finish`] for the findings about the suppressions.
pub struct Suppressor<'a> {
    suppressions: &'a [Suppression],
    sources: &'a SourceMap,
    /// Whether each suppression is in force.
    active: Vec<bool>,
    /// Per suppression, per code: a stale code beside a used one is
    /// reported. A lapsed suppression that would cover a finding counts as
    /// used: it is reported as expired, not as unused.
    used: Vec<Vec<bool>>,
}

impl<'a> Suppressor<'a> {
    pub fn new(suppressions: &'a [Suppression], sources: &'a SourceMap, today: Date) -> Self {
        let active = suppressions
            .iter()
            .map(|s| match &s.expiry {
                None => true,
                // On its last day a suppression still applies.
                Some(Expiry::Until(date)) => *date >= today,
                Some(Expiry::Invalid(_)) => false,
            })
            .collect();
        let used = suppressions
            .iter()
            .map(|s| vec![false; s.rules.len()])
            .collect();
        Self {
            suppressions,
            sources,
            active,
            used,
        }
    }

    /// The suppression (its position) that silences `finding`, if any.
    pub fn suppresses(&mut self, finding: &Finding) -> Option<usize> {
        if self.suppressions.is_empty() {
            return None;
        }
        // Every suppression that covers the finding is used (an annotation
        // repeated on each cluster's copy of an object, say; a lapsed one
        // is reported as expired, not as unused); the first that applies
        // is the one recorded.
        let hits = covering(finding, self.suppressions, self.sources);
        for &i in &hits {
            for (code, name) in self.suppressions[i].rules.iter().enumerate() {
                if Rule::lookup(name) == Some(finding.rule) {
                    self.used[i][code] = true;
                }
            }
        }
        hits.into_iter().find(|&i| self.active[i])
    }

    /// Adds the findings about the suppressions themselves to `out`.
    pub fn finish(self, settings: &Settings, today: Date, out: &mut Vec<Finding>) {
        for (s, used) in self.suppressions.iter().zip(&self.used) {
            suppression_findings(s, used, settings, today, out);
        }
    }
}

/// The suppressions (their positions) that name a finding's rule and
/// cover its entity or its line.
fn covering(finding: &Finding, suppressions: &[Suppression], sources: &SourceMap) -> Vec<usize> {
    // The finding's line, found only for a suppression of lines in its
    // file: the line starts of a file are built on first use, and most
    // files with findings have no such suppression.
    let found_line = std::cell::OnceCell::new();
    let line = || {
        *found_line.get_or_init(|| {
            sources
                .get(finding.span.file)
                .lines()
                .line_of(finding.span.range.start)
        })
    };
    let matches = |s: &Suppression| {
        let names_rule = s
            .rules
            .iter()
            .any(|r| Rule::lookup(r) == Some(finding.rule));
        names_rule
            && match &s.scope {
                SuppressionScope::Entity(id) => finding.entity.as_deref() == Some(id),
                SuppressionScope::Lines { file, first, last } => {
                    *file == finding.span.file && (*first..=*last).contains(&line())
                }
            }
    };
    (0..suppressions.len())
        .filter(|&i| matches(&suppressions[i]))
        .collect()
}

/// Findings about a suppression itself: no reason, expired or invalid
/// expiry, unknown or unused codes (`used`, per code).
fn suppression_findings(
    s: &Suppression,
    used: &[bool],
    settings: &Settings,
    today: Date,
    kept: &mut Vec<Finding>,
) {
    let codes = s.rules.join(",");
    if s.reason.is_none() && settings.runs(Rule::SuppressionWithoutReason) {
        kept.push(
            Finding::new(
                Rule::SuppressionWithoutReason,
                s.span,
                format!("suppression of {codes} gives no reason"),
            )
            .label("no reason")
            .help("say why the risk is accepted: `# spof:ignore[CODE] reason` or `spof.dev/ignore: \"CODE: reason\"`"),
        );
    }
    match &s.expiry {
        _ if !settings.runs(Rule::ExpiredSuppression) => {}
        Some(Expiry::Until(date)) if *date < today => kept.push(
            Finding::new(
                Rule::ExpiredSuppression,
                s.span,
                format!("suppression of {codes} expired on {date}"),
            )
            .label(format!("expired on {date}"))
            .help("what it silenced is reported again: fix it, or renew the suppression with a later `until=` date and say why"),
        ),
        Some(Expiry::Invalid(why)) => kept.push(
            Finding::new(
                Rule::ExpiredSuppression,
                s.span,
                format!("suppression of {codes} does not apply: {why}"),
            )
            .label("invalid expiry date")
            .help("write one `until=YYYY-MM-DD` word naming a calendar day, e.g. `until=2027-03-31`"),
        ),
        Some(Expiry::Until(_)) | None => {}
    }
    if !settings.runs(Rule::UnusedSuppression) {
        return;
    }
    for (code, name) in s.rules.iter().enumerate() {
        match Rule::lookup(name) {
            None => kept.push(
                Finding::new(
                    Rule::UnusedSuppression,
                    s.span,
                    format!("suppression names unknown rule `{name}`"),
                )
                .label("unknown rule")
                .help("`spof rules` lists every rule code and name"),
            ),
            Some(rule) if !used[code] && settings.runs(rule) => kept.push(
                Finding::new(
                    Rule::UnusedSuppression,
                    s.span,
                    format!("unused suppression of {} ({})", rule.code(), rule.name()),
                )
                .label("suppresses nothing")
                .help("remove the suppression"),
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_forms() {
        let p = parse_comment(
            "  replicas: 1 # spof:ignore[SPOF001, single-replica] canary only\n",
            false,
        )
        .unwrap();
        assert_eq!(p.rules, vec!["SPOF001", "single-replica"]);
        assert_eq!(p.reason.as_deref(), Some("canary only"));
        let p = parse_comment("# spof:ignore[SPOF002]\n", false).unwrap();
        assert_eq!(p.reason, None);
        assert!(parse_comment("url: http://x#spof:ignore[SPOF001] x", false).is_none());
        assert!(parse_comment("name: spof:ignore[SPOF001]", false).is_none());
        let p =
            parse_comment("  multi_az = false // spof:ignore[SPOF018] staging\n", true).unwrap();
        assert_eq!((p.start, p.reason.as_deref()), (19, Some("staging")));
        assert!(parse_comment("a = b // spof:ignore[SPOF018] x", false).is_none());
        assert!(parse_comment("a = \"x//spof:ignore[SPOF018]\" ", true).is_none());
    }

    #[test]
    fn until_is_one_word_anywhere_in_the_reason() {
        let p = parse_comment(
            "replicas: 1 # spof:ignore[SPOF001] until=2027-03-31 canary\n",
            false,
        )
        .unwrap();
        assert_eq!(
            p.expiry,
            Some(Expiry::Until(Date::parse("2027-03-31").unwrap()))
        );
        assert_eq!(p.reason.as_deref(), Some("canary"));
        let p = parse_comment(
            "# spof:ignore[SPOF001] canary, until=2027-03-31 at most",
            false,
        )
        .unwrap();
        assert_eq!(
            p.expiry,
            Some(Expiry::Until(Date::parse("2027-03-31").unwrap()))
        );
        assert_eq!(p.reason.as_deref(), Some("canary, at most"));
        let p = parse_comment("# spof:ignore[SPOF001] until=2027-03-31", false).unwrap();
        assert!(p.expiry.is_some());
        assert_eq!(p.reason, None, "a date is not a reason");
        let p = parse_comment("# spof:ignore[SPOF001] canary until the migration", false).unwrap();
        assert_eq!(p.expiry, None);
        assert_eq!(p.reason.as_deref(), Some("canary until the migration"));
    }

    #[test]
    fn malformed_until_is_invalid_not_ignored() {
        let invalid = |reason: &str| match Expiry::split(reason).0 {
            Some(Expiry::Invalid(why)) => why,
            other => panic!("{reason}: {other:?}"),
        };
        assert_eq!(
            invalid("until=2027-02-29 x"),
            "`until=2027-02-29` is not a valid date (YYYY-MM-DD)"
        );
        assert_eq!(
            invalid("until= x"),
            "`until=` is not a valid date (YYYY-MM-DD)"
        );
        assert_eq!(
            invalid("until=2027-01-01 until=2027-02-01 x"),
            "it names 2 `until=` dates"
        );
        let long = format!("until={} x", "9".repeat(500));
        assert_eq!(
            invalid(&long),
            "`until=9999999999999999…` is not a valid date (YYYY-MM-DD)"
        );
    }

    #[test]
    fn hcl_files_take_slash_comments() {
        for path in ["main.tf", "api.nomad", "jobs/api.hcl"] {
            let src = SourceFile::new(path.into(), "count = 1 // spof:ignore[SPOF001] why\n");
            assert_eq!(comments(FileId(0), &src).len(), 1, "{path}");
        }
        let src = SourceFile::new("a.yaml".into(), "a: 1 // spof:ignore[SPOF001] why\n");
        assert!(comments(FileId(0), &src).is_empty());
    }

    #[test]
    fn comments_cover_their_line_and_the_next() {
        let src = SourceFile::new("a.yaml".into(), "a: 1\n# spof:ignore[SPOF001] why\nb: 2\n");
        let s = comments(FileId(0), &src);
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].scope,
            SuppressionScope::Lines {
                file: FileId(0),
                first: 1,
                last: 2
            }
        );
        let r = s[0].span.range;
        assert_eq!(
            &src.text()[r.start as usize..r.end as usize],
            "# spof:ignore[SPOF001] why"
        );
    }
}
