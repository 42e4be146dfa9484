//! A generated estate checked end to end by the real binary:
//! `cargo bench --bench estate -- [--services N] [--sites Z] [--regions R]
//! [--max-group-size K] [--seed S] [--stages] [--without-report] [--html]
//! [--keep DIR]`.
//!
//! The estate of the `risk_groups` bench (`spof::audit::synthetic`) is
//! written out as a service manifest, `spof.services.toml`, and
//! `spof report --format json` reads it: parse, model, graph, analysis,
//! rules, risk groups up to size K, the JSON document. Prints the wall and
//! CPU time and the peak resident memory of that process.
//!
//! With `--stages`, the same run is then made in this process, stage by
//! stage, under an allocator that counts live bytes: what each stage
//! leaves behind and the most it held at once, per entity (see
//! docs/performance.md, "End to end").
//!
//! With `--without-report`, the process runs `spof check --format json`
//! (no risk groups, no blast radius) and the stages stop after the risk
//! groups: the report's blast radius grows with domains × entities × chain
//! length, too large to write for a million services.
//!
//! With `--html`, the report is the HTML page instead of the JSON
//! document (`report.html`), and the stages render it.
//!
//! With `--report` or `--html`, the stages time the report's opening ("At
//! a glance": headline, top actions, sentences) on its own, before the
//! document that starts with it is rendered.
//!
//! With `--keep DIR`, the manifest and the report are written into DIR (made
//! if missing) and left there, to run other builds of `spof` on them.

// Counting live bytes means wrapping the allocator: `GlobalAlloc` is an
// unsafe trait, and this bench's one use of `unsafe`.
#![allow(unsafe_code)]

use spof::audit::{Audit, synthetic};
use spof::check::{Loaded, Setup, check_estate};
use spof::frontends::manifest;
use spof::report::{self, ReportFormat};
use spof::source::{SourceFile, SourceMap};
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// mimalloc (the binary's allocator), counting the bytes allocated and not
/// yet freed, and the most of them at once since the last [`reset_peak`].
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to mimalloc unchanged; only counters are
// updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn reset_peak() {
    PEAK.store(live(), Ordering::Relaxed);
}

fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

struct Options {
    shape: synthetic::Shape,
    k: usize,
    stages: bool,
    report: bool,
    html: bool,
    keep: Option<std::path::PathBuf>,
}

fn options() -> Options {
    let mut o = Options {
        shape: synthetic::Shape {
            services: 100_000,
            sites: 50,
            regions: 5,
            seed: 1,
        },
        k: 2,
        stages: false,
        report: true,
        html: false,
        keep: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match (args[i].as_str(), value) {
            ("--services", Some(v)) => o.shape.services = v,
            ("--sites", Some(v)) => o.shape.sites = v,
            ("--regions", Some(v)) => o.shape.regions = v,
            ("--max-group-size", Some(v)) => o.k = v,
            ("--seed", Some(v)) => o.shape.seed = v as u64,
            ("--keep", _) if i + 1 < args.len() => {
                o.keep = Some(args[i + 1].clone().into());
            }
            // `cargo bench` passes `--bench`.
            ("--bench" | "--stages" | "--without-report" | "--html", _) => {
                o.stages |= args[i] == "--stages";
                o.html |= args[i] == "--html";
                o.report &= args[i] != "--without-report";
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
    o
}

fn main() {
    let o = options();
    let shape = o.shape;
    println!(
        "services {} sites {} regions {} max-group-size {}",
        shape.services, shape.sites, shape.regions, o.k
    );
    let plan = synthetic::plan(shape);
    let text = synthetic::manifest(shape, &plan);
    drop(plan);
    let temporary = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("cannot create a temporary directory: {e}");
            std::process::exit(2);
        }
    };
    let dir = o
        .keep
        .clone()
        .unwrap_or_else(|| temporary.path().to_path_buf());
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(2);
    }
    let manifest = dir.join("spof.services.toml");
    let output = dir.join(if o.html { "report.html" } else { "report.json" });
    if let Err(e) = std::fs::write(&manifest, &text) {
        eprintln!("cannot write {}: {e}", manifest.display());
        std::process::exit(2);
    }
    println!(
        "manifest                {:>10.1} MiB ({} bytes per service)",
        mib(text.len()),
        text.len() / shape.services.max(1)
    );
    end_to_end(&o, &manifest, &output);
    if o.stages {
        stages(&o, text);
    }
}

