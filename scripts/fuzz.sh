#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs each for
# FUZZ_SECONDS (default 60) on a corpus in fuzz-out/<target>/corpus, seeded from the
# EDN fixtures and a few generated JSONL lines. Exits non-zero if a target crashed and
# prints where the crashing input is. Installs clang and libclang-rt-14-dev with apt-get
# first if they are missing (Debian 12, as root). Not part of CTest.
#
#   scripts/fuzz.sh                        # both targets, 60 s each
#   FUZZ_SECONDS=30 scripts/fuzz.sh jsonl_fuzz
#
# Reproduce a crash: build-fuzz/fuzz/<target> fuzz-out/<target>/crash-<sha1>
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-fuzz
out=$root/fuzz-out
seconds=${FUZZ_SECONDS:-60}
max_len=${FUZZ_MAX_LEN:-8192}
jobs=${FUZZ_BUILD_JOBS:-2}
if (($# > 0)); then targets=("$@"); else targets=(jsonl_fuzz edn_fuzz); fi

# What the fuzz build needs (Debian 12): clang with its libFuzzer/sanitizer runtimes, plus
# the packages CMake finds for every build. Only missing ones are installed, so a second
# run fetches nothing; installing needs root.
packages=(clang libclang-rt-14-dev cmake ninja-build nlohmann-json3-dev libcli11-dev)
missing=()
for p in "${packages[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) != 0 ]]; then
    echo "error: scripts/fuzz.sh needs ${missing[*]}; run it as root to install them" >&2
    exit 3
  fi
  echo "fuzz: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Warnings are not errors here: a clang-only warning must not stop a crash hunt (the
# gcc build, with -Werror, is where warnings are enforced).
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFAULTLINE_WERROR=OFF \
  -DFAULTLINE_FUZZ=ON -DFAULTLINE_TESTS=OFF -DFAULTLINE_BENCH=OFF >/dev/null
ninja -C "$build" -j"$jobs" "${targets[@]}"

# EDN seeds: the Knossos histories, whole when small, else their first 40 ops (a prefix
# of a vector needs its closing bracket back to stay a valid history).
seed_edn() {
  local dir=$1 n=0 f dest
  local sources=()
  for d in "$root/tests/fixtures" "$root/../shared/corpus/knossos"; do
    if [[ -d $d ]]; then sources+=("$d"); fi
  done
  ((${#sources[@]})) || return 0
  while IFS= read -r -d '' f; do
    dest=$dir/seed-$n.edn
    n=$((n + 1))
    if (($(stat -c %s "$f") <= max_len)); then
      cp "$f" "$dest"
    else
      head -n 40 "$f" >"$dest"
      if [[ $(head -c 1 "$f") == "[" ]]; then echo "]" >>"$dest"; fi
    fi
  done < <(find "${sources[@]}" -type f -name '*.edn' -print0 | sort -z)
  cat >"$dir/seed-maps.edn" <<'EDN'
{:index 0 :time 10 :process 0 :type :invoke :f :cas :value [1 4]}
{:index 1 :time 20 :process 0 :type :ok :f :cas :value [1 4]}
; a comment
#jepsen.history.Op{:process :nemesis, :type :info, :f :start, :value {:n1 #{:n2 "n3"}}}
{:process 1, :type :fail, :f :txn, :value [[:read :x nil] [:write :y 2]], :error [:abort 1.5]}
EDN
}

# JSONL seeds: DESIGN.md's example lines and the odd cases the reader must handle.
seed_jsonl() {
  local dir=$1 f n=0
  if [[ -d $root/tests/fixtures ]]; then
    while IFS= read -r -d '' f; do
      cp "$f" "$dir/seed-$n.jsonl"
      n=$((n + 1))
    done < <(find "$root/tests/fixtures" -type f -name '*.jsonl' -size -"$((max_len + 1))"c \
      -print0 | sort -z)
  fi
  cat >"$dir/seed-design.jsonl" <<'JSONL'
{"index":17,"time":812345678,"process":3,"node":"n2","type":"invoke","f":"cas","key":"k7","value":[1,4]}
{"index":18,"time":815001234,"process":3,"node":"n2","type":"ok","f":"cas","key":"k7","value":[1,4]}
{"index":19,"time":830000000,"process":"nemesis","type":"info","f":"start-partition","value":{"n1":["n3","n4"]}}
JSONL
  printf '%s\r\n\r\n%s\n' \
    '{"process":0,"type":"invoke","f":"read","value":null}' \
    '{ "process" : 0 , "type" : "ok" , "f" : "read" , "value" : 1.5e3 , "error" : "caf\u00e9" }' \
    >"$dir/seed-crlf.jsonl"
  printf '%s\n%s' \
    '{"process":1,"type":"fail","f":"txn","value":[["r","x",null],["w","y",-2]],"error":{"a":[true,false]}}' \
    '{"process":1,"type":"invoke","f":"wri' >"$dir/seed-truncated.jsonl"
  printf '%s\n' '{"process":2,"type":"okk","f":"w","key":"k","extra":1,"type":"ok"}' \
    >"$dir/seed-dup.jsonl"
}

failed=()
for target in "${targets[@]}"; do
  dir=$out/$target
  mkdir -p "$dir/corpus"
  if [[ -z $(ls -A "$dir/corpus") ]]; then
    case $target in
      edn_fuzz) seed_edn "$dir/corpus" ;;
      jsonl_fuzz) seed_jsonl "$dir/corpus" ;;
    esac
  fi
  echo "== $target: ${seconds}s, corpus $dir/corpus ($(find "$dir/corpus" -type f | wc -l) inputs)"
  rc=0
  "$build/fuzz/$target" "$dir/corpus" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/" -print_final_stats=1 >"$dir/fuzz.log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::new_units_added)' \
    "$dir/fuzz.log" || true
  if ((rc != 0)); then
    failed+=("$target")
    echo "!! $target failed (exit $rc); log: $dir/fuzz.log"
    grep -E 'ERROR|_fuzz:|SUMMARY|Test unit written to' "$dir/fuzz.log" | head -20 || true
    for artifact in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
      if [[ -e $artifact ]]; then echo "!! crashing input: $artifact"; fi
    done
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzzing found problems in: ${failed[*]}"
  echo "reproduce with: $build/fuzz/<target> <crashing input>"
  exit 1
fi
echo "no crashes"
