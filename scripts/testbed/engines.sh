#!/usr/bin/env bash
# The Docker engines users run besides the main one (Debian 12's 20.10): Debian trixie's docker.io (26.1) and Debian
# sid's (28.5), each a single-node swarm in a network namespace of its own, private to this checkout.
#
#   bash scripts/testbed/engines.sh up       fetch (cached) and start what is not running; writes .testbed/engines.json
#   bash scripts/testbed/engines.sh status   check each engine; exit 1 if one is not healthy
#   bash scripts/testbed/engines.sh down     stop the engines, remove their namespaces, cgroups and data (cache kept)
#   bash scripts/testbed/engines.sh fetch    only download and extract the .debs into the cache
#   bash scripts/testbed/engines.sh tree SUITE   print the extracted tree of SUITE (fetching it when needed)
#   bash scripts/testbed/engines.sh mixed-up | mixed-switch N ENGINE | mixed-down
#                                            a 3-node swarm of mixed engine versions, for the engine tests (below)
#
# Per suite (trixie, sid): the .debs of docker.io, containerd and tini, downloaded with apt through a private
# sources list and lists folder (the system's apt state is not touched) into $CACHE/engines/<suite>/debs and
# extracted into $CACHE/engines/<suite>/tree. Nothing is installed. Only the daemon-side binaries of that version
# run (dockerd, docker-proxy, containerd, containerd-shim-runc-v2); runc stays Debian 12's, because the newer
# runc needs glibc 2.38, and docker-init falls back to the system's tini-static where the tree lacks it.
#
# Each engine: namespace swarm-stacks-<suite>, a veth to the root namespace (10.IDX.0.254 here, 10.IDX.0.1 inside),
# its own --data-root, --exec-root, socket, pid file, /etc/docker (bind mount), --bip, --cgroup-parent and a swarm
# --default-addr-pool 10.IDX.64.0/18: without an address pool of its own, the overlay networks of two swarms on
# one host collide ("invalid pool request: Pool overlaps with other one on this address space").
# DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1, as for the main engine; the test bed's base images are loaded from it.
# Needs root. See docs/testbed.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${SWARM_STACKS_CACHE:-$HOME/.cache/swarm-stacks}"
# the real path: a worktree's .testbed may be a link to the main checkout's, and the daemons' command lines name it
mkdir -p "$ROOT/.testbed"
TB="$(cd "$ROOT/.testbed" && pwd -P)"
ENGINES_DIR="$TB/engines"
ENGINES_JSON="$TB/engines.json"
# suite:IDX (10.IDX.0.0/16 is the engine's); SWARM_STACKS_ENGINE_SUITES picks a subset
ALL_ENGINES="trixie:226 sid:228"
IMAGES="swarm-stacks-testbed/node:20 swarm-stacks-testbed/haproxy:2.6"   # images.sh; loaded into every engine
WAIT_STEPS=600               # every wait below: at most WAIT_STEPS x 0.1 s

log() { printf '[engines] %s\n' "$*"; }
die() { printf '[engines] ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01d s' $((ms / 1000)) $(((ms % 1000) / 100)); }
require_root() { [ "$(id -u)" = 0 ] || die "needs root (network namespaces, cgroups); run as root on Debian/Ubuntu"; }

engines() {
    local wanted="${SWARM_STACKS_ENGINE_SUITES:-}" e
    for e in $ALL_ENGINES; do
        if [ -z "$wanted" ] || printf ' %s ' "$wanted" | grep -q " ${e%%:*} "; then printf '%s\n' "$e"; fi
    done
}
ns_of() { printf 'swarm-stacks-%s' "$1"; }
veth_of() { printf 'sse-%s' "$1"; }          # at most 15 characters
dir_of() { printf '%s/%s' "$ENGINES_DIR" "$1"; }
ed() { local suite=$1; shift; env -u DOCKER_HOST -u DOCKER_CONTEXT docker -H "unix://$(dir_of "$suite")/docker.sock" "$@"; }

# ---------------------------------------------------------------- fetch (cache)
tree_of() { printf '%s/engines/%s/tree' "$CACHE" "$1"; }

