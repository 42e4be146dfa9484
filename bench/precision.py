#!/usr/bin/env python3
"""Precision of spof on the development corpus, as docs/precision.md reports it.

    bench/precision.py run BIN OUT        run BIN on every corpus folder, collect
                                          findings and input errors, draw the sample
    bench/precision.py carry OLD.tsv OUT  copy the verdicts of OLD.tsv to the findings
                                          of OUT/sample.json that are the same finding
                                          (rule, entity, location); write OUT/judgments.tsv
                                          with the others left to judge (verdict `?`)
    bench/precision.py table JUDGMENTS    true/false/debatable per rule

Each folder is checked on its own with no configuration (`--isolated`): every
top-level folder of the corpus but `helm-templates` and `packaged`, and every
folder of `packaged/` but `_rendered`. Strata are (folder, rule), visited in
sorted order; findings keep spof's output order inside a stratum. One
random.Random(SEED) draws 5 findings from every stratum of more than 5 (a
stratum of 5 or fewer is taken whole, with no draw). The corpus path is
SPOF_CORPUS, default ../shared/corpus.
"""
import collections, csv, json, os, random, subprocess, sys

SEED = 20261206
PER_STRATUM = 5


def corpus():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(os.environ.get("SPOF_CORPUS", os.path.join(here, "..", "..", "shared", "corpus")))


def folders(root):
    top = [d for d in sorted(os.listdir(root))
           if os.path.isdir(os.path.join(root, d)) and d not in ("helm-templates", "packaged")]
    packaged = os.path.join(root, "packaged")
    inner = [f"packaged/{d}" for d in sorted(os.listdir(packaged))
             if os.path.isdir(os.path.join(packaged, d)) and d != "_rendered"] if os.path.isdir(packaged) else []
    return top + inner


def loc(l):
    return f"{l['path']}:{l['line']}:{l['column']}" if l else ""


def run(binary, out):
    root = corpus()
    os.makedirs(out, exist_ok=True)
    findings, errors = [], []
    for folder in folders(root):
        p = subprocess.run([binary, "check", "--isolated", "--format", "json", folder],
                           cwd=root, capture_output=True, text=True)
        d = json.loads(p.stdout)
        for f in d["findings"]:
            findings.append(dict(folder=folder, rule=f["rule"], entity=f.get("entity") or "",
                                 message=f["message"], location=loc(f.get("location")),
                                 related=[[loc(r), r.get("message", "")] for r in f.get("related", [])]))
        for e in d["errors"]:
            errors.append(dict(folder=folder, code=e["code"], message=e["message"],
                               location=f"{e.get('path')}:{e.get('line')}:{e.get('column')}"))
    strata = collections.defaultdict(list)
    for f in findings:
        strata[(f["folder"], f["rule"])].append(f)
    rng = random.Random(SEED)
    sample = []
    for key in sorted(strata):
        items = strata[key]
        picks = range(len(items)) if len(items) <= PER_STRATUM else sorted(rng.sample(range(len(items)), PER_STRATUM))
        sample.extend(items[i] for i in picks)
    for n, f in enumerate(sample, 1):
        f["id"] = f"S{n:03d}"
    for name, data in (("findings", findings), ("errors", errors), ("sample", sample)):
        with open(os.path.join(out, f"{name}.json"), "w") as fh:
            json.dump(data, fh, indent=1)
    print(f"{len(findings)} findings in {len(strata)} strata, {len(sample)} sampled; {len(errors)} input errors")


def carry(old_tsv, out):
    with open(old_tsv) as fh:
        old = {(r["rule"], r["entity"], r["location"]): r for r in csv.DictReader(fh, delimiter="\t")}
    with open(os.path.join(out, "sample.json")) as fh:
        sample = json.load(fh)
    todo = 0
    with open(os.path.join(out, "judgments.tsv"), "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["id", "folder", "rule", "entity", "location", "verdict", "reason"])
        for f in sample:
            prior = old.get((f["rule"], f["entity"], f["location"]))
            verdict, reason = (prior["verdict"], prior["reason"]) if prior else ("?", "")
            todo += verdict == "?"
            w.writerow([f["id"], f["folder"], f["rule"], f["entity"], f["location"], verdict, reason])
    print(f"{len(sample)} sampled, {len(sample) - todo} carried over, {todo} to judge")


def table(path):
    with open(path) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    per = collections.defaultdict(collections.Counter)
    for r in rows:
        per[r["rule"]][r["verdict"]] += 1
        per["all"][r["verdict"]] += 1
    print("| rule | n | true | false | debatable | true/(true+false) |")
    print("|---|---|---|---|---|---|")
    for rule in sorted(per, key=lambda k: (k == "all", k)):
        c = per[rule]
        t, f, d = c["TRUE"], c["FALSE"], c["DEBATABLE"]
        p = f"{t / (t + f):.2f}" if t + f else "–"
        print(f"| {rule} | {sum(c.values())} | {t} | {f} | {d} | {p} |")


if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["help"]
    {"run": run, "carry": carry, "table": table}.get(cmd, lambda *_: sys.exit(__doc__))(*args)
