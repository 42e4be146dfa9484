//! The Terraform HCL frontend: hcl-edit parsing, the nesting check, module
//! loading and expression evaluation (count, for_each, locals, functions),
//! and the lexical pass that tells a `.hcl` Nomad job from other HCL.
//! The first byte chooses the file name: `main.tf`, or `main.tf.json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::terraform::{Variables, hcl};
use spof::parse::yaml::Limits;
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = if selector % 4 == 0 {
        "main.tf.json"
    } else {
        "main.tf"
    };
    let _ = spof::frontends::nomad::is_nomad_job(text);
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(PathBuf::from("fuzz").join(name), text));
    let _ = hcl::load(
        &sources,
        &[id],
        &Variables::default(),
        &Limits::default(),
        &Default::default(),
    );
});
