//! Baseline files on disk: `--baseline FILE` is read into the report's
//! source map (stale entries are reported in it) and applied;
//! `--write-baseline FILE` records a report's findings.

use super::options::RunOptions;
use super::{Report, Setup, file_error};
use crate::discover::symlink_escape;
use crate::rules::baseline;
use crate::source::{SourceFile, display_path};
use std::path::Path;

/// Reads the baseline at `read`, shown as `path`, and applies it to
/// `report`; an unreadable or malformed baseline is an input error. Only
/// entries for files under the paths the run was given can be stale.
pub(super) fn apply_file(
    report: &mut Report,
    read: &Path,
    path: &Path,
    options: &RunOptions,
    setup: &Setup,
    cwd: &Path,
) {
    let result = match symlink_escape(read, cwd) {
        Some(target) => Err(format!(
            "symbolic link to {} outside the checked tree",
            target.display()
        )),
        None => crate::discover::read_file(read, setup.max_file_size).map_err(|e| e.to_string()),
    };
    let text = match result {
        Ok(text) => text,
        Err(message) => {
            let file = report.sources.add(SourceFile::new(path.to_path_buf(), ""));
            report.add_error(file_error(
                file,
                0,
                format!("cannot read baseline {}: {message}", display_path(path)),
            ));
            return;
        }
    };
    let file = report
        .sources
        .add(SourceFile::new(path.to_path_buf(), text));
    match baseline::parse(file, report.sources.get(file)) {
        Ok(baseline) => report.apply_baseline(
            &baseline,
            |entry| options.paths.iter().any(|root| is_under(entry, root)),
            &setup.settings,
        ),
        Err(error) => report.add_error(*error),
    }
}

/// Records the report's findings in a baseline file at `path`, whole or
/// not at all (see [`crate::write`]), never replacing one of `inputs`;
/// returns how many.
pub fn write_baseline(
    report: &Report,
    path: &Path,
    inputs: &[std::path::PathBuf],
) -> std::io::Result<usize> {
    let entries = baseline::entries(&report.diagnostics, &report.sources);
    let text = baseline::to_json(&entries).map_err(std::io::Error::other)?;
    crate::write::write_file(path, crate::write::Existing::Replace, inputs, |w| {
        w.write_all(text.as_bytes())
    })?;
    Ok(entries.len())
}

/// Whether a displayed path (as findings print it) lies under a path given
/// on the command line, compared as written: `.` holds everything but
/// `../…`, a directory holds what is below it, a file is itself.
fn is_under(entry: &str, root: &Path) -> bool {
    let root = display_path(root);
    let root = root.trim_end_matches('/');
    if root.is_empty() || root == "." {
        return entry != ".." && !entry.starts_with("../");
    }
    entry == root
        || entry
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_under_the_paths_as_written() {
        let under = |entry, root: &str| is_under(entry, Path::new(root));
        assert!(under("web.yaml", "."));
        assert!(under("k8s/web.yaml", "./"));
        assert!(!under("../other/web.yaml", "."));
        assert!(under("k8s/web.yaml", "k8s"));
        assert!(under("k8s/web.yaml", "./k8s/"));
        assert!(!under("k8s2/web.yaml", "k8s"));
        assert!(under("k8s/web.yaml", "k8s/web.yaml"));
        assert!(!under("k8s/db.yaml", "k8s/web.yaml"));
        assert!(under("../x/a.yaml", "../x"));
        assert!(under("-", "-"));
    }
}
