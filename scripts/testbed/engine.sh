#!/usr/bin/env bash
# Makes sure a Docker engine is reachable and is a swarm manager (single-node swarm on 127.0.0.1).
#  - engine already reachable (`docker version`)   -> nothing installed or started
#  - else, Debian/Ubuntu and root                    -> apt-get install docker.io iptables, start dockerd in the
#                                                       background (log in the cache dir), wait up to ~30 s
#  - not a swarm manager yet                         -> docker swarm init --advertise-addr 127.0.0.1
# Idempotent: a second run takes about a second. See docs/testbed.md.
set -euo pipefail

CACHE="${SWARM_STACKS_CACHE:-$HOME/.cache/swarm-stacks}"
DOCKERD_LOG="$CACHE/dockerd.log"
WAIT_SECONDS="${SWARM_STACKS_DOCKERD_WAIT:-30}"

log() { printf '[engine] %s\n' "$*"; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

is_debian() { [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; }

engine_up() { command -v docker >/dev/null && docker version >/dev/null 2>&1; }

apt_install() {
  log "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null; then
    log "install failed; running apt-get update and retrying"
    DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null
  fi
}

if engine_up; then
  log "engine reachable: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)"
else
  if [ -n "${DOCKER_HOST:-}" ]; then
    die "DOCKER_HOST=$DOCKER_HOST is set but 'docker version' cannot reach it; fix or unset DOCKER_HOST"
  fi
  if [ "$(id -u)" != 0 ]; then
    die "no Docker engine reachable and not root: start your Docker engine (or run this script as root on Debian/Ubuntu)"
  fi
  if ! is_debian || ! command -v apt-get >/dev/null; then
    die "no Docker engine reachable and this is not Debian/Ubuntu: install and start Docker yourself, then rerun"
  fi
  if ! command -v dockerd >/dev/null || ! command -v iptables >/dev/null || ! command -v docker >/dev/null; then
    apt_install docker.io iptables
  fi
  command -v dockerd >/dev/null || die "dockerd not found after installing docker.io"

  if pgrep -x dockerd >/dev/null; then
    log "a dockerd process exists but does not answer yet; waiting for it"
  else
    mkdir -p "$CACHE"
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    # setsid: its own session, so it survives this script and CI step; no stdin.
    # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: swarm tasks use the local image without asking a registry first.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid dockerd --host unix:///var/run/docker.sock \
      </dev/null >>"$DOCKERD_LOG" 2>&1 &
    echo "$!" > "$CACHE/dockerd.pid"
  fi
  deadline=$((SECONDS + WAIT_SECONDS))
  until engine_up; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
      die "dockerd did not answer within ${WAIT_SECONDS}s (log: $DOCKERD_LOG)"
    fi
    if [ -f "$CACHE/dockerd.pid" ] && ! kill -0 "$(cat "$CACHE/dockerd.pid")" 2>/dev/null && ! pgrep -x dockerd >/dev/null; then
      tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
      die "dockerd exited (log: $DOCKERD_LOG)"
    fi
    sleep 0.5
  done
  log "engine up: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
fi

state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null || true)"
case "$state" in
  "active true")
    log "already a swarm manager" ;;
  "active false")
    die "this engine is a swarm worker, not a manager: the tests need a manager (docker swarm leave, then rerun)" ;;
  "inactive "*|"")
    log "docker swarm init --advertise-addr 127.0.0.1"
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    log "single-node swarm ready" ;;
  *)
    die "unexpected swarm state '$state' (docker info); fix the swarm by hand (e.g. docker swarm leave --force) and rerun" ;;
esac
