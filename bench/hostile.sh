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
# Counted Terraform resources, every instance judged: 8,000 single-zone
# instances of one block (EC2, judged as a group, and RDS, each alone), and
# 10 instances of a module with 10,000 (the budget of resource instances).
gen count-8000.tf "''.join('resource \"%s\" \"x\" {\n  count = 8000\n  availability_zone = \"us-east-1a\"\n  multi_az = false\n}\n' % t for t in ['aws_instance', 'aws_db_instance'])"
gen module-count.tf "'module \"m\" {\n  source = \"./m\"\n  count  = 10\n}\n'"
mkdir -p "$work/module-count.tf/m"
printf 'resource "aws_instance" "x" {\n  count = 10000\n  availability_zone = "us-east-1a"\n}\n' \
    > "$work/module-count.tf/m/main.tf"
# One line of 15 MB with a finding every 250 bytes: each position is found
# in logarithmic time, not by counting the line's characters.
gen one-line-plan.json "'{\"format_version\":\"1.2\",\"planned_values\":{\"root_module\":{\"resources\":[' + ','.join('{\"address\":\"aws_db_instance.d%d\",\"mode\":\"managed\",\"type\":\"aws_db_instance\",\"name\":\"d%d\",\"values\":{\"identifier\":\"d%d\",\"tags\":{\"team\":\"équipe\"},\"multi_az\":false}},{\"address\":\"aws_s3_bucket.b%d\",\"mode\":\"managed\",\"type\":\"aws_s3_bucket\",\"name\":\"b%d\",\"values\":{\"bucket\":\"b%d\"}}' % ((i,) * 6) for i in range(55000)) + ']}}}'"
gen flow-list.yaml "'{apiVersion: v1, kind: List, items: [' + ', '.join('{apiVersion: apps/v1, kind: Deployment, metadata: {name: w%d, labels: {team: équipe}}, spec: {replicas: 1, selector: {matchLabels: {app: w%d}}, template: {metadata: {labels: {app: w%d}}, spec: {containers: [{name: c, image: nginx}]}}}}' % (i, i, i) for i in range(62000)) + ']}\n'"
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
        "$bin" check --isolated --format "${format:-concise}" --color never "$@" >/dev/null 2>&1) || code=$?
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
# The human format shows a window of the line for each finding.
format=human run "one-line-plan.json (human)" "$work/one-line-plan.json" .

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
