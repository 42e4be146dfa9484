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
# Terraform evaluation: a remainder by zero (HCL, JSON), locals that double
# a string 59 times, work that multiplies through a module's count, a
# resource's count and a for expression, and dynamic blocks of 10,000
# inside dynamic blocks of 10,000.
gen mod-zero.tf "'variable \"azs\" {\n  default = []\n}\nresource \"aws_instance\" \"web\" {\n  count = 2\n  availability_zone = var.azs[count.index % length(var.azs)]\n}\n'"
gen mod-zero.tf.json "'{\"resource\": {\"aws_instance\": {\"web\": {\"ami\": \"\${2 % 0}\"}}}}'"
gen doubling.tf "'locals {\n  s1 = \"xx\"\n' + ''.join('  s%d = \"\${local.s%d}\${local.s%d}\"\n' % (i, i - 1, i - 1) for i in range(2, 60)) + '}\nresource \"aws_instance\" \"web\" {\n  ami = local.s59\n}\n'"
gen nested-count.tf "'module \"m\" {\n  count  = 10\n  source = \"./m\"\n}\n'"
mkdir -p "$work/nested-count.tf/m"
python3 -c "import sys; sys.stdout.write('resource \"null_resource\" \"x\" {\n  count = 1000\n  triggers = { n = length([for i in range(1000) : \"\${i}-\${count.index}\"]) }\n}\n')" > "$work/nested-count.tf/m/main.tf"
gen nested-dynamic.tf "'locals {\n  many = flatten([for i in range(1000) : [for j in range(10) : \"\${i}-\${j}\"]])\n}\nresource \"aws_security_group\" \"x\" {\n  dynamic \"ingress\" {\n    for_each = local.many\n    content {\n      dynamic \"egress\" {\n        for_each = local.many\n        content {}\n      }\n    }\n  }\n}\n'"
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
