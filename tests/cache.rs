//! The parse cache of runs that name files: a warm run reports exactly what
//! a run without the cache reports, a changed file (here or in a module a
//! root reaches) is read afresh, and entries that are damaged or belong to
//! another file are never used.

use assert_cmd::Command;
use spof::cache::Key;
use std::path::{Path, PathBuf};

const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: postgres
          image: postgres:16
";

const ROOT: &str = r#"
provider "aws" {
  region = "eu-west-1"
}

module "db" {
  source = "../modules/db"
  multi_az = false
}
"#;

const MODULE: &str = r#"
variable "multi_az" {
  type = bool
}

resource "aws_db_instance" "this" {
  engine         = "postgres"
  instance_class = "db.t3.micro"
  multi_az       = var.multi_az
}
"#;

/// A repository: spof.toml at its root, a Deployment, a Terraform root
/// module calling a child module, and a larger YAML file.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A repository: spof.toml is looked for up to its root.
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(root.join("spof.toml"), "").unwrap();
    std::fs::write(root.join("app.yaml"), APP).unwrap();
    std::fs::create_dir_all(root.join("infra")).unwrap();
    std::fs::create_dir_all(root.join("modules/db")).unwrap();
    std::fs::write(root.join("infra/main.tf"), ROOT).unwrap();
    std::fs::write(root.join("modules/db/main.tf"), MODULE).unwrap();
    let mut big = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..2_000 {
        big.push_str(&format!("  key{i}: value-{i}\n"));
    }
    std::fs::write(root.join("big.yaml"), big).unwrap();
    dir
}

const NAMED: [&str; 4] = [
    "app.yaml",
    "infra/main.tf",
    "modules/db/main.tf",
    "big.yaml",
];

/// `spof check --format json` on the named files, with the cache in
/// `cache` (`None`: --no-cache); stdout and the exit code.
fn check(repo: &Path, cache: Option<&Path>) -> (String, i32) {
    check_with(repo, cache, &[])
}

/// [`check`] with more arguments.
fn check_with(repo: &Path, cache: Option<&Path>, args: &[&str]) -> (String, i32) {
    let args: Vec<&str> = args.iter().chain(&NAMED).copied().collect();
    spof_check(repo, cache, "json", &args)
}

/// `spof check --format FORMAT ARGS...`, with the cache in `cache`
/// (`None`: --no-cache); stdout and the exit code.
fn spof_check(repo: &Path, cache: Option<&Path>, format: &str, args: &[&str]) -> (String, i32) {
    let mut cmd = Command::cargo_bin("spof").unwrap();
    cmd.current_dir(repo)
        .env("SPOF_TODAY", "2026-01-01")
        .args(["check", "--format", format]);
    match cache {
        Some(dir) => cmd.arg("--cache-dir").arg(dir),
        None => cmd.arg("--no-cache"),
    };
    let output = cmd.args(args).output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

/// The pack files of `kind` (`yaml`, `tf-calls`, `tf-root`, ...) in the
/// cache, for every repository and version.
fn packs(cache: &Path, kind: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for version in std::fs::read_dir(cache).unwrap().flatten() {
        let Ok(repositories) = std::fs::read_dir(version.path()) else {
            continue;
        };
        for repository in repositories.flatten() {
            let Ok(files) = std::fs::read_dir(repository.path()) else {
                continue;
            };
            found.extend(files.flatten().map(|f| f.path()).filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{kind}.")) && n.ends_with(".pack"))
            }));
        }
    }
    found.sort();
    found
}

/// Each entry of `kind` in the cache: its key and its bytes.
fn entries(cache: &Path, kind: &str) -> Vec<(Key, Vec<u8>)> {
    let mut found = Vec::new();
    for pack in packs(cache, kind) {
        let bytes = std::fs::read(pack).unwrap();
        for (key, start, end) in spof::cache::entries(&bytes) {
            found.push((key, bytes[start..end].to_vec()));
        }
    }
    found.sort();
    found
}

