#!/usr/bin/env bash
# Installs what incident-ledger needs on a fresh machine: pnpm 12.4.2 and the workspace's packages.
# Safe to run again: it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(pnpm --version 2>/dev/null)" != "12.4.2" ]; then
  echo "installing pnpm 12.4.2 ..." >&2
  npm install -g pnpm@12.4.2 >&2
fi
# better-sqlite3 builds from source (about a minute, once); node-gyp must use the local Node headers.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
pnpm install --frozen-lockfile >&2

# The report's browser test (packages/cli/src/report/browser.test.ts): Debian's Chromium, and a
# Japanese font so that it draws 銀行 rather than empty boxes. Only when missing; where apt-get
# cannot run, the test says so and skips (under CI it fails instead).
if ! dpkg -s chromium fonts-ipafont-gothic >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and fonts-ipafont-gothic ..." >&2
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      chromium fonts-ipafont-gothic; } >&2 || echo "could not install chromium: the report's browser test will skip" >&2
  else
    echo "chromium is not installed and apt-get cannot run here: the report's browser test will skip" >&2
  fi
fi
