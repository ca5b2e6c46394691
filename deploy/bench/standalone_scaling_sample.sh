#!/usr/bin/env bash
# Runs `metricopt bench scaling` against the local standalone cluster and, during the
# one-executor and then the two-executor session's timed batches, samples for WINDOW seconds
# (default 12) each where this machine's CPU goes: the threads of each executor JVM and of the driver (thread_cpu.py), the
# Master and Worker JVMs, and the idle time of the whole machine (/proc/stat).
#
#   deploy/bin/local-cluster start 2 1
#   deploy/bench/standalone_scaling_sample.sh OUT_DIR [bench scaling options...]
#   e.g. deploy/bench/standalone_scaling_sample.sh /tmp/sample --repeats 8
#
# Writes OUT_DIR/bench.log (the bench's output) and, per session (one-, two-),
# executor-PID.txt, driver.txt, daemon-PID.txt and machine.txt (idle and total CPU seconds in the
# window). Use enough --repeats that the timed batches outlast the window (a batch of 48 tasks
# takes about 4.7 s on one and 2.6 s on two one-core executors here).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"
shift
WINDOW="${WINDOW:-12}"
MASTER="spark://127.0.0.1:${METRICOPT_MASTER_PORT:-7077}"
mkdir -p "$OUT"
cd "$ROOT"
uptime > "$OUT/bench.log"
METRICOPT_NO_BUILD="${METRICOPT_NO_BUILD:-1}" deploy/bin/metricopt bench scaling \
  --master "$MASTER" --tasks 48 "$@" >> "$OUT/bench.log" 2>&1 &
bench=$!
ticks() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }

# Samples one session's timed batches once its first one is done; $1 = executors, $2 = label.
sample() {
  while kill -0 "$bench" 2>/dev/null && ! grep -q "$1 executor(s) repeat 1:" "$OUT/bench.log"; do
    sleep 0.2
  done
  grep -q "$1 executor(s) repeat 1:" "$OUT/bench.log" || return 0
  local pids=()
  (a=$(ticks); sleep "$WINDOW"; b=$(ticks)
   echo "$a $b" | awk '{printf "window: idle %.2f s of %.2f CPU-seconds (%.1f%%)\n",
     ($3-$1)/100, ($4-$2)/100, 100*($3-$1)/($4-$2)}') > "$OUT/$2-machine.txt" &
  pids+=($!)
  for p in $(pgrep -f CoarseGrainedExecutorBackend); do
    python3 deploy/bench/thread_cpu.py "$p" "$WINDOW" > "$OUT/$2-executor-$p.txt" &
    pids+=($!)
  done
  for p in $(pgrep -f "deploy.master.Master|deploy.worker.Worker"); do
    python3 deploy/bench/thread_cpu.py "$p" "$WINDOW" > "$OUT/$2-daemon-$p.txt" &
    pids+=($!)
  done
  driver=$(pgrep -f "MetricOptMain bench scaling" | head -1)
  python3 deploy/bench/thread_cpu.py "$driver" "$WINDOW" > "$OUT/$2-driver.txt" &
  pids+=($!)
  wait "${pids[@]}"
}
sample 1 one
sample 2 two
wait "$bench"
uptime >> "$OUT/bench.log"
grep "median" "$OUT/bench.log"
for f in "$OUT"/one-*.txt "$OUT"/two-*.txt; do
  if [[ -f "$f" ]]; then echo "$(basename "$f"): $(head -n 3 "$f" | tr -s ' ' | tr '\n' ';')"; fi
done
