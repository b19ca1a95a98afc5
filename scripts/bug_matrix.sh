#!/usr/bin/env bash
# The bug matrix (issues [runner], [zab]; not in CI): every planted bug of a target and
# its correct build, each run SEEDS times for SECONDS on a local 5-node cluster, with the
# workload and nemesis most likely to expose it; then docs/BUGS-FOUND.md is written from
# the stored results: detection rate, median time to the first anomaly, false alarms.
#
#   bash scripts/bug_matrix.sh [build-dir]        # SEEDS=5 SECONDS_PER_RUN=120 PARALLEL=2
#   TARGET=zab bash scripts/bug_matrix.sh [build-dir]
#
# TARGET=raft (default) writes the top of docs/BUGS-FOUND.md; another target writes its
# "## <target>" section and keeps the rest. (2PC has its own: scripts/twopc_matrix.sh.)
# Runs go to $STORE (default /tmp/faultline-bug-matrix[-<target>]); each parallel lane
# has its own subnet (raft 10.77.10x.0/24, zab 10.77.14x.0/24) and cluster state dir.
# Needs root. Exit 0 when it finished.
# SUMMARY_ONLY=1 rewrites the table from $STORE/results.tsv without running anything.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
target=${TARGET:-raft}
seeds=${SEEDS:-5}
seconds=${SECONDS_PER_RUN:-120}
parallel=${PARALLEL:-2}
store=${STORE:-/tmp/faultline-bug-matrix$([[ $target == raft ]] || echo "-$target")}
out=${OUT:-docs/BUGS-FOUND.md}

# A private copy of the binaries: rebuilding while the matrix runs must not change it.
bin=$(mktemp -d /tmp/faultline-matrix-bin-XXXXXX)
trap 'rm -rf "$bin"' EXIT
cp "$build/harness/faultline" "$build/harness/faultline-$target" "$build/harness/faultline-settime" \
  "$build/harness/faultline-delay" "$bin/"

# name | expected (valid|invalid) | faultline run arguments
case $target in
raft)
lane_base=100
matrix=(
  "correct-register|valid|--workload register --nemesis partition,kill,pause,clock --nemesis-interval 5"
  "correct-set|valid|--workload set --nemesis partition,kill,pause,clock --nemesis-targets majority --nemesis-interval 5"
  "correct-set-crash-loop|valid|--workload set --nemesis crash-loop,delay --nemesis-targets all --delay-ms 20 --delay-jitter-ms 15 --nemesis-interval 3"
  "stale-read|invalid|--workload register --bug stale-read --nemesis partition --nemesis-interval 5"
  "no-read-quorum|invalid|--workload register --bug no-read-quorum --nemesis partition --nemesis-topologies isolate-leader,halves --nemesis-interval 5"
  "commit-old-term|invalid|--workload register --bug commit-old-term --max-entries-per-message 1 --nemesis crash-loop,delay --nemesis-targets all --delay-ms 20 --delay-jitter-ms 15 --nemesis-interval 3"
  "forget-vote|invalid|--workload set --bug forget-vote --nemesis crash-loop,delay --nemesis-targets all --delay-ms 20 --delay-jitter-ms 15 --nemesis-interval 3"
  "ack-before-persist|invalid|--workload set --bug ack-before-persist --nemesis kill --nemesis-targets all --nemesis-interval 3"
  "lease-no-clock|valid|--workload register --read-mode lease --nemesis partition --nemesis-topologies isolate-leader,halves --nemesis-interval 5"
  "lease-clock|invalid|--workload register --read-mode lease --nemesis partition,clock --clock-faults freeze --nemesis-topologies isolate-leader --nemesis-targets leader --nemesis-interval 4"
)
;;
zab)
lane_base=140
matrix=(
  "zab-correct-register|valid|--target zab --read-mode sync --workload register --nemesis partition,kill,pause,clock --nemesis-interval 5"
  "zab-correct-set|valid|--target zab --read-mode sync --workload set --nemesis partition,kill,pause,clock --nemesis-targets majority --nemesis-interval 5"
  "zab-local-reads|invalid|--target zab --read-mode local --workload register --nemesis partition --nemesis-interval 5"
  "zab-skip-sync|invalid|--target zab --read-mode sync --workload set --bug skip-sync --nemesis partition,kill --nemesis-targets minority --nemesis-interval 3"
  "zab-commit-before-quorum|invalid|--target zab --read-mode sync --workload set --bug commit-before-quorum --nemesis partition,kill --nemesis-targets leader --nemesis-interval 3"
  "zab-no-epoch-fence|invalid|--target zab --read-mode sync --workload register --bug no-epoch-fence --nemesis partition --nemesis-topologies isolate-leader --nemesis-interval 3"
  "zab-ack-before-persist|invalid|--target zab --read-mode sync --workload set --bug ack-before-persist --nemesis kill --nemesis-targets all --nemesis-interval 3"
)
;;
*) echo "TARGET must be raft or zab (2PC: scripts/twopc_matrix.sh)" >&2; exit 3 ;;
esac

