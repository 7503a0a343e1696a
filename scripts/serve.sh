#!/usr/bin/env bash
# Quick start: from a fresh clone to a running `mailctl serve` on the embedded default
# (SQLite accounts, Maildir under ./data). Installs packages and builds when needed, and on
# the first run writes ./mailctl.toml, a self-signed certificate and a DKIM key with `init`.
# Environment: MAILCTL_DOMAIN (default example.test), MAILCTL_HOSTNAME (default mail.$MAILCTL_DOMAIN).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if [ ! -f dist/cli.js ] || [ -n "$(find src -newer dist/cli.js -name '*.ts*' -print -quit)" ]; then
  npx tsc -p tsconfig.build.json
fi
domain="${MAILCTL_DOMAIN:-example.test}"
if [ ! -f mailctl.toml ]; then
  node bin/mailctl.js init --domain "$domain" --hostname "${MAILCTL_HOSTNAME:-mail.$domain}" --dir .
fi
exec node bin/mailctl.js serve --config mailctl.toml "$@"