/// A pack of `entries`, as the cache writes one (with their checksums:
/// what is in them is what spof would read).
fn pack(entries: &[(Key, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<(&Key, &[u8])> = entries.iter().map(|(k, b)| (k, &b[..])).collect();
    spof::cache::encode_pack(&entries)
}

#[test]
fn warm_runs_report_what_a_run_without_the_cache_reports() {
    let repo = repository();
    let cache = tempfile::tempdir().unwrap();
    let fresh = check(repo.path(), None);
    assert_eq!(fresh.1, 1, "{}", fresh.0);
    assert!(fresh.0.contains("SPOF018"), "{}", fresh.0);
    assert!(fresh.0.contains("replicas"), "{}", fresh.0);
    // --no-cache wrote nothing anywhere it was told about.
    assert!(entries(cache.path(), "yaml").is_empty());

    let cold = check(repo.path(), Some(cache.path()));
    assert_eq!(cold, fresh);
    assert_eq!(entries(cache.path(), "yaml").len(), 2);
    assert_eq!(entries(cache.path(), "tf-calls").len(), 2);
    assert_eq!(entries(cache.path(), "tf-root").len(), 1);
    assert_eq!(entries(cache.path(), "tf-model").len(), 1);
    assert!(cache.path().join("CACHEDIR.TAG").is_file());

    let warm = check(repo.path(), Some(cache.path()));
    assert_eq!(warm, fresh);
}

#[test]
fn a_changed_module_file_is_evaluated_again() {
    let repo = repository();
    let cache = tempfile::tempdir().unwrap();
    let before = check(repo.path(), Some(cache.path()));
    assert!(before.0.contains("SPOF018"), "{}", before.0);

    // The root module's own file is unchanged: only the module it calls is.
    std::fs::write(
        repo.path().join("infra/main.tf"),
        ROOT.replace("multi_az = false", "multi_az = true"),
    )
    .unwrap();
    let after = check(repo.path(), Some(cache.path()));
    assert_eq!(after, check(repo.path(), None));
    assert!(!after.0.contains("SPOF018"), "{}", after.0);

    std::fs::write(repo.path().join("infra/main.tf"), ROOT).unwrap();
    std::fs::write(
        repo.path().join("modules/db/main.tf"),
        MODULE.replace("var.multi_az", "true"),
    )
    .unwrap();
    let module_changed = check(repo.path(), Some(cache.path()));
    assert_eq!(module_changed, check(repo.path(), None));
    assert!(
        !module_changed.0.contains("SPOF018"),
        "{}",
        module_changed.0
    );

    // Back to the first text: the first entries are found again.
    std::fs::write(repo.path().join("modules/db/main.tf"), MODULE).unwrap();
    assert_eq!(check(repo.path(), Some(cache.path())), before);
}

#[test]
fn a_changed_knowledge_base_judges_cached_resources_again() {
    let repo = repository();
    let cache = tempfile::tempdir().unwrap();
    let builtin = check(repo.path(), Some(cache.path()));
    assert!(builtin.0.contains("no standby"), "{}", builtin.0);
    // The same resources, judged by an extension that says otherwise.
    std::fs::create_dir_all(repo.path().join("kb")).unwrap();
    std::fs::write(
        repo.path().join("kb/db.toml"),
        r#"
[resource.aws_db_instance]
role = "datastore"
zonal = true

[[resource.aws_db_instance.fact]]
unit = "zone"
unless = [{ attr = "multi_az", is = true, default = false }]
message = "lives in a single zone, says the in-house knowledge base"
help = "set `multi_az = true`"
"#,
    )
    .unwrap();
    let args = ["--rules", "kb"];
    let extended = check_with(repo.path(), Some(cache.path()), &args);
    assert_eq!(extended, check_with(repo.path(), None, &args));
    assert!(extended.0.contains("in-house"), "{}", extended.0);
    assert_eq!(entries(cache.path(), "tf-model").len(), 2);
    // Without the extension, the first entries serve again.
    assert_eq!(check(repo.path(), Some(cache.path())), builtin);
}

/// A plan for `infra/`: the database has a standby after all.
const PLAN: &str = r#"{"KEY": "1.2", "planned_values": {"root_module": {"child_modules": [
  {"address": "module.db", "resources": [
    {"address": "module.db.aws_db_instance.this", "mode": "managed",
     "type": "aws_db_instance", "name": "this",
     "values": {"engine": "postgres", "instance_class": "db.t3.micro", "multi_az": true}}]}]}}}"#;

