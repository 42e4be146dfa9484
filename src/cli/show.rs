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

/// What reads the file at `path`.
fn kind_of(path: &Path, configuration: Option<&Path>) -> String {
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
