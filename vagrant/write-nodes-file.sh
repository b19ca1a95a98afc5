#!/usr/bin/env bash
# Prints the nodes file for the Vagrant cluster (the same nodes.json shape as
# `faultline cluster up` writes), after collecting each VM's SSH host key into
# vagrant/known_hosts. Host keys are read over `vagrant ssh` (an authenticated channel),
# not learned blindly from the network. Run from this folder after `vagrant up`.
set -euo pipefail
cd "$(dirname "$0")"
nodes=${FAULTLINE_NODES:-5}
subnet=${FAULTLINE_SUBNET:-10.78.0}
key=${FAULTLINE_KEY:-$PWD/controller_key}
known_hosts=$PWD/known_hosts
: > "$known_hosts"
printf '{"nodes":[\n'
for i in $(seq 1 "$nodes"); do
  address="$subnet.$((10 + i))"
  hostkey=$(vagrant ssh "n$i" -c 'cat /etc/ssh/ssh_host_ed25519_key.pub' 2>/dev/null | tr -d '\r' | awk '{print $1" "$2}')
  [ -n "$hostkey" ] || { echo "error: node n$i: could not read its host key over vagrant ssh" >&2; exit 3; }
  echo "$address $hostkey" >> "$known_hosts"
  sep=$([ "$i" -lt "$nodes" ] && echo , || true)
  printf '  {"name":"n%d","host":"%s","port":22,"user":"root","key":"%s","known_hosts":"%s","clock":"settime"}%s\n' \
    "$i" "$address" "$key" "$known_hosts" "$sep"
done
printf ']}\n'
