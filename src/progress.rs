//! Where a run is: the stage it is in, how many files it reads, and how
//! long each stage took. The pipeline marks its stages when it is given a
//! [`Progress`]; `spof check --verbose` prints the timings and the
//! progress line on a terminal shows the current stage. Nothing a run
//! computes depends on it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Progress {
    started: Instant,
    state: Mutex<State>,
    /// Called with each stage's name as it starts, before it runs (the
    /// `estate` bench counts the bytes each stage keeps with it).
    hook: Option<fn(&'static str)>,
}

#[derive(Debug, Default)]
struct State {
    current: Option<(&'static str, Instant)>,
    done: Vec<(&'static str, Duration)>,
    files: usize,
}

/// What a [`Progress`] says at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// The stage running, if any.
    pub stage: Option<&'static str>,
    /// Files the run reads (0 until they are known).
    pub files: usize,
    /// Since the progress was made.
    pub elapsed: Duration,
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            state: Mutex::new(State::default()),
            hook: None,
        }
    }

    /// A progress that calls `hook` with each stage's name as the stage
    /// starts, before it runs.
    pub fn with_hook(hook: fn(&'static str)) -> Self {
        Self {
            hook: Some(hook),
            ..Self::new()
        }
    }

    /// Ends the current stage, if any, and starts `stage`.
    pub fn stage(&self, stage: &'static str) {
        if let Some(hook) = self.hook {
            hook(stage);
        }
        let now = Instant::now();
        let mut state = self.lock();
        if let Some((name, since)) = state.current.take() {
            state.done.push((name, now - since));
        }
        state.current = Some((stage, now));
    }

    /// Ends the current stage.
    pub fn finish(&self) {
        let now = Instant::now();
        let mut state = self.lock();
        if let Some((name, since)) = state.current.take() {
            state.done.push((name, now - since));
        }
    }

    /// Records how many files the run reads.
    pub fn files(&self, count: usize) {
        self.lock().files = count;
    }

    /// The stages ended so far, in order, with how long each took; a stage
    /// run twice (a `--diff-base` run checks two trees) is listed twice.
    pub fn timings(&self) -> Vec<(&'static str, Duration)> {
        self.lock().done.clone()
    }

    pub fn now(&self) -> Now {
        let state = self.lock();
        Now {
            stage: state.current.map(|(name, _)| name),
            files: state.files,
            elapsed: self.started.elapsed(),
        }
    }

    /// Since the progress was made.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A stage mark cannot leave the state half-written: a panic
        // elsewhere does not make it unusable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Tells the hook of `progress`, when there is one, that `step` of the
/// current stage starts: a part of a stage that is counted on its own
/// (the rules, one family after the other) but neither timed nor shown.
pub fn step(progress: Option<&Progress>, step: &'static str) {
    if let Some(hook) = progress.and_then(|p| p.hook) {
        hook(step);
    }
}

/// Marks `stage` on `progress` when there is one.
pub fn mark(progress: Option<&Progress>, stage: &'static str) {
    if let Some(progress) = progress {
        progress.stage(stage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_end_when_the_next_begins() {
        let progress = Progress::new();
        assert_eq!(progress.now().stage, None);
        progress.stage("reading");
        progress.files(3);
        assert_eq!(progress.now().stage, Some("reading"));
        assert_eq!(progress.now().files, 3);
        progress.stage("model");
        progress.finish();
        let names: Vec<&str> = progress.timings().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["reading", "model"]);
        assert_eq!(progress.now().stage, None);
        // Finishing twice ends nothing more.
        progress.finish();
        assert_eq!(progress.timings().len(), 2);
        mark(None, "nothing");
        mark(Some(&progress), "graph");
        assert_eq!(progress.now().stage, Some("graph"));
    }

    static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

    #[test]
    fn a_step_is_heard_but_not_timed() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static STEPS: AtomicUsize = AtomicUsize::new(0);
        fn hear(stage: &'static str) {
            if stage == "a step" {
                STEPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let progress = Progress::with_hook(hear);
        mark(Some(&progress), "rules");
        step(Some(&progress), "a step");
        step(None, "a step");
        mark(Some(&progress), "rendering");
        assert_eq!(STEPS.load(Ordering::Relaxed), 1);
        let names: Vec<&str> = progress.timings().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["rules"]);
        assert_eq!(progress.now().stage, Some("rendering"));
    }

    #[test]
    fn a_hook_hears_each_stage_as_it_starts() {
        fn hear(stage: &'static str) {
            SEEN.lock().unwrap().push(stage);
        }
        let progress = Progress::with_hook(hear);
        progress.stage("graph");
        mark(Some(&progress), "analysis");
        progress.finish();
        assert_eq!(*SEEN.lock().unwrap(), ["graph", "analysis"]);
        assert_eq!(progress.timings().len(), 2);
    }
}
