#!/usr/bin/env bash
# A pre-commit run on a repository of Helm charts: the hook's command
# (`spof check --force-exclude`, as .pre-commit-hooks.yaml runs it) naming
# one values file of one chart, the graph built over the whole repository.
# The repository is a temporary copy of
# ../shared/corpus/packaged/prometheus-community__helm-charts (11 top
# charts, 19 `Chart.yaml`) with `git init` and an empty spof.toml at its
# root, which makes that directory the repository.
#
# Three measures, each the median of RUNS runs (wall time, and the CPU time
# of the process, user + system):
# - cold: `--no-cache`, every chart rendered and read;
# - warm: the cache filled by the runs before, nothing changed;
# - commit: before each run a comment is appended to the named values
#   file, so its chart's rendering misses the cache, as after an edit; the
#   other charts are read from the cache.
#
# Usage: [SPOF=BINARY] bench/precommit-charts.sh [RUNS]
#        (default: this tree's release build, 15 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
source_repo=../shared/corpus/packaged/prometheus-community__helm-charts
if [ ! -d "$source_repo" ]; then
    echo "skipped: $source_repo is absent" >&2
    exit 0
fi
runs=${1:-15}
if [ -n "${SPOF:-}" ]; then
    spof=$(realpath "$SPOF")
else
    cargo build --release --quiet
    spof=$PWD/target/release/spof
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
cp -r "$source_repo" "$repo"
git -C "$repo" init -q
: >"$repo/spof.toml"
sync

echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu:     $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "spof:    $("$spof" --version)"
python3 - "$spof" "$repo" "$work/cache" "$runs" <<'EOF'
import os, statistics, subprocess, sys, time
spof, repo, cache, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
named = "charts/prometheus-pushgateway/values.yaml"
args = [spof, "check", "--force-exclude", "--format", "json"]
env = dict(os.environ, SPOF_CACHE_DIR=cache)

def once(extra):
    start = time.perf_counter()
    child = subprocess.Popen(args + extra + [named], cwd=repo, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"spof exited with {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss

def touch():
    with open(os.path.join(repo, named), "a") as f:
        f.write(f"\n# spof bench {time.time_ns()}\n")

def measure(name, extra, before=None):
    for _ in range(2):
        if before:
            before()
        once(extra)
    walls, cpus, rss = [], [], 0
    for _ in range(runs):
        if before:
            before()
        w, c, r = once(extra)
        walls.append(w)
        cpus.append(c)
        rss = max(rss, r)
    ms = lambda x: f"{x * 1e3:.0f} ms"
    print(f"{name}: {runs} runs, wall median {ms(statistics.median(walls))} "
          f"(min {ms(min(walls))}, max {ms(max(walls))}), "
          f"CPU median {ms(statistics.median(cpus))}, peak {rss / 1024:.1f} MiB")
    return statistics.median(walls)

measure("cold (--no-cache)", ["--no-cache"])
warm = measure("warm (nothing changed)", [])
measure("commit (the values file changed)", [], touch)
print(f"target: warm median under 150 ms: {'met' if warm < 0.150 else 'missed'}")
EOF
