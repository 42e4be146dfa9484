//! Inline suppressions: the `spof.dev/ignore` annotation and
//! `# spof:ignore[CODE] reason` comments. A suppression must say why, and
//! one that silences nothing is reported, so suppressions stay auditable.

use super::{Finding, Rule, Settings};
use crate::model::{Suppression, SuppressionScope};
use crate::source::{FileId, SourceFile, SourceMap, Span, TextRange};

pub const COMMENT_MARKER: &str = "spof:ignore[";

/// `# spof:ignore[CODE,CODE] reason` comments of one file. A comment
/// covers its own line and the line below it.
pub fn comments(file: FileId, source: &SourceFile) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut line_start = 0usize;
    for (line_no, line) in source.text.split_inclusive('\n').enumerate() {
        if let Some(s) = parse_comment(line) {
            let start = line_start + s.start;
            out.push(Suppression {
                rules: s.rules,
                reason: s.reason,
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

struct Parsed {
    start: usize,
    len: usize,
    rules: Vec<String>,
    reason: Option<String>,
}

fn parse_comment(line: &str) -> Option<Parsed> {
    let marker = line.find(COMMENT_MARKER)?;
    let hash = line[..marker].rfind('#')?;
    // The `#` must open a comment: at the start of the line or after blank.
    let opens_comment = line[..hash].chars().last().is_none_or(char::is_whitespace);
    if !opens_comment || !line[hash + 1..marker].trim().is_empty() {
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
    let reason = line[close + 1..].trim();
    let end = hash + line[hash..].trim_end().len();
    Some(Parsed {
        start: hash,
        len: end - hash,
        rules,
        reason: (!reason.is_empty()).then(|| reason.to_string()),
    })
}

/// Findings after suppressions: what is still reported, what was silenced
/// (with the suppression that did it), and findings about the suppressions
/// themselves.
pub struct Outcome {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<(Finding, usize)>,
}

pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    sources: &SourceMap,
    settings: &Settings,
) -> Outcome {
    // Per suppression, per code: a stale code beside a used one is reported.
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| vec![false; s.rules.len()])
        .collect();
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for finding in findings {
        let line = sources
            .get(finding.span.file)
            .lines
            .line_of(finding.span.range.start);
        let matches = |s: &Suppression| {
            let names_rule = s
                .rules
                .iter()
                .any(|r| Rule::lookup(r) == Some(finding.rule));
            names_rule
                && match &s.scope {
                    SuppressionScope::Entity(id) => finding.entity.as_deref() == Some(id),
                    SuppressionScope::Lines { file, first, last } => {
                        *file == finding.span.file && (*first..=*last).contains(&line)
                    }
                }
        };
        // Every suppression that covers the finding is used (an annotation
        // repeated on each cluster's copy of an object, say); the first one
        // is the one recorded.
        let hits: Vec<usize> = (0..suppressions.len())
            .filter(|&i| matches(&suppressions[i]))
            .collect();
        for &i in &hits {
            for (code, name) in suppressions[i].rules.iter().enumerate() {
                if Rule::lookup(name) == Some(finding.rule) {
                    used[i][code] = true;
                }
            }
        }
        match hits.first() {
            Some(&i) => suppressed.push((finding, i)),
            None => kept.push(finding),
        }
    }
    for (i, s) in suppressions.iter().enumerate() {
        let codes = s.rules.join(",");
        if s.reason.is_none() {
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
                Some(rule) if !used[i][code] && settings.enabled.contains(&rule) => kept.push(
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
    Outcome { kept, suppressed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_forms() {
        let p = parse_comment("  replicas: 1 # spof:ignore[SPOF001, single-replica] canary only\n")
            .unwrap();
        assert_eq!(p.rules, vec!["SPOF001", "single-replica"]);
        assert_eq!(p.reason.as_deref(), Some("canary only"));
        let p = parse_comment("# spof:ignore[SPOF002]\n").unwrap();
        assert_eq!(p.reason, None);
        assert!(parse_comment("url: http://x#spof:ignore[SPOF001] x").is_none());
        assert!(parse_comment("name: spof:ignore[SPOF001]").is_none());
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
            &src.text[r.start as usize..r.end as usize],
            "# spof:ignore[SPOF001] why"
        );
    }
}
