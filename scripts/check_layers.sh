#!/usr/bin/env bash
# Checks that every #include of ours points down the layer graph (STYLE.md section 3,
# DESIGN.md "Folders"). Linking PRIVATE catches upward calls; this catches header-only
# leaks. Prints file:line and the offending include for each violation and exits 1.
# Run by CTest as layering.includes_point_down.
#
#   scripts/check_layers.sh [project root]     # default: the folder above scripts/
set -euo pipefail

# The layer table: one layer per line, then what it may include besides itself.
# A file belongs to the layer with the longest matching prefix (targets/common beats
# targets/*); `*` stands for one path component, so targets/* is targets/raft,
# targets/zab, ... and each of them may include itself but not its siblings. An entry
# on the right allows every include whose path starts with it. <layer>/test/ files
# are checked as their layer. bench/, fuzz/ and tests/ may include anything and are
# not scanned. A new folder goes here first.
readonly LAYERS='
base
history            base
checkers           history base
reports            checkers history base
targets/common     base
targets/sim        targets/common base
targets/*          targets/common base
harness/control    base
nemesis            harness/control history base
workloads          targets/*/client targets/*/core history base
harness            *
'
# Top-level folders that are ours but not layers; including them from a layer is an error.
readonly UNSCANNED='bench fuzz tests'

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$root"

# The folders to scan: the top-level names of the table that exist in this tree.
folders=()
while read -r name; do
  if [[ -d $name ]]; then folders+=("$name"); fi
done < <(awk 'NF { split($1, p, "/"); print p[1] }' <<<"$LAYERS" | sort -u)
if ((${#folders[@]} == 0)); then
  echo "check_layers: no source folders under $root" >&2
  exit 3
fi

files=$(find "${folders[@]}" \
  \( -type d \( -name build -o -name 'build-*' -o -path '*/tests/fixtures' \) -prune \) \
  -o -type f \( -name '*.h' -o -name '*.cpp' \) -print | sort)
nfiles=$(grep -c . <<<"$files" || true)

# "file:line:text" for every #include line ("..." or <...>), one grep over all files.
# grep exits 1 when nothing matches; that is not an error.
includes=$(xargs -r -d '\n' grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' <<<"$files" ||
  true)

# Ours: every layer of the table (whether or not it exists yet), bench/fuzz/tests, and
# every top-level directory of the tree (build* and hidden ones aside), so an include of
# a folder the table does not know yet is flagged instead of ignored.
ours="$(awk 'NF { split($1, p, "/"); printf "%s ", p[1] }' <<<"$LAYERS") $UNSCANNED \
$(find . -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name 'build*' -printf '%f ')"

awk -v layers="$LAYERS" -v ours="$ours" -v nfiles="$nfiles" '
  # A table pattern as an anchored regex over a path prefix: `*` is one component.
  function to_regex(pattern,   r) {
    r = pattern
    gsub(/\./, "\\.", r)
    gsub(/\*/, "[^/]+", r)
    return "^" r "/"
  }
  # The layer of a path: the longest matching prefix, a literal beating a `*` of the same
  # length. Sets layer_key (the table row) and layer_self (the prefix actually matched).
  function classify(path,   i, best, best_len, len) {
    layer_key = ""; layer_self = ""; best_len = -1
    for (i = 1; i <= n; i++) {
      if (match(path, key_re[i])) {
        len = RLENGTH * 2 + (key[i] ~ /\*/ ? 0 : 1)
        if (len > best_len) {
          best_len = len; best = i; layer_self = substr(path, 1, RLENGTH - 1)
        }
      }
    }
    if (best_len >= 0) layer_key = key[best]
    return layer_key
  }
  BEGIN {
    n = 0
    split(layers, rows, "\n")
    for (r in rows) {
      if (split(rows[r], f, /[ \t]+/) == 0) continue
      i = (f[1] == "") ? 2 : 1
      if (f[i] == "") continue
      n++
      key[n] = f[i]; key_re[n] = to_regex(f[i])
      allowed_text[f[i]] = ""; nallowed[f[i]] = 0
      for (j = i + 1; j in f; j++) {
        if (f[j] == "") continue
        nallowed[f[i]]++
        allowed_re[f[i], nallowed[f[i]]] = to_regex(f[j])
        allowed_text[f[i]] = allowed_text[f[i]] (allowed_text[f[i]] == "" ? "" : ", ") f[j]
      }
    }
    split(ours, o, /[ \t]+/)
    for (i in o) if (o[i] != "") is_ours[o[i]] = 1
    bad = 0; checked = 0
  }
  {
    # file:line:text (our file names hold no colons)
    c1 = index($0, ":"); file = substr($0, 1, c1 - 1); rest = substr($0, c1 + 1)
    c2 = index(rest, ":"); line = substr(rest, 1, c2 - 1); text = substr(rest, c2 + 1)
    if (!match(text, /["<][^">]+[">]/)) next
    inc = substr(text, RSTART + 1, RLENGTH - 2)
    slash = index(inc, "/")
    if (slash == 0 || !(substr(inc, 1, slash - 1) in is_ours)) next
    checked++

    if (classify(file) == "") next   # a file directly in a scanned folder root: no layer
    from = layer_key; self = layer_self
    if (index(inc, self "/") == 1) next
    ok = 0
    for (j = 1; j <= nallowed[from]; j++)
      if (inc ~ allowed_re[from, j]) { ok = 1; break }
    if (ok) next

    to = (classify(inc) == "") ? substr(inc, 1, slash - 1) " (not a layer)" : layer_self
    allowed = (allowed_text[from] == "") ? "only itself" : "itself, " allowed_text[from]
    sub(/^[ \t]+/, "", text); sub(/[ \t\r]+$/, "", text)
    printf "%s:%s: %s\n    %s may not include %s (allowed: %s)\n", file, line, text, self, to, allowed
    bad++
  }
  END {
    if (bad > 0) {
      printf "check_layers: %d include(s) point up or sideways; see the table at the top of scripts/check_layers.sh\n", bad
      exit 1
    }
    printf "check_layers: %d files, %d includes of ours, all point down\n", nfiles, checked
  }
' <<<"$includes"
