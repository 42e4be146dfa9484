//! Command line: `spof check`, `spof rules`, `spof explain`, `spof simulate`,
//! `spof graph`, `spof report`, `spof init`, `spof completions`, `spof man`.
//! Each flag's doc comment is its `--help` text.

mod generate;
mod graph;
mod init;
mod progress;
mod report;
mod show;
mod simulate;

use crate::check::{self, BaselineMode, RunOptions};
use crate::date::Date;
use crate::diagnostic::Severity;
use crate::render::{self, Format};
use crate::rules::{Rule, docs};
use crate::write::{Existing, write_file};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "spof",
    version,
    about = "Find single points of failure in infrastructure configuration",
    long_about = "Find single points of failure in infrastructure configuration.\n\n\
        spof reads Kubernetes manifests, Kustomize overlays (built), Helm charts (rendered), \
        Terraform (HCL, variables files, plan and state JSON), Nomad jobs, docker-compose \
        files, Backstage catalogs and its own service manifest into one dependency graph, \
        and reports every service and operational tool whose placement relies on a single \
        node, zone, region or single-homed dependency, directly or through what it depends \
        on."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check files and directories for single points of failure.
    Check(Box<CheckArgs>),
    /// List every rule: code, name, default severity and summary.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Print the documentation of one rule, by code or name.
    Explain {
        /// Rule code (`SPOF001`) or name (`single-replica`).
        rule: String,
    },
    /// Fail some failure domains and print what goes down, and why.
    Simulate(Box<simulate::SimulateArgs>),
    /// Draw the dependency graph by failure domain, SPOFs highlighted.
    Graph(Box<graph::GraphArgs>),
    /// Write the audit report: risk groups, blast radius, recovery plane and findings.
    Report(Box<report::ReportArgs>),
    /// Write a commented spof.toml proposed from the repository's manifests.
    Init(init::InitArgs),
    /// Print a shell completion script.
    Completions(generate::CompletionsArgs),
    /// Print the man page (roff).
    Man(generate::ManArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Environment:\n  \
    SPOF_TODAY=YYYY-MM-DD  The day suppressions' `until=` dates are compared with \
    [default: today, UTC]")]
struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Apply --exclude to explicitly named files too (for pre-commit).
    #[arg(long)]
    force_exclude: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also write the report in FORMAT to FILE after the run (repeatable;
    /// e.g. `--output junit=report.xml`). Files are never colored.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_output)]
    output: Vec<OutputFile>,
    /// Write the report (in the --format format) to FILE instead of
    /// standard output; never colored, and never read as an input.
    #[arg(short = 'o', long, value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// When to color the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Exit with 1 when a finding has at least this severity.
    #[arg(long, value_enum, default_value_t = Severity::Warning)]
    fail_on: Severity,
    /// Print the findings and errors only: nothing on success (no summary
    /// line, no notes on standard error such as the configuration used).
    #[arg(short, long)]
    quiet: bool,
    /// After the report, say on standard error which configuration
    /// applied, every file read and what read it, and how long each stage
    /// took.
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// List every file the run would read, and what reads it (the input
    /// format that claims it, or `configuration`), sorted; then exit with 0
    /// without reporting findings.
    #[arg(long, conflicts_with_all = ["write_baseline", "diff_base"])]
    show_files: bool,
    /// Print the settings the run would apply, merged from spof.toml and
    /// the command line (configuration file, fail-on, limits, clusters, each
    /// rule's severity or `off`); then exit with 0 without checking.
    #[arg(long, conflicts_with_all = ["write_baseline", "diff_base", "show_files"])]
    show_settings: bool,
    /// Exit with 0 even when findings are at or above --fail-on; input
    /// errors and usage errors still exit with 2.
    #[arg(long)]
    exit_zero: bool,
    /// Run only these rules (codes or names; repeatable; replaces the
    /// configuration's `select`).
    #[arg(long, value_name = "RULE")]
    select: Vec<String>,
    /// Do not run these rules (codes or names; repeatable; added to the
    /// configuration's `ignore`).
    #[arg(long, value_name = "RULE")]
    ignore: Vec<String>,
    /// Do not report findings recorded in this baseline file (written by
    /// --write-baseline); its entries that match no finding are reported.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file and exit 0
    /// without reporting them.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Report only the findings the working tree adds to this git revision
    /// (e.g. `origin/main`); findings it has too are not reported.
    #[arg(long, value_name = "REF", conflicts_with = "write_baseline")]
    diff_base: Option<String>,
    /// Exit with 2 when no input file is found (nothing to check), instead
    /// of passing with a warning [default: spof.toml's `[check]`].
    #[arg(long)]
    fail_if_no_files: bool,
}

/// What every command that reads an estate takes: the files, the
/// configuration and the Terraform inputs.
#[derive(Debug, Clone, clap::Args)]
pub(super) struct InputArgs {
    /// Files and directories to check; `-` reads one manifest stream from
    /// standard input. Explicitly named files are checked against the graph of
    /// the whole repository (the directory holding spof.toml, else the git
    /// root), and only their findings are reported.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Skip files and directories matching this gitignore-style glob
    /// (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Configuration file [default: the nearest spof.toml at or above the
    /// checked paths, up to the repository root].
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,
    /// Ignore every spof.toml: report only what the files themselves prove.
    #[arg(long)]
    isolated: bool,
    /// Larger files are reported and skipped [default: spof.toml's
    /// `[limits]`, else 16777216].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_file_size: Option<u64>,
    /// Deeper nesting of YAML/JSON collections or HCL brackets is a parse
    /// error [default: spof.toml's `[limits]`, else 256; at most 1024].
    #[arg(long, value_name = "LEVELS", value_parser = parse_depth)]
    max_depth: Option<usize>,
    /// Nodes that YAML aliases may copy, per file, before it is a parse
    /// error [default: spof.toml's `[limits]`, else 100000].
    #[arg(long, value_name = "NODES", value_parser = parse_alias_expansion)]
    max_alias_expansion: Option<usize>,
    /// Set a Terraform root module variable (repeatable; wins over every
    /// variables file).
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_var)]
    var: Vec<(String, String)>,
    /// Read Terraform root module variables from this `.tfvars` or
    /// `.tfvars.json` file (repeatable; a later file wins).
    #[arg(long, value_name = "FILE")]
    var_file: Vec<PathBuf>,
    /// Extend the provider and operator knowledge bases with the `*.toml`
    /// files of this directory (repeatable; an entry replaces the builtin one
    /// for its resource type or kind; see docs/terraform.md and
    /// docs/kubernetes.md).
    #[arg(long = "rules", value_name = "DIR")]
    rules_dirs: Vec<PathBuf>,
    /// Where a run that names files keeps what it parsed of the rest of the
    /// repository [default: $SPOF_CACHE_DIR, else $XDG_CACHE_HOME/spof,
    /// else ~/.cache/spof].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Parse every file afresh: neither read nor write the cache.
    #[arg(long)]
    no_cache: bool,
}

