#!/usr/bin/env bash
# e2e: `faultline cluster status|ssh --nodes-file` with a plain host list (what a user
# of real machines writes) against a local cluster of 2 nodes; then down leaves nothing.
# Usage: cluster_nodes_file.sh FAULTLINE. Needs root and sshd; prints SKIP otherwise.
set -euo pipefail
fl=$1
if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/sshd ]; then echo "SKIP: needs root and sshd"; exit 0; fi
state=$(mktemp -d /tmp/fl-cli-e2e-XXXXXX)
trap '"$fl" cluster down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
"$fl" cluster up --nodes 2 --subnet 10.77.47.0/24 --state-dir "$state" >/dev/null
printf '# two nodes\n10.77.47.11\n10.77.47.12:22\n' > "$state/hosts.txt"
args=(--nodes-file "$state/hosts.txt" --ssh-user root --ssh-key "$state/id_ed25519"
      --known-hosts "$state/known_hosts")
"$fl" cluster status "${args[@]}" | tee "$state/status.txt"
[ "$(grep -c ' yes' "$state/status.txt")" = 2 ] || { echo "FAIL: both nodes should answer"; exit 1; }
out=$("$fl" cluster ssh n2 "${args[@]}" -- hostname)
[ "$out" = n2 ] || { echo "FAIL: n2 answered '$out'"; exit 1; }
# An empty known_hosts: refused without --accept-new-host-keys, naming the node.
: > "$state/empty_known_hosts"
set +e
err=$("$fl" cluster ssh n1 --nodes-file "$state/hosts.txt" --ssh-key "$state/id_ed25519" \
      --known-hosts "$state/empty_known_hosts" -- true 2>&1)
rc=$?
set -e
[ "$rc" = 3 ] && grep -q "node n1" <<<"$err" || { echo "FAIL: unknown host key: rc=$rc: $err"; exit 1; }
"$fl" cluster down --state-dir "$state" >/dev/null
if ip netns list | grep -q "$(basename "$state")"; then echo "FAIL: netns left"; exit 1; fi
echo "ok"
