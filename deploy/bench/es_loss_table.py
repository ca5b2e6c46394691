#!/usr/bin/env python3
"""ES figures of a joint meta-training run over its iterations, as a Markdown table.

Reads the table that `metricopt show metrics --run-dir RUN` prints on standard input, e.g.

    deploy/bin/metricopt show metrics --run-dir runs/fashion-mnist | python3 deploy/bench/es_loss_table.py --every 50

and prints es_mean_opt_loss (the mean L_opt of the iteration's antithetic pairs), the diverged
unrolls, the unrolls whose L_opt is at the divergence penalty (two per pair; diverged ones
included) and the ES gradient norm every N iterations, next to the level of an optimizer that never
moves phi: lambda * ln 2 with the regret form of L_metric (every step's softplus(0), and
L_loss = 0), 0 with the mean forms (--objective mean-relative or mean-change).
"""
import argparse
import math
import sys

from show_tables import rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--every", type=int, default=50, help="one row per this many iterations")
    ap.add_argument("--metric-weight", type=float, default=50.0,
                    help="learned-optimizer.metric-weight of the run (lambda)")
    ap.add_argument("--objective", choices=("regret", "mean-relative", "mean-change"), default="regret",
                    help="learned-optimizer.metric-objective of the run")
    args = ap.parse_args()
    header, data = rows(sys.stdin, "standard input", "metrics --run-dir RUN")
    # Runs logged before es_capped_unrolls existed show "-" there.
    has_capped = "es_capped_unrolls" in header
    data.sort(key=lambda d: int(d["iteration"]))
    still = args.metric_weight * math.log(2) if args.objective == "regret" else 0.0
    level = "lambda ln 2 = " if args.objective == "regret" else "(mean forms) "
    print("| iteration | es_mean_opt_loss | diverged unrolls / pairs | unrolls at the penalty /"
          " unrolls | ES gradient norm |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for i, d in enumerate(data):
        if i % args.every != 0 and i != len(data) - 1:
            continue
        print(f"| {int(d['iteration'])} | {float(d['es_mean_opt_loss']):.1f} "
              f"| {d['es_diverged_unrolls']} / {d['es_pairs']} "
              f"| {d['es_capped_unrolls'] if has_capped else '-'} / {2 * int(d['es_pairs'])} "
              f"| {float(d['es_grad_norm']):.0f} |")
    tail = [float(d["es_mean_opt_loss"]) for d in data[-50:]]
    print()
    print(f"mean es_mean_opt_loss over the last {len(tail)} iterations: "
          f"{sum(tail) / len(tail):.1f}; an optimizer that never moves scores "
          f"{level}{still:.1f}")

if __name__ == "__main__":
    main()
