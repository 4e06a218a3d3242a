#!/usr/bin/env bash
# Installs pnpm (when missing) and the workspace's dependencies from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  npm install --global "pnpm@$PNPM_VERSION"
fi

# Native modules (better-sqlite3) build from source; point node-gyp at the installed
# Node headers when the system has them, so nothing is downloaded.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then
  export npm_config_nodedir=/usr
fi

if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install --frozen-lockfile --prefer-offline
fi
