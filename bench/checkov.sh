#!/usr/bin/env bash
# spof and checkov side by side on the same files of ../shared/corpus: wall
# time, CPU time (user + sys), peak resident memory, files/s and the ratios.
#
# Usage: bench/checkov.sh [SPOF_RUNS] [CHECKOV_RUNS]   (default 5 and 1)
#
# The files both tools read: every *.yaml, *.yml, *.json, *.tf and *.tfvars
# of the corpus outside helm-templates/ (unrendered templates) and hidden
# paths, copied into a temporary directory. checkov scans them with the
# frameworks that cover what spof reads there (kubernetes, terraform,
# terraform_plan); Nomad jobs (*.nomad, *.hcl) are left out because checkov
# has no Nomad framework. checkov runs offline: --skip-download,
# BC_SKIP_MAPPING=TRUE, no API key, no update check.
#
# checkov is installed from PyPI into a virtualenv under
# ${XDG_CACHE_HOME:-$HOME/.cache}/spof-bench/venv (created on first run).
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$PWD/bench
corpus=../shared/corpus
if [ ! -d "$corpus" ]; then
    echo "skipped: $corpus is absent" >&2
    exit 0
fi
spof_runs=${1:-5}
checkov_runs=${2:-1}
checkov_version=3.3.30

venv=${XDG_CACHE_HOME:-$HOME/.cache}/spof-bench/venv
installed=$("$venv/bin/python" -m pip show checkov 2>/dev/null || true)
if ! grep -qx "Version: $checkov_version" <<<"$installed"; then
    echo "installing checkov $checkov_version into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$checkov_version"
fi
checkov=$venv/bin/checkov

cargo build --release --quiet
spof=$PWD/target/release/spof

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=$work/files
mkdir -p "$files"
(
    cd "$corpus"
    find . -path ./helm-templates -prune -o -type f \
        \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.tf' -o -name '*.tfvars' \) \
        -not -path '*/.*' -print0 |
        xargs -0 cp --parents -t "$files"
)
count=$(find "$files" -type f | wc -l)
bytes=$(find "$files" -type f -print0 | xargs -0 cat | wc -c)

echo "== machine"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu:     $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "memory:  $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel:  $(uname -sr)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "spof:    $("$spof" --version)"
echo "checkov: $("$checkov" --version 2>/dev/null) (Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())'))"
echo "files:   $count ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }'))"
echo

# One run, with its whole process tree: "wall cpu peak_pss peak_rss_sum
# largest_rss exit" on stdout (see bench/measure.py).
measure() {
    python3 "$bench/measure.py" "$work/out.json" "$work/err.txt" -- "$@"
}

spof_rows=$work/spof.txt
checkov_rows=$work/checkov.txt
: >"$spof_rows"
: >"$checkov_rows"
for i in $(seq "$spof_runs"); do
    # Exit 1 (findings) or 2 (unparsable files) is expected on this corpus.
    measure "$spof" check --isolated --format json "$files" >>"$spof_rows"
    if [ "$i" = 1 ]; then
        python3 - "$work/out.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f'spof read {s["files"]} files: {s["entities"]} entities, '
      f'{s["errors"] + s["warnings"] + s["infos"]} findings, {s["input_errors"]} files with input errors')
EOF
    fi
done
for i in $(seq "$checkov_runs"); do
    # Run from an empty directory so that no .checkov.yaml is picked up.
    (cd "$work" && measure env -u BC_API_KEY BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE \
        "$checkov" --directory "$files" \
        --framework kubernetes terraform terraform_plan \
        --skip-download --compact --quiet --output json) >>"$checkov_rows"
    if [ "$i" = 1 ]; then
        python3 - "$work/out.json" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
parts = []
for r in reports:
    s = r.get("summary", {})
    parts.append(f'{r.get("check_type")}: {s.get("resource_count", 0)} resources, '
                 f'{s.get("passed", 0)} passed, {s.get("failed", 0)} failed, '
                 f'{s.get("parsing_errors", 0)} parsing errors')
print("checkov read: " + "; ".join(parts))
EOF
    fi
done
echo

python3 - "$spof_rows" "$checkov_rows" "$count" <<'EOF'
import statistics, sys
def load(path):
    return [list(map(float, l.split())) for l in open(path) if l.strip()]
spof, checkov, files = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
def summary(rows):
    wall = [r[0] for r in rows]
    return {
        "runs": len(rows),
        "best": min(wall),
        "median": statistics.median(wall),
        "cpu": statistics.median(r[1] for r in rows),
        "pss": max(r[2] for r in rows) / 1024,
        "rss_sum": max(r[3] for r in rows) / 1024,
        "largest": max(r[4] for r in rows) / 1024,
    }
s, c = summary(spof), summary(checkov)
# spof is one process: its exact peak is ru_maxrss ("largest"), which is at
# least its PSS. checkov forks workers: its peak is the sampled sum of the
# tree's PSS. The memory ratio compares those two, which favours checkov.
spof_peak, checkov_peak = s["largest"], c["pss"]
print(f'{"":34} {"spof":>12} {"checkov":>12} {"ratio":>10}')
print(f'{"runs":34} {s["runs"]:>12} {c["runs"]:>12}')
print(f'{"wall, best (s)":34} {s["best"]:>12.3f} {c["best"]:>12.3f} {c["best"] / s["best"]:>9.1f}x')
print(f'{"wall, median (s)":34} {s["median"]:>12.3f} {c["median"]:>12.3f} {c["median"] / s["median"]:>9.1f}x')
print(f'{"CPU user+sys, median (s)":34} {s["cpu"]:>12.3f} {c["cpu"]:>12.3f} {c["cpu"] / s["cpu"]:>9.1f}x')
print(f'{"peak memory, compared (MiB)":34} {spof_peak:>12.1f} {checkov_peak:>12.1f} {spof_peak / checkov_peak:>10.3f}')
print(f'{"  process tree PSS, sampled (MiB)":34} {s["pss"]:>12.1f} {c["pss"]:>12.1f}')
print(f'{"  process tree RSS sum (MiB)":34} {s["rss_sum"]:>12.1f} {c["rss_sum"]:>12.1f}')
print(f'{"  largest process RSS (MiB)":34} {s["largest"]:>12.1f} {c["largest"]:>12.1f}')
print(f'{"files/s (median)":34} {files / s["median"]:>12.0f} {files / c["median"]:>12.1f}')
print()
print("time ratios are checkov / spof (how many times faster spof is);")
print("the memory ratio is spof / checkov (the fraction of checkov's peak spof needs):")
print("spof's exact peak RSS against the sampled PSS sum of checkov's process tree.")
print(f'targets: 100x faster wall: {"met" if c["median"] / s["median"] >= 100 else "missed"}; '
      f'at most 1/5 of the peak memory: {"met" if spof_peak / checkov_peak <= 0.2 else "missed"}')
EOF
