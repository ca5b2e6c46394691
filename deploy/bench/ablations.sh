#!/usr/bin/env bash
# The value-function ablations of the README (docs/DESIGN.md section 3): one development run per
# row, each the dev protocol of conf/dev.conf (value-only meta-training, numbers on
# validation-stream tasks) with one lever changed. Then prints the table:
#   deploy/bench/ablations.sh [ROW ...]        # default: every row; runs/ablation-<row>/
#   /usr/bin/python3 deploy/bench/ablation_table.py runs/ablation-*
# Each row takes 10-15 minutes on 2 cores. Rows whose run directory has eval/summary.json are
# skipped; delete it to rerun one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

declare -A ROWS=(
  [full]=""
  [legacy]="--conf conf/ablations/legacy.conf"
  [no-probes]="--set meta-train.probe-pairs=0"
  [no-context]="--set value-function.context=false"
  [absolute-target]="--set value-function.target=absolute"
  [glorot-init]="--set value-function.init=glorot"
  [reptile-sgd]="--set value-function.meta-optimizer=sgd"
  [no-lr-multipliers]="--set meta-train.lr-multipliers=[1.0]"
  [gp-noise-wide]="--set value-function.gp-noise-ratios=[1e-3,1e-2,0.1,0.3,1.0]"
  [rank-term]="--set value-function.rank-weight=1.0"
  [shared-labels]="--set tasks.mixture.shared-labels=1 --set tasks.mixture.aucpr-imbalanced=0 --set tasks.mixture.mcr-noisy=0 --set tasks.mixture.input-shift=0"
)
ORDER=(full legacy no-probes no-context absolute-target glorot-init reptile-sgd no-lr-multipliers
  gp-noise-wide rank-term shared-labels)
rows=("$@")
((${#rows[@]})) || rows=("${ORDER[@]}")
for row in "${rows[@]}"; do
  [[ -n "${ROWS[$row]+x}" ]] || { echo "ablations: unknown row $row; rows: ${ORDER[*]}" >&2; exit 2; }
  dir="runs/ablation-$row"
  if [[ -f "$dir/eval/summary.json" ]]; then
    echo "ablations: $row done already ($dir)"
    continue
  fi
  args=(--conf conf/dev.conf)
  # shellcheck disable=SC2206
  extra=(${ROWS[$row]})
  if [[ "${extra[0]:-}" == "--conf" ]]; then args=(); fi
  echo "ablations: $row: deploy/bin/metricopt run ${args[*]} ${extra[*]} --run-dir $dir"
  deploy/bin/metricopt run "${args[@]}" "${extra[@]}" --run-dir "$dir" > "$dir.log" 2>&1 \
    || { echo "ablations: $row failed, see $dir.log" >&2; exit 1; }
done
/usr/bin/python3 deploy/bench/ablation_table.py "${rows[@]/#/runs/ablation-}"