/// What a command that reads the estate works from; see [`InputArgs::load`].
type Loaded = (
    ManuallyDrop<check::Report>,
    ManuallyDrop<crate::estate::Estate>,
    bool,
);

impl InputArgs {
    /// Reads the estate for a command whose output is not the findings:
    /// input errors go to standard error, ending with "…; `rest`". `Err` is
    /// the exit code of a usage error (already printed); the flag says
    /// whether there were input errors. The report and the estate are not
    /// freed: the process exits after the command, and freeing their trees
    /// would only delay that.
    fn load(self, rest: &str) -> Result<Loaded, i32> {
        self.load_writing(None, rest)
    }

    /// [`Self::load`] for a command that writes `output`: that file is
    /// never read as an input.
    fn load_writing(self, output: Option<&Path>, rest: &str) -> Result<Loaded, i32> {
        if !writable(output) {
            return Err(2);
        }
        let mut options = self.options().map_err(|message| {
            eprintln!("error: {message}");
            2
        })?;
        options.outputs.extend(output.map(Path::to_path_buf));
        let (report, estate) = check::run_estate(&options);
        let errors = print_input_errors(&report, rest);
        Ok((ManuallyDrop::new(report), ManuallyDrop::new(estate), errors))
    }

    /// Run options for these inputs; `Err` is a usage error to print.
    fn options(self) -> Result<RunOptions, String> {
        crate::discover::validate_excludes(&self.exclude)?;
        Ok(RunOptions {
            paths: self.paths,
            excludes: self.exclude,
            config: self.config,
            isolated: self.isolated,
            max_file_size: self.max_file_size,
            max_depth: self.max_depth,
            max_alias_expansion: self.max_alias_expansion,
            today: today_from_env()?,
            vars: self.var,
            var_files: self.var_file,
            rules_dirs: self.rules_dirs,
            cache_dir: if self.no_cache {
                None
            } else {
                self.cache_dir.or_else(crate::cache::default_dir)
            },
            ..RunOptions::default()
        })
    }
}

