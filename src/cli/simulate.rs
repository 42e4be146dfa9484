//! `spof simulate`: fail some domains and print what goes down, and why.

use super::{InputArgs, exit_on_write};
use crate::audit::{Audit, DEFAULT_GROUP_SIZE};
use crate::render::simulate::{self, View};
use clap::ValueEnum;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub(super) struct SimulateArgs {
    /// A failure domain to fail: `NAME` (any level) or `LEVEL=NAME`
    /// (`region`, `zone` or `datacenter`, `host`); repeatable. Everything
    /// inside a failed domain fails with it.
    #[arg(long, value_name = "DOMAIN", required = true)]
    fail: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SimulateFormat::Human)]
    format: SimulateFormat,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SimulateFormat {
    Human,
    Json,
    Markdown,
}

pub(super) fn run(args: SimulateArgs, out: &mut dyn Write) -> i32 {
    let (report, estate, input_errors) = match args.input.load("the simulation covers the rest.") {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let audit = Audit::build(&estate, DEFAULT_GROUP_SIZE);
    let mut failed = Vec::new();
    for query in &args.fail {
        match audit.find_domains(query) {
            Ok(found) => failed.extend(found),
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        }
    }
    let simulation = audit.simulate(&estate, &failed);
    let view = View {
        audit: &audit,
        estate: &estate,
        sources: &report.sources,
        simulation: &simulation,
    };
    let result = match args.format {
        SimulateFormat::Human => simulate::human(&view, out),
        SimulateFormat::Json => simulate::json(&view, out),
        SimulateFormat::Markdown => simulate::markdown(&view, out),
    };
    exit_on_write(result, if input_errors { 2 } else { 0 })
}