#[test]
fn a_plan_added_beside_a_cached_root_module_is_merged_into_it() {
    // The root module's entities are cached before the plan exists; the
    // plan's key is also written with an escape, which no text search for
    // the key finds.
    for key in ["format_version", "format\\u005fversion"] {
        let repo = repository();
        let cache = tempfile::tempdir().unwrap();
        let before = check(repo.path(), Some(cache.path()));
        assert!(before.0.contains("SPOF018"), "{}", before.0);
        std::fs::write(
            repo.path().join("infra/plan.json"),
            PLAN.replace("KEY", key),
        )
        .unwrap();
        let after = check(repo.path(), Some(cache.path()));
        assert_eq!(after, check(repo.path(), None), "{key}");
        assert!(!after.0.contains("SPOF018"), "{key}: {}", after.0);
    }
}

/// The test repository, a cache a run has filled, and what a run without
/// the cache prints.
fn warmed() -> (tempfile::TempDir, tempfile::TempDir, (String, i32)) {
    let repo = repository();
    let cache = tempfile::tempdir().unwrap();
    let fresh = check(repo.path(), None);
    check(repo.path(), Some(cache.path()));
    (repo, cache, fresh)
}

/// `bytes` damaged in one of three ways, chosen by `i`: cut in half,
/// garbage, or empty.
fn damage(bytes: &[u8], i: usize) -> Vec<u8> {
    match i % 3 {
        0 => bytes[..bytes.len() / 2].to_vec(),
        1 => vec![0xff; 64],
        _ => Vec::new(),
    }
}

#[test]
fn damaged_entries_are_not_used() {
    let (repo, cache, fresh) = warmed();
    for kind in ["yaml", "tf-calls", "tf-root", "tf-model"] {
        let entries = entries(cache.path(), kind);
        assert!(!entries.is_empty(), "{kind}");
        // Each entry truncated, garbage, or empty.
        let damaged: Vec<_> = entries
            .into_iter()
            .enumerate()
            .map(|(i, (key, bytes))| (key, damage(&bytes, i)))
            .collect();
        for file in packs(cache.path(), kind) {
            std::fs::write(file, pack(&damaged)).unwrap();
        }
    }
    assert_eq!(check(repo.path(), Some(cache.path())), fresh);
    // And the run stored them afresh.
    assert_eq!(check(repo.path(), Some(cache.path())), fresh);
}

#[test]
fn damaged_packs_are_not_used() {
    let (repo, cache, fresh) = warmed();
    let all: Vec<PathBuf> = ["yaml", "tf-calls", "tf-file", "tf-root", "tf-model"]
        .iter()
        .flat_map(|kind| packs(cache.path(), kind))
        .collect();
    for (i, file) in all.iter().enumerate() {
        let bytes = std::fs::read(file).unwrap();
        std::fs::write(file, damage(&bytes, i)).unwrap();
    }
    assert_eq!(check(repo.path(), Some(cache.path())), fresh);
    assert_eq!(check(repo.path(), Some(cache.path())), fresh);
}

#[test]
fn an_entry_of_another_file_is_not_used() {
    let (repo, cache, fresh) = warmed();
    // The larger file's trees under the smaller file's key: their ranges
    // run past the end of app.yaml.
    let mut yaml = entries(cache.path(), "yaml");
    assert_eq!(yaml.len(), 2);
    yaml.sort_by_key(|(_, bytes)| bytes.len());
    yaml[0].1 = yaml[1].1.clone();
    for file in packs(cache.path(), "yaml") {
        std::fs::write(file, pack(&yaml)).unwrap();
    }
    assert_eq!(check(repo.path(), Some(cache.path())), fresh);
}