/// A positive count no larger than `ceiling`.
fn parse_count(value: &str, ceiling: usize) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=ceiling).contains(&n) => Ok(n),
        Ok(_) if value.trim_start_matches('0').is_empty() => Err("must be at least 1".to_string()),
        Ok(_) => Err(format!("must be at most {ceiling}")),
        Err(_) if value.starts_with('-') => Err("must be at least 1".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_depth(value: &str) -> Result<usize, String> {
    parse_count(value, crate::parse::yaml::MAX_DEPTH_CEILING)
}

fn parse_alias_expansion(value: &str) -> Result<usize, String> {
    parse_count(value, usize::MAX)
}

fn parse_var(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((name, value)) if is_identifier(name) => Ok((name.to_string(), value.to_string())),
        _ => Err(format!(
            "expected NAME=VALUE with NAME a Terraform variable name, got `{value}`"
        )),
    }
}

/// A Terraform identifier: a letter or `_`, then letters, digits, `_`, `-`.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A report written beside the standard output, from `--output FORMAT=FILE`.
#[derive(Debug, Clone)]
struct OutputFile {
    format: Format,
    path: PathBuf,
}

fn parse_output(value: &str) -> Result<OutputFile, String> {
    let formats = || {
        Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((name, path)) = value.split_once('=') else {
        return Err("expected FORMAT=FILE, e.g. junit=report.xml".to_string());
    };
    let format = Format::from_str(name, false)
        .map_err(|_| format!("unknown format `{name}` (formats: {})", formats()))?;
    if path.is_empty() {
        return Err(format!("no file after `{name}=`"));
    }
    Ok(OutputFile {
        format,
        path: PathBuf::from(path),
    })
}

/// Writes each `--output` file (see [`crate::write`]), never over one of
/// `inputs`; a failure is reported and makes the exit code 2, after the
/// others are written.
fn write_outputs(files: &[OutputFile], output: &crate::output::Output, inputs: &[PathBuf]) -> bool {
    let mut ok = true;
    for file in files {
        let result = write_file(&file.path, Existing::Replace, inputs, |w| {
            render::render(file.format, output, render::Style::PLAIN, w)
        });
        if let Err(e) = result {
            eprintln!("error: cannot write {}: {e}", file.path.display());
            ok = false;
        }
    }
    ok
}

/// Writes a command's `-o FILE` (see [`crate::write`]), never over a file
/// the run read or was told to read (`named`); returns `code`, or 2 once a
/// failure is reported.
fn write_output_file(
    path: &Path,
    report: &check::Report,
    named: &[PathBuf],
    code: i32,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> i32 {
    let inputs = inputs_of(report, named, None);
    match write_file(path, Existing::Replace, &inputs, body) {
        Ok(()) => code,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            2
        }
    }
}

/// Refuses, before the run, a path to write that is a symbolic link or
/// not a regular file (see [`crate::write::refusal`]); `false` once
/// reported.
fn writable<'a>(paths: impl IntoIterator<Item = &'a Path>) -> bool {
    let mut ok = true;
    for path in paths {
        if let Some(e) = crate::write::refusal(path) {
            eprintln!("error: cannot write {}: {e}", path.display());
            ok = false;
        }
    }
    ok
}