# ONLY="name1 name2" runs just those configurations, replacing their rows in results.tsv.
if [[ -n ${ONLY:-} ]]; then
  selected=()
  for entry in "${matrix[@]}"; do
    for name in $ONLY; do [[ ${entry%%|*} == "$name" ]] && selected+=("$entry"); done
  done
  run_matrix=("${selected[@]}")
else
  run_matrix=("${matrix[@]}")
fi

mkdir -p "$store"
results="$store/results.tsv"

run_lane() {
  local lane=$1
  local subnet="10.77.$((lane_base + lane)).0/24"
  local state="$store/cluster-$lane"
  local i=0
  for entry in "${run_matrix[@]}"; do
    for seed in $(seq 1 "$seeds"); do
      if (( i++ % parallel != lane )); then continue; fi
      IFS='|' read -r name expected args <<<"$entry"
      local started=$SECONDS
      set +e
      # shellcheck disable=SC2086
      "$bin/faultline" run $args --seed "$seed" --time-limit "$seconds" --nodes 5 \
        --subnet "$subnet" --state-dir "$state" --store "$store" --test-name "$name" \
        >"$store/$name-$seed.log" 2>&1
      local code=$?
      set -e
      # The run directory from the run's own output (store/latest may already point at
      # the other lane's run).
      local dir
      dir=$(sed -n 's/^test 1\/1 seed [0-9]*: [A-Za-z]* //p' "$store/$name-$seed.log" | tail -1)
      local first
      first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("first_anomaly_s",""))' \
        "$dir/results.json" 2>/dev/null || true)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$expected" "$seed" "$code" "${first}" \
        "$((SECONDS - started))" "$dir" >>"$results"
      echo "lane $lane: $name seed $seed -> exit $code (first anomaly ${first:-none} s)"
    done
  done
}

if [[ ${SUMMARY_ONLY:-0} != 1 ]]; then
  if [[ -n ${ONLY:-} ]]; then
    touch "$results"
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

python3 - "$results" "$out" "$seeds" "$seconds" "$store" "$target" "${matrix[@]}" <<'PY'
import re, statistics, sys
results, out, seeds, seconds, store, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
matrix = [m.split("|", 2) for m in sys.argv[7:]]
import json, os
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
for r in rows:  # fill in what a lane could not read at the time
    try:
        log = open(os.path.join(store, f"{r[0]}-{r[2]}.log")).read()
        found = re.findall(r"^test 1/1 seed \d+: \S+ (\S+)$", log, re.M)
        if found:
            r[6] = found[-1]
    except OSError:
        pass
    try:
        res = json.load(open(os.path.join(r[6], "results.json")))
        r[4] = str(res.get("first_anomaly_s", r[4]))
        r.append(res)
    except (OSError, ValueError, IndexError):
        pass


def found_by(runs):
    """Which checkers said invalid, over the runs: the history's (linearizable, set) and
    the node logs' (panics and broken invariants, two leaders of a term, double votes)."""
    history = logs = leaders = votes = others = applied = 0
    for r in runs:
        res = r[7] if len(r) > 7 else {}
        history += any(res.get(c, {}).get("verdict") == "invalid" for c in ("linearizable", "set"))
        log = res.get("logs", {})
        logs += log.get("verdict") == "invalid"
        leaders += log.get("terms_with_two_leaders", 0) > 0
        votes += log.get("double_votes", 0) > 0
        others += log.get("double_votes_for_others", 0) > 0
        applied += log.get("indexes_applied_differently", 0) > 0
    if not history and not logs:
        return "—"
    parts = [f"history {history}"] if history else []
    if logs:
        detail = [f"{what} in {n}" for n, what in ((leaders, "two leaders of a term"), (votes, "a double vote"),
                                                   (others, "one for two other nodes"),
                                                   (applied, "different entries applied at one index")) if n]
        parts.append(f"logs {logs}" + (f": {', '.join(detail)}" if detail else ""))
    return ", ".join(parts)
