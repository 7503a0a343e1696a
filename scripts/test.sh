#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (Debian peers, npm
# packages), checks lint and types, builds, then runs every test with Node's runner.
# Usage: npm test [-- test/path/a.test.ts …]   (files narrow the run; the checks always run)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-peers.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test: npm ci"
  npm ci --no-audit --no-fund
fi

echo "test: lint (biome)"
npx biome check .
echo "test: typecheck (tsc --noEmit, strict)"
npx tsc --noEmit -p tsconfig.json
echo "test: build"
npx tsc -p tsconfig.build.json

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' -not -path '*/helpers/*' | sort)
fi
echo "test: ${#files[@]} test files"
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT:-300000}" \
  --test-reporter=spec "${files[@]}"
