//! The YAML frontend: the event-stream parser (with its alias and depth
//! bounds) and Kubernetes extraction from the documents it yields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::model::Model;
use spof::model::kubernetes::{self, FileDocs, TopologyKeys};
use spof::parse::yaml::{Limits, parse_stream};
use spof::source::FileId;

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
    let files = [FileDocs {
        file: FileId(0),
        cluster: None,
        docs: &docs,
    }];
    let _errors = kubernetes::extract(
        &files,
        &TopologyKeys::default(),
        &spof::model::hosts::SoftVariables::default(),
        &mut model,
    );
});
