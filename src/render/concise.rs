//! `concise`: `path:line:col: CODE message`, one line per diagnostic, for
//! pre-commit hooks and editors that jump to locations.

use super::{Output, locate, paint, printable, severity_sgr, summary_lines};
use crate::diagnostic::Diagnostic;

pub(super) fn render(out: &Output, color: bool, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    lines(out, out.diagnostics.iter(), color, w)?;
    if !out.diagnostics.is_empty() {
        writeln!(w)?;
    }
    for line in summary_lines(out.summary) {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// One line per diagnostic.
pub(super) fn lines<'a>(
    out: &Output,
    diagnostics: impl Iterator<Item = &'a Diagnostic>,
    color: bool,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    for d in diagnostics {
        let loc = locate(out.sources, d.span);
        let place = format!(
            "{}:{}:{}:",
            printable(&loc.path, false),
            loc.start.line,
            loc.start.column
        );
        writeln!(
            w,
            "{} {} {}",
            paint(&place, "1", color),
            paint(&printable(&d.code, false), severity_sgr(d.severity), color),
            printable(&d.message.text(), false)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::{fixture, written};

    fn rendered(out: &Output, color: bool) -> String {
        written(|buf| render(out, color, buf))
    }

    #[test]
    fn concise_snapshot() {
        let fx = fixture();
        let out = fx.output();
        insta::assert_snapshot!(rendered(&out, false));
    }

    #[test]
    fn concise_colors_only_when_asked() {
        let fx = fixture();
        let out = fx.output();
        assert!(!rendered(&out, false).contains('\x1b'));
        assert!(rendered(&out, true).contains("\x1b[1;33mSPOF003\x1b[0m"));
    }

    #[test]
    fn concise_keeps_one_line_per_diagnostic_whatever_the_message() {
        let fx = fixture();
        let mut hostile = fx.diagnostics[0].clone();
        hostile.message = "evil\n\x1b[31mname".into();
        let diagnostics = [hostile];
        let out = Output {
            sources: &fx.sources,
            diagnostics: &diagnostics,
            suppressed: &[],
            accepted: &[],
            summary: &fx.summary,
        };
        let text = rendered(&out, false);
        assert_eq!(
            text.lines().next(),
            Some("deploy/app.yaml:4:3: SPOF003 evil ?[31mname")
        );
    }

    #[test]
    fn concise_clean_run_is_only_the_summary() {
        let fx = fixture();
        let summary = crate::output::Summary {
            files: 3,
            entities: 2,
            ..Default::default()
        };
        let out = Output {
            sources: &fx.sources,
            diagnostics: &[],
            suppressed: &[],
            accepted: &[],
            summary: &summary,
        };
        assert_eq!(
            rendered(&out, false),
            "All checks passed: 3 files, 2 entities.\n"
        );
    }
}