fetch() {   # fetch SUITE: the suite's .debs extracted into the cache, once
    local suite=$1 tree; tree="$(tree_of "$suite")"
    if [ -f "$tree/.extracted" ] && "$tree/usr/sbin/dockerd" --version >/dev/null 2>&1; then return 0; fi
    local t; t=$(now_ms)
    local base="$CACHE/engines/$suite" w
    w="$(mktemp -d)"
    mkdir -p "$w/lists/partial" "$w/archives/partial" "$base/debs"
    echo "deb http://deb.debian.org/debian $suite main" > "$w/sources.list"
    local apt=(-o Dir::Etc::sourcelist="$w/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$w/lists"
        -o Dir::Cache="$w" -o APT::Sandbox::User=root)
    if ! apt-get "${apt[@]}" update -qq </dev/null; then rm -rf "$w"; die "apt-get update for Debian $suite failed"; fi
    rm -f "$base"/debs/*.deb
    if ! (cd "$base/debs" && apt-get "${apt[@]}" download docker.io containerd tini </dev/null >/dev/null); then
        rm -rf "$w"; die "apt-get download docker.io containerd tini from Debian $suite failed"
    fi
    rm -rf "$w" "$tree"
    mkdir -p "$tree"
    local f; for f in "$base"/debs/*.deb; do dpkg-deb -x "$f" "$tree"; done
    "$tree/usr/sbin/dockerd" --version >/dev/null || die "$tree/usr/sbin/dockerd does not run on this machine"
    touch "$tree/.extracted"
    log "$suite: $(cd "$base/debs" && ls *.deb | tr '\n' ' ')extracted into $tree: $(since "$t")"
}

# ---------------------------------------------------------------- one engine
healthy() { ed "$1" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null | grep -qx 'active true'; }

pid_ours() {   # the engine's dockerd runs and is ours (its command line names its data root)
    local pid; pid="$(cat "$(dir_of "$1")/docker.pid" 2>/dev/null)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--data-root $(dir_of "$1")/data"
}

# write_inner DIR HOSTNAME ADDRESS CGROUP [DOCKERD FLAGS...]: DIR/inner.sh, the script that runs inside a namespace.
# `ip netns exec` remounts /sys, which drops the cgroup mounts: the host's cgroup layout is mounted again (read
# here, from the host's mountinfo) before dockerd.
write_inner() {
    local d=$1 host=$2 address=$3 cgroup=$4; shift 4
    local mounts
    if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
        mounts='mount -t cgroup2 cgroup2 /sys/fs/cgroup'
    else
        mounts="mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup"
        local mp fstype opts
        while read -r mp fstype opts; do
            opts="$(printf '%s' "$opts" | tr ',' '\n' | { grep -vxE 'rw|ro' || true; } | paste -sd, -)"
            if [ "$fstype" = cgroup2 ]; then
                mounts+=$'\n'"mkdir -p $mp; mount -t cgroup2 cgroup2 $mp"
            else
                printf '%s' "$opts" | grep -qE '^name=[^,]+$' && opts="none,$opts"
                mounts+=$'\n'"mkdir -p $mp; mount -t cgroup -o $opts cgroup $mp"
            fi
        done < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i+1) ~ /^cgroup2?$/ && $5 != "/sys/fs/cgroup") print $5, $(i+1), $(i+3) } }' /proc/self/mountinfo)
    fi
    cat > "$d/inner.sh" <<EOF
#!/bin/sh
# Written by scripts/testbed/engines.sh; runs as: ip netns exec <namespace> unshare --uts sh inner.sh
set -e
$mounts
mount --bind $d/etc-docker /etc/docker        # own key.json: an engine ID of its own
mount --bind $d/resolv.conf /etc/resolv.conf
hostname $host
export PATH=$d/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_CONFIG
exec dockerd -H unix://$d/docker.sock --data-root $d/data --exec-root $d/exec --pidfile $d/docker.pid \\
    --storage-driver overlay2 --cgroup-parent /$cgroup --swarm-default-advertise-addr $address --log-level info $*
EOF
}

# link_bins TREE DIR: DIR/bin holds the daemon-side binaries of TREE (an extracted .deb tree, or / for the system's)
link_bins() {
    local tree=$1 d=$2 f src
    mkdir -p "$d/bin"
    rm -f "$d"/bin/*
    for f in usr/sbin/dockerd usr/sbin/docker-proxy usr/bin/docker-init usr/bin/containerd usr/bin/containerd-shim-runc-v2; do
        src="${tree%/}/$f"
        # docker.io's docker-init is a link to tini-static, which some suites' trees lack
        if [ "$f" = usr/bin/docker-init ] && [ ! -e "$src" ]; then src="$(readlink -f /usr/bin/docker-init)"; fi
        [ -e "$src" ] || die "$src is missing"
        ln -s "$src" "$d/bin/$(basename "$f")"
    done
}

engine_up() {
    local suite=$1 idx=$2 d ns veth t
    d="$(dir_of "$suite")"; ns="$(ns_of "$suite")"; veth="$(veth_of "$suite")"
    if healthy "$suite"; then log "$suite: $(ed "$suite" version --format '{{.Server.Version}}') already running"; return 0; fi
    engine_down "$suite" quiet
    t=$(now_ms)
    fetch "$suite"
    local tree; tree="$(tree_of "$suite")"
    local sock="$d/exec/containerd/containerd.sock.ttrpc"
    [ ${#sock} -lt 100 ] || die "the checkout path is too long for unix sockets under $d (${#sock} > 100 characters)"
    if ip -br addr | grep -q "10\.$idx\."; then die "10.$idx.0.0/16 is already in use on this host"; fi
    mkdir -p "$d"/{bin,data,exec,etc-docker}
    rm -f "$d/docker.pid"
    link_bins "$tree" "$d"
    ip netns add "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip addr add "10.$idx.0.254/24" dev "$veth"; ip link set "$veth" up
    ip -n "$ns" addr add "10.$idx.0.1/24" dev eth0; ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up
    # Offline: nothing answers on the engine's own 127.0.0.1:53, so name lookups fail at once.
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$d/resolv.conf"
    write_inner "$d" "engine-$suite" "10.$idx.0.1" "swarm-stacks-$suite" --bip "10.$idx.1.1/24"
    ( setsid ip netns exec "$ns" unshare --uts /bin/sh "$d/inner.sh" >>"$d/dockerd.log" 2>&1 </dev/null & )
    local i
    for i in $(seq $WAIT_STEPS); do ed "$suite" version >/dev/null 2>&1 && break; sleep 0.1; done
    ed "$suite" version >/dev/null 2>&1 || { tail -20 "$d/dockerd.log" >&2; die "$suite: dockerd did not answer within $((WAIT_STEPS / 10)) s"; }
    load_images "$d/docker.sock"
    if [ "$(ed "$suite" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
        ed "$suite" swarm init --advertise-addr "10.$idx.0.1" --default-addr-pool "10.$idx.64.0/18" >/dev/null
    fi
    for i in $(seq $WAIT_STEPS); do healthy "$suite" && break; sleep 0.1; done
    healthy "$suite" || die "$suite: the swarm did not become active"
    log "$suite: $(ed "$suite" version --format 'dockerd {{.Server.Version}}, API {{.Server.APIVersion}}'), single-node swarm on 10.$idx.0.1: $(since "$t")"
}

load_images() {   # load_images SOCKET
    local sock=$1 img need=0
    for img in $IMAGES; do
        [ "$(docker -H "unix://$sock" image inspect --format '{{.Id}}' "$img" 2>/dev/null)" = "$(docker image inspect --format '{{.Id}}' "$img")" ] || need=1
    done
    [ $need = 1 ] || return 0
    # shellcheck disable=SC2086
    docker save $IMAGES | docker -H "unix://$sock" load -q >/dev/null || die "docker load of $IMAGES into $sock failed"
}

engine_down() {   # engine_down SUITE [quiet]
    local suite=$1 d ns veth; d="$(dir_of "$suite")"; ns="$(ns_of "$suite")"; veth="$(veth_of "$suite")"
    if pid_ours "$suite"; then
        local pid; pid="$(cat "$d/docker.pid")"
        kill -TERM "$pid" 2>/dev/null || true
        local i; for i in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then log "$suite: dockerd $pid did not stop within 60 s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    # containerd or shims left by a daemon that died: only processes naming this engine's exec root, by pid
    local p; for p in $(pgrep -f -- "$d/exec" || true); do kill -TERM "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$veth" 2>/dev/null || true
    local c; for c in /sys/fs/cgroup/*/"swarm-stacks-$suite"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
    if grep -qF " $d/" /proc/self/mountinfo; then
        log "$suite: mounts under $d remain; its data is kept"
    else
        rm -rf "${d:?}/data" "$d/exec" "$d/bin" "$d/docker.sock" "$d/docker.pid"
    fi
    [ -n "${2:-}" ] || log "$suite: stopped, namespace and data removed"
}

