#!/usr/bin/env bash
# The whole report of a 1,000,000-op run (issue [reports], goal: under 10 s): generates a
# register history of 1,000,000 ops (2,000,000 events) with faultline-gen-history, makes it
# a run directory (test.json, results.json from `faultline check`), and times
# `faultline report` on it — reading the history, plots with gnuplot, report.html,
# results.xml, the store index. Prints the seconds of three runs.
#   bash bench/run_report_bench.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
ops=${OPS:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/faultline-report-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
run="$work/store/bench/run"
mkdir -p "$run"
"$build/bench/faultline-gen-history" --shape kv --keys 1000 --ops "$ops" --out "$run/history.jsonl" >/dev/null
cat >"$run/test.json" <<JSON
{"config": {"test_name": "bench", "target": "raft", "workload": "register", "call_timeout_s": 1.0},
 "versions": "bench", "started": 0}
JSON
"$build/harness/faultline" check "$run" >/dev/null || true   # writes results.json
for i in 1 2 3; do
  start=$EPOCHREALTIME
  "$build/harness/faultline" report "$run" >/dev/null 2>"$work/warnings.txt"
  end=$EPOCHREALTIME
  awk -v s="$start" -v e="$end" -v ops="$ops" -v size="$(stat -c %s "$run/report.html")" \
    'BEGIN { printf "report of %d ops: %.2f s (report.html %d bytes)\n", ops, e - s, size }'
done
