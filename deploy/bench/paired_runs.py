#!/usr/bin/env python3
"""Paired comparison of one method between two runs on the same held-out tasks (stdlib only).

Each run's per-task results come from `metricopt show eval`, saved to a file:

    deploy/bin/metricopt show eval --run-dir runs/lo-learned > /tmp/a.txt
    deploy/bin/metricopt show eval --run-dir runs/lo-base > /tmp/b.txt
    python3 deploy/bench/paired_runs.py /tmp/a.txt /tmp/b.txt --method metricopt-learned
    python3 deploy/bench/paired_runs.py /tmp/a.txt /tmp/a.txt --method metricopt-learned --against ce-adam

Per family: the mean of A's method minus B's (or A's --against method), paired by task id, with
its 95% t confidence interval and the win rate (share of tasks where A is lower; ties count one
half). Lower is better. The two runs must share their held-out tasks (same seed, stream and
task counts), which the pairing by task id checks.
"""
import argparse
import sys

from show_tables import eval_results, family_diffs, paired


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--method", required=True)
    ap.add_argument("--against", help="B's method (default: the same --method)")
    args = ap.parse_args()
    a, b = eval_results(args.a), eval_results(args.b)
    other = args.against or args.method
    diffs = family_diffs(a, args.method, b, other)
    if not diffs:
        sys.exit(f"paired_runs: no ok results of {args.method} in {args.a}")
    print(f"| family | tasks | {args.method} (A) − {other} (B) [95% CI] | win rate of A |")
    print("| --- | ---: | --- | ---: |")
    for fam, d in diffs.items():
        stats = paired(d)
        if stats is None:
            print(f"| {fam} | {len(d)} | — | — |")
            continue
        mean, lo, hi, win = stats
        print(f"| {fam} | {len(d)} | {mean:+.4f} [{lo:+.4f}, {hi:+.4f}] | {win:.2f} |")


if __name__ == "__main__":
    main()
