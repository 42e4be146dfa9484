//! Bytes to findings: one in-memory file through the whole pipeline
//! (`spof::check::check_sources`: parse, model, graph, analysis, rules,
//! suppressions), then rendered as human text and as JSON. The first byte
//! chooses the file name, and so the frontend.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::check::{Loaded, Setup, check_sources};
use spof::render::{Format, Style, render};
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;
use std::sync::OnceLock;

const NAMES: [&str; 6] = [
    "deploy.yaml",
    "main.tf",
    "plan.json",
    "estate.spof.toml",
    "job.nomad",
    "compose.yaml",
];

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(Setup::default)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(PathBuf::from("fuzz").join(name), text));
    let report = check_sources(
        sources,
        &[Loaded {
            file,
            cluster: None,
        }],
        setup(),
        Vec::new(),
    );
    let mut sink = Vec::new();
    let output = report.output();
    render(Format::Human, &output, Style::PLAIN, &mut sink).expect("render to memory");
    sink.clear();
    render(Format::Json, &output, Style::PLAIN, &mut sink).expect("render to memory");
});