/// The files a run read, or was told to read (a named file that is also
/// written is left out of the run, not read): what its outputs must not
/// replace.
fn inputs_of(report: &check::Report, named: &[PathBuf], baseline: Option<&Path>) -> Vec<PathBuf> {
    report
        .sources
        .iter()
        .map(|(_, file)| file.path.clone())
        .chain(named.iter().cloned())
        .chain(baseline.map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty() && p.as_os_str() != crate::discover::STDIN_MARKER)
        .collect()
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` print to standard output.
            let code = if e.use_stderr() { 2 } else { 0 };
            return exit_on_write(e.print(), code);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Check(args) => return run_check(*args, &mut out),
        Command::Rules { format } => list_rules(format, &mut out),
        Command::Explain { rule } => match Rule::lookup(&rule) {
            Some(rule) => out.write_all(docs::page(rule).as_bytes()),
            None => {
                let names = Rule::ALL.iter().flat_map(|r| [r.code(), r.name()]);
                let hint = crate::config::did_you_mean(&rule, names)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                eprintln!("error: unknown rule `{rule}`{hint} (`spof rules` lists them)");
                return 2;
            }
        },
        Command::Graph(args) => return graph::run(*args, &mut out),
        Command::Init(args) => return init::run(&args, &mut out),
        Command::Simulate(args) => return simulate::run(*args, &mut out),
        Command::Report(args) => return report::run(*args, &mut out),
        Command::Completions(args) => {
            generate::completions(&args, <Cli as clap::CommandFactory>::command(), &mut out)
        }
        Command::Man(args) => {
            match generate::man(&args, <Cli as clap::CommandFactory>::command(), &mut out) {
                Ok(true) => Ok(()),
                Ok(false) => return 2,
                Err(e) => Err(e),
            }
        }
    };
    exit_on_write(result, 0)
}

fn exit_on_write(result: std::io::Result<()>, code: i32) -> i32 {
    match result {
        Ok(()) => code,
        // A closed pipe (`spof check | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            2
        }
    }
}

/// The run options `spof check`'s arguments give; `Err` is the exit code
/// once the usage error is reported.
fn check_options(args: &mut CheckArgs) -> Result<RunOptions, i32> {
    if let Some(message) =
        check::unknown_rule(&args.select).or_else(|| check::unknown_rule(&args.ignore))
    {
        eprintln!("error: {message}");
        return Err(2);
    }
    let mut options = args.input.clone().options().map_err(|message| {
        eprintln!("error: {message}");
        2
    })?;
    let written = args.output.iter().map(|o| o.path.as_path());
    let written = written.chain(args.output_file.as_deref());
    if !writable(written.chain(args.write_baseline.as_deref())) {
        return Err(2);
    }
    // A report written into the checked tree is not read back as an input.
    options
        .outputs
        .extend(args.output.iter().map(|o| o.path.clone()));
    options.outputs.extend(args.output_file.iter().cloned());
    options.force_exclude = args.force_exclude;
    options.fail_if_no_files = args.fail_if_no_files;
    options.select = std::mem::take(&mut args.select);
    options.ignore = std::mem::take(&mut args.ignore);
    options.baseline = match (args.baseline.take(), &args.write_baseline) {
        (Some(path), _) => Some(BaselineMode::Apply(path)),
        (None, Some(path)) => Some(BaselineMode::Write(path.clone())),
        (None, None) => None,
    };
    Ok(options)
}

