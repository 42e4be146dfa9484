//! The parse cache's reader: the bytes are a pack that a run that names
//! files finds in its cache, for a small repository (a Deployment, a
//! Terraform root module calling a module, a Nomad job).
//!
//! The first byte chooses the pack's kind (its value modulo 7) and how the
//! rest is read (its high bit):
//!
//! - clear: the rest is the pack file as it is. Whatever it holds, the run
//!   must report what a run without the cache reports: a damaged entry
//!   fails its checksum and is parsed afresh, never trusted.
//! - set: the rest is a list of entries (a 32-byte key, a 4-byte length,
//!   the bytes), written as a pack with their checksums, as a cache written
//!   by a faulty spof would be. The entries then decode to whatever they
//!   say; the run must neither panic nor hang.
//!
//! The repository is written to `$TMPDIR/spof-fuzz-cache/repo` (a fixed
//! path: Terraform root modules' keys hold their files' paths), the cache
//! to `$TMPDIR/spof-fuzz-cache/cache-<pid>`. With `SPOF_FUZZ_CACHE_SEEDS=DIR`
//! the target writes the packs of a warm run to DIR first, one seed of each
//! mode per kind (what `fuzz/seeds/cache/` holds).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spof::check::{RunOptions, run};
use spof::render::{Format, Style, render};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const KINDS: [&str; 7] = [
    "yaml", "tf-calls", "tf-file", "tf-root", "tf-model", "nomad", "stat",
];

const FILES: [(&str, &str); 4] = [
    (
        "app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\nspec:\n  replicas: 1\n  \
         selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: \
         db}\n    spec:\n      containers:\n        - name: postgres\n          image: \
         postgres:16\n",
    ),
    (
        "infra/main.tf",
        "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n\nmodule \"db\" {\n  source = \
         \"../modules/db\"\n  multi_az = false\n}\n",
    ),
    (
        "modules/db/main.tf",
        "variable \"multi_az\" {\n  type = bool\n}\n\nresource \"aws_db_instance\" \"this\" {\n  \
         engine = \"postgres\"\n  multi_az = var.multi_az\n}\n",
    ),
    (
        "jobs/web.nomad",
        "job \"web\" {\n  datacenters = [\"dc1\"]\n  group \"web\" {\n    count = 1\n    task \
         \"web\" {\n      driver = \"docker\"\n    }\n  }\n}\n",
    ),
];

struct Setup {
    repo: PathBuf,
    cache: PathBuf,
    /// The repository's directory in the cache, where packs go.
    packs: PathBuf,
    /// What a run without the cache prints.
    fresh: String,
}

fn options(setup_repo: &Path, cache: Option<&Path>) -> RunOptions {
    RunOptions {
        paths: FILES.iter().map(|(name, _)| PathBuf::from(name)).collect(),
        cwd: Some(setup_repo.to_path_buf()),
        cache_dir: cache.map(Path::to_path_buf),
        today: spof::date::Date::parse("2026-01-01"),
        ..RunOptions::default()
    }
}

fn report(options: &RunOptions) -> String {
    let report = run(options);
    let mut out = Vec::new();
    render(Format::Json, &report.output(), Style::PLAIN, &mut out).expect("render to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let base = std::env::temp_dir().join("spof-fuzz-cache");
        let repo = base.join("repo");
        for (name, text) in FILES {
            let path = repo.join(name);
            let dir = path.parent().expect("a file in a directory");
            std::fs::create_dir_all(dir).expect("create the repository");
            // Renamed into place: another process may be reading it.
            let mut file = tempfile::NamedTempFile::new_in(dir).expect("write the repository");
            std::io::Write::write_all(&mut file, text.as_bytes()).expect("write the repository");
            file.persist(&path).expect("write the repository");
        }
        // The repository a run that names files reads whole (and caches).
        std::fs::create_dir_all(repo.join(".git")).expect("create the repository");
        let cache = base.join(format!("cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        let fresh = report(&options(&repo, None));
        // A warm run, to find the directory its packs go to.
        report(&options(&repo, Some(&cache)));
        let packs = pack_dir(&cache).expect("the warm run wrote packs");
        if let Some(seeds) = std::env::var_os("SPOF_FUZZ_CACHE_SEEDS") {
            write_seeds(&packs, Path::new(&seeds));
        }
        Setup {
            repo,
            cache,
            packs,
            fresh,
        }
    })
}

/// The one repository directory below the cache's version directory.
fn pack_dir(cache: &Path) -> Option<PathBuf> {
    let version = std::fs::read_dir(cache)
        .ok()?
        .flatten()
        .find(|e| e.path().is_dir())?;
    let repo = std::fs::read_dir(version.path()).ok()?.flatten().next()?;
    Some(repo.path())
}

/// Each pack of the warm run as a seed of both modes.
fn write_seeds(packs: &Path, seeds: &Path) {
    std::fs::create_dir_all(seeds).expect("create the seed directory");
    for entry in std::fs::read_dir(packs).expect("list the packs").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(kind) = KINDS
            .iter()
            .position(|k| name.starts_with(&format!("{k}.")))
        else {
            continue;
        };
        let pack = std::fs::read(entry.path()).expect("read a pack");
        let mut raw = vec![kind as u8];
        raw.extend_from_slice(&pack);
        std::fs::write(seeds.join(format!("{}-raw", KINDS[kind])), raw).expect("write a seed");
        let mut framed = vec![0x80 | kind as u8];
        for (key, start, end) in spof::cache::entries(&pack) {
            framed.extend_from_slice(key.as_bytes());
            framed.extend_from_slice(&((end - start) as u32).to_le_bytes());
            framed.extend_from_slice(&pack[start..end]);
        }
        std::fs::write(seeds.join(format!("{}-entries", KINDS[kind])), framed)
            .expect("write a seed");
    }
}

/// The entries of `data` (a key, a length, the bytes, again and again),
/// written as a pack with their checksums.
fn framed(mut data: &[u8]) -> Vec<u8> {
    let mut entries = Vec::new();
    while let Some((key, rest)) = data.split_first_chunk::<32>()
        && let Some((len, rest)) = rest.split_first_chunk::<4>()
    {
        let len = (u32::from_le_bytes(*len) as usize).min(rest.len());
        entries.push((spof::cache::Key::from_bytes(*key), &rest[..len]));
        data = &rest[len..];
    }
    let entries: Vec<(&spof::cache::Key, &[u8])> = entries.iter().map(|(k, b)| (k, *b)).collect();
    spof::cache::encode_pack(&entries)
}

fuzz_target!(|data: &[u8]| {
    // First, so that the seeds are written whatever the first input is.
    let setup = setup();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(selector & 0x7f) % KINDS.len()];
    let checked = selector & 0x80 != 0;
    let pack = if checked { framed(rest) } else { rest.to_vec() };
    // The cache holds this pack alone: what earlier runs wrote is gone.
    for entry in std::fs::read_dir(&setup.packs)
        .expect("list the packs")
        .flatten()
    {
        let _ = std::fs::remove_file(entry.path());
    }
    std::fs::write(setup.packs.join(format!("{kind}.fuzz.pack")), &pack).expect("write the pack");
    let warm = report(&options(&setup.repo, Some(&setup.cache)));
    if !checked {
        assert_eq!(warm, setup.fresh, "a damaged pack changed the findings");
    }
});
