//! Packaged subcharts: the input as a `.tgz` under a chart's `charts/`,
//! unpacked by `frontends::helm::archive::unpack` within small bounds (so
//! that a fuzzer reaches each of them): an error is fine, a panic, a hang
//! or memory past the bounds is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::frontends::helm::archive::{Bounds, unpack};

fuzz_target!(|data: &[u8]| {
    let bounds = Bounds {
        archive_bytes: 1 << 20,
        total_bytes: 4 << 20,
        entries: 200,
        file_bytes: 1 << 20,
        depth: 3,
    };
    let _ = unpack(data, bounds);
});