#[test]
fn many_runs_keep_few_packs() {
    let repo = repository();
    let cache = tempfile::tempdir().unwrap();
    // Every run changes a file: one more yaml pack each, until they are
    // merged.
    for i in 0..12 {
        std::fs::write(repo.path().join("app.yaml"), format!("{APP}# edit {i}\n")).unwrap();
        let warm = check(repo.path(), Some(cache.path()));
        assert_eq!(warm, check(repo.path(), None));
        let packs = packs(cache.path(), "yaml").len();
        assert!(
            packs <= spof::cache::MAX_PACKS,
            "{packs} packs after run {i}"
        );
    }
    // Merged: the entries of the files as they are now, not of every
    // earlier text of app.yaml.
    assert!(entries(cache.path(), "yaml").len() < 12);
}

#[test]
fn directory_runs_do_not_use_the_cache() {
    let repo = repository();
    let cache = tempfile::tempdir().unwrap();
    Command::cargo_bin("spof")
        .unwrap()
        .current_dir(repo.path())
        .args(["check", "--cache-dir"])
        .arg(cache.path())
        .arg(".")
        .output()
        .unwrap();
    assert!(std::fs::read_dir(cache.path()).unwrap().next().is_none());
}

/// The stat index: files that have not changed since a run recorded them
/// are not read again (the second run records nothing), yet a finding's
/// related location in one of them is quoted as before; a file changed
/// since, even to the same size, is read afresh. (Only Unix systems have
/// the index.)
#[cfg(unix)]
#[test]
fn the_stat_index_spares_reading_unchanged_files_and_sees_changes() {
    let repo = repository();
    // Files that changed less than two seconds before a run are never
    // recorded: a later change in the same tick could leave every time as
    // it was.
    std::thread::sleep(std::time::Duration::from_millis(2_200));
    let cache = tempfile::tempdir().unwrap();
    let named = ["infra/main.tf"];
    for format in ["json", "human"] {
        let fresh = spof_check(repo.path(), None, format, &named);
        assert_eq!(fresh.1, 1, "{}", fresh.0);
        assert!(fresh.0.contains("modules/db/main.tf"), "{}", fresh.0);
        let cold = spof_check(repo.path(), Some(cache.path()), format, &named);
        assert_eq!(cold, fresh);
        // The four files the walk found, the named one too.
        assert_eq!(entries(cache.path(), "stat").len(), 4);
        let pack = packs(cache.path(), "stat");
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        let before = inode(&pack[0]);
        let warm = spof_check(repo.path(), Some(cache.path()), format, &named);
        assert_eq!(warm, fresh);
        // Every file was known: nothing was read and recorded again (which
        // would have written the pack anew, if with the same contents).
        assert_eq!(packs(cache.path(), "stat"), pack);
        assert_eq!(inode(&pack[0]), before);
    }

    // The same size: only the times tell.
    let module = repo.path().join("modules/db/main.tf");
    let text = std::fs::read_to_string(&module).unwrap();
    let changed = text.replace("= var.multi_az", "= true        ");
    assert_eq!(changed.len(), text.len());
    std::fs::write(&module, changed).unwrap();
    let fresh = spof_check(repo.path(), None, "json", &named);
    assert!(!fresh.0.contains("SPOF018"), "{}", fresh.0);
    let warm = spof_check(repo.path(), Some(cache.path()), "json", &named);
    assert_eq!(warm, fresh);
}

