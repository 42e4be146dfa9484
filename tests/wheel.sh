#!/usr/bin/env bash
# The Python packaging, end to end (run by .ci/run after `cargo test`, whose
# debug build it reuses; run it alone the same way):
#
# 1. maturin builds the wheel and the sdist; the sdist holds the forks under
#    vendor/ and no test data.
# 2. The wheel, installed into a fresh virtualenv with no index, runs:
#    `spof --version` prints Cargo.toml's version, and a check of
#    testdata/estates/two-datacenters exits 1 with its findings.
# 3. The sdist builds and installs with pip (the platforms without a wheel).
# 4. pre-commit runs the `spof` hook of a hooks mirror (a repository whose
#    only package depends on `spof-cli==VERSION`, as ruff-pre-commit does
#    for ruff) with the wheel just built and no index (`PIP_FIND_LINKS`,
#    `PIP_NO_INDEX`): no Rust toolchain involved, and no other `spof-cli`.
#    The repository's own hooks file is validated.
#
# Tools come from PyPI at pinned versions, into target/packaging/tools.
# Wheels are built with the dev profile: this checks the packaging, not the
# optimiser (the release workflow builds with --release).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

MATURIN_VERSION=1.9.6
PRE_COMMIT_VERSION=4.7.0
# The mirror's build backend, in the wheelhouse pre-commit's pip reads.
SETUPTOOLS_VERSION=80.9.0

work=$root/target/packaging
rm -rf "$work/wheels" "$work/sdist" "$work/venv-wheel" "$work/venv-sdist" "$work/scratch"
mkdir -p "$work"

fail() {
    echo "tests/wheel.sh: FAILED: $*" >&2
    exit 1
}
step() {
    echo "--- $* ($(date -u +%H:%M:%S))"
}
# pip, quiet and quick to give up on a dead network.
pip_install() {
    local python=$1
    shift
    "$python" -m pip install --quiet --disable-pip-version-check --retries 2 --timeout 60 "$@"
}

step "tools: maturin $MATURIN_VERSION, pre-commit $PRE_COMMIT_VERSION"
tools=$work/tools
if ! [ "$("$tools/bin/maturin" --version 2>/dev/null)" = "maturin $MATURIN_VERSION" ] ||
    ! [ "$("$tools/bin/pre-commit" --version 2>/dev/null)" = "pre-commit $PRE_COMMIT_VERSION" ]; then
    rm -rf "$tools"
    python3 -m venv "$tools"
    pip_install "$tools/bin/python" "maturin==$MATURIN_VERSION" "pre-commit==$PRE_COMMIT_VERSION"
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || fail "no version in Cargo.toml"

step "maturin build (wheel) and maturin sdist"
"$tools/bin/maturin" build --quiet --profile dev --locked --out "$work/wheels"
"$tools/bin/maturin" sdist --out "$work/sdist"
wheels=("$work"/wheels/spof_cli-"$version"-*.whl)
[ -f "${wheels[0]}" ] || fail "no wheel spof_cli-$version-*.whl in $work/wheels"
sdist=$work/sdist/spof_cli-$version.tar.gz
[ -f "$sdist" ] || fail "no sdist $sdist"
listing=$(tar -tzf "$sdist")
for needed in pyproject.toml Cargo.toml Cargo.lock README.md LICENSE-MIT LICENSE-APACHE \
    src/main.rs rules/placement.toml vendor/gotmpl/src/lib.rs vendor/hcl-edit/src/lib.rs \
    vendor/saphyr-parser/src/lib.rs; do
    grep -qx "spof_cli-$version/$needed" <<<"$listing" || fail "the sdist lacks $needed"
done
# Test and bench sources are there (Cargo.toml names them), not their data.
if grep -E "^spof_cli-$version/(testdata|fuzz|bench|docs|tests/cmd|tests/snapshots)/" <<<"$listing"; then
    fail "the sdist holds test data, fuzz targets, bench scripts or docs (above)"
fi

