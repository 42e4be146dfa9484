//! Rule documentation pages, generated from the catalog. `docs/rules/` holds
//! these pages; a test fails when they are stale.

use super::Rule;
use std::fmt::Write;

/// File name of a rule's page in `docs/rules/`.
pub fn file_name(rule: Rule) -> String {
    format!("{}-{}.md", rule.code(), rule.name())
}

/// The Markdown page of one rule.
pub fn page(rule: Rule) -> String {
    let meta = rule.meta();
    let mut s = String::new();
    let _ = writeln!(s, "# {} `{}`\n", meta.code, meta.name);
    let _ = writeln!(s, "{}.\n", meta.summary);
    let _ = writeln!(s, "Default severity: **{}**.\n", meta.severity.as_str());
    let _ = writeln!(s, "## Why is this a problem?\n\n{}", meta.rationale.trim());
    let _ = writeln!(s, "\n## How to fix it\n\n{}", meta.remediation.trim());
    for example in &meta.examples {
        let heading = if example.expect == "trigger" {
            "Example that triggers the rule"
        } else {
            "Example that does not trigger the rule"
        };
        let _ = writeln!(s, "\n## {heading}\n");
        if let Some(config) = &example.config {
            let _ = writeln!(
                s,
                "With this `spof.toml`:\n\n```toml\n{}\n```\n",
                config.trim_end()
            );
        }
        if let Some(baseline) = &example.baseline {
            let _ = writeln!(
                s,
                "With this baseline (`--baseline spof-baseline.json`):\n\n```json\n{}\n```\n",
                baseline.trim_end()
            );
        }
        let lang = if example.file.ends_with(".json") {
            "json"
        } else if example.file.ends_with(".toml") {
            "toml"
        } else {
            "yaml"
        };
        if let Some(base) = &example.base {
            let _ = writeln!(
                s,
                "`{}` at the base revision:\n\n```{lang}\n{}\n```\n",
                example.file,
                base.trim_end()
            );
            let _ = writeln!(
                s,
                "`{}` in the working tree (`spof check --diff-base` compares the two):\n\n```{lang}\n{}\n```",
                example.file,
                example.content.trim_end()
            );
            continue;
        }
        let _ = writeln!(
            s,
            "`{}`:\n\n```{lang}\n{}\n```",
            example.file,
            example.content.trim_end()
        );
    }
    if super::suppression::suppressible(rule) {
        let _ = writeln!(
            s,
            "\n## Suppressing\n\n```yaml\n# spof:ignore[{}] why this risk is accepted\n```\n\nor the annotation `spof.dev/ignore: \"{}: why this risk is accepted\"` on the object. \
             An `until=YYYY-MM-DD` word in the reason makes the suppression expire after that day \
             ([{}]({})).",
            meta.code,
            meta.code,
            Rule::ExpiredSuppression.code(),
            file_name(Rule::ExpiredSuppression)
        );
    } else if rule == Rule::RiskGroupShrank {
        let _ = writeln!(
            s,
            "\n## Turning it off\n\nFindings of this rule compare two revisions and cannot be \
             suppressed inline. Turn the rule off with `ignore = [\"{}\"]` under `[rules]` in \
             `spof.toml`, or with `--ignore {}`.",
            meta.code, meta.code
        );
    } else {
        let _ = writeln!(
            s,
            "\n## Turning it off\n\nFindings of this rule are about suppressions and baselines \
             themselves and cannot be suppressed. Turn the rule off with `ignore = [\"{}\"]` under \
             `[rules]` in `spof.toml`, or with `--ignore {}`.",
            meta.code, meta.code
        );
    }
    s
}

/// `docs/rules/README.md`: the table of every rule.
pub fn index() -> String {
    format!(
        "# Rules\n\nGenerated from `rules/*.toml` by `cargo test` (set `SPOF_UPDATE_DOCS=1` to rewrite). \
         `spof rules` prints this list; `spof explain CODE` prints a page.\n\n{}",
        table("")
    )
}

/// The rule table, with page links under `link_prefix` (README.md carries
/// the same table, checked by a test).
pub fn table(link_prefix: &str) -> String {
    let mut s = String::from("| Code | Name | Default severity | Reports |\n|---|---|---|---|\n");
    for rule in Rule::ALL {
        let meta = rule.meta();
        let _ = writeln!(
            s,
            "| {} | [`{}`]({link_prefix}{}) | {} | {} |",
            meta.code,
            meta.name,
            file_name(*rule),
            meta.severity.as_str(),
            meta.summary
        );
    }
    s
}