/// `spof report --format json` (or `html`) on the manifest (`spof check
/// --format json` without the report), in a process of its own.
fn end_to_end(o: &Options, manifest: &std::path::Path, output: &std::path::Path) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_spof"));
    if o.report {
        command
            .arg("report")
            .args(["--max-group-size", &o.k.to_string()]);
    } else {
        command.arg("check");
    }
    let file = match std::fs::File::create(output) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("cannot create {}: {e}", output.display());
            std::process::exit(2);
        }
    };
    // A million services are some 100 MB of manifest, over the default
    // limit on an input's size.
    let size = std::fs::metadata(manifest).map_or(0, |m| m.len());
    let format = if o.html && o.report { "html" } else { "json" };
    command
        .args(["--format", format, "--isolated", "--no-cache"])
        .args(["--max-file-size", &size.max(1).to_string()])
        .arg(manifest)
        .stdout(file);
    let t = Instant::now();
    let status = command.status();
    let wall = t.elapsed().as_secs_f64();
    match status {
        // `spof check` ends with 1 when it finds something.
        Ok(s) if s.success() || (!o.report && s.code() == Some(1)) => {}
        Ok(s) => {
            eprintln!("spof ended with {s}");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("cannot run spof: {e}");
            std::process::exit(2);
        }
    }
    let written = std::fs::metadata(output).map_or(0, |m| m.len());
    let (cpu, peak_kib) = child_usage();
    let name = if o.report { "report" } else { "check" };
    println!("end to end: spof {name} --format {format}");
    println!("  wall                  {wall:>10.2} s");
    println!("  CPU (user + system)   {cpu:>10.2} s");
    println!("  peak resident         {:>10} MiB", peak_kib / 1024);
    println!(
        "  {:<22}{:>10.1} MiB",
        format!("{} written", format.to_uppercase()),
        mib(usize::try_from(written).unwrap_or(usize::MAX))
    );
}

/// CPU seconds and peak resident KiB of the children waited for.
#[cfg(unix)]
fn child_usage() -> (f64, u64) {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (
        seconds(usage.ru_utime) + seconds(usage.ru_stime),
        u64::try_from(usage.ru_maxrss).unwrap_or(0),
    )
}

#[cfg(not(unix))]
fn child_usage() -> (f64, u64) {
    (0.0, 0)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One row of the stage table.
struct Row {
    entities: usize,
}

impl Row {
    fn print(&self, stage: &str, seconds: f64, kept: isize, held: usize) {
        let n = self.entities.max(1) as f64;
        println!(
            "  {stage:<28}{seconds:>8.2} s {:>10.1} MiB {:>8.0} B/entity {:>10.1} MiB {:>8.0} B/entity",
            kept as f64 / (1024.0 * 1024.0),
            kept as f64 / n,
            mib(held),
            held as f64 / n,
        );
    }
}

/// The run of `end_to_end` in this process, stage by stage: what each
/// stage keeps (live bytes it adds) and the most it held beyond what was
/// live before it.
fn stages(o: &Options, text: String) {
    let entities = o.shape.services;
    let row = Row { entities };
    println!("stages (in process, allocator counts):");
    println!(
        "  {:<28}{:>10} {:>14} {:>17} {:>14} {:>17}",
        "stage", "wall", "kept", "", "peak above start", ""
    );
    let length = text.len();
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new("spof.services.toml".into(), text));
    row.print(
        "manifest text",
        0.0,
        isize::try_from(length).unwrap_or(isize::MAX),
        0,
    );

    // The spanned tree of the whole manifest, alone: what reading the
    // manifest held before it was read table by table.
    let before = live();
    reset_peak();
    let t = Instant::now();
    let tree = toml::de::DeTable::parse_recoverable(sources.get(file).text());
    let seconds = t.elapsed().as_secs_f64();
    row.print(
        "TOML tree, whole (alone)",
        seconds,
        delta(before),
        peak() - before,
    );
    drop(tree);

    manifest_rows(&row, &sources, file);

    let before = live();
    reset_peak();
    let t = Instant::now();
    let loaded = [Loaded {
        file,
        cluster: None,
    }];
    let setup = Setup {
        progress: Some(Arc::new(spof::progress::Progress::with_hook(check_stage))),
        ..Setup::default()
    };
    ENTITIES.store(entities, Ordering::Relaxed);
    let (report, estate) = check_estate(sources, &loaded, &setup, Vec::new());
    check_stage("");
    let seconds = t.elapsed().as_secs_f64();
    // The stages' own peaks above: reset each time one starts.
    let whole = WHOLE_PEAK.load(Ordering::Relaxed).max(peak());
    row.print(
        "check: model..findings",
        seconds,
        delta(before),
        whole - before,
    );

    let before = live();
    reset_peak();
    let t = Instant::now();
    let audit = Audit::build(&estate, o.k);
    let seconds = t.elapsed().as_secs_f64();
    row.print("risk groups", seconds, delta(before), peak() - before);
    if !o.report {
        println!("held at the end, by structure:");
        held(entities, audit, estate, report);
        return;
    }
    report_stages(o, &row, report, estate, audit);
}

