//! Terraform plan and state JSON: parsed as YAML (JSON is a subset), then
//! every document is read as a plan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::terraform::plan;
use spof::parse::yaml::{Limits, parse_stream};
use spof::source::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (docs, _) = parse_stream(text, &Limits::default());
    let mut all = Vec::new();
    for doc in &docs {
        if let Some(resources) = plan::read(FileId(0), &doc.root) {
            all.extend(resources);
        }
    }
    let _ = plan::merge(Vec::new(), all);
});
