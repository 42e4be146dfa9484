//! `spof check --diff-base REF`: the findings the working tree adds to git
//! revision REF. The same check runs on the working tree and on REF's files
//! written to a temporary directory; a finding whose fingerprint (the one
//! baselines record, which does not depend on line numbers), with its file
//! as a path from the repository root, REF has too is not reported. Input
//! errors of the working tree always are.

use super::run::run_settings;
use super::{Estate, Report, RunOptions, run_estate, sort_dedup};
use crate::check::BaselineMode;
use crate::diagnostic::{Diagnostic, Kind, fingerprints};
use crate::discover::{self, lexical_normalize};
use crate::rules::diff::shrunk_risk_groups;
use crate::rules::{Rule, Settings};
use crate::source::{SourceFile, SourceMap};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Runs `options` on the working tree and on revision `reference` of the
/// git repository holding the current directory (or `options.cwd`), and
/// reports what the working tree adds. `Err` is a usage error: no
/// repository, no such revision, standard input among the paths.
pub fn run_diff(options: &RunOptions, reference: &str) -> Result<(Report, Estate), String> {
    if options
        .paths
        .iter()
        .any(|p| p.as_os_str() == discover::STDIN_MARKER)
    {
        return Err("--diff-base cannot read standard input (`-`)".to_string());
    }
    let cwd = match &options.cwd {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()
            .map_err(|e| format!("--diff-base: no current directory: {e}"))?,
    };
    let limit = options
        .max_file_size
        .unwrap_or(super::DEFAULT_MAX_FILE_SIZE);
    let root = super::git::repository_root(&cwd)?;
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| absolute(p));
    let roots = [root.clone(), canonical(&root)];
    let base =
        super::git::materialize(&root, reference, limit, read_by_run(options, &cwd, &roots))?;
    let tree = base.dir.clone();
    // Where the current directory is in the repository.
    let within = canonical(&cwd)
        .strip_prefix(canonical(&root))
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let base_cwd = tree.join(within);
    std::fs::create_dir_all(&base_cwd)
        .map_err(|e| format!("--diff-base: cannot write the temporary directory: {e}"))?;

    let reroot = |p: &Path| -> PathBuf {
        if p.is_relative() {
            return p.to_path_buf();
        }
        let p = lexical_normalize(p);
        match p.strip_prefix(&root) {
            Ok(rest) => tree.join(rest),
            Err(_) => p,
        }
    };
    let config = if options.isolated {
        None
    } else {
        match &options.config {
            Some(path) => Some(reroot(path)),
            // The nearest spof.toml at or above the checked paths in the
            // revision; one above the repository is the same file for both
            // runs.
            None => {
                let start = super::run::config_start(&options.paths, &cwd);
                let in_tree = absolute(&start)
                    .strip_prefix(&root)
                    .map(Path::to_path_buf)
                    .or_else(|_| {
                        canonical(&start)
                            .strip_prefix(canonical(&root))
                            .map(Path::to_path_buf)
                    });
                in_tree
                    .ok()
                    .and_then(|rest| crate::config::find_config(&tree.join(rest)))
                    .filter(|p| p.starts_with(&tree))
                    .or_else(|| {
                        crate::config::find_config(&start)
                            .filter(|p| !absolute(p).starts_with(canonical(&root)))
                            .filter(|p| !absolute(p).starts_with(&root))
                    })
            }
        }
    };
    let base_options = RunOptions {
        paths: options.paths.iter().map(|p| reroot(p)).collect(),
        isolated: config.is_none(),
        config,
        // The revision's copy is not an input either; nothing is applied.
        baseline: options
            .baseline
            .as_ref()
            .map(|b| BaselineMode::Write(reroot(b.path()))),
        var_files: options.var_files.iter().map(|p| reroot(p)).collect(),
        rules_dirs: options.rules_dirs.iter().map(|p| reroot(p)).collect(),
        cwd: Some(base_cwd.clone()),
        // A temporary tree: nothing of it would be found again.
        cache_dir: None,
        ..options.clone()
    };
    let (mut head, estate, settings) = run_settings(options);
    let (mut base_report, base_estate) = run_estate(&base_options);
    drop(base);
    // Findings are matched with their paths from the repository root, which
    // both sides share however the paths were given.
    let shown = head.sources.paths();
    head.sources.set_paths(from_root(&shown, &cwd, &roots));
    let paths = base_report.sources.paths();
    base_report
        .sources
        .set_paths(from_root(&paths, &base_cwd, &[tree]));
    // Only files named: a pre-commit run reports on them alone.
    let named: Option<Vec<PathBuf>> = options
        .paths
        .iter()
        .all(|p| cwd.join(p).is_file())
        .then(|| from_root(&options.paths, &cwd, &roots));
    let mut report = compare(
        &base_report,
        &base_estate,
        head,
        &estate,
        &settings,
        |file| {
            named
                .as_ref()
                .is_none_or(|named| named.contains(&file.path))
        },
    );
    report.sources.set_paths(shown);
    Ok((report, estate))
}

