#!/usr/bin/env python3
"""Prints the README's held-out result tables from run directories' eval/summary.json (stdlib).

    /usr/bin/python3 deploy/bench/results_table.py runs/fashion-mnist runs/fashion-mnist-seed7
    /usr/bin/python3 deploy/bench/results_table.py --across runs/fashion-mnist runs/fashion-mnist-seed7

With --across: one compact table of the issue's acceptance comparisons, a column per run and
family, instead of the per-run tables.

Per run: the mean test metric ± half-CI of every method per family; the paired comparisons of
MetricOpt (SGD/Adam and their best-observed checkpoints) and of the learned optimizer against the
baselines (mean difference [95% CI], win rate); the value function's diagnostics. Lower is
better; a negative difference is a win.
"""
import json
import os
import sys

ORDER = ["ce-sgd", "ce-adam", "ce-sgd-best-observed", "ce-adam-best-observed", "ap-surrogate",
         "metricopt-sgd", "metricopt-adam", "metricopt-sgd-best-observed",
         "metricopt-adam-best-observed", "metricopt-random-sgd", "metricopt-random-adam",
         "metricopt-oracle-sgd", "metricopt-oracle-adam", "metricopt-learned"]
PAIRS = [("metricopt-sgd", "ce-sgd"), ("metricopt-adam", "ce-adam"),
         ("metricopt-sgd", "metricopt-random-sgd"), ("metricopt-adam", "metricopt-random-adam"),
         ("metricopt-sgd", "ce-sgd-best-observed"), ("metricopt-adam", "ce-adam-best-observed"),
         ("metricopt-sgd-best-observed", "ce-sgd-best-observed"),
         ("metricopt-adam-best-observed", "ce-adam-best-observed"),
         ("metricopt-sgd-best-observed", "ce-adam-best-observed"),
         ("metricopt-oracle-sgd", "ce-sgd"), ("metricopt-oracle-adam", "ce-adam"),
         ("metricopt-learned", "ce-adam"), ("metricopt-learned", "metricopt-sgd")]


def fmt_cmp(m, base):
    d = m.get("diff_vs", {}).get(base)
    w = m.get("win_rate_vs", {}).get(base)
    if d is None or d.get("mean") is None:
        return None
    ci = d.get("ci95") or [float("nan"), float("nan")]
    star = "**" if d.get("excludes_zero") and d["mean"] < 0 else ""
    return "%s%+.4f [%+.4f, %+.4f]%s, win %.2f" % (star, d["mean"], ci[0], ci[1], star, w)


def run_label(d, s):
    cmd = s.get("command") or ""
    return "%s (`%s`)" % (os.path.basename(d.rstrip("/")), cmd)


def main(dirs):
    for d in dirs:
        s = json.load(open(os.path.join(d, "eval", "summary.json")))
        print("\n#### %s\n" % run_label(d, s))
        fams = sorted(s["families"])
        methods = [m for m in ORDER if any(m in s["families"][f]["methods"] for f in fams)]
        print("| method | " + " | ".join("%s (%s)" % (f, s["families"][f]["metric"]) for f in fams) + " |")
        print("|---|" + "---|" * len(fams))
        for m in methods:
            cells = []
            for f in fams:
                ms = s["families"][f]["methods"].get(m)
                if ms is None or ms.get("mean") is None:
                    cells.append("—")
                    continue
                ci = ms.get("ci95")
                half = (ci[1] - ci[0]) / 2 if ci else float("nan")
                extra = []
                if ms.get("learning_rate") is not None:
                    extra.append("lr %g" % ms["learning_rate"])
                if ms.get("lambda") is not None:
                    extra.append("λ %g" % ms["lambda"])
                cells.append("%.4f ± %.4f (%s)" % (ms["mean"], half, ", ".join(extra)))
            print("| %s | %s |" % (m, " | ".join(cells)))
        print()
        print("| comparison | " + " | ".join(fams) + " |")
        print("|---|" + "---|" * len(fams))
        for a, b in PAIRS:
            cells = []
            for f in fams:
                ms = s["families"][f]["methods"].get(a)
                c = fmt_cmp(ms, b) if ms else None
                cells.append(c or "—")
            if all(c == "—" for c in cells):
                continue
            print("| %s − %s | %s |" % (a, b, " | ".join(cells)))
        diag = s.get("value_function", {}).get("families", {})
        if diag:
            print()
            print("| diagnostic | " + " | ".join(fams) + " |")
            print("|---|" + "---|" * len(fams))
            for key, label in [("prior_spearman", "prior Spearman (held-out CE trajectories)"),
                               ("step_index_spearman", "step-index Spearman (same trajectories)"),
                               ("forward_spearman", "forward Spearman, adapted f (MetricOpt unrolls)"),
                               ("forward_step_index_spearman", "forward Spearman, step index"),
                               ("forward_test_metric_spearman", "forward Spearman, test-split metric"),
                               ("gradient_cosine_validation", "cos(∇f, ∇ validation loss)"),
                               ("gradient_norm_raw", "raw ‖∇f‖")]:
                vals = []
                for f in fams:
                    v = diag.get(f, {}).get(key)
                    vals.append("—" if v is None else ("%.3g" % v if key == "gradient_norm_raw" else "%.3f" % v))
                print("| %s | %s |" % (label, " | ".join(vals)))


ACCEPTANCE = [("metricopt-sgd", "ce-sgd"), ("metricopt-adam", "ce-adam"),
              ("metricopt-sgd", "metricopt-random-sgd"), ("metricopt-adam", "metricopt-random-adam"),
              ("metricopt-sgd", "ce-adam-best-observed"), ("metricopt-adam", "ce-adam-best-observed"),
              ("metricopt-sgd-best-observed", "ce-adam-best-observed"),
              ("metricopt-adam-best-observed", "ce-adam-best-observed"),
              ("metricopt-learned", "ce-adam")]
ACROSS_FAMILIES = ("aucpr-imbalanced", "mcr-noisy")


def across(dirs):
    runs = [(os.path.basename(d.rstrip("/")), json.load(open(os.path.join(d, "eval", "summary.json"))))
            for d in dirs]
    cols = [(name, f) for f in ACROSS_FAMILIES for name, _ in runs]
    print("| comparison | " + " | ".join("%s, %s" % (f, name) for name, f in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for a, b in ACCEPTANCE:
        cells = []
        for name, f in cols:
            s = dict(runs)[name]
            ms = s["families"].get(f, {}).get("methods", {}).get(a)
            cells.append((fmt_cmp(ms, b) if ms else None) or "—")
        print("| %s − %s | %s |" % (a, b, " | ".join(cells)))
    keys = [("prior_spearman", "prior ρ"), ("step_index_spearman", "step-index ρ"),
            ("forward_spearman", "forward ρ of adapted f"),
            ("forward_step_index_spearman", "forward ρ of the step index"),
            ("forward_test_metric_spearman", "forward ρ of the test-split metric (noise ceiling)"),
            ("gradient_cosine_validation", "cos(∇f, ∇ validation loss)")]
    for key, label in keys:
        cells = []
        for name, f in cols:
            v = dict(runs)[name].get("value_function", {}).get("families", {}).get(f, {}).get(key)
            cells.append("—" if v is None else "%.3f" % v)
        print("| %s | %s |" % (label, " | ".join(cells)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--across"]:
        across(sys.argv[2:])
    else:
        main(sys.argv[1:])
