#!/usr/bin/env bash
# The 2PC bug matrix (issue [2pc]; not in CI): every planted twopc bug and the correct
# build, each run SEEDS times for SECONDS_PER_RUN on a local 4-node cluster (n1 the
# coordinator, n2-n4 the participants; the bank workload), with the nemesis most likely
# to expose it; then the "## 2pc" section of docs/BUGS-FOUND.md is written from the
# stored results: detection rate, median time to the first anomaly, false alarms, and
# the longest time a participant stayed in doubt (blocked).
#
#   bash scripts/twopc_matrix.sh [build-dir]   # SEEDS=5 SECONDS_PER_RUN=60 PARALLEL=2
#
# Runs go to $STORE (default /tmp/faultline-twopc-matrix); each parallel lane has its
# own subnet (10.77.13<3+lane>.0/24, at most 7 lanes) and cluster state dir. Needs root.
# ONLY="name ..." runs just those rows (replacing them in results.tsv); SUMMARY_ONLY=1
# rewrites the section from $STORE/results.tsv without running anything.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seeds=${SEEDS:-5}
seconds=${SECONDS_PER_RUN:-60}
parallel=${PARALLEL:-2}
store=${STORE:-/tmp/faultline-twopc-matrix}
out=${OUT:-docs/BUGS-FOUND.md}
(( parallel >= 1 && parallel <= 7 )) || { echo "PARALLEL must be 1..7" >&2; exit 3; }

# name | expected (valid|invalid) | faultline run arguments
coordinator_cut="--nemesis-topologies isolate-leader --nemesis-targets leader --nemesis-interval 3"
matrix=(
  "correct|valid|--nemesis partition,kill,pause --nemesis-interval 4"
  "correct-coordinator-faults|valid|--nemesis partition,kill,pause $coordinator_cut"
  "correct-loss-kill-all|valid|--nemesis loss,kill --nemesis-targets all --nemesis-interval 2"
  "participant-timeout-commit|invalid|--bug participant-timeout-commit --nemesis partition,pause $coordinator_cut"
  "participant-timeout-abort|invalid|--bug participant-timeout-abort --nemesis partition,pause $coordinator_cut"
  "no-decision-log|invalid|--bug no-decision-log --nemesis loss,kill --nemesis-targets all --nemesis-interval 2"
  "vote-before-persist|invalid|--bug vote-before-persist --nemesis kill --nemesis-targets minority --nemesis-interval 2"
)

if [[ ${SUMMARY_ONLY:-0} != 1 ]]; then
  # A private copy of the binaries: rebuilding while the matrix runs must not change it.
  bin=$(mktemp -d /tmp/faultline-twopc-matrix-bin-XXXXXX)
  trap 'rm -rf "$bin"' EXIT
  cp "$build/harness/faultline" "$build/harness/faultline-twopc" "$build/harness/faultline-settime" "$bin/"
fi

if [[ -n ${ONLY:-} ]]; then
  run_matrix=()
  for entry in "${matrix[@]}"; do
    for name in $ONLY; do [[ ${entry%%|*} == "$name" ]] && run_matrix+=("$entry"); done
  done
else
  run_matrix=("${matrix[@]}")
fi

mkdir -p "$store"
results="$store/results.tsv"

run_lane() {
  local lane=$1
  local subnet="10.77.$((133 + lane)).0/24"
  local state="$store/cluster-$lane"
  local i=0
  for entry in "${run_matrix[@]}"; do
    for seed in $(seq 1 "$seeds"); do
      if (( i++ % parallel != lane )); then continue; fi
      IFS='|' read -r name expected args <<<"$entry"
      local started=$SECONDS
      set +e
      # shellcheck disable=SC2086
      "$bin/faultline" run --target twopc --workload bank --nodes 4 --keys 6 --concurrency 8 --rate 200 \
        $args --seed "$seed" --time-limit "$seconds" --subnet "$subnet" --state-dir "$state" \
        --store "$store" --test-name "twopc-$name" --target-binary "$bin/faultline-twopc" \
        >"$store/$name-$seed.log" 2>&1
      local code=$?
      set -e
      # The run directory from the run's own output (store/latest may be another lane's).
      local dir
      dir=$(sed -n 's/^test 1\/1 seed [0-9]*: [A-Za-z]* //p' "$store/$name-$seed.log" | tail -1)
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$expected" "$seed" "$code" "$((SECONDS - started))" "$dir" \
        >>"$results"
      echo "lane $lane: $name seed $seed -> exit $code"
    done
  done
}

