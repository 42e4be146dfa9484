#!/usr/bin/env python3
"""Extracts kustomize's upstream `krusty` test cases into fixture directories.

Each test of api/krusty/*_test.go that only writes files (WriteF, WriteK,
WriteC), builds one directory with the default options (Run) and compares
the output (AssertActualEqualsExpected) becomes a directory:

    testdata/kustomize/krusty/<TestName>/
        files/...        the files the test writes
        root             the directory the test builds, relative to files/
        expected.yaml    what kustomize prints

Tests that call anything else (plugins, errors, the file system, helm) are
left out. Usage:

    scripts/krusty-fixtures.py CORPUS/packaged/kubernetes-sigs__kustomize/api/krusty testdata/kustomize/krusty
"""

import os
import re
import shutil
import sys

CALL = re.compile(r"\bth\.(\w+)\(")
FUNC = re.compile(r"^func (Test\w+)\(t \*testing\.T\) \{$", re.M)
ALLOWED = {
    "WriteF", "WriteK", "WriteC", "Run", "MakeDefaultOptions", "AssertActualEqualsExpected",
    # Clears the harness's file system when the test ends.
    "Reset",
}


def strings(args):
    """The Go string literals of an argument list: backquoted or double-quoted."""
    out = []
    for m in re.finditer(r"`([^`]*)`|\"((?:[^\"\\]|\\.)*)\"", args):
        out.append(m.group(1) if m.group(1) is not None else m.group(2))
    return out


def calls(body):
    """(name, literal arguments, raw text) of each th.X(...) call in order."""
    i = 0
    while True:
        m = CALL.search(body, i)
        if not m:
            return
        depth, j, quote = 1, m.end(), None
        while j < len(body) and depth:
            c = body[j]
            if quote:
                if c == quote:
                    quote = None
                elif c == "\\" and quote == '"':
                    j += 1
            elif c in "`\"":
                quote = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            j += 1
        raw = body[m.end():j - 1]
        yield m.group(1), raw
        i = j


def assigned(body, raw):
    """The literal a test assigns to the variable it compares with
    (`expected := `...``, then `AssertActualEqualsExpected(m, expected)`)."""
    m = re.fullmatch(r"\s*\w+\s*,\s*(\w+)\s*", raw)
    if not m:
        return None
    found = re.findall(r"\b" + m.group(1) + r"\s*:?=\s*`([^`]*)`", body)
    return found[0] if len(found) == 1 else None


def clean(path):
    path = path.lstrip("/")
    return os.path.normpath(path) if path else "."


def escapes(files):
    """Whether a kustomization names a path outside the files written (the
    harness's root is above them)."""
    for path, text in files.items():
        if not path.endswith("kustomization.yaml"):
            continue
        base = os.path.dirname(path)
        for m in re.finditer(r"^\s*-\s*(\S*\.\.\S*)\s*$", text, re.M):
            if os.path.normpath(os.path.join(base, m.group(1))).startswith(".."):
                return True
    return False


def cases(source):
    starts = [(m.group(1), m.end()) for m in FUNC.finditer(source)]
    for n, (name, start) in enumerate(starts):
        # The body ends at the first closing brace at the start of a line.
        end = source.find("\n}", start)
        body = source[start:end if end >= 0 else len(source)]
        # Only the straight-line tests: no loops, tables or helpers that
        # write files of their own.
        if re.search(r"\bfor\b|\bif\b|\bfunc\(|\+ `|` \+|\w\(th\b", body):
            continue
        files, root, expected, ok = {}, None, None, True
        for call, raw in calls(body):
            if call not in ALLOWED:
                ok = False
                break
            lits = strings(raw)
            if call in ("WriteF", "WriteK", "WriteC"):
                if len(lits) != 2:
                    ok = False
                    break
                path = clean(lits[0])
                if call in ("WriteK", "WriteC"):
                    path = os.path.join(path, "kustomization.yaml")
                files[os.path.normpath(path)] = lits[1]
            elif call == "Run":
                if root is not None or len(lits) != 1:
                    ok = False
                    break
                root = clean(lits[0])
            elif call == "AssertActualEqualsExpected":
                if expected is not None or len(lits) > 1:
                    ok = False
                    break
                expected = lits[0] if lits else assigned(body, raw)
                if expected is None:
                    ok = False
                    break
        if ok and root is not None and expected is not None and files:
            yield name, files, root, expected


def main():
    src, dst = sys.argv[1], sys.argv[2]
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    count = 0
    for test in sorted(os.listdir(src)):
        if not test.endswith("_test.go"):
            continue
        with open(os.path.join(src, test), encoding="utf-8") as f:
            source = f.read()
        for name, files, root, expected in cases(source):
            case = os.path.join(dst, name)
            if any(p.startswith("..") for p in files) or escapes(files):
                continue
            for path, text in files.items():
                target = os.path.join(case, "files", path)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as f:
                    f.write(text)
            with open(os.path.join(case, "root"), "w", encoding="utf-8") as f:
                f.write(root + "\n")
            with open(os.path.join(case, "expected.yaml"), "w", encoding="utf-8") as f:
                f.write(expected)
            count += 1
    print(f"{count} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