fn run_check(mut args: CheckArgs, out: &mut dyn Write) -> i32 {
    let mut options = match check_options(&mut args) {
        Ok(options) => options,
        Err(code) => return code,
    };
    if args.show_settings {
        return show::settings(&options, args.fail_on, out);
    }
    if args.show_files {
        return show::files(&options, out);
    }
    // The human output says which configuration applied, on standard
    // error so that the report itself stays as it was.
    let configuration =
        (args.format == render::Format::Human && !args.quiet).then(|| configuration_line(&options));
    let progress = std::sync::Arc::new(crate::progress::Progress::new());
    options.progress = Some(std::sync::Arc::clone(&progress));
    let report = match checked(&options, args.diff_base.as_deref(), !args.quiet) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    // Not freed: the process exits after the command, and freeing the
    // report's sources and diagnostics would only delay that.
    let report = ManuallyDrop::new(report);
    if let Some(line) = configuration {
        eprintln!("{line}");
    }
    // A run that read nothing passes, but never silently. (With
    // `--fail-if-no-files` it is an input error, already in the report.)
    if report.summary.files == 0 && !report.has_input_errors() && !args.quiet {
        eprintln!(
            "warning: no infrastructure files found in {}; nothing was checked \
             (--fail-if-no-files makes this an error)",
            shown_paths(&options.paths)
        );
    }
    let color = args.color.applies();
    let output = report.output();
    let inputs = inputs_of(
        &report,
        &options.paths,
        match &options.baseline {
            Some(BaselineMode::Apply(path)) => Some(path.as_path()),
            _ => None,
        },
    );
    if let Some(path) = &args.write_baseline
        && !report.has_input_errors()
    {
        return match check::write_baseline(&report, path, &inputs) {
            Ok(n) => {
                let findings = if n == 1 { "finding" } else { "findings" };
                if !args.quiet {
                    eprintln!("wrote {n} {findings} to {}", path.display());
                }
                if write_outputs(&args.output, &output, &inputs) {
                    0
                } else {
                    2
                }
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                2
            }
        };
    }
    let code = match report.exit_code(args.fail_on) {
        1 if args.exit_zero => 0,
        code => code,
    };
    let rendering = Rendering {
        format: args.format,
        quiet: args.quiet,
        style: stdout_style(color),
    };
    progress.stage("rendering");
    let code = rendering.write(&output, args.output_file.as_deref(), &inputs, code, out);
    progress.finish();
    if args.verbose {
        eprint!("{}", progress::account(&report, &options, &progress));
    }
    if args.write_baseline.is_some() {
        // A baseline of part of the estate would report the rest as new.
        eprintln!("error: baseline not written because of the input errors reported");
    }
    if write_outputs(&args.output, &output, &inputs) {
        code
    } else {
        2
    }
}

/// How `spof check` prints its report: `--format`, `--quiet`, `--color`.
struct Rendering {
    format: Format,
    quiet: bool,
    /// Standard output's; a file is always [`render::Style::PLAIN`].
    style: render::Style,
}

impl Rendering {
    /// Writes the report to `out`, or to `file` (`-o`, uncolored, never
    /// over one of `inputs`); returns `code`, or 2 once a failure to
    /// write a file is reported.
    fn write(
        &self,
        output: &crate::output::Output,
        file: Option<&Path>,
        inputs: &[PathBuf],
        code: i32,
        out: &mut dyn Write,
    ) -> i32 {
        let render = |style: render::Style, w: &mut dyn Write| {
            if self.quiet {
                render::render_quiet(self.format, output, style, w)
            } else {
                render::render(self.format, output, style, w)
            }
        };
        match file {
            Some(path) => match write_file(path, Existing::Replace, inputs, |w| {
                render(render::Style::PLAIN, w)
            }) {
                Ok(()) => code,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    2
                }
            },
            None => exit_on_write(render(self.style, out), code),
        }
    }
}

/// The run of `spof check` (against `diff_base` when given), with the
/// progress line on a terminal when `show_progress`.
fn checked(
    options: &RunOptions,
    diff_base: Option<&str>,
    show_progress: bool,
) -> Result<check::Report, String> {
    let indicator = options
        .progress
        .as_ref()
        .map(|p| progress::Indicator::start(p, show_progress));
    let report = match diff_base {
        Some(reference) => check::run_diff(options, reference).map(|(report, _)| report),
        None => Ok(check::run(options)),
    };
    if let Some(indicator) = indicator {
        indicator.stop();
    }
    report
}

/// Which configuration a run applies, as the human output says it.
fn configuration_line(options: &RunOptions) -> String {
    let shown = |path: &Path| render::one_line(&crate::source::display_path(path));
    match (
        options.isolated,
        &options.config,
        check::configuration(options),
    ) {
        (true, _, _) => "no configuration (--isolated)".to_string(),
        (false, Some(given), _) => format!("using configuration {} (--config)", shown(given)),
        (false, None, Some(found)) => format!("using spof.toml at {}", shown(&found)),
        (false, None, None) => {
            "no configuration (no spof.toml at or above the checked paths)".to_string()
        }
    }
}