/// [`check`] run in this process (a few milliseconds, where starting the
/// binary takes tens): the JSON report and the exit code.
fn check_here(repo: &Path, cache: Option<&Path>) -> (String, i32) {
    let options = spof::check::RunOptions {
        paths: NAMED.iter().map(PathBuf::from).collect(),
        cwd: Some(repo.to_path_buf()),
        cache_dir: cache.map(Path::to_path_buf),
        today: spof::date::Date::parse("2026-01-01"),
        ..spof::check::RunOptions::default()
    };
    let report = spof::check::run(&options);
    let mut out = Vec::new();
    spof::render::render(
        spof::render::Format::Json,
        &report.output(),
        spof::render::Style::PLAIN,
        &mut out,
    )
    .unwrap();
    let code = report.exit_code(spof::diagnostic::Severity::Warning);
    (String::from_utf8(out).unwrap(), code)
}

/// Every bit of a sample of the packs' bytes flipped, one bit at a time:
/// whatever the bit (the magic, a key, a length, a checksum, the entry
/// itself), the findings are those of a run without the cache. The sample:
/// a byte of the magic, and of each entry a byte of its key, of its length,
/// of its checksum and of its bytes.
#[test]
fn a_flipped_bit_anywhere_in_a_pack_never_changes_the_findings() {
    let (repo, cache, _) = warmed();
    let fresh = check_here(repo.path(), None);
    assert_eq!(fresh.1, 1, "{}", fresh.0);
    assert_eq!(check_here(repo.path(), Some(cache.path())), fresh);
    let all: Vec<PathBuf> = ["yaml", "tf-calls", "tf-file", "tf-root", "tf-model", "stat"]
        .iter()
        .flat_map(|kind| packs(cache.path(), kind))
        .collect();
    let dir = all[0].parent().unwrap().to_path_buf();
    let originals: Vec<(PathBuf, Vec<u8>)> = all
        .iter()
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect();
    // The cache as the warm run left it, `damaged` in place of the pack
    // `i`: what a run writes is removed, so each flip is read alone.
    let restore = |i: usize, damaged: &[u8]| {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if !originals.iter().any(|(p, _)| *p == entry.path()) {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
        for (j, (path, bytes)) in originals.iter().enumerate() {
            std::fs::write(path, if i == j { damaged } else { bytes }).unwrap();
        }
    };
    let mut flips = 0;
    for (i, (path, bytes)) in originals.iter().enumerate() {
        let mut sample = vec![3];
        for (_, start, end) in spof::cache::entries(bytes) {
            // Key, length, checksum: 32, 4 and 16 bytes before the entry's.
            sample.extend([start - 40, start - 19, start - 9, (start + end) / 2]);
        }
        for at in sample {
            for bit in 0..8 {
                let mut damaged = bytes.clone();
                damaged[at] ^= 1 << bit;
                restore(i, &damaged);
                let run = check_here(repo.path(), Some(cache.path()));
                assert!(
                    run == fresh,
                    "{} byte {at} bit {bit}: {}",
                    path.display(),
                    run.0
                );
                flips += 1;
            }
        }
    }
    assert!(flips >= 200, "{flips} flips");
}

/// A pack is opened as an input is: a FIFO (which would block the run), a
/// link to `/dev/zero` (which would never end), a file past the pack size
/// limit (here sparse, taking no disk) and a FIFO in place of the cache's
/// tag are not read, and the run reports what it reports without the cache.
#[cfg(unix)]
#[test]
fn special_files_in_the_cache_are_not_read() {
    let (repo, cache, fresh) = warmed();
    let fifo = |path: &Path| {
        let made = std::process::Command::new("mkfifo").arg(path).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
    };
    let yaml = packs(cache.path(), "yaml").remove(0);
    std::fs::remove_file(&yaml).unwrap();
    fifo(&yaml);
    let calls = packs(cache.path(), "tf-calls").remove(0);
    std::fs::remove_file(&calls).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &calls).unwrap();
    let big = calls.with_file_name("tf-root.0123456789abcdef0123456789abcdef.pack");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(spof::cache::MAX_PACK_SIZE + 1)
        .unwrap();
    let tag = cache.path().join("CACHEDIR.TAG");
    std::fs::remove_file(&tag).unwrap();
    fifo(&tag);
    let output = Command::cargo_bin("spof")
        .unwrap()
        .current_dir(repo.path())
        .env("SPOF_TODAY", "2026-01-01")
        .args(["check", "--format", "json", "--cache-dir"])
        .arg(cache.path())
        .args(NAMED)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!((stdout, output.status.code().unwrap_or(-1)), fresh);
}

