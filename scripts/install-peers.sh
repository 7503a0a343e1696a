#!/usr/bin/env bash
# Installs the Debian peers the test suite talks to, only those missing.
# Tests never fake a peer; they need the real programs on this machine.
set -euo pipefail
declare -A want=(
  [dovecot]="dovecot-core dovecot-imapd dovecot-pop3d"
  [postfix]="postfix"
  [swaks]="swaks"
  [mbsync]="isync"
  [curl]="curl"
  [fetchmail]="fetchmail"
  [slapd]="slapd"
  [ldapadd]="ldap-utils"
  [nsd]="nsd"
  [ldns-signzone]="ldnsutils"
  [dig]="bind9-dnsutils"
  [unbound]="unbound"
  [opendkim-testmsg]="opendkim-tools"
  [openssl]="openssl"
  [python3]="python3"
)
missing=()
for bin in "${!want[@]}"; do
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then
    missing+=(${want[$bin]})
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-peers: all peers present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install-peers: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-peers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nothing here (no systemd), but make sure no packaged daemon lingers on our ports.
for d in slapd nsd unbound dovecot; do pkill -x "$d" 2>/dev/null || true; done
postfix stop >/dev/null 2>&1 || true
echo "install-peers: done"
