#!/usr/bin/env bash
# Runs the extension from this checkout in VS Code (the README's "run the extension" command), after all the
# set-up a fresh machine needs:
#  - a Docker engine: when none is reachable and this is root on Debian/Ubuntu, says so and starts one as a
#    single-node swarm, as the test bed does (scripts/testbed/engine.sh); otherwise says exactly what to do.
#    An engine that answers but is in no swarm: says how to make it a manager. SWARM_STACKS_SKIP_ENGINE=1 skips this.
#  - desktop VS Code (`code`) on PATH: build, then an Extension Development Host on the sample folder
#  - otherwise: code-server from the cache (installed by scripts/testbed/vscode.sh when missing), extension
#    installed as a link to this folder; prints a http://127.0.0.1:<port>/ URL to open; Ctrl-C stops it.
# Usage: bash scripts/open.sh [folder]     (default folder: test/vscode/workspace)
#        bash scripts/open.sh --engine-only  (only the engine step; for its test)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Overridable for the test of the engine step (test/unit/open-script.test.ts).
ENGINE_SCRIPT="${SWARM_STACKS_ENGINE_SCRIPT:-$ROOT/scripts/testbed/engine.sh}"
OS_RELEASE="${SWARM_STACKS_OS_RELEASE:-/etc/os-release}"

say() { printf '[open] %s\n' "$*"; }

# Whether the engine the Docker CLI (and so the extension) would use answers. Without the docker CLI, the default
# socket is asked directly.
engine_reachable() {
  if command -v docker >/dev/null 2>&1; then
    docker version >/dev/null 2>&1
  elif [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] && command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1
  else
    return 1
  fi
}

is_debian() { [ -r "$OS_RELEASE" ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' "$OS_RELEASE"; }

ensure_engine() {
  if engine_reachable; then
    local state
    state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null || true)"
    case "$state" in
      "active true" | "") ;;
      "active false")
        say "the Docker engine is a swarm worker: stacks are managed on a manager. Point the extension at one (setting swarmStacks.docker.host, or DOCKER_HOST / DOCKER_CONTEXT), or run 'docker swarm leave' then 'docker swarm init --advertise-addr 127.0.0.1' here." ;;
      *)
        say "the Docker engine is not in a swarm yet: run 'docker swarm init --advertise-addr 127.0.0.1' (or 'Swarm Stacks: Initialize Swarm' in VS Code)." ;;
    esac
    return 0
  fi
  if [ -n "${DOCKER_HOST:-}" ]; then
    say "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST: start that engine, or unset DOCKER_HOST to use the local one, then run this again."
    return 0
  fi
  if [ "$(id -u)" = 0 ] && is_debian && command -v apt-get >/dev/null 2>&1; then
    say "no Docker engine is reachable: installing Debian's docker.io if needed and starting it as a single-node swarm (scripts/testbed/engine.sh)"
    if bash "$ENGINE_SCRIPT"; then
      say "Docker engine up, single-node swarm ready"
    else
      say "starting the engine failed (see above); the extension will say that Docker cannot be reached until an engine runs."
    fi
    return 0
  fi
  if is_debian; then
    say "no Docker engine is reachable. Start one as root: 'sudo bash scripts/testbed/engine.sh' installs Debian's docker.io and starts it as a single-node swarm; or start your own engine and run 'docker swarm init --advertise-addr 127.0.0.1'. Then run this again."
  else
    say "no Docker engine is reachable. Install and start Docker Engine (or Docker Desktop) for this system, run 'docker swarm init --advertise-addr 127.0.0.1', then run this again."
  fi
}

if [ "${1:-}" = --engine-only ]; then
  ensure_engine
  exit 0
fi
FOLDER="${1:-test/vscode/workspace}"
[ -n "${SWARM_STACKS_SKIP_ENGINE:-}" ] || ensure_engine

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
