#!/usr/bin/env python3
"""Held-out quality of a learned optimizer against its meta-training iterations and cost (stdlib).

Inputs are saved `metricopt show` tables: the joint run's metrics, one `show eval` per evaluated
checkpoint (a copy of the run directory holding only the checkpoints up to it, meta-tested; 0 is
the initial w_opt, `eval.learned-weights = initial`), and one `show eval` that holds the
baseline method on the same held-out tasks:

    deploy/bin/metricopt show metrics --run-dir runs/lo-obsmc20-s7 > /tmp/m.txt
    deploy/bin/metricopt show metrics --run-dir runs/ablation-full > /tmp/v.txt
    python3 deploy/bench/cost_curve.py --metrics /tmp/m.txt --value-only /tmp/v.txt \\
        --point 0=/tmp/e0.txt --point 50=/tmp/e50.txt --point 150=/tmp/e150.txt \\
        --baseline /tmp/e150.txt --against ce-adam

Cost is executor-core-hours: the executors' compute seconds of phase A (`executor_compute_s`,
the value function's unrolls, adaptations and probes) and phase B (`es_executor_compute_s`, the
perturbed learned-optimizer unrolls), summed over the iterations before the checkpoint (each task
runs on one core with one PyTorch thread). Wall hours are the iterations' own (phase A, the driver's
step, phase B), so the gap of a resumed run does not count. The joint run's phase A is what a value-only run with the
same settings does, so (A + B) / A is the cost of joint training against value-only training; a
value-only run's metrics (--value-only) give the same ratio against a separate run, which is only
comparable when both ran the same code on the same machine.
"""
import argparse
import sys

from show_tables import eval_results, family_diffs, paired, rows


def per_iteration(path, what):
    with open(path, encoding="utf-8") as f:
        _, table = rows(f, path, what)
    out = {}
    for d in table:
        out[int(d["iteration"])] = d
    return [out[k] for k in sorted(out)]


def seconds(d, key):
    v = d.get(key, "0")
    return float(v) if v not in ("NULL", "NaN", "-", "") else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--metrics", required=True, help="saved 'show metrics' of the joint run")
    ap.add_argument("--value-only", help="saved 'show metrics' of a value-only run")
    ap.add_argument("--point", action="append", default=[], metavar="ITER=EVAL",
                    help="saved 'show eval' of the checkpoint after ITER iterations (repeatable)")
    ap.add_argument("--baseline", help="saved 'show eval' holding --against on the same tasks")
    ap.add_argument("--method", default="metricopt-learned")
    ap.add_argument("--against", default="ce-adam")
    args = ap.parse_args()

    it = per_iteration(args.metrics, "metrics --run-dir RUN")
    phase_a = [seconds(d, "executor_compute_s") for d in it]
    phase_b = [seconds(d, "es_executor_compute_s") for d in it]
    # Wall time inside the iterations (phase A, the driver's step, phase B), not the timestamps:
    # a resumed or extended run has a gap between its sessions.
    wall = [seconds(d, "unroll_wall_s") + seconds(d, "driver_s") + seconds(d, "phase_b_wall_s")
            for d in it]
    base = eval_results(args.baseline) if args.baseline else None

    points = []
    for p in args.point:
        k, _, path = p.partition("=")
        if not k.isdigit() or not path:
            sys.exit(f"cost_curve: --point {p!r}: expected ITER=EVAL_FILE, e.g. 50=/tmp/e50.txt")
        if int(k) > len(it):
            sys.exit(f"cost_curve: --point {p!r}: the run logged only {len(it)} iterations")
        points.append((int(k), eval_results(path)))
    points.sort(key=lambda x: x[0])
    families = sorted({k[0] for _, r in points for k in r if k[2] == args.method})

    if points:
        head = " | ".join(f"{f}: {args.method}" + (f" − {args.against} [95% CI]" if base else "")
                          for f in families)
        print(f"| iterations | executor-core-hours | wall hours | {head} |")
        print("| ---: | ---: | ---: | " + " | ".join("---" for _ in families) + " |")
        for k, r in points:
            core_h = (sum(phase_a[:k]) + sum(phase_b[:k])) / 3600
            wall_h = sum(wall[:k]) / 3600
            cells = []
            for fam in families:
                vals = [v for key, v in r.items() if key[0] == fam and key[2] == args.method]
                mean = sum(vals) / len(vals) if vals else float("nan")
                cell = f"{mean:.4f}"
                if base:
                    stats = paired(family_diffs(r, args.method, base, args.against).get(fam, []))
                    if stats:
                        m, lo, hi, win = stats
                        mark = "**" if hi < 0 else ""
                        cell += f" ({mark}{m:+.4f} [{lo:+.4f}, {hi:+.4f}]{mark}, win {win:.2f})"
                cells.append(cell)
            print(f"| {k} | {core_h:.3f} | {wall_h:.2f} | " + " | ".join(cells) + " |")
        print()

    a, b = sum(phase_a) / len(it), sum(phase_b) / len(it)
    print(f"per iteration over {len(it)} iterations: phase A {a:.1f} executor-core-s, phase B "
          f"{b:.1f}; joint / value-only = (A + B) / A = {(a + b) / a:.2f}")
    if args.value_only:
        v = per_iteration(args.value_only, "metrics --run-dir RUN")
        va = sum(seconds(d, "executor_compute_s") + seconds(d, "es_executor_compute_s")
                 for d in v) / len(v)
        print(f"value-only run ({len(v)} iterations): {va:.1f} executor-core-s per iteration; "
              f"joint / value-only run = {(a + b) / va:.2f}")


if __name__ == "__main__":
    main()
