#!/usr/bin/env python3
"""CPU seconds used by each kind of thread of one process over a window (Linux /proc).

Usage: deploy/bench/thread_cpu.py PID SECONDS

Reads /proc/PID/task/*/stat (utime + stime, in USER_HZ = 100 ticks per second) at the start and
the end of the window and prints the difference per thread name, digits folded to '#' (Linux keeps
the first 15 characters of a name: "Executor task l" are Spark's task threads, "C2 CompilerThre"
the JIT). docs/benchmarks-history.md uses it on the metricopt JVM and on standalone executor JVMs
(pgrep -f CoarseGrainedExecutorBackend).
"""
import collections
import os
import re
import sys
import time


def snapshot(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue  # the thread ended between listing and reading
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[tid] = (name, int(fields[11]) + int(fields[12]))
    return out


def main():
    pid, seconds = sys.argv[1], float(sys.argv[2])
    before = snapshot(pid)
    t0 = time.time()
    time.sleep(seconds)
    after = snapshot(pid)
    wall = time.time() - t0
    by_kind = collections.Counter()
    for tid, (name, ticks) in after.items():
        by_kind[re.sub(r"\d+", "#", name)] += (ticks - before.get(tid, (name, 0))[1]) / 100
    total = sum(by_kind.values())
    print(f"wall {wall:.1f} s, cpu {total:.1f} s ({total / wall:.2f} cores)")
    for name, cpu in by_kind.most_common(15):
        print(f"  {name:<25} {cpu:.2f}")


if __name__ == "__main__":
    main()
