//! What a `spof check` run over files on disk is asked to do: the options
//! the command line and the callers build, read by the run and by the
//! baseline files.

use crate::date::Date;
use crate::discover;
use std::path::{Path, PathBuf};

/// Larger files are reported and skipped.
pub const DEFAULT_MAX_FILE_SIZE: u64 = discover::DEFAULT_MAX_FILE_SIZE;

/// A `spof check` run over files on disk.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub excludes: Vec<String>,
    pub force_exclude: bool,
    /// Configuration file; `None` looks for the nearest spof.toml, up to
    /// the repository root.
    pub config: Option<PathBuf>,
    /// Read no configuration file at all.
    pub isolated: bool,
    /// Rules to run instead of the configuration's `select`.
    pub select: Vec<String>,
    /// Rules not to run, beyond the configuration's `ignore`.
    pub ignore: Vec<String>,
    /// `--max-file-size`; `None` is spof.toml's `[limits]`, else
    /// [`DEFAULT_MAX_FILE_SIZE`].
    pub max_file_size: Option<u64>,
    /// `--max-depth`; `None` is spof.toml's, else the default.
    pub max_depth: Option<usize>,
    /// `--max-alias-expansion`; `None` is spof.toml's, else the default.
    pub max_alias_expansion: Option<usize>,
    pub baseline: Option<BaselineMode>,
    /// The day suppressions' `until=` dates are compared with; `None` is
    /// today by the system clock.
    pub today: Option<Date>,
    /// `--var NAME=VALUE` for Terraform root modules, in order.
    pub vars: Vec<(String, String)>,
    /// `--var-file FILE` for Terraform root modules, in order.
    pub var_files: Vec<PathBuf>,
    /// `--rules DIR`: provider knowledge-base files (`*.toml`) extending
    /// the builtin one, in order.
    pub rules_dirs: Vec<PathBuf>,
    /// Files never read as inputs: the files the command writes (`spof
    /// report -o report.json`).
    pub outputs: Vec<PathBuf>,
    /// The directory relative paths are read from and printed relative to;
    /// `None` is the process's current directory. (`--diff-base` checks a
    /// materialized revision as if spof ran in it.)
    pub cwd: Option<PathBuf>,
    /// The parse cache's directory (see [`crate::cache`]), used by runs that
    /// name files; `None` parses everything afresh.
    pub cache_dir: Option<PathBuf>,
    /// `--fail-if-no-files`: a run that finds no input file is an input
    /// error (as with spof.toml's `[check] fail-if-no-files`).
    pub fail_if_no_files: bool,
    /// Where the run marks its stages (`--verbose`, the progress line).
    pub progress: Option<std::sync::Arc<crate::progress::Progress>>,
}

/// What the run does with a baseline file. Either way the file is never
/// read as a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineMode {
    /// `--baseline`: drop the findings it records, report stale entries.
    Apply(PathBuf),
    /// `--write-baseline`: the caller records the findings in it.
    Write(PathBuf),
}

impl BaselineMode {
    pub fn path(&self) -> &Path {
        match self {
            BaselineMode::Apply(path) | BaselineMode::Write(path) => path,
        }
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            paths: vec![".".into()],
            excludes: Vec::new(),
            force_exclude: false,
            config: None,
            isolated: false,
            select: Vec::new(),
            ignore: Vec::new(),
            max_file_size: None,
            max_depth: None,
            max_alias_expansion: None,
            baseline: None,
            today: None,
            vars: Vec::new(),
            var_files: Vec::new(),
            rules_dirs: Vec::new(),
            outputs: Vec::new(),
            cwd: None,
            cache_dir: None,
            fail_if_no_files: false,
            progress: None,
        }
    }
}
