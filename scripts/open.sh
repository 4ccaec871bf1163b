#!/usr/bin/env bash
# Runs the extension from this checkout in VS Code (the README's "run the extension" command).
#  - desktop VS Code (`code`) on PATH: build, then an Extension Development Host on the sample folder
#  - otherwise: code-server from the cache (installed by scripts/testbed/vscode.sh when missing), extension
#    installed as a link to this folder; prints a http://127.0.0.1:<port>/ URL to open; Ctrl-C stops it.
# Usage: bash scripts/open.sh [folder]     (default folder: test/vscode/workspace)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FOLDER="${1:-test/vscode/workspace}"

if [ ! -d node_modules ]; then
  echo "node_modules missing: running npm ci"
  npm ci --no-audit --no-fund
fi

if command -v code >/dev/null 2>&1 && [ -z "${SWARM_STACKS_USE_CODE_SERVER:-}" ]; then
  npm run build
  [ -d "$FOLDER" ] || FOLDER="$(mktemp -d)"
  exec code --extensionDevelopmentPath="$ROOT" "$FOLDER"
fi

echo "desktop VS Code ('code') not found: using code-server in the browser"
bash scripts/testbed/vscode.sh
npm run build
exec node scripts/vscode-harness.mjs open "$FOLDER"
