#!/usr/bin/env python3
"""Run a command and measure it with its whole process tree.

Usage: measure.py STDOUT STDERR -- COMMAND [ARGS...]

Prints one line: "wall cpu peak_pss_kib peak_rss_sum_kib largest_rss_kib exit".

- wall: elapsed seconds; cpu: user + system seconds of the command and every
  descendant it waited for (getrusage of the children);
- peak_pss_kib: the largest sum, over one sample, of the proportional set size
  of every process of the tree (shared pages split between the processes that
  share them; /proc/PID/smaps_rollup), sampled every 50 ms;
- peak_rss_sum_kib: the same with resident set sizes (counts shared pages once
  per process, so it overstates a tree of forked workers);
- largest_rss_kib: the peak RSS of the largest single process (ru_maxrss),
  which is what GNU time reports; both sums are at least this.

Python tools such as checkov fork worker processes: a single-process figure
understates their memory, hence the sampled sums.
"""
import os
import resource
import subprocess
import sys
import time


def children_map():
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces.
        fields = stat[stat.rfind(")") + 2 :].split()
        parents.setdefault(int(fields[1]), []).append(int(entry))
    return parents


def tree(root):
    parents = children_map()
    todo, seen = [root], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo.extend(parents.get(pid, []))
    return seen


def memory(pid):
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def main():
    out, err, sep, *command = sys.argv[1:]
    assert sep == "--" and command, __doc__
    start = time.monotonic()
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        child = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        peak_pss = peak_rss = 0
        while child.poll() is None:
            pss = rss = 0
            for pid in tree(child.pid):
                p, r = memory(pid)
                pss += p
                rss += r
            peak_pss = max(peak_pss, pss)
            peak_rss = max(peak_rss, rss)
            time.sleep(0.05)
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    largest = usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"{wall:.3f} {cpu:.3f} {peak_pss} {max(peak_rss, largest)} {largest} {child.returncode}"
    )


main()
