#!/usr/bin/env bash
# The main job: sets everything up, builds, and checks the shipped example histories
# with `faultline check` — a valid etcd-style register history, and one with a stale
# read, whose counterexample is printed. (Runs on a local cluster arrive with the
# runner.) Exits 0 when both verdicts are the expected ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
fl=build/harness/faultline

echo
echo "== faultline check examples/histories/register-valid.jsonl"
set +e
"$fl" check --initial 0 --json build/register-valid.json examples/histories/register-valid.jsonl
valid_rc=$?
echo
echo "== faultline check examples/histories/register-stale-read.jsonl"
"$fl" check --initial 0 --json build/register-stale-read.json examples/histories/register-stale-read.jsonl
stale_rc=$?
set -e
echo
echo "exit codes: $valid_rc (expected 0, valid) and $stale_rc (expected 1, invalid)"
echo "JSON results: build/register-valid.json build/register-stale-read.json"
[ "$valid_rc" = 0 ] && [ "$stale_rc" = 1 ]
