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
import math
import sys

# Two-sided 95% quantiles of Student's t by degrees of freedom (1..30); 1.96 beyond.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def load(path):
    rows = [line for line in open(path, encoding="utf-8") if line.startswith("|")]
    if not rows:
        sys.exit(f"paired_runs: {path} holds no table; save 'metricopt show eval' into it")
    header = [c.strip() for c in rows[0].strip().strip("|").split("|")]
    out = {}
    for r in rows[1:]:
        cells = [c.strip() for c in r.strip().strip("|").split("|")]
        if len(cells) != len(header) or cells[0] == "family":
            continue
        d = dict(zip(header, cells))
        value = d["test_metric"]
        if d["status"] == "ok" and value not in ("NULL", "NaN"):
            out[(d["family"], d["task_id"], d["method"])] = float(value)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--method", required=True)
    ap.add_argument("--against", help="B's method (default: the same --method)")
    args = ap.parse_args()
    a, b = load(args.a), load(args.b)
    other = args.against or args.method
    families = sorted({k[0] for k in a if k[2] == args.method})
    if not families:
        sys.exit(f"paired_runs: no ok results of {args.method} in {args.a}")
    print(f"| family | tasks | {args.method} (A) − {other} (B) [95% CI] | win rate of A |")
    print("| --- | ---: | --- | ---: |")
    for fam in families:
        diffs = [a[k] - b[(fam, k[1], other)] for k in a
                 if k[0] == fam and k[2] == args.method and (fam, k[1], other) in b]
        n = len(diffs)
        if n < 2:
            print(f"| {fam} | {n} | — | — |")
            continue
        mean = sum(diffs) / n
        sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
        half = (T975[n - 2] if n - 1 <= len(T975) else 1.96) * sd / math.sqrt(n)
        win = (sum(d < 0 for d in diffs) + 0.5 * sum(d == 0 for d in diffs)) / n
        print(f"| {fam} | {n} | {mean:+.4f} [{mean - half:+.4f}, {mean + half:+.4f}] | {win:.2f} |")


if __name__ == "__main__":
    main()