if [[ ${SUMMARY_ONLY:-0} != 1 ]]; then
  touch "$results"
  if [[ -n ${ONLY:-} ]]; then
    for name in $ONLY; do
      grep -v "^$name	" "$results" >"$results.tmp" || true
      mv "$results.tmp" "$results"
    done
  else
    : >"$results"
  fi
  pids=()
  for lane in $(seq 0 $((parallel - 1))); do
    run_lane "$lane" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
fi

python3 - "$results" "$out" "$seeds" "$seconds" "${matrix[@]}" <<'PY'
import json, os, statistics, sys
results, out, seeds, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
matrix = [m.split("|", 2) for m in sys.argv[5:]]
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]

def results_of(row):
    try:
        return json.load(open(os.path.join(row[5], "results.json")))
    except (OSError, ValueError, IndexError):
        return {}

lines = [
    "## 2pc",
    "",
    f"Produced by `bash scripts/twopc_matrix.sh` (SEEDS={seeds}, SECONDS_PER_RUN={seconds}): each",
    "configuration runs once per seed on a local 4-node cluster (`faultline run --target twopc",
    "--workload bank --nodes 4 --keys 6`: n1 coordinates, n2-n4 hold two accounts each; 8",
    "clients, 200 ops/s). *Found* = exit 1 (invalid) for a planted bug; for a correct",
    "configuration any exit other than 0 is a false alarm. *Violations* = atomicity +",
    "balance violations the twopc checker listed (median over the runs). *Longest in doubt* =",
    "the longest time a participant stayed prepared without a decision (`max_blocked_ms`,",
    "median over the runs): blocking, which correct 2PC shows whenever the coordinator is cut",
    "off, never a violation by itself.",
    "",
    "| configuration | nemesis | expected | found / runs | exit codes | median first anomaly | violations | longest in doubt |",
    "|---|---|---|---|---|---|---|---|",
]
for name, expected, args in matrix:
    mine = [r for r in rows if r[0] == name]
    if not mine:
        continue
    codes = [int(r[3]) for r in mine]
    hits = sum(1 for c in codes if c == (1 if expected == "invalid" else 0))
    res = [results_of(r) for r in mine]
    firsts = [x["first_anomaly_s"] for x in res if isinstance(x.get("first_anomaly_s"), (int, float))]
    twopc = [x.get("twopc", {}) for x in res]
    violations = [t.get("atomicity_violations", 0) + t.get("balance_violations", 0) for t in twopc if t]
    blocked = [t["max_blocked_ms"] for t in twopc if isinstance(t.get("max_blocked_ms"), int)]
    median = f"{statistics.median(firsts):.1f} s" if firsts and expected == "invalid" else "—"
    found = f"{hits}/{len(codes)}" + (" valid" if expected == "valid" else "")
    viol = f"{statistics.median(violations):g}" if violations else "—"
    doubt = f"{statistics.median(blocked) / 1000:.1f} s" if blocked else "—"
    lines.append(f"| {name} | `{args}` | {expected} | {found} | {' '.join(map(str, codes))} | {median} | {viol} | {doubt} |")
lines += ["", "Exit codes: 0 valid, 1 invalid, 2 unknown, 3 harness error. What each bug changes and",
          "which check finds it: [targets/twopc/BUGS.md](../targets/twopc/BUGS.md).",
          "",
          "The timeout bugs stop blocking after their decision timeout (twice the 200 ms vote",
          "timeout) by deciding alone: that is the bug, and why their longest in doubt is 0.4-0.5 s",
          "where the correct build blocks for as long as the coordinator is away. no-decision-log",
          "needs a commit that reached one participant and not the other when the coordinator",
          "dies: packet loss on every node holds commit messages back in TCP retransmission for",
          "hundreds of milliseconds, and kills of every node (so of the coordinator each time) end",
          "it there. Partitions isolating the coordinator plus kills of it found it in 3 of 5",
          "runs only: a commit is split only while the partition's rules go in node by node."]
section = "\n".join(lines) + "\n"
# Only the "## 2pc" section is ours: everything before it and any later section stays.
try:
    previous = open(out).read()
except OSError:
    previous = ""
start = previous.find("\n## 2pc\n")
if start < 0:
    text = previous.rstrip("\n") + "\n\n" + section if previous else section
else:
    end = previous.find("\n## ", start + 1)
    text = previous[:start + 1] + section + (previous[end:] if end >= 0 else "")
open(out, "w").write(text)
print(section)
PY