# A check from an installed spof: exit 1, the findings of the example estate.
check_estate() {
    local spof=$1 status=0 out
    out=$("$spof" check --format concise "$root/testdata/estates/two-datacenters") || status=$?
    [ "$status" = 1 ] || fail "$spof check exited $status, not 1:
$out"
    grep -q "talk-api.yaml:20:22: SPOF007 \`Deployment talk/talk-api\` depends on \`Service talk/talk-db\`" <<<"$out" ||
        fail "$spof check did not report talk-api's dependency on talk-db:
$out"
    grep -q "^Found 6 findings" <<<"$out" || fail "$spof check: not 6 findings:
$out"
}

step "the wheel in a fresh virtualenv"
python3 -m venv "$work/venv-wheel"
pip_install "$work/venv-wheel/bin/python" --no-index "${wheels[0]}"
installed=$work/venv-wheel/bin/spof
[ -x "$installed" ] || fail "the wheel installed no spof script"
[ "$("$installed" --version)" = "spof $version" ] || fail "spof --version: $("$installed" --version)"
check_estate "$installed"

step "the sdist, built and installed by pip"
# The sdist's own build, as pip runs it on a platform without a wheel:
# maturin from PyPI (build isolation), cargo on the unpacked sources. The
# target directory is shared so that dependencies are not built again.
python3 -m venv "$work/venv-sdist"
CARGO_TARGET_DIR=$root/target MATURIN_PEP517_ARGS="--profile dev" \
    pip_install "$work/venv-sdist/bin/python" "$sdist"
[ "$("$work/venv-sdist/bin/spof" --version)" = "spof $version" ] || fail "sdist's spof --version"
check_estate "$work/venv-sdist/bin/spof"

step "pre-commit: the repository's hooks file, and a hooks mirror on the wheel"
"$tools/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml
scratch=$work/scratch
mkdir -p "$scratch"
# git's environment from a surrounding hook would point git elsewhere.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(GIT_[A-Z_]*\)=.*/\1/p')
gitq() { git -c user.name=spof -c user.email=spof@example.com -c commit.gpgsign=false "$@"; }

mirror=$scratch/spof-pre-commit
mkdir -p "$mirror"
cp .pre-commit-hooks.yaml "$mirror/"
cat >"$mirror/pyproject.toml" <<TOML
[build-system]
requires = ["setuptools==$SETUPTOOLS_VERSION"]
build-backend = "setuptools.build_meta"

[project]
name = "spof-pre-commit"
version = "$version"
dependencies = ["spof-cli==$version"]

[tool.setuptools]
py-modules = []
TOML
(cd "$mirror" && gitq init --quiet && gitq add -A && gitq commit --quiet -m "spof $version")

wheelhouse=$scratch/wheelhouse
mkdir -p "$wheelhouse"
cp "${wheels[0]}" "$wheelhouse/"
"$tools/bin/python" -m pip download --quiet --disable-pip-version-check --retries 2 --timeout 60 \
    --only-binary :all: --no-deps --dest "$wheelhouse" "setuptools==$SETUPTOOLS_VERSION"

checked=$scratch/estate
cp -r testdata/estates/two-datacenters "$checked"
(cd "$checked" && gitq init --quiet && gitq add -A && gitq commit --quiet -m estate)
status=0
out=$(cd "$checked" && PRE_COMMIT_HOME=$scratch/pre-commit-home PIP_FIND_LINKS=$wheelhouse PIP_NO_INDEX=1 \
    "$tools/bin/pre-commit" try-repo --color never "$mirror" spof \
    --files clusters/ansan/talk-api.yaml 2>&1) || status=$?
[ "$status" = 1 ] || fail "pre-commit try-repo exited $status, not 1:
$out"
grep -q "SPOF007 (depends-on-spof)" <<<"$out" || fail "the hook did not report SPOF007:
$out"
grep -q "clusters/ansan/talk-api.yaml:20:22" <<<"$out" || fail "the finding is not at talk-api.yaml:20:22:
$out"
# That finding is spof's own: the hook ran the wheel's spof, which pip took
# from the wheelhouse (try-repo installs into a store of its own, removed
# afterwards).
grep -q "Found 1 finding" <<<"$out" || fail "not 1 finding:
$out"

step "done"
