//! Every sample of spof's output in README.md and docs/ is what spof
//! prints: a ```` ```console ```` block whose first line is `$ spof …` is
//! run from the repository root, and the lines after the command must be
//! its standard output (a pipe: uncolored, never wrapped). A block whose
//! last line is `…` shows the start of the output only. A command with a
//! pipe or a redirection shows no output and is not run.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

struct Sample {
    file: PathBuf,
    line: usize,
    args: Vec<String>,
    expected: Vec<String>,
    /// Ends with `…`: `expected` is a prefix of the output.
    prefix: bool,
}

fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .map(|e| e.expect("an entry of docs/").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn samples(file: &Path) -> Vec<Sample> {
    let text = std::fs::read_to_string(file).expect("a document is UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "```console" {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j] == "```")
            .unwrap_or_else(|| panic!("{}:{i}: a console block is not closed", file.display()));
        i = end + 1;
        let Some(command) = lines.get(start).and_then(|l| l.strip_prefix("$ spof ")) else {
            continue;
        };
        if command.contains(['|', '>', '<']) {
            continue;
        }
        assert!(
            !command.contains(['"', '\'', '`', '$']),
            "{}:{}: quote-free commands only: {command}",
            file.display(),
            start + 1
        );
        // Several `$` lines: a list of commands, not a sample.
        if lines[start + 1..end].iter().any(|l| l.starts_with("$ ")) {
            continue;
        }
        let mut expected: Vec<String> = lines[start + 1..end]
            .iter()
            .map(|l| l.to_string())
            .collect();
        let prefix = expected.last().is_some_and(|l| l == "…");
        if prefix {
            expected.pop();
        }
        found.push(Sample {
            file: file.to_path_buf(),
            line: start + 1,
            args: command.split_whitespace().map(String::from).collect(),
            expected,
            prefix,
        });
    }
    found
}

#[test]
fn every_console_sample_is_what_spof_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let all: Vec<Sample> = documents().iter().flat_map(|f| samples(f)).collect();
    // The README's quick start and the output formats' samples at least.
    assert!(all.len() >= 3, "only {} samples found", all.len());
    let mut stale = Vec::new();
    for sample in &all {
        let output = Command::cargo_bin("spof")
            .expect("the spof binary")
            .args(&sample.args)
            .current_dir(root)
            .env_remove("COLUMNS")
            .env("NO_COLOR", "1")
            .env("SPOF_TODAY", "2026-12-01")
            .output()
            .expect("spof runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let actual: Vec<&str> = stdout.lines().collect();
        let matches = if sample.prefix {
            actual.len() >= sample.expected.len()
                && actual.iter().zip(&sample.expected).all(|(a, e)| a == e)
        } else {
            actual == sample.expected
        };
        if !matches {
            stale.push(format!(
                "{}:{}: `spof {}` prints:\n{}",
                sample.file.display(),
                sample.line,
                sample.args.join(" "),
                stdout
            ));
        }
    }
    assert!(stale.is_empty(), "stale samples:\n{}", stale.join("\n"));
}

#[test]
fn a_sample_block_is_read_as_command_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("a.md");
    std::fs::write(
        &doc,
        "text\n```console\n$ spof rules\nSPOF001\n…\n```\n```console\n$ spof graph | dot\n```\n```console\n$ ls\n```\n```console\n$ spof a\n$ spof b\n```\n",
    )
    .unwrap();
    let found = samples(&doc);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].args, ["rules"]);
    assert_eq!(found[0].expected, ["SPOF001"]);
    assert!(found[0].prefix);
    assert_eq!(found[0].line, 3);
}

/// GitHub's anchor of a heading: lowercase, punctuation dropped (but `-`
/// and `_`), spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The text of a Markdown file outside its fenced code blocks.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Every relative link of the documentation leads to a file that exists,
/// and to a heading of it when it names one.
#[test]
fn every_relative_link_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = documents();
    files.push(root.join("CONTRIBUTING.md"));
    let rules = std::fs::read_dir(root.join("docs/rules")).expect("docs/rules/ is readable");
    files.extend(rules.map(|e| e.expect("an entry").path()));
    let mut broken = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "md"))
    {
        let text = prose(&std::fs::read_to_string(file).expect("a document is UTF-8"));
        for (at, _) in text.match_indices("](") {
            let rest = &text[at + 2..];
            let Some(end) = rest.find(')') else { continue };
            let link = &rest[..end];
            if link.contains("://") || link.starts_with("mailto:") || link.contains(' ') {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if path.is_empty() {
                file.clone()
            } else {
                file.parent().expect("a file has a folder").join(path)
            };
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", file.display()));
                continue;
            }
            if anchor.is_empty() || target.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let headings = std::fs::read_to_string(&target).expect("a document is UTF-8");
            let found = prose(&headings)
                .lines()
                .filter_map(|l| {
                    l.trim_start_matches('#')
                        .strip_prefix(' ')
                        .filter(|_| l.starts_with('#'))
                })
                .any(|h| slug(h) == anchor);
            if !found {
                broken.push(format!("{}: {link} (no such heading)", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn slugs_are_github_anchors() {
    assert_eq!(
        slug("What if a datacenter burns: `spof simulate`"),
        "what-if-a-datacenter-burns-spof-simulate"
    );
    assert_eq!(slug("`[[cluster]]`"), "cluster");
    assert_eq!(
        slug("The recovery plane: tools"),
        "the-recovery-plane-tools"
    );
}
