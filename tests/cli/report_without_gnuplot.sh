#!/usr/bin/env bash
# A report failure never changes a verdict (issue [reports]): `faultline report` on a
# stored invalid run with no gnuplot on PATH still writes report.html, exits 0, warns,
# records the warning in results.json, and leaves the verdict there invalid.
#   report_without_gnuplot.sh FAULTLINE FIXTURE_RUNDIR
set -euo pipefail
faultline=$1 fixture=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/store/t"
cp -r "$fixture" "$dir/store/t/run"
run="$dir/store/t/run"
out=$(PATH=/nonexistent "$faultline" report "$run" 2>&1) || { echo "exit $?: $out"; exit 1; }
grep -q "warning: plots: gnuplot not found" <<<"$out" || { echo "no gnuplot warning: $out"; exit 1; }
[ -s "$run/report.html" ] || { echo "no report.html"; exit 1; }
python3 - "$run/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "invalid", r["verdict"]
assert any("gnuplot" in w for w in r["report_warnings"]), r.get("report_warnings")
PY
echo "ok: report written, verdict unchanged, warning recorded"
