#!/usr/bin/env python3
"""Lists every YAML or JSON file of ../shared/corpus that PyYAML loads but
spof reports as a parse error, with spof's message.

Usage: bench/yaml-parity.py [SPOF_BINARY] [CORPUS]
  SPOF_BINARY  default target/release/spof (build it first: cargo build --release)
  CORPUS       default $SPOF_CORPUS, else ../shared/corpus

PyYAML (`pip install pyyaml`) stands for what the consumers accept: what
it loads, kubectl (go-yaml) and docker compose load too, with one
exception spof keeps on purpose: a key written twice in one mapping.
PyYAML keeps the last value; kubectl, Helm and compose refuse the file, so
spof does too. Those files are listed apart, as expected.

Exit status: 0 when every file PyYAML loads parses (duplicate keys
aside), 1 otherwise, 2 when PyYAML or the corpus is missing.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

try:
    import yaml
except ImportError:
    print("PyYAML is missing: pip install pyyaml", file=sys.stderr)
    sys.exit(2)

root = Path(__file__).resolve().parent.parent
binary = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "target/release/spof"
corpus = Path(
    sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SPOF_CORPUS", root / "../shared/corpus")
).resolve()
if not corpus.is_dir():
    print(f"corpus {corpus} is absent", file=sys.stderr)
    sys.exit(2)

run = subprocess.run(
    [str(binary), "check", "--isolated", "--format", "json", "--exclude", "helm-templates/", str(corpus)],
    capture_output=True,
    text=True,
    check=False,
)
report = json.loads(run.stdout)
errors = {}
for e in report["errors"]:
    if e["code"] == "parse-error" and e["path"].endswith((".yaml", ".yml", ".json")):
        errors.setdefault(e["path"], e)


def pyyaml_loads(path):
    try:
        with open(path, encoding="utf-8") as f:
            for _ in yaml.safe_load_all(f):
                pass
        return True
    except Exception:  # noqa: BLE001 - any refusal counts as "does not load"
        return False


rejected, duplicates, refused_by_both = [], [], 0
for path in sorted(errors):
    if not pyyaml_loads(path):
        refused_by_both += 1
        continue
    e = errors[path]
    where = f"{Path(path).relative_to(corpus)}:{e['line']}:{e['column']}"
    row = f"{where}: {e['label']}"
    (duplicates if e["label"].startswith("duplicate key") else rejected).append(row)

print(f"YAML/JSON parse errors: {len(errors)}; PyYAML refuses {refused_by_both} of them too")
print(f"duplicate keys (refused on purpose, PyYAML keeps the last): {len(duplicates)}")
for row in duplicates:
    print(f"  {row}")
print(f"PyYAML loads, spof rejects: {len(rejected)}")
for row in rejected:
    print(f"  {row}")
sys.exit(1 if rejected else 0)
