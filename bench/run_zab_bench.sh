#!/usr/bin/env bash
# ZAB target benchmark: fresh 3-node faultline-zab clusters on 127.0.0.1 driven by
# kv_bench, the median of REPEATS rounds per phase (bench/server_bench.sh does the
# work). The figures in docs/BENCHMARKS.md ("ZAB target") come from this script.
# Usage: bench/run_zab_bench.sh [build dir, default build]
#   env: REPEATS (3), DURATION (10), PHASES (default: all of "put16 put1 get-local
#        get-sync"; putN = N clients; get-MODE = 16 clients on a cluster in --read-mode
#        MODE, client t bound to node t mod 3 as ZooKeeper clients each keep one server,
#        so followers serve reads too), SERVER_FLAGS, TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
target=zab
default_phases="put16 put1 get-local get-sync"
medians_note="put phases run with --read-mode local; reads are not involved"
phase_setup() {
  case $1 in
    put16) mode=local op=put clients=16 ;;
    put1) mode=local op=put clients=1 ;;
    get-*) mode=${1#get-} op=get clients=16 bench_flags=(--spread) ;;
    *) echo "unknown phase $1" >&2; exit 3 ;;
  esac
}
source bench/server_bench.sh
