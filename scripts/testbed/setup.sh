#!/usr/bin/env bash
# Prepares this machine for every test layer (docs/testbed.md):
#   1. engine.sh  Docker engine running (also on TLS, tls.sh) + single-node swarm (installs docker.io on Debian/Ubuntu)
#   2. images.sh  offline base images swarm-stacks-testbed/node:20 and swarm-stacks-testbed/haproxy:2.6
#   2b. cluster.sh up  sshd, docker-registry (htpasswd) on 127.0.0.1 and for the nodes, a 3-node swarm in network
#                 namespaces; writes .testbed/cluster.json
#   2c. engines.sh up  Debian trixie's and sid's Docker engines (26.1, 28.5; .debs cached), each a single-node swarm
#                 in a network namespace of its own; writes .testbed/engines.json
#   3. vscode.sh  code-server + Node 24 in the cache, chromium (for the VS Code UI tests)
#   4. npm ci     in the project, when node_modules is missing or older than package-lock.json
# Idempotent: a second run takes a few seconds. First run on a fresh machine: about 5 minutes.
# Set SWARM_STACKS_SKIP_VSCODE=1 to leave out step 3 (no UI tests then).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TOTAL_START=$SECONDS

step() {
  local title="$1"; shift
  local start=$SECONDS
  printf '\n=== %s ===\n' "$title"
  if "$@"; then
    printf -- '--- %s: done in %ss\n' "$title" "$((SECONDS - start))"
  else
    local rc=$?
    printf -- '--- %s: FAILED (exit %s) after %ss\n' "$title" "$rc" "$((SECONDS - start))" >&2
    exit "$rc"
  fi
}

npm_ci_if_needed() {
  cd "$ROOT"
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
     [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "[npm] node_modules missing or older than package-lock.json: npm ci"
    npm ci --no-audit --no-fund </dev/null
  else
    echo "[npm] node_modules up to date with package-lock.json"
  fi
}

step "Docker engine and swarm (scripts/testbed/engine.sh)" bash "$HERE/engine.sh"
step "Base images (scripts/testbed/images.sh)" bash "$HERE/images.sh"
step "sshd, registries, 3-node swarm (scripts/testbed/cluster.sh up)" bash "$HERE/cluster.sh" up
step "Docker engines 26.1 and 28.5 (scripts/testbed/engines.sh up)" bash "$HERE/engines.sh" up
if [ -n "${SWARM_STACKS_SKIP_VSCODE:-}" ]; then
  printf '\n=== VS Code (code-server): skipped (SWARM_STACKS_SKIP_VSCODE set) ===\n'
else
  step "VS Code for UI tests (scripts/testbed/vscode.sh)" bash "$HERE/vscode.sh"
fi
step "Project dependencies (npm ci when needed)" npm_ci_if_needed

printf '\nTest bed ready in %ss. Run the tests with: npm test\n' "$((SECONDS - TOTAL_START))"
