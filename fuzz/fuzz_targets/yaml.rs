//! The YAML frontend: the event-stream parser (with its alias and depth
//! bounds) and Kubernetes extraction from the documents it yields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::kubernetes::{self, FileDocs, TopologyKeys};
use spof::model::Model;
use spof::model::scope::Places;
use spof::parse::yaml::{Limits, parse_stream};
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (docs, error) = parse_stream(text, &Limits::default());
    if let Some(error) = error {
        // Error ranges must lie inside the text (they are sliced for
        // snippets).
        assert!(error.range.start <= error.range.end);
        assert!(error.range.end as usize <= text.len());
    }
    let mut model = Model::default();
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(PathBuf::from("fuzz/deploy.yaml"), text));
    let places = Places::new(&sources, Vec::new());
    let files = [FileDocs {
        file: id,
        cluster: None,
        docs: &docs,
    }];
    let _errors = kubernetes::extract(
        &files,
        None,
        &TopologyKeys::default(),
        &places,
        &spof::frontends::hosts::SoftVariables::default(),
        operators(),
        &mut model,
    );
});

/// The builtin operator knowledge base, loaded once for every input.
fn operators() -> &'static kubernetes::Operators {
    static OPERATORS: std::sync::OnceLock<kubernetes::Operators> = std::sync::OnceLock::new();
    OPERATORS.get_or_init(kubernetes::Operators::builtin)
}
