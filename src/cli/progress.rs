//! `spof check`'s progress line and `--verbose` account, both on standard
//! error: the line shows the current stage once a run has taken a second,
//! on a terminal only; `--verbose` says, after the report, which
//! configuration applied, every file read and as what, and how long each
//! stage took.

use crate::check::{Report, RunOptions};
use crate::progress::Progress;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a run goes before the progress line shows.
const DELAY: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// Clears the terminal line the cursor is on.
const CLEAR: &str = "\r\x1b[2K";

/// The progress line, drawn by a thread of its own until [`Indicator::stop`].
pub(super) struct Indicator {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Indicator {
    /// Starts the line for `progress` when `wanted` (not `--quiet`),
    /// standard error is a terminal and no `CI` variable says the run is
    /// in a pipeline's log; otherwise an indicator that draws nothing.
    pub(super) fn start(progress: &Arc<Progress>, wanted: bool) -> Self {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let shown = wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let thread = shown.then(|| {
            let progress = Arc::clone(progress);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || draw(&progress, &stop))
        });
        Self { stop, thread }
    }

    /// Stops and clears the line (before the report is printed).
    pub(super) fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        let (flag, wake) = &*self.stop;
        *flag
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Indicator {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Waits [`DELAY`], then redraws the line every [`TICK`] until stopped;
/// clears it if it was drawn.
fn draw(progress: &Progress, stop: &(Mutex<bool>, Condvar)) {
    let (flag, wake) = stop;
    let mut stopped = flag
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut wait = DELAY;
    let mut drawn = false;
    loop {
        let (guard, _) = wake
            .wait_timeout_while(stopped, wait, |stopped| !*stopped)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        stopped = guard;
        let mut err = std::io::stderr().lock();
        if *stopped {
            if drawn {
                let _ = write!(err, "{CLEAR}");
                let _ = err.flush();
            }
            return;
        }
        let _ = write!(err, "{CLEAR}{}", line(progress));
        let _ = err.flush();
        drawn = true;
        wait = TICK;
    }
}

/// `spof: parsing 1,234 files… 2.1 s`
fn line(progress: &Progress) -> String {
    let now = progress.now();
    let stage = now.stage.unwrap_or("writing the report");
    let files = match now.files {
        0 => String::new(),
        1 => " (1 file)".to_string(),
        n => format!(" ({n} files)"),
    };
    format!("spof: {stage}{files}… {:.1} s", now.elapsed.as_secs_f64())
}

/// `--verbose`: the configuration line, every file read and what read it,
/// then each stage's time and the total, on standard error.
pub(super) fn account(report: &Report, options: &RunOptions, progress: &Progress) -> String {
    let files = super::show::file_lines(report, options);
    let mut text = format!("verbose: {}\n", super::configuration_line(options));
    let noun = if files.len() == 1 { "file" } else { "files" };
    text.push_str(&format!("verbose: {} {noun} read\n", files.len()));
    let width = files
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(0);
    for (path, kind) in &files {
        text.push_str(&format!("verbose:   {path:<width$}  {kind}\n"));
    }
    let stages: Vec<String> = progress
        .timings()
        .iter()
        .map(|(name, took)| format!("{name} {}", millis(*took)))
        .collect();
    text.push_str(&format!("verbose: stages: {}\n", stages.join(", ")));
    text.push_str(&format!("verbose: total {}\n", millis(progress.elapsed())));
    text
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_stage_and_the_files() {
        let progress = Progress::new();
        assert!(line(&progress).starts_with("spof: writing the report… "));
        progress.stage("parsing");
        progress.files(1_234);
        let shown = line(&progress);
        assert!(shown.starts_with("spof: parsing (1234 files)… "), "{shown}");
        assert!(shown.ends_with(" s"), "{shown}");
    }

    /// Off a terminal (as under `cargo test`), nothing is drawn and
    /// stopping returns at once.
    #[test]
    fn an_indicator_off_a_terminal_draws_nothing() {
        let progress = Arc::new(Progress::new());
        let indicator = Indicator::start(&progress, true);
        if !std::io::stderr().is_terminal() {
            assert!(indicator.thread.is_none());
        }
        indicator.stop();
        let quiet = Indicator::start(&progress, false);
        assert!(quiet.thread.is_none());
    }
}
