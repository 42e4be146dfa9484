//! `spof graph`: the estate's dependency graph as DOT, Mermaid or JSON.

use super::{InputArgs, exit_on_write, write_output_file};
use crate::render::{self, graph::View};
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum GraphFormat {
    /// Graphviz (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (Markdown on GitHub and GitLab renders it).
    Mermaid,
    /// The nodes and edges as a versioned JSON document.
    Json,
}

#[derive(Debug, clap::Args)]
pub(super) struct GraphArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Draw only what is connected to this entity (its id, e.g.
    /// `k8s:Deployment/shop/web`, or its name: a name several entities
    /// share focuses on each of them, listed on standard error), through
    /// dependencies and `manages` entries, either way.
    #[arg(long, value_name = "ENTITY")]
    focus: Option<String>,
    /// With --focus: only entities at most N hops away [default: no
    /// limit].
    #[arg(long, value_name = "N", requires = "focus")]
    depth: Option<usize>,
    /// Write the graph to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `spof graph`; returns the exit code: 2 when some input could not be
/// read (the graph of the rest is still written) or on a usage error.
pub(super) fn run(args: GraphArgs, out: &mut dyn Write) -> i32 {
    let named = args.input.paths.clone();
    let loaded = args
        .input
        .load_writing(args.output.as_deref(), "the graph shows the rest.");
    let (report, estate, input_errors) = match loaded {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let code = if input_errors { 2 } else { 0 };
    let focus = match args.focus.as_deref() {
        None => Vec::new(),
        Some(text) => match render::graph::lookup(&estate, text) {
            Ok(found) => {
                if found.len() > 1 {
                    let ids: Vec<String> = found
                        .iter()
                        .map(|&e| format!("`{}`", estate.model.entities[e].id))
                        .collect();
                    eprintln!(
                        "note: --focus: `{text}` names {} entities ({}); drawing what is connected to each",
                        found.len(),
                        ids.join(", ")
                    );
                }
                found
            }
            Err(message) => {
                eprintln!("error: --focus: {message}");
                return 2;
            }
        },
    };
    let view = View::new(&estate, &focus, args.depth);
    let text = match args.format {
        GraphFormat::Dot => render::graph::dot(&estate, &view),
        GraphFormat::Mermaid => render::graph::mermaid(&estate, &view),
        GraphFormat::Json => render::graph::json(&estate, &view),
    };
    match &args.output {
        Some(path) => write_output_file(path, &report, &named, code, |w| {
            w.write_all(text.as_bytes())
        }),
        None => exit_on_write(out.write_all(text.as_bytes()), code),
    }
}
