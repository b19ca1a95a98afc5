# The body of the target benchmarks (sourced by bench/run_raft_bench.sh and
# bench/run_zab_bench.sh, which set `target`, `default_phases`, `medians_note` and a
# function `phase_setup PHASE` that sets `mode` (--read-mode), `op` (put|get), `clients`
# and the arrays `flags` (extra server flags) and `bench_flags` (extra kv_bench flags)).
# For every measurement it starts a fresh 3-node faultline-$target cluster on 127.0.0.1
# (free ports, temp data dirs on the real disk), drives it with build/bench/kv_bench,
# stops the nodes by pid, and prints the median of REPEATS runs per phase. The servers
# are stopped and the temp dir removed on any exit (also ^C).
#   args: [build dir, default build]
#   env: REPEATS rounds (3), DURATION seconds per run (10), PHASES (default_phases),
#        SERVER_FLAGS (extra flags for every node), TMPDIR (where the data dirs go).
# Each round runs every phase once, so a machine shared with other work slows the
# phases of a round alike; the summary gives the median round of each phase.
build=${1:-build}
server_bin="$build/harness/faultline-$target"  # built beside faultline (harness/CMakeLists.txt)
bench_bin="$build/bench/kv_bench"
for b in "$server_bin" "$bench_bin"; do
  [ -x "$b" ] || { echo "build first: ninja -C $build faultline-$target kv_bench" >&2; exit 3; }
done
repeats=${REPEATS:-3}
duration=${DURATION:-10}
phases=${PHASES:-$default_phases}
read -r -a server_flags <<<"${SERVER_FLAGS:-}"

root=$(mktemp -d "${TMPDIR:-/tmp}/faultline-$target-bench-XXXXXX")
pids=()
stop_cluster() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    # A clean stop syncs the WAL and logs the fsync count; give it 5 s, then kill -9.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
cleanup() {
  stop_cluster
  rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nodes_flag=""
start_cluster() {  # $1: read mode, then extra server flags
  local ports peers="" i
  mapfile -t ports < <("$bench_bin" ports 6)
  nodes_flag=""
  for i in 0 1 2; do
    peers+="${peers:+,}n$((i + 1))=127.0.0.1:${ports[2 * i]}"
    nodes_flag+="${nodes_flag:+,}n$((i + 1))=127.0.0.1:${ports[2 * i + 1]}"
  done
  rm -rf "$root/data" && mkdir -p "$root/data"
  for i in 0 1 2; do
    "$server_bin" --id "n$((i + 1))" --peers "$peers" --client-port "${ports[2 * i + 1]}" \
      --data-dir "$root/data/n$((i + 1))" --read-mode "$1" "${@:2}" "${server_flags[@]}" \
      >"$root/data/n$((i + 1)).log" 2>&1 &
    pids+=("$!")
  done
}

# "n1=123 n2=456 n3=789": fsyncs per node, from each clean stop's last log line.
fsync_counts() {
  local i out=""
  for i in 1 2 3; do
    out+="n$i=$(sed -n 's/.*, \([0-9]*\) syncs).*/\1/p' "$root/data/n$i.log" | tail -1) "
  done
  echo "${out% }"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)," \
     "data dirs on $(findmnt -n -o FSTYPE -T "$root") ($root)"
echo "extra server flags: ${SERVER_FLAGS:-(none)}; $repeats rounds of $duration s per phase," \
     "phases interleaved within a round; median by ok/s"
declare -A lines
for run in $(seq "$repeats"); do
  for phase in $phases; do
    flags=()
    bench_flags=()
    phase_setup "$phase"
    start_cluster "$mode" "${flags[@]}"
    if ! line=$("$bench_bin" run --nodes "$nodes_flag" --op "$op" --clients "$clients" \
                  --seconds "$duration" --label "$phase" "${bench_flags[@]}"); then
      stop_cluster
      echo "round $run: kv_bench failed in phase $phase; the nodes' logs end:" >&2
      for i in 1 2 3; do
        echo "---- n$i.log ----" >&2
        tail -n 60 "$root/data/n$i.log" >&2
      done
      exit 1
    fi
    stop_cluster
    line+=" fsyncs=[$(fsync_counts)] load=[$(cut -d' ' -f1-3 /proc/loadavg)]"
    echo "round $run: $line"
    lines[$phase]+="$line"$'\n'
  done
done
echo
echo "medians ($medians_note):"
for phase in $phases; do
  all=$(printf '%s' "${lines[$phase]}" | sed -n 's/.*ok_per_s=\([0-9]*\).*/\1/p' | sort -n | paste -sd/)
  median=$(printf '%s' "${lines[$phase]}" |
           awk '{for (i = 1; i <= NF; i++) if ($i ~ /^ok_per_s=/) {split($i, a, "="); print a[2], $0}}' |
           sort -n | awk -v m=$(((repeats + 1) / 2)) 'NR == m {$1 = ""; print substr($0, 2)}')
  echo "$phase ($all ok/s): $median"
done
