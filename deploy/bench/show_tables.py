"""Shared helpers of the bench scripts (stdlib only): read the tables that `metricopt show`
prints, and the paired statistics every comparison in the README uses."""
import math
import sys

# Two-sided 95% quantiles of Student's t by degrees of freedom (1..30); 1.96 beyond.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def rows(lines, source, what):
    """The rows of the first table in `lines` as dicts keyed by its header (repeated headers and
    ragged lines skipped). Exits with one line naming `source` when there is no table."""
    table = [line for line in lines if line.startswith("|")]
    if not table:
        sys.exit(f"{source} holds no table; save or pipe 'metricopt show {what}' into it")
    header = [c.strip() for c in table[0].strip().strip("|").split("|")]
    out = []
    for r in table[1:]:
        cells = [c.strip() for c in r.strip().strip("|").split("|")]
        if len(cells) != len(header) or cells == header:
            continue
        out.append(dict(zip(header, cells)))
    return header, out


def eval_results(path):
    """{(family, task_id, method): test metric} of the ok tasks of a saved `metricopt show eval`."""
    with open(path, encoding="utf-8") as f:
        _, table = rows(f, path, "eval")
    out = {}
    for d in table:
        value = d["test_metric"]
        if d["status"] == "ok" and value not in ("NULL", "NaN"):
            out[(d["family"], d["task_id"], d["method"])] = float(value)
    return out


def paired(diffs):
    """(mean, CI low, CI high, win rate) of paired differences (lower is better; ties count one
    half), or None for fewer than two pairs."""
    n = len(diffs)
    if n < 2:
        return None
    mean = sum(diffs) / n
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    half = (T975[n - 2] if n - 1 <= len(T975) else 1.96) * sd / math.sqrt(n)
    win = (sum(d < 0 for d in diffs) + 0.5 * sum(d == 0 for d in diffs)) / n
    return mean, mean - half, mean + half, win


def family_diffs(a, method, b, other):
    """Per family of `method` in results `a`: its differences to `other` in results `b`, paired
    by task id."""
    families = sorted({k[0] for k in a if k[2] == method})
    return {fam: [a[k] - b[(fam, k[1], other)] for k in a
                  if k[0] == fam and k[2] == method and (fam, k[1], other) in b]
            for fam in families}
