//! Risk groups over a generated estate (see `spof::audit::synthetic`):
//! `cargo bench --bench risk_groups -- [--services N] [--sites Z]
//! [--regions R] [--max-group-size K] [--seed S] [--engine-only]`.
//!
//! Two measurements: the risk-group engine alone, on availability
//! structures generated directly; and (unless `--engine-only`) the same
//! estate through the model, the graph and the analysis, as a run builds
//! them. Prints the time of each stage and resident memory.

use spof::audit::{Audit, synthetic};
use std::time::Instant;

fn main() {
    let mut shape = synthetic::Shape {
        services: 100_000,
        sites: 50,
        regions: 5,
        seed: 1,
    };
    let mut k = 2;
    let mut engine_only = false;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match (args[i].as_str(), value) {
            ("--services", Some(v)) => shape.services = v,
            ("--sites", Some(v)) => shape.sites = v,
            ("--regions", Some(v)) => shape.regions = v,
            ("--max-group-size", Some(v)) => k = v,
            ("--seed", Some(v)) => shape.seed = v as u64,
            // `cargo bench` passes `--bench`.
            ("--bench" | "--engine-only", _) => {
                engine_only |= args[i] == "--engine-only";
                i += 1;
                continue;
            }
            (other, _) => {
                eprintln!("unknown or incomplete argument `{other}`");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    println!(
        "services {} sites {} regions {} max-group-size {k} threads {}",
        shape.services,
        shape.sites,
        shape.regions,
        rayon::current_num_threads()
    );
    let t = Instant::now();
    let plan = synthetic::plan(shape);
    println!(
        "plan                    {:>8.2} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let (domains, parent) = synthetic::domains(shape);
    let (structures, sets, order) = synthetic::structures(shape, &plan);
    let built = t.elapsed();
    let t = Instant::now();
    let audit = Audit::from_parts(domains, parent, structures, sets, order, k);
    let grouped = t.elapsed();
    println!("engine: structures      {:>8.2} s", built.as_secs_f64());
    println!("engine: risk groups     {:>8.2} s", grouped.as_secs_f64());
    summary(&audit);
    println!("engine: resident        {:>8} MiB", rss_mib("VmRSS:"));
    println!("engine: peak            {:>8} MiB", rss_mib("VmHWM:"));
    drop(audit);
    if engine_only {
        return;
    }

    let start = Instant::now();
    let model = synthetic::model(shape, &plan);
    let modelled = start.elapsed();
    let t = Instant::now();
    let estate = synthetic::estate(model);
    let analysed = t.elapsed();
    let t = Instant::now();
    let audit = Audit::build(&estate, k);
    let grouped = t.elapsed();
    println!("model: build            {:>8.2} s", modelled.as_secs_f64());
    println!("model: graph+analysis   {:>8.2} s", analysed.as_secs_f64());
    println!("model: risk groups      {:>8.2} s", grouped.as_secs_f64());
    println!(
        "model: total            {:>8.2} s",
        start.elapsed().as_secs_f64()
    );
    summary(&audit);
    println!("model: resident         {:>8} MiB", rss_mib("VmRSS:"));
    println!("peak (whole run)        {:>8} MiB", rss_mib("VmHWM:"));
}

fn summary(audit: &Audit) {
    let groups: usize = audit.entities.iter().map(|e| e.risk_groups.len()).sum();
    let singles = audit
        .entities
        .iter()
        .filter(|e| e.risk_groups.iter().any(|g| g.len() == 1))
        .count();
    println!(
        "  {} domains, {groups} risk groups, {singles} entities with a single point of failure",
        audit.domains.len()
    );
}

/// A memory figure from /proc (Linux): `VmHWM:` is the peak, `VmRSS:` now;
/// 0 elsewhere.
fn rss_mib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
