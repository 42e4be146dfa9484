#!/usr/bin/env bash
# Benchmark `spof check` over ../shared/corpus (about 3,000 real configs):
# wall time (best and median of N runs), CPU time, peak memory, files/s and
# MB/s. Usage: bench/corpus.sh [RUNS]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus
if [ ! -d "$corpus" ]; then
    echo "skipped: $corpus is absent" >&2
    exit 0
fi
runs=${1:-10}
cargo build --release --quiet
bin=target/release/spof
args=(check --isolated --format json --exclude helm-templates/ "$corpus")

# What spof reads: the files its walk keeps (manifests), and their bytes.
files=$("$bin" "${args[@]}" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["files"])' || true)
bytes=$(find "$corpus" -path "$corpus/helm-templates" -prune -o \
    \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.tf' -o -name '*.tfvars' \
       -o -name '*.nomad' -o -name '*.hcl' -o -name '*.spof.toml' -o -name 'spof.services.toml' \) \
    -type f -not -path '*/.*' -print0 \
    | xargs -0 cat | wc -c)

walls=()
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
for _ in $(seq "$runs"); do
    # spof exits 1 or 2 on this corpus (findings, unparsable files): expected.
    /usr/bin/time -o "$stats" -f '%e %U %S %M' "$bin" "${args[@]}" >/dev/null 2>&1 || true
    walls+=("$(tail -1 "$stats")")
done
printf '%s\n' "${walls[@]}" | sort -n | python3 -c '
import sys, statistics
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
files, size = int(sys.argv[1]), int(sys.argv[2])
wall = [r[0] for r in rows]; cpu = [r[1] + r[2] for r in rows]; rss = max(r[3] for r in rows)
best, med = min(wall), statistics.median(wall)
print(f"runs:        {len(rows)}")
print(f"files:       {files} ({size / 1e6:.1f} MB)")
print(f"wall:        best {best:.3f} s, median {med:.3f} s")
print(f"cpu:         median {statistics.median(cpu):.3f} s (user+sys)")
print(f"peak memory: {rss / 1024:.1f} MiB")
print(f"throughput:  {files / med:.0f} files/s, {size / 1e6 / med:.1f} MB/s (median)")
' "$files" "$bytes"