/// A root module whose evaluation reads a file with Terraform's file
/// functions: the file is no input, so the root is evaluated again on every
/// run, and an edit of the file is seen at once.
#[test]
fn a_file_read_by_a_file_function_is_read_again_when_it_changes() {
    let repo = repository();
    std::fs::write(
        repo.path().join("infra/main.tf"),
        r#"
provider "aws" {
  region = "eu-west-1"
}

module "db" {
  source = "../modules/db"
  multi_az = jsondecode(file("${path.module}/db.json")).multi_az
}
"#,
    )
    .unwrap();
    std::fs::write(repo.path().join("infra/db.json"), r#"{"multi_az": false}"#).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let single = check(repo.path(), Some(cache.path()));
    assert!(single.0.contains("no standby"), "{}", single.0);
    assert_eq!(single, check(repo.path(), None));
    // Warm, the file unchanged: the same.
    assert_eq!(check(repo.path(), Some(cache.path())), single);
    // The file says otherwise: the warm run reads it afresh.
    std::fs::write(repo.path().join("infra/db.json"), r#"{"multi_az": true}"#).unwrap();
    let standby = check(repo.path(), Some(cache.path()));
    assert!(!standby.0.contains("no standby"), "{}", standby.0);
    assert_eq!(standby, check(repo.path(), None));
}

/// A gzip-compressed tar of `entries` (path, text), as `helm package`
/// writes a chart.
fn tgz(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, text) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A Deployment named after the release and the chart, with
/// `replicas: REPLICAS`.
fn deployment(replicas: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ .Release.Name }}}}-{{{{ .Chart.Name }}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {{{{ .Chart.Name }}}}}}
  template:
    metadata:
      labels: {{app: {{{{ .Chart.Name }}}}}}
    spec:
      containers:
        - name: main
          image: nginx:1.27
"
    )
}

/// The packaged subchart `queue`, its Deployment's replicas as `replicas`
/// says.
fn queue_archive(replicas: &str) -> Vec<u8> {
    tgz(&[
        (
            "queue/Chart.yaml",
            "apiVersion: v2\nname: queue\nversion: 1.0.0\n",
        ),
        ("queue/values.yaml", "replicas: 2\n"),
        ("queue/templates/deployment.yaml", &deployment(replicas)),
    ])
}

/// A repository holding a chart `web`, rendered with its own values, with
/// a subchart directory (`cache`) and a packaged subchart (`queue`). Each
/// of the three Deployments takes its replicas from a line of the chart's
/// `values.yaml` (lines 1, 3 and 5), each set to 1.
fn chart_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(root.join("spof.toml"), "").unwrap();
    let web = root.join("charts/web");
    std::fs::create_dir_all(web.join("templates")).unwrap();
    std::fs::create_dir_all(web.join("charts/cache/templates")).unwrap();
    std::fs::write(
        web.join("Chart.yaml"),
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        web.join("values.yaml"),
        "replicaCount: 1\ncache:\n  replicas: 1\nqueue:\n  replicas: 1\n",
    )
    .unwrap();
    std::fs::write(
        web.join("templates/deployment.yaml"),
        deployment("{{ .Values.replicaCount }}"),
    )
    .unwrap();
    std::fs::write(
        web.join("charts/cache/Chart.yaml"),
        "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(web.join("charts/cache/values.yaml"), "replicas: 2\n").unwrap();
    std::fs::write(
        web.join("charts/cache/templates/deployment.yaml"),
        deployment("{{ .Values.replicas }}"),
    )
    .unwrap();
    std::fs::write(
        web.join("charts/queue-1.0.0.tgz"),
        queue_archive("{{ .Values.replicas }}"),
    )
    .unwrap();
    dir
}

