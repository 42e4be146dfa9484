#!/usr/bin/env bash
# A pre-commit run: `spof check --force-exclude` on 20 files of a
# 3,000-file repository, the graph built over the whole repository (as the
# hooks of .pre-commit-hooks.yaml run it; see docs/ci.md). The repository is
# a temporary copy of ../shared/corpus with an empty spof.toml at its root,
# which makes that directory the repository; its unrendered Helm templates
# are excluded as a project would exclude them (`--exclude helm-templates/`).
#
# Two measures:
# - without the cache (`--no-cache`): every file of the repository parsed;
# - a commit: before each run the 20 files change (a comment, or for JSON a
#   newline, is appended), so they and every Terraform root module that
#   reaches one of them miss the parse cache, as they would after an edit;
#   the rest of the repository is read from the cache the previous runs
#   filled (in a temporary directory, never the user's).
#
# Usage: [SPOF=BINARY] bench/precommit.sh [RUNS]
#        (default: this tree's release build, 20 runs; hyperfine, 2 warm-up runs)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus
if [ ! -d "$corpus" ]; then
    echo "skipped: $corpus is absent" >&2
    exit 0
fi
runs=${1:-20}
for tool in hyperfine /usr/bin/time; do
    if ! command -v "$tool" >/dev/null; then
        package=$([ "$tool" = hyperfine ] && echo hyperfine || echo time)
        echo "installing the Debian package \`$package\`" >&2
        apt-get install -y -qq "$package" >/dev/null
    fi
done

# SPOF=/path/to/spof measures that binary instead of building this tree.
if [ -n "${SPOF:-}" ]; then
    spof=$(realpath "$SPOF")
else
    cargo build --release --quiet
    spof=$PWD/target/release/spof
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
cp -r "$corpus" "$repo"
: >"$repo/spof.toml"
# The copy's 30 MB are written back to disk over the next half minute;
# measured runs should not compete with that.
sync
export SPOF_CACHE_DIR=$work/cache
cd "$repo"
args=(check --force-exclude --exclude helm-templates/ --format json)

# 20 changed files spread over the repository: every Nth of the files the
# hooks' `files:` pattern matches, in path order.
mapfile -t all < <(find . -path ./helm-templates -prune -o -type f -not -path '*/.*' -print |
    grep -E '\.(ya?ml|json|tf|tfvars|hcl|nomad|toml)$' | LC_ALL=C sort)
step=$((${#all[@]} / 20))
changed=()
for ((i = 0; i < 20; i++)); do
    changed+=("${all[$((i * step))]}")
done

echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu:     $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "spof:    $("$spof" --version)"
"$spof" "${args[@]}" "${changed[@]}" >"$work/out.json" 2>/dev/null || true
python3 - "$work/out.json" "${#all[@]}" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
print(f'repository: {sys.argv[2]} candidate files, {s["files"]} read by spof, {s["entities"]} entities')
print(f'reported: {len(report["findings"])} findings and {len(report["errors"])} input errors in the 20 named files')
EOF
/usr/bin/time -f '%M' -o "$work/rss" "$spof" "${args[@]}" "${changed[@]}" >/dev/null 2>&1 || true
# GNU time writes "Command exited with non-zero status N" before the figure.
echo "peak memory: $(tail -n1 "$work/rss" | awk '{ printf "%.1f MiB", $1 / 1024 }')"
echo "changed files:"
printf '  %s\n' "${changed[@]}"

# What a commit changes: a line appended to each named file.
cat >"$work/touch.sh" <<'EOF'
stamp=$(date +%s%N)
for f in "$@"; do
    case $f in
        *.json) printf '\n' >>"$f" ;;
        *) printf '\n# spof bench %s\n' "$stamp" >>"$f" ;;
    esac
done
EOF

# hyperfine: exit 1 (findings) and 2 (unparsable files elsewhere in the
# repository) are expected, hence -i.
summary() {
    python3 - "$1" "$2" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
t = r["times"]
print(f'{sys.argv[2]}:')
print(f'  runs: {len(t)}')
print(f'  wall: median {statistics.median(t) * 1e3:.0f} ms, min {min(t) * 1e3:.0f} ms, '
      f'max {max(t) * 1e3:.0f} ms, mean {r["mean"] * 1e3:.0f} ms')
print(f'  cpu:  user {r["user"] * 1e3:.0f} ms, system {r["system"] * 1e3:.0f} ms (mean)')
EOF
}
hyperfine -N -i --warmup 1 --runs "$(((runs + 3) / 4))" --export-json "$work/cold.json" --style basic \
    "$spof ${args[*]} --no-cache ${changed[*]}" >/dev/null
summary "$work/cold.json" "without the cache (every file parsed)"
# --prepare runs through a shell; the measured command does not (-N).
hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$work/times.json" --style basic \
    --prepare "sh $work/touch.sh ${changed[*]}" \
    "$spof ${args[*]} ${changed[*]}" >/dev/null
summary "$work/times.json" "a commit: the 20 files changed, the rest from the cache"
python3 - "$work/times.json" <<'EOF'
import json, statistics, sys
t = json.load(open(sys.argv[1]))["results"][0]["times"]
print(f'target: median under 150 ms: {"met" if statistics.median(t) < 0.150 else "missed"}')
EOF
