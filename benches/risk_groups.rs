//! Risk groups over a generated estate (see `spof::audit::synthetic`):
//! `cargo bench --bench risk_groups -- [--services N] [--sites Z]
//! [--regions R] [--max-group-size K] [--seed S]`. Prints the time of each
//! stage and the peak resident memory.

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
            ("--bench", _) => {
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
    let threads = rayon::current_num_threads();
    println!(
        "services {} sites {} regions {} max-group-size {k} threads {threads}",
        shape.services, shape.sites, shape.regions
    );
    let start = Instant::now();
    let model = synthetic::model(shape);
    let generated = start.elapsed();
    let t = Instant::now();
    let estate = synthetic::estate(model);
    let analysed = t.elapsed();
    let t = Instant::now();
    let audit = Audit::build(&estate, k);
    let grouped = t.elapsed();
    let groups: usize = audit.entities.iter().map(|e| e.risk_groups.len()).sum();
    let singles = audit
        .entities
        .iter()
        .filter(|e| e.risk_groups.iter().any(|g| g.len() == 1))
        .count();
    println!("generate        {:>8.2} s", generated.as_secs_f64());
    println!("graph+analysis  {:>8.2} s", analysed.as_secs_f64());
    println!("risk groups     {:>8.2} s", grouped.as_secs_f64());
    println!("total           {:>8.2} s", start.elapsed().as_secs_f64());
    println!(
        "{} domains, {groups} risk groups, {singles} entities with a single point of failure",
        audit.domains.len()
    );
    println!("peak RSS        {:>8} MiB", peak_rss_mib());
}

/// VmHWM from /proc (Linux); 0 elsewhere.
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
