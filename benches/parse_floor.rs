//! The parse stage against the fastest parse of the same files with the
//! same parsers: `cargo bench --bench parse_floor -- [--corpus DIR]
//! [--runs N]` (default `../shared/corpus`, 10 runs).
//!
//! Reads every file `spof check` would read under DIR (`helm-templates/`
//! excluded, as in `bench/corpus.sh`) into memory, then times, in parallel
//! with rayon:
//! - the floor: saphyr-parser's event stream driven to the end (YAML, JSON),
//!   hcl-edit's `parse_body` (Terraform `.tf`/`.tfvars`, Nomad jobs);
//! - spof's parse stage: `spof::frontends::documents::parse_all` (YAML, JSON: the event
//!   stream built into trees with byte ranges),
//!   `spof::frontends::terraform::hcl::parse_files` (Terraform: parsed and converted to
//!   declarations), `spof::frontends::nomad::parse_files` (Nomad).
//!
//! Each is run N times; the best wall time and the mean CPU time (user +
//! sys of the whole process, from /proc) are printed with the ratio
//! spof / floor. Results are dropped outside the timed region.

use rayon::prelude::*;
use spof::check::Loaded;
use spof::discover::{DiscoverOptions, Input, discover};
use spof::frontends::documents::parse_all;
use spof::frontends::{self, documents, manifest, nomad, terraform};
use spof::parse::yaml::Limits;
use spof::source::{FileId, SourceFile, SourceMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Measure {
    best: Duration,
    cpu: Duration,
}

/// Runs `f` `runs` times: the best wall time and the mean CPU time.
fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> Measure {
    let mut best = Duration::MAX;
    let mut cpu = Duration::ZERO;
    for _ in 0..runs {
        let cpu_before = process_cpu();
        let start = Instant::now();
        let out = f();
        let wall = start.elapsed();
        let cpu_after = process_cpu();
        drop(out);
        best = best.min(wall);
        cpu += cpu_after.saturating_sub(cpu_before);
    }
    Measure {
        best,
        cpu: cpu / u32::try_from(runs.max(1)).unwrap_or(u32::MAX),
    }
}

/// User + system time of this process (all threads), from /proc/self/stat;
/// zero where that is not available.
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start at state.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    // The kernel's USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// YAML and JSON: every event of the stream, as fast as saphyr gives them.
fn floor_yaml(text: &str) -> usize {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut events = 0;
    for item in saphyr_parser::Parser::new_from_str(text) {
        match item {
            Ok((saphyr_parser::Event::StreamEnd, _)) | Err(_) => break,
            Ok(_) => events += 1,
        }
    }
    events
}

/// HCL: hcl-edit's body parser alone.
fn floor_hcl(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    hcl_edit::parser::parse_body(text).is_ok()
}

fn main() {
    let (corpus, runs) = args();
    if !corpus.is_dir() {
        println!("skipped: {} is absent", corpus.display());
        return;
    }
    let Corpus {
        sources,
        yaml,
        terraform,
        nomad,
        other,
        unreadable,
        bytes,
    } = read_corpus(&corpus);
    let threads = rayon::current_num_threads();
    println!(
        "corpus {}: {} files read, {runs} runs, {threads} threads",
        corpus.display(),
        yaml.len() + terraform.len() + nomad.len() + other,
    );
    if unreadable > 0 || other > 0 {
        println!("not measured: {unreadable} unreadable files, {other} TOML manifests");
    }

    let text = |id: &FileId| -> &str { sources.get(*id).text() };
    let loaded: Vec<Loaded> = yaml
        .iter()
        .map(|&file| Loaded {
            file,
            cluster: None,
        })
        .collect();
    let limits = Limits::default();
    let nomad_files: Vec<(FileId, &SourceFile)> =
        nomad.iter().map(|&id| (id, sources.get(id))).collect();

    // The hcl-edit floor runs on threads with the stack spof gives them.
    let big_stack = rayon::ThreadPoolBuilder::new()
        .stack_size(64 * 1024 * 1024)
        .build()
        .ok();
    let in_pool = |f: &(dyn Fn() -> usize + Sync)| match &big_stack {
        Some(pool) => pool.install(f),
        None => f(),
    };

    let rows = [
        (
            "YAML, JSON",
            yaml.len(),
            bytes[0],
            measure(runs, || {
                yaml.par_iter()
                    .map(|id| floor_yaml(text(id)))
                    .sum::<usize>()
            }),
            measure(runs, || parse_all(&sources, &loaded, &limits)),
        ),
        (
            "Terraform",
            terraform.len(),
            bytes[1],
            measure(runs, || {
                in_pool(&|| {
                    terraform
                        .par_iter()
                        .filter(|id| floor_hcl(text(id)))
                        .count()
                })
            }),
            measure(runs, || {
                spof::frontends::terraform::hcl::parse_files(&sources, &terraform, &limits)
            }),
        ),
        (
            "Nomad",
            nomad.len(),
            bytes[2],
            measure(runs, || {
                in_pool(&|| nomad.par_iter().filter(|id| floor_hcl(text(id))).count())
            }),
            measure(runs, || {
                spof::frontends::nomad::parse_files(&nomad_files, &limits)
            }),
        ),
    ];
    print_table(&rows);
}

/// `--corpus DIR` and `--runs N`; exits on anything else.
fn args() -> (PathBuf, usize) {
    let mut corpus = PathBuf::from("../shared/corpus");
    let mut runs = 10usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1);
        match (args[i].as_str(), value) {
            ("--corpus", Some(v)) => corpus = PathBuf::from(v),
            ("--runs", Some(v)) => match v.parse::<usize>() {
                Ok(n) if n > 0 => runs = n,
                _ => {
                    eprintln!("--runs takes a positive number");
                    std::process::exit(2);
                }
            },
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
    (corpus, runs)
}

/// The files `spof check` would read, in memory, by parser.
struct Corpus {
    sources: SourceMap,
    yaml: Vec<FileId>,
    terraform: Vec<FileId>,
    nomad: Vec<FileId>,
    /// TOML manifests, not measured.
    other: usize,
    unreadable: usize,
    /// Bytes of YAML and JSON, Terraform, Nomad.
    bytes: [usize; 3],
}

fn read_corpus(corpus: &Path) -> Corpus {
    let found = discover(&DiscoverOptions {
        paths: vec![corpus.to_path_buf()],
        excludes: vec!["helm-templates/".to_string()],
        classify: frontends::classify,
        ..DiscoverOptions::default()
    });
    let mut sources = SourceMap::default();
    let (mut yaml, mut terraform, mut nomad) = (Vec::new(), Vec::new(), Vec::new());
    let (mut other, mut unreadable, mut bytes) = (0usize, 0usize, [0usize; 3]);
    for input in &found.inputs {
        let Input::File { path, kind, .. } = input else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            unreadable += 1;
            continue;
        };
        let len = text.len();
        let id = sources.add(SourceFile::new(path.clone(), text));
        // As `spof check` reads them: `*.hcl` files are Nomad jobs, or no
        // input.
        if !frontends::confirms(*kind, sources.get(id).text()) {
            continue;
        }
        match kind.frontend {
            _ if *kind == documents::KIND => {
                bytes[0] += len;
                yaml.push(id);
            }
            k if k == terraform::FRONTEND.name => {
                bytes[1] += len;
                terraform.push(id);
            }
            k if k == nomad::FRONTEND.name => {
                bytes[2] += len;
                nomad.push(id);
            }
            k if k == manifest::FRONTEND.name => other += 1,
            _ => {}
        }
    }
    Corpus {
        sources,
        yaml,
        terraform,
        nomad,
        other,
        unreadable,
        bytes,
    }
}

