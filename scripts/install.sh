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
