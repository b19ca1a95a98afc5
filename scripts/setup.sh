#!/usr/bin/env bash
# Installs every Debian package faultline needs to build and test (Debian 12, root).
# Non-interactive and idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++ pkg-config
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  openssh-server openssh-client iproute2 libboost-dev libboost-filesystem-dev libssh-dev iptables
  # the delay fault's helper (nemesis/delay): NFQUEUE, since the kernel has no netem
  libnetfilter-queue-dev
  faketime
  # reports: plots with gnuplot through gnuplot-iostream; the e2e test opens a report in
  # headless Chromium
  gnuplot-nox libgnuplot-iostream-dev libboost-iostreams-dev chromium
  # the etcd target (targets/etcd): Debian's etcd 3.4 server, and libcurl for its client
  # (the v3 JSON gateway is HTTP)
  etcd-server libcurl4-openssl-dev
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

# etcd-server ships a host-wide service (/etc/init.d/etcd and etcd.service, on
# 127.0.0.1:2379) that its install starts and enables wherever service starts are
# allowed. faultline runs its own members per node (targets/etcd/deploy), so none may
# run here: disable the service at boot and stop one that runs, through the service
# manager and the init script's pidfile (/run/etcd.pid) — never by name. With the
# policy above nothing was started; this also covers a policy-rc.d that allows starts.
if [ -x /etc/init.d/etcd ] || [ -e /lib/systemd/system/etcd.service ]; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now etcd.service >/dev/null 2>&1 || true
  else
    update-rc.d etcd disable >/dev/null 2>&1 || true
    if [ -s /run/etcd.pid ] && [ -d "/proc/$(cat /run/etcd.pid)" ]; then
      /etc/init.d/etcd stop >/dev/null 2>&1 || true
    fi
  fi
fi
echo "setup: all packages present"
