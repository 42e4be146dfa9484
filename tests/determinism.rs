//! Same input, same output, byte for byte, in any order of file discovery.

use proptest::prelude::*;
use spof::check::{Loaded, Setup, check_sources};
use spof::render::{self, Format};
use spof::source::{SourceFile, SourceMap};
use std::path::PathBuf;

fn estate_files() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::from("testdata/estates/two-datacenters/clusters")];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    // Rule fixtures of several rules together make a richer graph.
    for extra in [
        "testdata/rules/SPOF007-depends-on-spof/trigger/configmap-references.yaml",
        "testdata/rules/SPOF005-pinned-by-zonal-volume/trigger/shared-rwo-claim.yaml",
    ] {
        if let Ok(text) = std::fs::read_to_string(extra) {
            out.push((extra.into(), text));
        }
    }
    out
}

fn run(files: &[(PathBuf, String)]) -> String {
    let mut sources = SourceMap::default();
    let loaded: Vec<Loaded> = files
        .iter()
        .map(|(path, text)| Loaded {
            file: sources.add(SourceFile::new(path.clone(), text.as_str())),
            cluster: None,
        })
        .collect();
    let report = check_sources(sources, &loaded, &Setup::default(), Vec::new());
    let output = report.output();
    let mut out = Vec::new();
    render::render(Format::Json, &output, render::Style::PLAIN, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn output_does_not_depend_on_discovery_order(seed in any::<u64>()) {
        let mut files = estate_files();
        files.sort();
        let expected = run(&files);
        // A seeded Fisher-Yates shuffle.
        let mut state = seed | 1;
        for i in (1..files.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            files.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(run(&files), expected);
    }
}
