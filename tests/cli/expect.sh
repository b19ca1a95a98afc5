#!/usr/bin/env bash
# expect.sh CODE PATTERN -- COMMAND...: runs COMMAND, passes if it exits with CODE and
# its output (stdout and stderr) contains PATTERN (a fixed string; empty: anything).
set -u
code=$1 pattern=$2
shift 3
out=$("$@" 2>&1)
rc=$?
if [ "$rc" != "$code" ]; then
  printf 'expected exit %s, got %s from: %s\n%s\n' "$code" "$rc" "$*" "$out"
  exit 1
fi
if [ -n "$pattern" ] && ! grep -qF -- "$pattern" <<<"$out"; then
  printf 'output lacks %s from: %s\n%s\n' "$pattern" "$*" "$out"
  exit 1
fi
echo "ok: exit $rc"
