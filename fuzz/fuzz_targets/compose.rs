//! Compose files: the YAML frontend, then compose extraction (services,
//! deploy.replicas, placement constraints, depends_on, networks, volumes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::compose;
use spof::frontends::hosts::SoftVariables;
use spof::frontends::kubernetes::FileDocs;
use spof::model::Model;
use spof::parse::yaml::{Limits, parse_stream};
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(PathBuf::from("fuzz/compose.yaml"), text));
    let (docs, _) = parse_stream(text, &Limits::default());
    let files = [FileDocs {
        file: id,
        cluster: None,
        docs: &docs,
    }];
    let mut model = Model::default();
    let _ = compose::extract(&files, &sources, &SoftVariables::default(), &mut model);
});
