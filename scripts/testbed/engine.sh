#!/usr/bin/env bash
# Makes sure a Docker engine is reachable, listens with TLS too, and is a swarm manager (single-node swarm on
# 127.0.0.1).
#  - certificates for the TLS listener              -> tls.sh (<repo>/.testbed/tls)
#  - engine already reachable (`docker version`)   -> nothing installed or started; if the test bed started it
#                                                       and it has no TLS listener yet, it is restarted with one
#                                                       (holding the shared engine lock; swarm state survives)
#  - else, Debian/Ubuntu and root                    -> apt-get install docker.io iptables, start dockerd in the
#                                                       background (log in the cache dir), wait up to ~30 s
#  - not a swarm manager yet                         -> docker swarm init --advertise-addr 127.0.0.1
# Idempotent: a second run takes about a second. See docs/testbed.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${SWARM_STACKS_CACHE:-$HOME/.cache/swarm-stacks}"
DOCKERD_LOG="$CACHE/dockerd.log"
WAIT_SECONDS="${SWARM_STACKS_DOCKERD_WAIT:-30}"
TLS_DIR="$ROOT/.testbed/tls"
TLS_ADDR=127.0.0.1:2376
ENGINE_LOCK=/tmp/swarm-stacks-engine.lock
# The main engine: the default socket plus a TLS listener that requires a client certificate from our CA.
DOCKERD_ARGS=(--host unix:///var/run/docker.sock --host "tcp://$TLS_ADDR" --tlsverify
    --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/server-cert.pem" --tlskey "$TLS_DIR/server-key.pem")

log() { printf '[engine] %s\n' "$*"; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

is_debian() { [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; }

engine_up() { command -v docker >/dev/null && docker version >/dev/null 2>&1; }

tls_up() {
    env -u DOCKER_CONTEXT docker --host "tcp://$TLS_ADDR" --tlsverify --tlscacert "$TLS_DIR/client/ca.pem" \
        --tlscert "$TLS_DIR/client/cert.pem" --tlskey "$TLS_DIR/client/key.pem" version >/dev/null 2>&1
}

# The main dockerd, not the test bed's node daemons (cluster.sh), whose command lines name .testbed/nodes.
main_dockerd_running() {
    local pid
    for pid in $(pgrep -x dockerd || true); do
        tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q '/\.testbed/nodes/' || return 0
    done
    return 1
}

# The dockerd this script started (pid file), if it still runs.
testbed_dockerd_pid() {
    local pid
    pid="$(cat "$CACHE/dockerd.pid" 2>/dev/null)" || return 1
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && echo "$pid"
}

start_dockerd() {
    mkdir -p "$CACHE"
    log "starting dockerd in the background with a TLS listener on $TLS_ADDR (log: $DOCKERD_LOG)"
    # setsid: its own session, so it survives this script and CI step; no stdin.
    # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: swarm tasks use the local image without asking a registry first.
    # 9>&-: the engine lock's descriptor (restart_with_tls) must not live on in dockerd.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid dockerd "${DOCKERD_ARGS[@]}" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
    echo "$!" > "$CACHE/dockerd.pid"
}

wait_engine() {
    local deadline=$((SECONDS + WAIT_SECONDS))
    until engine_up; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
            die "dockerd did not answer within ${WAIT_SECONDS}s (log: $DOCKERD_LOG)"
        fi
        if [ -f "$CACHE/dockerd.pid" ] && ! kill -0 "$(cat "$CACHE/dockerd.pid")" 2>/dev/null && ! main_dockerd_running; then
            tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
            die "dockerd exited (log: $DOCKERD_LOG)"
        fi
        sleep 0.5
    done
}

# Restarts the test bed's own dockerd with DOCKERD_ARGS. Holds the shared engine lock (COMMON to every engine
# test) so no test loses its engine halfway; SWARM_STACKS_ENGINE_LOCK_HELD=1 when the caller already holds it.
restart_with_tls() {
    local pid="$1"
    if [ -z "${SWARM_STACKS_ENGINE_LOCK_HELD:-}" ]; then
        exec 9>"$ENGINE_LOCK"
        log "taking $ENGINE_LOCK before restarting dockerd (waits while engine tests run)"
        flock -w 900 9 || die "could not take $ENGINE_LOCK within 15 min to restart dockerd with TLS"
    fi
    log "restarting the test bed's dockerd (pid $pid) to add the TLS listener on $TLS_ADDR"
    kill -TERM "$pid"
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || die "dockerd $pid did not stop within 60 s after SIGTERM"
        sleep 0.5
    done
    start_dockerd
    wait_engine
    tls_up || die "dockerd restarted but tcp://$TLS_ADDR does not answer with the client certificate (log: $DOCKERD_LOG)"
    log "engine up with TLS: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
    if [ -z "${SWARM_STACKS_ENGINE_LOCK_HELD:-}" ]; then exec 9>&-; fi
}

apt_install() {
  log "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null; then
    log "install failed; running apt-get update and retrying"
    DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null
  fi
}

bash "$HERE/tls.sh"

if engine_up; then
  log "engine reachable: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)"
  if tls_up; then
    log "TLS listener on $TLS_ADDR answers with the client certificate"
  elif pid="$(testbed_dockerd_pid)" && [ -z "${DOCKER_HOST:-}" ]; then
    restart_with_tls "$pid"
  else
    die "the engine was not started by the test bed and has no TLS listener on $TLS_ADDR accepting $TLS_DIR/client: stop it (this script then starts one), or start dockerd with: ${DOCKERD_ARGS[*]}"
  fi
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

  if main_dockerd_running; then
    log "a dockerd process exists but does not answer yet; waiting for it"
  else
    start_dockerd
  fi
  wait_engine
  log "engine up: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
  tls_up || die "the engine answers on its socket but not on tcp://$TLS_ADDR with the client certificate (log: $DOCKERD_LOG)"
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