/// The report's stages of `stages`: gathering, the opening, the rendering;
/// then what is held at the end.
fn report_stages(
    o: &Options,
    row: &Row,
    report: spof::check::Report,
    estate: spof::estate::Estate,
    audit: Audit,
) {
    let entities = o.shape.services;
    let before = live();
    reset_peak();
    let t = Instant::now();
    // Measured without git or the clock: a fixed record.
    let record = report::Record {
        date: "2026-01-01".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: None,
        dirty: None,
        paths: Vec::new(),
        config_sha256: None,
        formats: Vec::new(),
    };
    let data = report::gather(&report, &estate, &audit, record);
    let seconds = t.elapsed().as_secs_f64();
    row.print(
        "report: gather (blast radius)",
        seconds,
        delta(before),
        peak() - before,
    );

    let before = live();
    reset_peak();
    let t = Instant::now();
    let opening = data.opening();
    let seconds = t.elapsed().as_secs_f64();
    row.print("report: opening", seconds, delta(before), peak() - before);
    println!(
        "  opening: {} domains in the headline, {} top actions",
        opening.headline.len(),
        opening.actions.len()
    );

    let (format, name) = if o.html {
        (ReportFormat::Html, "HTML")
    } else {
        (ReportFormat::Json, "JSON")
    };
    let before = live();
    reset_peak();
    let t = Instant::now();
    let mut sink = Counted(0);
    if let Err(e) = report::render(format, &data, &mut sink) {
        eprintln!("cannot render: {e}");
        std::process::exit(2);
    }
    let seconds = t.elapsed().as_secs_f64();
    row.print(
        &format!("report: {name}"),
        seconds,
        delta(before),
        peak() - before,
    );
    println!(
        "  {name:<28}{:>10.1} MiB {:>8} B/entity",
        mib(sink.0),
        sink.0 / entities.max(1)
    );

    println!("held at the end, by structure:");
    let b = live();
    drop(data);
    freed(entities, "report data", b);
    held(entities, audit, estate, report);
}

/// The manifest read into a model as the check reads it, table by table,
/// then as it was read before, the file as one tree; each model is dropped
/// after (the check reads the manifest again).
fn manifest_rows(row: &Row, sources: &SourceMap, file: spof::source::FileId) {
    for (stage, whole) in [
        ("manifest read (tables)", false),
        ("manifest read (whole)", true),
    ] {
        let before = live();
        reset_peak();
        let t = Instant::now();
        let mut model = spof::model::Model::default();
        let files = [(file, sources.get(file))];
        let problems = if whole {
            manifest::extract_whole(&files, &mut model)
        } else {
            manifest::extract(&files, &mut model)
        };
        let seconds = t.elapsed().as_secs_f64();
        row.print(stage, seconds, delta(before), peak() - before);
        drop((model, problems));
    }
}

/// The entities of the run `check_stage` reports on.
static ENTITIES: AtomicUsize = AtomicUsize::new(0);
/// The most held at once over the check's stages so far.
static WHOLE_PEAK: AtomicUsize = AtomicUsize::new(0);
/// The check's stage running, the bytes live when it started, and when.
static CHECK_STAGE: Mutex<Option<(&'static str, usize, Instant)>> = Mutex::new(None);

/// Called by the check as each of its stages starts (and with `""` once it
/// is done): prints the row of the stage that ends, then starts counting
/// for the next.
fn check_stage(next: &'static str) {
    let mut current = CHECK_STAGE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    WHOLE_PEAK.fetch_max(peak(), Ordering::Relaxed);
    if let Some((name, before, since)) = current.take() {
        let row = Row {
            entities: ENTITIES.load(Ordering::Relaxed),
        };
        let stage = match name {
            "parsing" => "  check: read, model",
            "rules" => "  check: rules, findings",
            other => other,
        };
        let label = if stage.starts_with(' ') {
            stage.to_string()
        } else {
            format!("  check: {stage}")
        };
        row.print(
            &label,
            since.elapsed().as_secs_f64(),
            delta(before),
            peak() - before,
        );
    }
    if !next.is_empty() {
        let before = live();
        reset_peak();
        *current = Some((next, before, Instant::now()));
    }
}

/// What each structure holds, by what freeing it gives back.
fn held(entities: usize, audit: Audit, estate: spof::estate::Estate, report: spof::check::Report) {
    let freed = |name: &str, before: usize| freed(entities, name, before);
    let Audit {
        entities: groups,
        structures,
        sets,
        ..
    } = audit;
    let b = live();
    drop(groups);
    freed("risk groups: groups, places", b);
    let b = live();
    drop(structures);
    freed("risk groups: structures", b);
    let b = live();
    drop(sets);
    freed("risk groups: target sets", b);
    let spof::estate::Estate {
        model,
        graph,
        analysis,
        context,
    } = estate;
    let b = live();
    drop(analysis);
    freed("analysis", b);
    let b = live();
    drop(graph);
    freed("graph", b);
    let b = live();
    drop(model);
    drop(context);
    freed("model", b);
    let spof::check::Report {
        sources,
        diagnostics,
        suppressed,
        ..
    } = report;
    let b = live();
    drop(diagnostics);
    drop(suppressed);
    freed("findings", b);
    let b = live();
    drop(sources);
    freed("sources (manifest text)", b);
}

/// Prints what was freed since `before`.
fn freed(entities: usize, name: &str, before: usize) {
    let bytes = before.saturating_sub(live());
    println!(
        "  {name:<28}{:>10.1} MiB {:>8} B/entity",
        mib(bytes),
        bytes / entities.max(1)
    );
}

/// Live bytes added since `before` (negative when freed).
fn delta(before: usize) -> isize {
    live() as isize - before as isize
}

/// A sink that counts what is written to it.
struct Counted(usize);

impl std::io::Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
