#!/usr/bin/env bash
# Time and peak memory of `spof check` (release build) on each generated
# hostile input, beside a normal file. The tests (tests/hostile.rs) assert
# what is reported; this measures what it costs.
# Usage: bench/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/spof
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gen() { # gen NAME PYTHON-EXPRESSION-FOR-THE-TEXT
    mkdir -p "$work/$1"
    cp testdata/hostile/web.yaml "$work/$1/"
    python3 -c "import sys; sys.stdout.write($2)" > "$work/$1/$1"
}
gen deep-flow.yaml "'[' * 100000"
gen deep-block.yaml "'- ' * 100000 + '1\n'"
gen deep.json "'{\"a\":' * 100000 + '1' + '}' * 100000"
gen deep.tf "'a = ' + '[' * 100000"
gen deep.nomad "'job \"x\" {\n  a = ' + '[' * 100000 + '\n}\n'"
gen deep.spof.toml "'a = ' + '[' * 100000"
gen huge-line.yaml "'data: {a: ' + 'x' * 20000000 + '}\n'"
gen many-documents.yaml "'---\n' * 200000"
gen merge.yaml "'base: &b {' + ''.join('k%d: 1, ' % i for i in range(30000)) + '}\nm:\n  <<: *b\n' + ''.join('  o%d: 2\n' % i for i in range(30000))"
for f in testdata/hostile/*.yaml; do
    name=$(basename "$f")
    [ "$name" = web.yaml ] && continue
    mkdir -p "$work/$name"
    cp testdata/hostile/web.yaml "$f" "$work/$name/"
done

run() { # run LABEL DIR ARGS...
    local label=$1 dir=$2
    shift 2
    local code=0
    (cd "$dir" && /usr/bin/time -o "$work/time" -f '%e %U %M' \
        "$bin" check --isolated --format concise --color never "$@" >/dev/null 2>&1) || code=$?
    read -r wall cpu rss < <(tail -n 1 "$work/time")
    printf '%-28s %8ss %8ss %10s KiB  exit %s\n' "$label" "$wall" "$cpu" "$rss" "$code"
}

printf '%-28s %9s %9s %14s\n' case wall user 'peak memory'
for dir in "$work"/*/; do
    name=$(basename "$dir")
    run "$name" "$dir" .
done
# The 20 MB line read and parsed, under a raised limit.
run "huge-line.yaml (parsed)" "$work/huge-line.yaml" --max-file-size 32000000 .

# Graph and output size: a chain of services, each depending on the next
# (the last one in one site), and 10,000 Services selecting the same 2,000
# Deployments; each command with the size of what it prints.
sized() { # sized LABEL DIR COMMAND ARGS...
    local label=$1 dir=$2
    shift 2
    local code=0
    (cd "$dir" && /usr/bin/time -o "$work/time" -f '%e %U %M' \
        "$bin" "$@" --isolated >"$work/out" 2>/dev/null) || code=$?
    read -r wall cpu rss < <(tail -n 1 "$work/time")
    printf '%-28s %8ss %8ss %10s KiB  exit %s  %10s bytes out\n' \
        "$label" "$wall" "$cpu" "$rss" "$code" "$(wc -c <"$work/out")"
}
chain() { # chain N: spof.services.toml of N services in a chain
    python3 -c "
import sys
n = $1
out = ['[sites.a]', '', '[sites.b]', '']
for i in range(n):
    out.append('[services.s%d]' % i)
    out.append('sites = [\"a\"]' if i + 1 == n else 'sites = [\"a\", \"b\"]')
    if i + 1 < n:
        out.append('depends_on = [\"s%d\"]' % (i + 1))
    out.append('')
sys.stdout.write('\n'.join(out))"
}
mkdir -p "$work/graph/chain-4000" "$work/graph/chain-2000" "$work/graph/fan-out"
chain 4000 >"$work/graph/chain-4000/spof.services.toml"
chain 2000 >"$work/graph/chain-2000/spof.services.toml"
python3 -c "
import sys
for d in range(2000):
    sys.stdout.write('---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d, namespace: x}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: i}]}\n' % d)
for s in range(10000):
    sys.stdout.write('---\napiVersion: v1\nkind: Service\nmetadata: {name: s%d, namespace: x}\nspec:\n  selector: {app: web}\n' % s)
" >"$work/graph/fan-out/fan.yaml"
sized "chain 4000 (human)" "$work/graph/chain-4000" check --color never .
sized "chain 4000 (json)" "$work/graph/chain-4000" check --format json .
sized "chain 2000 (sarif)" "$work/graph/chain-2000" check --format sarif .
sized "chain 4000 (report html)" "$work/graph/chain-4000" report .
sized "chain 4000 (report json)" "$work/graph/chain-4000" report --format json .
sized "fan-out (json)" "$work/graph/fan-out" check --format json .
sized "fan-out (report html)" "$work/graph/fan-out" report .
sized "fan-out (report json)" "$work/graph/fan-out" report --format json .