/// Which files of the revision (by their paths from the repository root)
/// the run on it may read: the files discovery claims, the configuration
/// and ignore files, and the files `options` names beside its inputs
/// (`--config`, `--var-file`, the `*.toml` files of a `--rules` directory).
/// Nothing else is written out: not a binary, not a README.
fn read_by_run(
    options: &RunOptions,
    cwd: &Path,
    roots: &[PathBuf],
) -> impl Fn(&Path) -> bool + use<> {
    let named = |paths: &[PathBuf]| -> Vec<PathBuf> {
        from_root(paths, cwd, roots)
            .into_iter()
            .map(|p| lexical_normalize(&p))
            .collect()
    };
    let mut side: Vec<PathBuf> = options.var_files.clone();
    side.extend(options.config.iter().cloned());
    let side = named(&side);
    let rules_dirs = named(&options.rules_dirs);
    move |path: &Path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        crate::frontends::classify(path).is_some()
            || matches!(
                name,
                crate::config::CONFIG_FILE_NAME | ".gitignore" | ".ignore"
            )
            || side.iter().any(|p| p == path)
            || (path.extension().is_some_and(|e| e == "toml")
                && path
                    .parent()
                    .is_some_and(|dir| rules_dirs.iter().any(|d| d == dir)))
    }
}

/// `paths`, relative to `dir` or absolute, as paths from the first of
/// `roots` they are below; paths below none are kept.
fn from_root(paths: &[PathBuf], dir: &Path, roots: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|p| {
            let abs = absolute(&dir.join(p));
            roots
                .iter()
                .find_map(|root| abs.strip_prefix(root).ok())
                .map_or_else(|| p.clone(), Path::to_path_buf)
        })
        .collect()
}

/// What `head` adds to `base`: [`new_findings`], and, when `settings`
/// (the working tree's) enable it, the risk groups that shrank (SPOF026)
/// located in files `in_scope` accepts.
pub fn compare(
    base: &Report,
    base_estate: &Estate,
    head: Report,
    head_estate: &Estate,
    settings: &Settings,
    in_scope: impl Fn(&SourceFile) -> bool,
) -> Report {
    let mut report = new_findings(base, head);
    if settings.enabled.contains(&Rule::RiskGroupShrank) {
        let findings: Vec<Diagnostic> = shrunk_risk_groups(base_estate, head_estate)
            .into_iter()
            .filter(|f| in_scope(report.sources.get(f.span.file)))
            .map(|f| f.into_diagnostic(settings))
            .collect();
        report.diagnostics.extend(findings);
        sort_dedup(&mut report.diagnostics, &report.sources);
        report.recount();
    }
    report
}

/// `head` without the findings `base` has too, matched by fingerprint: a
/// finding `base` has once and `head` twice is new once. Input errors and
/// findings `head` reports on its baseline file are kept; the dropped
/// findings are counted in `summary.preexisting`.
pub fn new_findings(base: &Report, mut head: Report) -> Report {
    let (findings, mut kept): (Vec<Diagnostic>, Vec<Diagnostic>) =
        std::mem::take(&mut head.diagnostics)
            .into_iter()
            .partition(|d| d.kind == Kind::Finding);
    let base_findings: Vec<Diagnostic> = base
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Finding)
        .cloned()
        .collect();
    let (added, preexisting) = subtract(findings, &head.sources, &base_findings, &base.sources);
    kept.extend(added);
    sort_dedup(&mut kept, &head.sources);
    head.diagnostics = kept;

    // A finding silenced at both is no news either.
    let base_suppressed: Vec<Diagnostic> = base.suppressed.iter().map(|(d, _)| d.clone()).collect();
    let recorded = recorded(&base_suppressed, &base.sources);
    let (findings, suppressions): (Vec<Diagnostic>, Vec<_>) =
        std::mem::take(&mut head.suppressed).into_iter().unzip();
    let prints = fingerprints(&findings, &head.sources);
    head.suppressed = findings
        .into_iter()
        .zip(suppressions)
        .zip(prints)
        .filter(|(_, print)| !recorded.contains(print))
        .map(|(pair, _)| pair)
        .collect();

    head.summary.preexisting += preexisting;
    head.recount();
    head
}

/// The findings of `head` whose fingerprint `base` lacks, and how many it
/// has.
fn subtract(
    head: Vec<Diagnostic>,
    head_sources: &SourceMap,
    base: &[Diagnostic],
    base_sources: &SourceMap,
) -> (Vec<Diagnostic>, usize) {
    let recorded = recorded(base, base_sources);
    let prints = fingerprints(&head, head_sources);
    let mut preexisting = 0;
    let added = head
        .into_iter()
        .zip(prints)
        .filter_map(|(d, print)| {
            if recorded.contains(&print) {
                preexisting += 1;
                None
            } else {
                Some(d)
            }
        })
        .collect();
    (added, preexisting)
}

