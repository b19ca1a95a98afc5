#!/usr/bin/env bash
# Times `faultline cluster up` and `down` of 5 nodes (5 rounds) and runs ssh_bench on
# the cluster. Root only; uses its own state dir and always takes the cluster down.
# The figures in docs/BENCHMARKS.md come from this script.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
fl=$build/harness/faultline
state=$(mktemp -d /tmp/faultline-bench-cluster.XXXXXX)
trap '"$fl" cluster down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
for round in 1 2 3 4 5; do
  t=$(date +%s%N); "$fl" cluster up --nodes 5 --state-dir "$state" >/dev/null; up=$(ms "$t")
  t=$(date +%s%N); "$fl" cluster down --state-dir "$state" >/dev/null; down=$(ms "$t")
  echo "round $round: cluster up (5 nodes) ${up} ms, cluster down ${down} ms"
done
"$fl" cluster up --nodes 5 --state-dir "$state" >/dev/null
"$build/bench/ssh_bench" "$state/nodes.json" --commands 1000 --seconds 5
