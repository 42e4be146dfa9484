//! `spof report`: the architects' audit of the estate in one document.

use super::{InputArgs, exit_on_write, write_output_file};
use crate::audit::{Audit, DEFAULT_GROUP_SIZE, MAX_GROUP_SIZE};
use crate::report::{self, ReportFormat};
use std::io::Write;
use std::path::PathBuf;

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
    #[command(flatten)]
    input: InputArgs,
}

pub(super) fn run(args: ReportArgs, out: &mut dyn Write) -> i32 {
    let named = args.input.paths.clone();
    // A report written into the estate is not read back as an input.
    let (report, estate, input_errors) = match args
        .input
        .load_writing(args.output.as_deref(), "the report covers the rest.")
    {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let audit = Audit::build(&estate, args.max_group_size);
    let data = report::gather(&report, &estate, &audit);
    let code = if input_errors { 2 } else { 0 };
    match &args.output {
        None => exit_on_write(report::render(args.format, &data, out), code),
        Some(path) => write_output_file(path, &report, &named, code, |w| {
            report::render(args.format, &data, w)
        }),
    }
}