/// Fingerprints; the `n`th of identical findings has its own (`…:n`).
fn recorded(diagnostics: &[Diagnostic], sources: &SourceMap) -> HashSet<String> {
    fingerprints(diagnostics, sources).into_iter().collect()
}

fn absolute(path: &Path) -> PathBuf {
    lexical_normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Loaded, Setup, check_sources};
    use crate::diagnostic::Severity;
    use crate::source::SourceFile;

    const SITES: &str = "[sites.a]\n[sites.b]\n";

    fn report(text: &str) -> Report {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("spof.services.toml".into(), text));
        let loaded = Loaded {
            file,
            cluster: None,
        };
        check_sources(sources, &[loaded], &Setup::default(), Vec::new())
    }

    fn pinned(name: &str) -> String {
        format!("\n[services.{name}]\nsites = [\"a\"]\nreplicas = 2\n")
    }

    fn messages(report: &Report) -> Vec<String> {
        report
            .diagnostics
            .iter()
            .map(|d| d.message.to_string())
            .collect()
    }

    #[test]
    fn findings_at_the_base_are_dropped_wherever_they_moved() {
        let base = report(&format!("{SITES}{}", pinned("x")));
        let head = report(&format!("# moved\n\n{SITES}{}{}", pinned("y"), pinned("x")));
        assert_eq!(head.diagnostics.len(), 2);
        let new = new_findings(&base, head);
        assert_eq!(
            messages(&new),
            ["`Service y` is pinned to one zone (`zone:a`) by its site list"]
        );
        assert_eq!(new.summary.preexisting, 1);
        assert_eq!(new.summary.warnings, 1);
        assert_eq!(new.exit_code(Severity::Warning), 1);
    }

    #[test]
    fn nothing_new_exits_zero() {
        let text = format!("{SITES}{}", pinned("x"));
        let new = new_findings(&report(&text), report(&text));
        assert!(new.diagnostics.is_empty());
        assert_eq!(new.summary.preexisting, 1);
        assert_eq!(new.summary.warnings, 0);
        assert_eq!(new.exit_code(Severity::Info), 0);
    }

    #[test]
    fn a_finding_the_base_has_once_is_new_the_second_time() {
        // Identical lines: the findings differ only in where they are.
        let mut sources = SourceMap::default();
        let base_file = sources.add(SourceFile::new("a.yaml".into(), "replicas: 1\n"));
        let finding = |file, at| {
            let mut d = Diagnostic::error(
                "x",
                crate::source::Span::new(file, crate::source::TextRange::new(at, at + 11)),
                "one replica",
            );
            d.kind = Kind::Finding;
            d.code = "SPOF001".into();
            d
        };
        let base = Report {
            diagnostics: vec![finding(base_file, 0)],
            sources,
            suppressed: Vec::new(),
            accepted: Vec::new(),
            accepts: Vec::new(),
            summary: Default::default(),
        };
        let mut sources = SourceMap::default();
        let head_file = sources.add(SourceFile::new(
            "a.yaml".into(),
            "replicas: 1\n---\nreplicas: 1\n",
        ));
        let head = Report {
            diagnostics: vec![finding(head_file, 0), finding(head_file, 16)],
            sources,
            suppressed: Vec::new(),
            accepted: Vec::new(),
            accepts: Vec::new(),
            summary: Default::default(),
        };
        let new = new_findings(&base, head);
        assert_eq!(new.diagnostics.len(), 1);
        assert_eq!(new.diagnostics[0].span.range.start, 16);
        assert_eq!(new.summary.preexisting, 1);
    }

    /// The revision's files a run reads: inputs, configuration, ignore
    /// files and the side files named; nothing else.
    #[test]
    fn the_revision_is_written_with_only_what_the_run_reads() {
        let root = PathBuf::from("/repo");
        let options = RunOptions {
            var_files: vec!["vars/prod.vars".into(), "/elsewhere/x.vars".into()],
            rules_dirs: vec!["../kb".into()],
            config: Some("/repo/conf/other.toml".into()),
            ..RunOptions::default()
        };
        let wanted = read_by_run(&options, Path::new("/repo/sub"), &[root]);
        for path in [
            "k8s/web.yaml",
            "main.tf",
            "x.tfvars",
            "job.nomad",
            "spof.services.toml",
            "spof.toml",
            "sub/.gitignore",
            ".ignore",
            "sub/vars/prod.vars",
            "kb/db.toml",
            "conf/other.toml",
        ] {
            assert!(wanted(Path::new(path)), "{path}");
        }
        for path in [
            "tool.bin",
            "README.md",
            "kb/deep/db.toml",
            "sub/kb/db.toml",
            "other.toml",
            "vars/prod.vars",
            "elsewhere/x.vars",
        ] {
            assert!(!wanted(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn input_errors_are_always_new() {
        let text = format!("{SITES}{}[services.broken\n", pinned("x"));
        let head = report(&text);
        assert!(head.has_input_errors());
        let new = new_findings(&report(&text), head);
        assert!(new.has_input_errors());
        assert_eq!(new.exit_code(Severity::Error), 2);
    }
}
