//! spof's TOML service manifest (`*.spof.toml`): TOML parsing and the
//! hand-walked schema that turns it into entities and diagnostics. The
//! reading table by table (`extract`) must give what the reading of the
//! file as one tree (`extract_whole`) gives, model and diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::manifest;
use spof::model::Model;
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(
        PathBuf::from("fuzz/estate.spof.toml"),
        text,
    ));
    let mut model = Model::default();
    let diagnostics = manifest::extract(&[(id, sources.get(id))], &mut model);
    for d in &diagnostics {
        assert!(d.span.range.start <= d.span.range.end);
        assert!(d.span.range.end as usize <= text.len());
    }
    let mut whole = Model::default();
    let whole_diagnostics = manifest::extract_whole(&[(id, sources.get(id))], &mut whole);
    assert_eq!(
        format!("{model:?}\n{diagnostics:?}"),
        format!("{whole:?}\n{whole_diagnostics:?}")
    );
});
