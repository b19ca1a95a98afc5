#!/usr/bin/env bash
# Provisions one faultline node (Debian 12): sshd for root by key only, iptables, the
# tools the nemesis and targets use, /opt/faultline, and the controller's key.
# Idempotent. Arguments: the controller's public key, this node's private address.
set -euo pipefail
pubkey=$1
address=$2

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  openssh-server iptables iproute2 procps psmisc rsync faketime ca-certificates >/dev/null

install -d -m 700 /root/.ssh
touch /root/.ssh/authorized_keys
grep -qxF "$pubkey" /root/.ssh/authorized_keys || echo "$pubkey" >> /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys

# Key-only root logins; listen on every address (the private network included).
cat > /etc/ssh/sshd_config.d/faultline.conf <<CONF
PermitRootLogin prohibit-password
PasswordAuthentication no
MaxSessions 64
MaxStartups 64:30:128
CONF
systemctl restart ssh

install -d -m 755 /opt/faultline
echo "faultline node ready at $address"
