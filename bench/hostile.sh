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

# Discovery and the cache (tests/hostile.rs, tests/cache.rs): a 9 MB
# .gitignore (refused unread), one just under the 256 KiB ceiling (applied),
# a `*.yaml` above the repository root (not read), and cache packs replaced
# by a FIFO and by a link to /dev/zero (not read).
ignores=$work/ignores
mkdir -p "$ignores/huge" "$ignores/large" "$ignores/parent/repo/.git"
for d in huge large parent/repo; do cp testdata/hostile/web.yaml "$ignores/$d/"; done
python3 -c "
import sys
lines = ''.join('build/out%d/\n*.tmp%d\nsrc/**/gen%d.yaml\n' % (i, i, i) for i in range(200000))
open(sys.argv[1], 'w').write(lines[:9 * 1024 * 1024])
open(sys.argv[2], 'w').write(lines[:lines.rindex('\n', 0, 256 * 1024) + 1])
" "$ignores/huge/.gitignore" "$ignores/large/.gitignore"
echo '*.yaml' > "$ignores/parent/.gitignore"
run ".gitignore of 9 MB" "$ignores/huge" .
run ".gitignore under 256 KiB" "$ignores/large" .
run "*.yaml above the repository" "$ignores/parent/repo" .
cached=$work/cached
mkdir -p "$cached/repo/.git" "$cached/cache"
cp testdata/hostile/web.yaml "$cached/repo/"
(cd "$cached/repo" && "$bin" check --isolated --cache-dir "$cached/cache" web.yaml >/dev/null 2>&1) || true
yaml_pack=$(find "$cached/cache" -name 'yaml.*.pack' | head -n 1)
rm "$yaml_pack" && mkfifo "$yaml_pack"
run "cache pack: a FIFO" "$cached/repo" --cache-dir "$cached/cache" web.yaml
rm "$yaml_pack" && ln -s /dev/zero "$yaml_pack"
run "cache pack: /dev/zero" "$cached/repo" --cache-dir "$cached/cache" web.yaml