/// The files a pre-commit run on the chart names: every file of it the
/// walk finds (the archive is not one: it is read as the chart's).
const CHART_FILES: [&str; 6] = [
    "charts/web/Chart.yaml",
    "charts/web/values.yaml",
    "charts/web/templates/deployment.yaml",
    "charts/web/charts/cache/Chart.yaml",
    "charts/web/charts/cache/values.yaml",
    "charts/web/charts/cache/templates/deployment.yaml",
];

/// The concise report's SPOF001 lines.
fn single_replicas(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|l| l.contains(": SPOF001 "))
        .collect()
}

/// The chart's entries in the cache, in `pack`'s order (by key).
fn helm_entries(cache: &Path) -> Vec<(Key, Vec<u8>)> {
    let mut found = entries(cache, "helm");
    found.dedup();
    found
}

/// Replaces every `helm` pack of the cache by one holding `entries`.
fn write_helm_entries(cache: &Path, entries: &[(Key, Vec<u8>)]) {
    let packs = packs(cache, "helm");
    let (first, rest) = packs.split_first().unwrap();
    std::fs::write(first, pack(entries)).unwrap();
    for file in rest {
        std::fs::remove_file(file).unwrap();
    }
}

/// A warm run reads a chart's rendering from the cache: an entry put under
/// the keys of the chart as it is now is what the run reports, not what
/// rendering the chart would give. Both kinds of entry are used: what the
/// rendering was read into, and, without it, the rendering itself.
#[test]
fn a_cached_chart_is_read_from_the_cache() {
    let repo = chart_repository();
    let cache = tempfile::tempdir().unwrap();
    let values = repo.path().join("charts/web/values.yaml");
    let one = spof_check(repo.path(), Some(cache.path()), "concise", &CHART_FILES);
    assert_eq!(single_replicas(&one.0).len(), 3, "{}", one.0);
    let before = helm_entries(cache.path());
    // The rendering (whose text holds the rendered line) and what it was
    // read into.
    let rendered = |bytes: &[u8], text: &[u8]| memchr::memmem::find(bytes, text).is_some();
    let (renderings, reads): (Vec<_>, Vec<_>) = before
        .iter()
        .partition(|(_, bytes)| rendered(bytes, b"replicas: 1\n"));
    assert_eq!((renderings.len(), reads.len()), (1, 1));

    // The web Deployment has three replicas: a rendering and what it was
    // read into, each under a key of its own.
    std::fs::write(
        &values,
        "replicaCount: 3\ncache:\n  replicas: 1\nqueue:\n  replicas: 1\n",
    )
    .unwrap();
    let three = spof_check(repo.path(), Some(cache.path()), "concise", &CHART_FILES);
    assert_eq!(single_replicas(&three.0).len(), 2, "{}", three.0);
    let after = helm_entries(cache.path());
    let new: Vec<&(Key, Vec<u8>)> = after.iter().filter(|e| !before.contains(e)).collect();
    assert_eq!(new.len(), 2);
    let (new_rendering, new_read): (Vec<_>, Vec<_>) = new
        .into_iter()
        .partition(|(_, bytes)| rendered(bytes, b"replicas: 3\n"));
    let (rendering_key, read_key) = (&new_rendering[0].0, &new_read[0].0);

    // What one replica was read into, under the key of three: the run
    // reports one replica.
    let mut swapped = after.clone();
    for (key, bytes) in &mut swapped {
        if key == read_key {
            bytes.clone_from(&reads[0].1);
        }
    }
    write_helm_entries(cache.path(), &swapped);
    let read = spof_check(repo.path(), Some(cache.path()), "concise", &CHART_FILES);
    assert_eq!(read.0, one.0);

    // Without it, the rendering of one replica under the key of three: the
    // run reads that rendering, and reports one replica.
    let swapped: Vec<(Key, Vec<u8>)> = after
        .iter()
        .filter(|(key, _)| key != read_key)
        .map(|(key, bytes)| {
            let bytes = if key == rendering_key {
                &renderings[0].1
            } else {
                bytes
            };
            (*key, bytes.clone())
        })
        .collect();
    write_helm_entries(cache.path(), &swapped);
    let rendering = spof_check(repo.path(), Some(cache.path()), "concise", &CHART_FILES);
    assert_eq!(single_replicas(&rendering.0).len(), 3, "{}", rendering.0);
}

