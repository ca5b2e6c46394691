#!/usr/bin/env python3
"""Prints the README's ablation table from run directories' eval/summary.json (stdlib only).

Per run and family: MetricOpt (SGD) and (Adam) against their CE baseline, the best-observed
checkpoint of CE+Adam and their random-direction control (mean paired difference [95% CI], win
rate), and the value function's diagnostics. Lower is better; a negative difference is a win.

    /usr/bin/python3 deploy/bench/ablation_table.py runs/ablation-full runs/ablation-legacy ...
"""
import json
import os
import sys

FAMILIES = ("aucpr-imbalanced", "mcr-noisy")


def cell(method, baseline):
    if method is None:
        return "—"
    d = method.get("diff_vs", {}).get(baseline)
    w = method.get("win_rate_vs", {}).get(baseline)
    if d is None or d.get("mean") is None:
        return "—"
    ci = d.get("ci95") or [float("nan"), float("nan")]
    return "%+.4f [%+.4f, %+.4f] %.2f" % (d["mean"], ci[0], ci[1], w if w is not None else float("nan"))


def main(dirs):
    print("| row | family | MO-SGD − CE+SGD | MO-Adam − CE+Adam | MO-SGD − random | MO-Adam − random"
          " | MO-Adam − CE+Adam best-obs. | oracle-SGD − CE+SGD | prior ρ (step ρ)"
          " | forward ρ (step, test metric) | cos(∇f, ∇val) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for d in dirs:
        path = os.path.join(d, "eval", "summary.json")
        if not os.path.exists(path):
            print("| %s | (no eval/summary.json) |||||||||" % os.path.basename(d))
            continue
        s = json.load(open(path))
        diag = s.get("value_function", {}).get("families", {})
        fams = [f for f in FAMILIES if f in s["families"]] or sorted(s["families"])
        for fam in fams:
            m = s["families"][fam]["methods"]
            g = diag.get(fam, {})

            def num(k):
                v = g.get(k)
                return "—" if v is None else "%.2f" % v
            print("| %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s, %s) | %s |" % (
                os.path.basename(d).replace("ablation-", ""), fam,
                cell(m.get("metricopt-sgd"), "ce-sgd"),
                cell(m.get("metricopt-adam"), "ce-adam"),
                cell(m.get("metricopt-sgd"), "metricopt-random-sgd"),
                cell(m.get("metricopt-adam"), "metricopt-random-adam"),
                cell(m.get("metricopt-adam"), "ce-adam-best-observed"),
                cell(m.get("metricopt-oracle-sgd"), "ce-sgd"),
                num("prior_spearman"), num("step_index_spearman"), num("forward_spearman"),
                num("forward_step_index_spearman"), num("forward_test_metric_spearman"),
                num("gradient_cosine_validation")))


if __name__ == "__main__":
    main(sys.argv[1:])
