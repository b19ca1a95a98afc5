#!/usr/bin/env bash
# Raft target benchmark: fresh 3-node faultline-raft clusters on 127.0.0.1 driven by
# kv_bench, the median of REPEATS rounds per phase (bench/server_bench.sh does the
# work). The figures in docs/BENCHMARKS.md ("Raft target") come from this script.
# Usage: bench/run_raft_bench.sh [build dir, default build]
#   env: REPEATS (3), DURATION (10), PHASES (default: all of "put16 put16-fsync-commit
#        put1 put1-fsync-commit get-log get-read-index get-lease"; putN = N clients,
#        -fsync-commit = the server's --fsync-commit baseline, get-MODE = 16 clients on a
#        cluster in --read-mode MODE), SERVER_FLAGS, TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
target=raft
default_phases="put16 put16-fsync-commit put1 put1-fsync-commit get-log get-read-index get-lease"
medians_note="put phases run with --read-mode read-index; reads are not involved"
phase_setup() {
  case $1 in
    put16) mode=read-index op=put clients=16 ;;
    put1) mode=read-index op=put clients=1 ;;
    put16-fsync-commit) mode=read-index op=put clients=16 flags=(--fsync-commit) ;;
    put1-fsync-commit) mode=read-index op=put clients=1 flags=(--fsync-commit) ;;
    get-*) mode=${1#get-} op=get clients=16 ;;
    *) echo "unknown phase $1" >&2; exit 3 ;;
  esac
}
source bench/server_bench.sh
