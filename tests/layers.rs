//! The crate's top-level modules form layers (docs/architecture.md,
//! "Layers"): a module names (`crate::…`, in code, tests and doc links)
//! only modules of lower layers, so data flows one way and no import runs
//! back up the pipeline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom to top. A module may name only modules of the layers before its
/// own. `lib.rs` and `main.rs` wire them together and are not layered.
const LAYERS: &[&[&str]] = &[
    &["date", "write", "test_corpus", "discover", "progress"],
    &["source"],
    &["diagnostic", "parse"],
    &["cache", "model"],
    &["output", "frontends", "graph"],
    &["config", "analysis"],
    &["estate"],
    &["audit"],
    &["rules"],
    &["render"],
    &["check"],
    &["report", "init"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules of `src/`: its folders and its `.rs` files.
fn modules() -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(src())
        .expect("src/ is readable")
        .map(|entry| entry.expect("an entry of src/").path())
        .filter_map(|path| {
            let name = if path.is_dir() {
                path.file_name()?.to_str()?.to_string()
            } else if path.extension().is_some_and(|e| e == "rs") {
                path.file_stem()?.to_str()?.to_string()
            } else {
                return None;
            };
            (name != "lib" && name != "main").then_some((name, path))
        })
        .collect();
    found.sort();
    found
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("a module folder is readable")
            .map(|e| e.expect("an entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            rust_files(&entry, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The top-level modules a text names as `crate::<module>`.
fn named(text: &str) -> BTreeSet<String> {
    text.match_indices("crate::")
        .filter(|(at, _)| {
            // `spof_crate::x` or `my_crate::x` is not this crate.
            !text[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(at, m)| {
            text[at + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn every_module_has_a_layer() {
    let unlayered: Vec<String> = modules()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| layer_of(name).is_none())
        .collect();
    assert!(
        unlayered.is_empty(),
        "modules with no layer in tests/layers.rs (and docs/architecture.md): {unlayered:?}"
    );
}

#[test]
fn no_module_names_a_module_above_it() {
    let mut upward = Vec::new();
    for (module, path) in modules() {
        let Some(own) = layer_of(&module) else {
            continue;
        };
        let mut files = Vec::new();
        rust_files(&path, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file is UTF-8");
            for target in named(&text) {
                if target == module {
                    continue;
                }
                match layer_of(&target) {
                    Some(layer) if layer < own => {}
                    _ => upward.push(format!(
                        "{} names crate::{target} (layer {}) from `{module}` (layer {})",
                        file.strip_prefix(src()).unwrap_or(&file).display(),
                        layer_of(&target).map_or("none".to_string(), |l| (l + 1).to_string()),
                        own + 1,
                    )),
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that do not go down the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn names_are_read_as_the_crate_s_own() {
    let text = "use crate::model::Entity; /// [`crate::check::run`]\nlet x = my_crate::graph;";
    let expected: BTreeSet<String> = ["model", "check"].map(String::from).into();
    assert_eq!(named(text), expected);
}
