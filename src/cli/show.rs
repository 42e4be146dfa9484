//! `spof check --show-files` and `--show-settings`: what a run would read
//! and the configuration it would apply, printed instead of its findings.

use crate::check::{self, RunOptions};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Prints every file the run reads, sorted, each with what reads it: the
/// frontend that claims it (`by content` when its text confirmed the
/// claim), `configuration` for spof.toml, `standard input` for `-`, and
/// `side input` for the other files it reads (variables files, the
/// baseline, knowledge-base entries). Returns the exit code: 0, or 2 on a
/// failure to write.
pub(super) fn files(options: &RunOptions, out: &mut dyn Write) -> i32 {
    let report = std::mem::ManuallyDrop::new(check::run(options));
    let lines = file_lines(&report, options);
    let width = lines
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (path, kind) in &lines {
        let _ = writeln!(text, "{path:<width$}  {kind}");
    }
    super::exit_on_write(out.write_all(text.as_bytes()), 0)
}

/// Every file `report` read, printable and sorted, with what read it.
pub(super) fn file_lines(report: &check::Report, options: &RunOptions) -> Vec<(String, String)> {
    let configuration = check::configuration(options);
    let mut lines: Vec<(String, String)> = report
        .sources
        .iter()
        .map(|(_, file)| file.path.as_path())
        .filter(|path| !path.as_os_str().is_empty())
        .map(|path| {
            let shown = crate::render::one_line(&crate::source::display_path(path));
            (shown, kind_of(path, configuration.as_deref()))
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

/// What reads the file at `path`.
pub(super) fn kind_of(path: &Path, configuration: Option<&Path>) -> String {
    if path.as_os_str() == crate::discover::STDIN_MARKER {
        return "standard input".to_string();
    }
    if let Some(kind) = crate::frontends::classify(path) {
        return if kind.by_content {
            format!("{} (by content)", kind.frontend)
        } else {
            kind.frontend.to_string()
        };
    }
    let same = configuration.is_some_and(|c| {
        c == path || matches!((c.canonicalize(), path.canonicalize()), (Ok(a), Ok(b)) if a == b)
    });
    if same {
        "configuration".to_string()
    } else {
        "side input".to_string()
    }
}

/// Prints the settings a run of `options` applies, merged from spof.toml
/// and the command line, one `key: value` line each and the rules
/// (code, name, severity, or `off`). Returns the exit code: 0, or 2 when
/// the configuration is invalid (its errors are printed) or on a failure
/// to write.
pub(super) fn settings(
    options: &RunOptions,
    fail_on: crate::diagnostic::Severity,
    out: &mut dyn Write,
) -> i32 {
    let mut sources = crate::source::SourceMap::default();
    let path = check::configuration(options);
    let (config, mut errors) = match &path {
        Some(path) => crate::config::load(&mut sources, path),
        None => (crate::config::Config::empty(Path::new(".")), Vec::new()),
    };
    let (setup, setup_errors) = check::setup_from(&config, options);
    errors.extend(setup_errors);
    if !errors.is_empty() {
        let file = path.as_deref().map_or_else(String::new, |p| {
            format!(
                "{}: ",
                crate::render::one_line(&crate::source::display_path(p))
            )
        });
        for error in &errors {
            eprintln!(
                "error: {file}{}",
                crate::render::one_line(&error.message.text())
            );
        }
        eprintln!("error: the configuration is invalid");
        return 2;
    }
    let shown = |p: &Path| crate::render::one_line(&crate::source::display_path(p));
    let mut text = String::new();
    let configuration = match (&path, options.isolated) {
        (_, true) => "none (--isolated)".to_string(),
        (Some(path), false) => shown(path),
        (None, false) => "none (no spof.toml at or above the checked paths)".to_string(),
    };
    let _ = writeln!(text, "configuration: {configuration}");
    let _ = writeln!(text, "fail-on: {}", fail_on.as_str());
    let fail_if_no_files = options.fail_if_no_files || config.fail_if_no_files;
    let _ = writeln!(text, "fail-if-no-files: {fail_if_no_files}");
    let _ = writeln!(text, "min-replicas: {}", setup.min_replicas);
    let _ = writeln!(text, "max-file-size: {}", setup.max_file_size);
    let _ = writeln!(text, "max-depth: {}", setup.limits.max_depth);
    let _ = writeln!(
        text,
        "max-alias-expansion: {}",
        setup.limits.max_alias_nodes
    );
    let _ = writeln!(
        text,
        "clusters:{}",
        if config.clusters.is_empty() {
            " none"
        } else {
            ""
        }
    );
    for cluster in &config.clusters {
        let _ = writeln!(
            text,
            "  {}: paths [{}], zones [{}], region {}",
            crate::render::one_line(&cluster.name),
            crate::render::one_line(&cluster.patterns.join(", ")),
            crate::render::one_line(&cluster.zones.join(", ")),
            crate::render::one_line(cluster.region.as_deref().unwrap_or("none")),
        );
    }
    let _ = writeln!(text, "tools: {}", config.tools.len());
    let _ = writeln!(text, "rules:");
    for rule in crate::rules::Rule::ALL {
        let severity = if setup.settings.runs(*rule) {
            setup.settings.severity(*rule).as_str()
        } else {
            "off"
        };
        let _ = writeln!(text, "  {}  {:<38} {severity}", rule.code(), rule.name());
    }
    super::exit_on_write(out.write_all(text.as_bytes()), 0)
}
