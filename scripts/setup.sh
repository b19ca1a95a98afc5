#!/usr/bin/env bash
# Installs every Debian package faultline needs to build and test (Debian 12, root).
# Non-interactive and idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++ pkg-config
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  openssh-server openssh-client iproute2 libboost-dev libboost-filesystem-dev libssh-dev iptables
  faketime
  # reports: plots with gnuplot through gnuplot-iostream; the e2e test opens a report in
  # headless Chromium
  gnuplot-nox libgnuplot-iostream-dev libboost-iostreams-dev chromium
)

if [ "$(id -u)" != 0 ]; then
  echo "error: scripts/setup.sh installs packages with apt-get and must run as root" >&2
  exit 3
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # openssh-server must not start a host sshd: the local cluster runs its own per node.
  # A policy-rc.d that exits 101 forbids service starts during the install; one that
  # already exists is left untouched.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$made_policy" = 1 ]; then
    rm -f "$policy"
    trap - EXIT
  fi
fi
echo "setup: all packages present"