write_engines_json() {
    local suite idx entries=()
    for e in $(engines); do
        suite=${e%%:*}; idx=${e##*:}
        entries+=("$(ed "$suite" version --format "{\"name\": \"$suite\", \"version\": \"{{.Server.Version}}\", \"apiVersion\": \"{{.Server.APIVersion}}\", \"host\": \"unix://$(dir_of "$suite")/docker.sock\", \"address\": \"10.$idx.0.1\", \"addressPool\": \"10.$idx.64.0/18\", \"tree\": \"$(tree_of "$suite")\"}")")
    done
    local IFS=,
    printf '{ "engines": [%s] }\n' "${entries[*]}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s),null,2)+"\n"))' > "$ENGINES_JSON"
}

# ---------------------------------------------------------------- a mixed-version swarm (for the engine tests)
# mixed-up: three nodes in namespaces swarm-stacks-mx1..3 (10.227.0.1-3, bridge in swarm-stacks-mxhub, uplink
# ssmix0 = 10.227.0.254): mix1 a 20.10 manager (the system's binaries), mix2 a 28.5 worker (sid), mix3 a 20.10
# worker. mixed-switch N ENGINE restarts node N's daemon on the same data root with another engine's binaries (main,
# trixie, sid): an engine upgrade in place. Images: the test bed's base images, no registry
# (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1). Coordinates in .testbed/mixed.json. mixed-down removes all of it.
MIXED_DIR="$TB/mixed"
MIXED_JSON="$TB/mixed.json"
MIXED_SUBNET=10.227.0
MIXED_POOL=10.227.64.0/18
MIXED_VETH=ssmix0
# node:engine at the start; SWARM_STACKS_MIXED_START="1:sid 2:main 3:sid" gives a 28.5 manager with a 20.10 worker
MIXED_START="${SWARM_STACKS_MIXED_START:-1:main 2:sid 3:main}"
mns() { printf 'swarm-stacks-mx%s' "$1"; }
mnd() { local n=$1; shift; env -u DOCKER_HOST -u DOCKER_CONTEXT docker -H "unix://$MIXED_DIR/n$n/docker.sock" "$@"; }
tree_for() { if [ "$1" = main ]; then echo /; else fetch "$1" >&2; tree_of "$1"; fi; }

mixed_node_start() {   # mixed_node_start N ENGINE
    local n=$1 engine=$2 d="$MIXED_DIR/n$1" i
    mkdir -p "$d"/{data,exec,etc-docker}
    rm -f "$d/docker.pid"
    link_bins "$(tree_for "$engine")" "$d"
    echo "$engine" > "$d/engine"
    cp "$MIXED_DIR/resolv.conf" "$d/resolv.conf"
    write_inner "$d" "mix$n" "$MIXED_SUBNET.$n" "swarm-stacks-mx$n"
    ( setsid ip netns exec "$(mns "$n")" unshare --uts /bin/sh "$d/inner.sh" >>"$d/dockerd.log" 2>&1 </dev/null & )
    for i in $(seq $WAIT_STEPS); do mnd "$n" version >/dev/null 2>&1 && return 0; sleep 0.1; done
    tail -20 "$d/dockerd.log" >&2
    die "mix$n: dockerd ($engine) did not answer within $((WAIT_STEPS / 10)) s"
}

mixed_node_stop() {   # SIGTERM by pid file, bounded wait, SIGKILL that pid only if it hangs
    local d="$MIXED_DIR/n$1" pid i
    pid="$(cat "$d/docker.pid" 2>/dev/null)" || return 0
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "--data-root $d/data" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    log "mix$1: dockerd $pid did not stop within 60 s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

mixed_ready() {   # the manager reports every node Ready
    [ "$(mnd 1 node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$')" = 3 ]
}

mixed_up() {
    require_root
    local t n e; t=$(now_ms)
    [ -S /run/containerd/containerd.sock ] &&
        die "/run/containerd/containerd.sock exists: a dockerd would use that system containerd instead of its own"
    local sock="$MIXED_DIR/n1/exec/containerd/containerd.sock.ttrpc"
    [ ${#sock} -lt 100 ] || die "the checkout path is too long for unix sockets under $MIXED_DIR"
    mixed_down quiet
    mkdir -p "$MIXED_DIR"
    # The bridge lives in a namespace of its own (a root-namespace bridge would meet the main engine's FORWARD DROP).
    local hub=swarm-stacks-mxhub
    ip netns add "$hub"
    ip -n "$hub" link add br0 type bridge
    ip -n "$hub" link set br0 up
    for e in $MIXED_START; do
        n=${e%%:*}
        ip netns add "$(mns "$n")"
        ip -n "$hub" link add "veth-n$n" type veth peer name eth0 netns "$(mns "$n")"
        ip -n "$hub" link set "veth-n$n" master br0 up
        ip -n "$(mns "$n")" addr add "$MIXED_SUBNET.$n/24" dev eth0
        ip -n "$(mns "$n")" link set eth0 up
        ip -n "$(mns "$n")" link set lo up
        ip netns exec "$(mns "$n")" sysctl -q -w net.ipv4.icmp_ratelimit=0
    done
    ip link add "$MIXED_VETH" type veth peer name uplink netns "$hub"
    ip -n "$hub" link set uplink master br0 up
    ip addr add "$MIXED_SUBNET.254/24" dev "$MIXED_VETH"
    ip link set "$MIXED_VETH" up
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$MIXED_DIR/resolv.conf"
    for e in $MIXED_START; do mixed_node_start "${e%%:*}" "${e##*:}"; done
    for e in $MIXED_START; do load_images "$MIXED_DIR/n${e%%:*}/docker.sock"; done
    mnd 1 swarm init --advertise-addr "$MIXED_SUBNET.1" --listen-addr "$MIXED_SUBNET.1:2377" --default-addr-pool "$MIXED_POOL" >/dev/null
    # node failures and returns seen within seconds
    mnd 1 swarm update --dispatcher-heartbeat 1s >/dev/null
    local token; token="$(mnd 1 swarm join-token -q worker)"
    for n in 2 3; do mnd "$n" swarm join --token "$token" --advertise-addr "$MIXED_SUBNET.$n" "$MIXED_SUBNET.1:2377" >/dev/null; done
    local i; for i in $(seq $WAIT_STEPS); do mixed_ready && break; sleep 0.1; done
    mixed_ready || { mnd 1 node ls >&2; die "the mixed swarm does not have 3 Ready nodes"; }
    write_mixed_json
    log "mixed swarm: $(mnd 1 node ls --format '{{.Hostname}} {{.EngineVersion}}' | sort | tr '\n' ' ')ready: $(since "$t")"
}

write_mixed_json() {
    local n entries=()
    for n in 1 2 3; do
        entries+=("{\"name\": \"mix$n\", \"host\": \"unix://$MIXED_DIR/n$n/docker.sock\", \"address\": \"$MIXED_SUBNET.$n\", \"role\": \"$([ "$n" = 1 ] && echo manager || echo worker)\", \"engine\": \"$(cat "$MIXED_DIR/n$n/engine")\"}")
    done
    local IFS=,
    printf '{ "script": "%s", "nodes": [%s] }\n' "$HERE/engines.sh" "${entries[*]}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s),null,2)+"\n"))' > "$MIXED_JSON"
}

mixed_switch() {   # mixed_switch N ENGINE: the same node (data root, swarm membership) on another engine's binaries
    require_root
    local n=${1:-} engine=${2:-} t i
    case "$n" in 1|2|3) ;; *) die "usage: $0 mixed-switch 1|2|3 main|trixie|sid" ;; esac
    case "$engine" in main|trixie|sid) ;; *) die "usage: $0 mixed-switch 1|2|3 main|trixie|sid" ;; esac
    [ -s "$MIXED_JSON" ] || die "the mixed swarm is not up: $0 mixed-up"
    t=$(now_ms)
    mixed_node_stop "$n"
    mixed_node_start "$n" "$engine"
    for i in $(seq $WAIT_STEPS); do
        [ "$(mnd "$n" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ] && mixed_ready && break
        sleep 0.1
    done
    mixed_ready || die "mix$n restarted on $engine but the manager does not report 3 Ready nodes"
    write_mixed_json
    log "mix$n: $(mnd "$n" version --format '{{.Server.Version}}') ($engine), all 3 nodes Ready: $(since "$t")"
}

mixed_down() {   # mixed_down [quiet]
    local n p
    rm -f "$MIXED_JSON"
    for n in 3 2 1; do mixed_node_stop "$n"; done
    for p in $(pgrep -f "$MIXED_DIR/n[0-9]/exec" || true); do kill -TERM "$p" 2>/dev/null || true; done
    for n in 1 2 3; do ip netns del "$(mns "$n")" 2>/dev/null || true; done
    ip netns del swarm-stacks-mxhub 2>/dev/null || true
    ip link del "$MIXED_VETH" 2>/dev/null || true
    for n in 1 2 3; do
        local c; for c in /sys/fs/cgroup/*/"swarm-stacks-mx$n"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
    done
    if grep -qF " $MIXED_DIR/" /proc/self/mountinfo; then log "mounts under $MIXED_DIR remain; its data is kept"; else rm -rf "${MIXED_DIR:?}"; fi
    [ -n "${1:-}" ] || log "mixed swarm stopped, namespaces and data removed"
}

# ---------------------------------------------------------------- verbs
up() {
    require_root
    local t; t=$(now_ms)
    [ -S /run/containerd/containerd.sock ] &&
        die "/run/containerd/containerd.sock exists: a dockerd would use that system containerd instead of its own"
    docker version >/dev/null 2>&1 || die "the main engine does not answer: run scripts/testbed/engine.sh first"
    local img; for img in $IMAGES; do docker image inspect "$img" >/dev/null 2>&1 || die "$img missing: run scripts/testbed/images.sh first"; done
    mkdir -p "$ENGINES_DIR"
    # the downloads of both suites at once; each engine then starts on its own
    local e pids=""; for e in $(engines); do fetch "${e%%:*}" & pids+=" $!"; done
    local p; for p in $pids; do wait "$p" || die "fetching an engine failed"; done
    for e in $(engines); do engine_up "${e%%:*}" "${e##*:}"; done
    write_engines_json
    log "engines ready in $(since "$t"): $ENGINES_JSON"
}

status() {
    local bad=0 e
    for e in $(engines); do
        if healthy "${e%%:*}"; then printf '[engines] %-7s ok (%s)\n' "${e%%:*}" "$(ed "${e%%:*}" version --format '{{.Server.Version}}')"
        else printf '[engines] %-7s NOT OK\n' "${e%%:*}"; bad=1; fi
    done
    [ -s "$ENGINES_JSON" ] && printf '[engines] %-7s ok\n' engines.json || { printf '[engines] engines.json NOT OK\n'; bad=1; }
    return $bad
}

down() {
    require_root
    rm -f "$ENGINES_JSON"
    local e; for e in $(engines); do engine_down "${e%%:*}"; done
    # a mixed swarm a test left behind (its after hook removes it)
    [ -d "$MIXED_DIR" ] && mixed_down
    return 0
}

case "${1:-}" in
    up) up ;;
    status) status ;;
    down) down ;;
    fetch) for e in $(engines); do fetch "${e%%:*}"; done ;;
    tree) fetch "${2:?usage: $0 tree SUITE}" >&2; tree_of "$2"; echo ;;
    mixed-up) mixed_up ;;
    mixed-switch) mixed_switch "${2:-}" "${3:-}" ;;
    mixed-down) require_root; mixed_down ;;
    *) echo "usage: $0 up|status|down|fetch|tree SUITE|mixed-up|mixed-switch N ENGINE|mixed-down" >&2; exit 2 ;;
esac
