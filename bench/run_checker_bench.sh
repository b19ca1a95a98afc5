#!/usr/bin/env bash
# Runs every checker benchmark, one per process (so each peak_rss_mb is its own),
# and prints a table. The figures in docs/BENCHMARKS.md come from this script.
# Usage: bench/run_checker_bench.sh [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -x "$build/bench/checker_bench" ] || { echo "build first: scripts/build.sh" >&2; exit 3; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
for filter in 'BM_EtcdShaped/pruned:1' 'BM_EtcdShaped/pruned:0' \
              'BM_Append50Crashed/pruned:1' 'BM_Append50Crashed/pruned:0' \
              'BM_Register100k/pruned:1' 'BM_Register100k/pruned:0' \
              'BM_Kv1M/pruned:1' \
              'BM_KnossosCorpus/pruned:1' 'BM_KnossosCorpus/pruned:0'; do
  "$build/bench/checker_bench" --benchmark_filter="^${filter}(/|\$)" 2>/dev/null | grep '^BM_'
done