/// Standard output's layout: `color` as `--color` decided; wrapped at the
/// terminal's width when it is a terminal (`COLUMNS`, when set, wins, as
/// for most command-line tools), never wrapped in a pipe or a file.
fn stdout_style(color: bool) -> render::Style {
    let stdout = std::io::stdout();
    let width = stdout.is_terminal().then(|| {
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&c| c > 0);
        columns
            .or_else(|| terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0)))
            .unwrap_or(100)
    });
    render::Style { color, width }
}

impl ColorChoice {
    /// Whether standard output is colored.
    fn applies(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// The paths a run was given, as a list in words.
fn shown_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .map(|p| crate::source::display_path(p))
        .collect();
    shown.join(", ")
}

/// Prints a run's input errors to standard error, one concise line each
/// and a count, for commands whose output is not the findings; returns
/// whether there were any.
fn print_input_errors(report: &check::Report, rest: &str) -> bool {
    if !report.has_input_errors() {
        return false;
    }
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let _ = render::input_errors(&report.output(), &mut err);
    let files = report.summary.input_errors;
    let _ = writeln!(
        err,
        "{files} {} could not be read or parsed; {rest}",
        if files == 1 { "file" } else { "files" }
    );
    true
}

/// `SPOF_TODAY=YYYY-MM-DD` stands in for today's date, for reproducible
/// runs and tests.
fn today_from_env() -> Result<Option<Date>, String> {
    match std::env::var("SPOF_TODAY") {
        Ok(text) => Date::parse(&text)
            .map(Some)
            .ok_or_else(|| format!("SPOF_TODAY must be a date as YYYY-MM-DD, not `{text}`")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("SPOF_TODAY must be a date as YYYY-MM-DD".to_string())
        }
    }
}

fn list_rules(format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        ListFormat::Human => {
            for rule in Rule::ALL {
                let meta = rule.meta();
                writeln!(
                    out,
                    "{}  {:<38} {:<8} {}",
                    meta.code,
                    meta.name,
                    meta.severity.as_str(),
                    meta.summary
                )?;
            }
            Ok(())
        }
        ListFormat::Json => {
            let rules: Vec<serde_json::Value> = Rule::ALL
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({
                        "code": meta.code,
                        "name": meta.name,
                        "severity": meta.severity,
                        "summary": meta.summary,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rules)?;
            writeln!(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The defaults `--help` states for the limits are the ones applied.
    #[test]
    fn limit_defaults_in_help_are_the_constants() {
        let command = Cli::command();
        let check = command.find_subcommand("check").unwrap();
        let help = |name: &str| {
            let arg = check.get_arguments().find(|a| a.get_id() == name).unwrap();
            arg.get_help().unwrap().to_string()
        };
        assert!(help("max_file_size").contains(&format!("else {}]", check::DEFAULT_MAX_FILE_SIZE)));
        assert!(help("max_depth").contains(&format!(
            "else {}; at most {}]",
            crate::parse::yaml::DEFAULT_MAX_DEPTH,
            crate::parse::yaml::MAX_DEPTH_CEILING
        )));
        assert!(help("max_alias_expansion").contains(&format!(
            "else {}]",
            crate::parse::yaml::DEFAULT_MAX_ALIAS_NODES
        )));
    }

    #[test]
    fn counts_are_positive_and_bounded() {
        assert_eq!(parse_count("12", 100), Ok(12));
        assert_eq!(parse_count("100", 100), Ok(100));
        assert_eq!(parse_count("0", 100), Err("must be at least 1".to_string()));
        assert_eq!(
            parse_count("000", 100),
            Err("must be at least 1".to_string())
        );
        assert_eq!(
            parse_count("-3", 100),
            Err("must be at least 1".to_string())
        );
        assert_eq!(
            parse_count("101", 100),
            Err("must be at most 100".to_string())
        );
        assert!(parse_count("ten", 100).is_err());
    }
}
