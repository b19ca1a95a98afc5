#!/usr/bin/env bash
# The main job: sets everything up, builds, and runs a test on a local 5-node cluster —
# the shipped Raft server under the register workload while the nemesis partitions,
# kills, pauses and skews clocks for 60 s — then heals, checks and stores the run under
# store/raft-register/<UTC time>/ (store/latest points at it). Exits with the run's code:
# 0 valid, 1 invalid, 2 unknown, 3 harness or config error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec build/harness/faultline run --target raft --workload register \
  --nemesis partition,kill,pause,clock --nemesis-interval 5 --time-limit 60 \
  --concurrency 10 --rate 200 --nodes 5 --store store