/// One row per format (name, files, bytes, floor, spof), and their sum.
fn print_table(rows: &[(&str, usize, usize, Measure, Measure)]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{:<12} {:>6} {:>8} | {:>10} {:>10} | {:>10} {:>10} | {:>6} {:>6}",
        "format", "files", "MB", "floor ms", "floor cpu", "spof ms", "spof cpu", "wall x", "cpu x"
    );
    let (mut floor_wall, mut floor_cpu, mut spof_wall, mut spof_cpu) = (0.0, 0.0, 0.0, 0.0);
    for (name, files, size, floor, own) in rows {
        println!(
            "{:<12} {:>6} {:>8.1} | {:>10.1} {:>10.0} | {:>10.1} {:>10.0} | {:>6.2} {:>6.2}",
            name,
            files,
            *size as f64 / 1e6,
            ms(floor.best),
            ms(floor.cpu),
            ms(own.best),
            ms(own.cpu),
            ms(own.best) / ms(floor.best).max(f64::MIN_POSITIVE),
            ms(own.cpu) / ms(floor.cpu).max(f64::MIN_POSITIVE),
        );
        floor_wall += ms(floor.best);
        floor_cpu += ms(floor.cpu);
        spof_wall += ms(own.best);
        spof_cpu += ms(own.cpu);
    }
    println!(
        "{:<12} {:>6} {:>8.1} | {:>10.1} {:>10.0} | {:>10.1} {:>10.0} | {:>6.2} {:>6.2}",
        "all",
        rows.iter().map(|r| r.1).sum::<usize>(),
        rows.iter().map(|r| r.2).sum::<usize>() as f64 / 1e6,
        floor_wall,
        floor_cpu,
        spof_wall,
        spof_cpu,
        spof_wall / floor_wall.max(f64::MIN_POSITIVE),
        spof_cpu / floor_cpu.max(f64::MIN_POSITIVE),
    );
    println!("ms: best wall time; cpu: mean user+sys ms per run; x: spof / floor");
}
