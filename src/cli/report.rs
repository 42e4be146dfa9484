//! `spof report`: the architects' audit of the estate in one document.

use super::{InputArgs, exit_on_write, write_output_file};
use crate::audit::{Audit, DEFAULT_GROUP_SIZE, MAX_GROUP_SIZE};
use crate::check;
use crate::report::{self, Record, ReportFormat};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    /// Output format: a self-contained HTML page, Markdown for a pull
    /// request or a wiki, or the full audit data as JSON.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Largest risk group computed: sets of up to N failure domains that
    /// fail together.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_GROUP_SIZE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(1..=MAX_GROUP_SIZE as u64))]
    max_group_size: usize,
    /// Compare with an earlier JSON report (`--format json`): which single
    /// points of failure are new, fixed and unchanged since, per failure
    /// domain.
    #[arg(long, value_name = "PREVIOUS.json")]
    compare: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
}

pub(super) fn run(args: ReportArgs, out: &mut dyn Write) -> i32 {
    let named = args.input.paths.clone();
    let input = args.input.clone();
    // A comparison that cannot be made is said before the estate is read.
    let previous = match args
        .compare
        .as_deref()
        .map(|path| report::compare::read_previous(path, report::JSON_VERSION))
        .transpose()
    {
        Ok(previous) => previous,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    // A report written into the estate is not read back as an input.
    let (report, estate, input_errors) = match args
        .input
        .load_writing(args.output.as_deref(), "the report covers the rest.")
    {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let audit = Audit::build(&estate, args.max_group_size);
    let mut data = report::gather(&report, &estate, &audit, record(input, &report));
    data.comparison = previous.map(|p| report::compare::compare(&data, p));
    let code = if input_errors { 2 } else { 0 };
    match &args.output {
        None => exit_on_write(report::render(args.format, &data, out), code),
        Some(path) => write_output_file(path, &report, &named, code, |w| {
            report::render(args.format, &data, w)
        }),
    }
}

/// When, with what and on what this report is made: the day `until=`
/// dates are compared with, spof's version, the commit of the repository
/// holding the first scanned path, the paths as given, the configuration's
/// SHA-256 and the files read by each input format.
fn record(input: super::InputArgs, report: &check::Report) -> Record {
    let paths: Vec<String> = input
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let repository = input.paths.first().map_or(Path::new("."), |p| {
        if p.as_os_str() == crate::discover::STDIN_MARKER || p.is_dir() {
            p.as_path()
        } else {
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        }
    });
    let repository = if repository.is_dir() {
        repository
    } else {
        Path::new(".")
    };
    let head = check::git_head(repository);
    // The options were already validated by the run that read the estate.
    let options = input.options().ok();
    let date = options
        .as_ref()
        .and_then(|o| o.today)
        .unwrap_or_else(crate::date::Date::today);
    let configuration = options.as_ref().and_then(check::configuration);
    let mut kinds: BTreeMap<&Path, String> = BTreeMap::new();
    let mut config_text: Option<&str> = None;
    for (_, file) in report.sources.iter() {
        if file.path.as_os_str().is_empty() {
            continue;
        }
        let kind = super::show::kind_of(&file.path, configuration.as_deref());
        if kind == "configuration" {
            config_text.get_or_insert(file.text());
        } else if kind != "side input" {
            let kind = kind.strip_suffix(" (by content)").unwrap_or(&kind);
            kinds.insert(&file.path, kind.to_string());
        }
    }
    let config_sha256 = match config_text {
        Some(text) => Some(digest(text.as_bytes())),
        None => configuration
            .and_then(|path| std::fs::read(path).ok())
            .map(|bytes| digest(&bytes)),
    };
    let mut formats: BTreeMap<String, usize> = BTreeMap::new();
    for kind in kinds.into_values() {
        *formats.entry(kind).or_default() += 1;
    }
    Record {
        date: date.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: head.as_ref().map(|(c, _)| c.clone()),
        dirty: head.map(|(_, dirty)| dirty),
        paths,
        config_sha256,
        formats: formats.into_iter().collect(),
    }
}

fn digest(bytes: &[u8]) -> String {
    use crate::frontends::digest::{hex, sha256};
    hex(&sha256(bytes))
}