/// A rendered chart is read from the cache when none of its files
/// changed, and rendered afresh when one did: its values file (to the same
/// size, so that only the file's times tell), a template, `Chart.yaml`,
/// a file of a subchart directory, a packaged subchart. Every run with
/// the cache reports what a run without it reports, values lines
/// included, and each change shows: the entries of the chart as it was
/// are still in the cache, and would be reported if they were used.
#[test]
fn a_cached_chart_is_rendered_again_when_its_files_change() {
    let repo = chart_repository();
    // Old enough for the stat index to record the files.
    std::thread::sleep(std::time::Duration::from_millis(2_200));
    let cache = tempfile::tempdir().unwrap();
    let same = || {
        let fresh = spof_check(repo.path(), None, "concise", &CHART_FILES);
        for _ in 0..2 {
            let warm = spof_check(repo.path(), Some(cache.path()), "concise", &CHART_FILES);
            assert_eq!(warm, fresh);
        }
        fresh.0
    };
    let first = same();
    // Each single replica points at the values line that set it.
    assert_eq!(
        single_replicas(&first)
            .iter()
            .map(|l| l.split(": ").next().unwrap_or_default())
            .collect::<Vec<_>>(),
        [
            "charts/web/values.yaml:1:15",
            "charts/web/values.yaml:3:13",
            "charts/web/values.yaml:5:13"
        ],
        "{first}"
    );
    assert!(first.contains("`Deployment default/web-web`"), "{first}");
    let mut seen = helm_entries(cache.path()).len();
    assert!(seen > 0);
    // After a change: what a run without the cache reports, not what was
    // reported before, and new entries.
    let mut changed = |before: &str, check: &dyn Fn(&str) -> bool| {
        let after = same();
        assert_ne!(after, before);
        assert!(check(&after), "{after}");
        let now = helm_entries(cache.path()).len();
        assert!(now > seen, "{now} entries, {seen} before");
        seen = now;
        after
    };
    let web = repo.path().join("charts/web");

    // The values file, to the same size.
    let values = web.join("values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    std::fs::write(
        &values,
        text.replacen("replicaCount: 1", "replicaCount: 3", 1),
    )
    .unwrap();
    let out = changed(&first, &|out| single_replicas(out).len() == 2);

    // The template: the web Deployment's replicas no longer come from the
    // values.
    std::fs::write(web.join("templates/deployment.yaml"), deployment("1")).unwrap();
    let out = changed(&out, &|out| {
        single_replicas(out)
            .iter()
            .any(|l| l.starts_with("charts/web/templates/deployment.yaml:6:"))
    });

    // Chart.yaml: the chart is renamed, and so are its objects.
    std::fs::write(
        web.join("Chart.yaml"),
        "apiVersion: v2\nname: www\nversion: 1.0.0\n",
    )
    .unwrap();
    let out = changed(&out, &|out| out.contains("`Deployment default/www-www`"));

    // A template of the subchart directory.
    std::fs::write(
        web.join("charts/cache/templates/deployment.yaml"),
        deployment("2"),
    )
    .unwrap();
    let out = changed(&out, &|out| {
        !out.contains("charts/web/values.yaml:3:13: SPOF001")
    });

    // The packaged subchart.
    std::fs::write(web.join("charts/queue-1.0.0.tgz"), queue_archive("2")).unwrap();
    changed(&out, &|out| {
        !out.contains("charts/web/values.yaml:5:13: SPOF001")
    });
}
