//! The Helm renderer: one chart of two templates made from the input. The
//! bytes before the first NUL are `values.yaml`; the rest, split at the next
//! NUL, is `templates/a.yaml` and `templates/_helpers.tpl`. Rendered with
//! `frontends::helm::render` and the default options (every bound of
//! docs/helm.md applies): an error is fine, a panic or a hang is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::helm::{ChartFiles, Options, render, values};
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let values_yaml = parts.next().unwrap_or_default();
    let template = parts.next().unwrap_or_default();
    let helpers = parts.next().unwrap_or_default();
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_string(),
        "apiVersion: v2\nname: fuzz\nversion: 0.1.0\n".to_string(),
    );
    files.insert("values.yaml".to_string(), values_yaml.to_string());
    files.insert("templates/a.yaml".to_string(), template.to_string());
    files.insert("templates/_helpers.tpl".to_string(), helpers.to_string());
    let options = Options {
        max_output_bytes: 1 << 20,
        ..Options::default()
    };
    let user = values::decode(values_yaml)
        .ok()
        .flatten()
        .unwrap_or_else(values::empty_map);
    let _ = render(&ChartFiles { files }, &user, &options);
});