command = "bash scripts/bug_matrix.sh" if target == "raft" else f"TARGET={target} bash scripts/bug_matrix.sh"
lines = [
    "# Bugs found: the raft bug matrix" if target == "raft" else f"## {target}",
    "",
    f"Produced by `{command}` (SEEDS={seeds}, SECONDS_PER_RUN={seconds}): each",
    "configuration runs once per seed on a local 5-node cluster (`faultline run`, 10",
    "clients, 200 ops/s). *Found* = exit 1 (invalid) for a planted bug; for a correct",
    "configuration any exit other than 0 is a false alarm. *First anomaly* = when, in the",
    "run, the earliest anomaly happened (`first_anomaly_s` in results.json): the op that the",
    "history's checkers flag first, or the node log line that the log checker flags first",
    "(server log lines carry their wall-clock time; a clock fault on that node shifts it).",
    "*Found by* = in how many runs the history's checkers (linearizable, set) and the log",
    "checker (panics, broken invariants, two leaders of one term, a node voting twice in one",
    "term, two nodes or restarts applying different entries up to one index) said invalid.",
    "",
    "| configuration | workload and nemesis | expected | found / runs | exit codes | median first anomaly | found by |",
    "|---|---|---|---|---|---|---|",
]
try:
    previous_rows = {l.split("|")[1].strip(): l for l in open(out) if l.startswith("| ")}
except OSError:
    previous_rows = {}
kept_any = False
for name, expected, args in matrix:
    mine = [r for r in rows if r[0] == name]
    if not mine and name in previous_rows:
        kept_any = True
        # Not run into this store (ONLY= on a fresh $STORE): keep the row already written.
        kept = previous_rows[name].rstrip("\n")
        if kept.count("|") == 7:  # written before the found-by column
            kept += " not recorded |"
        lines.append(kept)
        continue
    codes = [int(r[3]) for r in mine]
    if expected == "invalid":
        hits = sum(1 for c in codes if c == 1)
    else:
        hits = sum(1 for c in codes if c == 0)
    firsts = [float(r[4]) for r in mine if r[4] not in ("", "None")]
    median = f"{statistics.median(firsts):.1f} s" if firsts and expected == "invalid" else "—"
    found = f"{hits}/{len(codes)}" + (" valid" if expected == "valid" else "")
    lines.append(f"| {name} | `{args}` | {expected} | {found} | {' '.join(map(str, codes))} | {median} | {found_by(mine)} |")
lines += ["", "Exit codes: 0 valid, 1 invalid, 2 unknown, 3 harness error. Per-run logs and stores",
          "are under $STORE (default /tmp/faultline-bug-matrix[-<target>])."]
if kept_any:
    lines += ["Rows whose runs are not in this $STORE were kept from an earlier run of the matrix",
              "(`ONLY=` re-runs just the named rows), with that run's SEEDS and SECONDS_PER_RUN",
              "(`git log -p docs/BUGS-FOUND.md` shows them); *not recorded* marks rows from before",
              "the found-by column."]
lines += [""]
if target != "raft":
    lines += [f"What each planted bug changes and breaks: [targets/{target}/BUGS.md](../targets/{target}/BUGS.md)."]
    try:
        previous = open(out).read()
    except OSError:
        previous = ""
    # Replace this target's section (up to the next "## " heading), or append it.
    start = previous.find(f"\n## {target}\n")
    if start < 0:
        text = previous.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    else:
        end = previous.find("\n## ", start + 1)
        rest = previous[end + 1:] if end >= 0 else ""
        text = previous[:start + 1] + "\n".join(lines) + "\n" + ("\n" + rest if rest else "")
    open(out, "w").write(text)
    print("\n".join(lines))
    sys.exit(0)
lines += [
          "A bug found in fewer than 4 of 5 seeds misses the matrix's goal. What real runs find,",
          "what was tried for the bugs they miss (each is found in simulation,",
          "tests/sim/raft_sim_test.cpp) and why:",
          "[targets/raft/BUGS.md](../targets/raft/BUGS.md), \"In real runs\"."]
# Sections of other targets (## headings, e.g. "## etcd") are kept as they are.
try:
    previous = open(out).read()
    tail = previous[previous.index("\n## ") + 1:] if "\n## " in previous else ""
except OSError:
    tail = ""
open(out, "w").write("\n".join(lines) + "\n" + ("\n" + tail if tail else ""))
print("\n".join(lines))
PY
