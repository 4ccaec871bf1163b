#!/usr/bin/env bash
# The test bed's "real cluster" parts, each private to this checkout (everything under <repo>/.testbed):
#   ssh       sshd on 127.0.0.1:<port> (own config, host key, authorized_keys, pid file), a client key without
#             passphrase, an ssh client config with the Host aliases of docs/testbed.md, and ssh/bin/ssh, a
#             wrapper that runs the system ssh with that config (put its folder first on PATH)
#   registry  Debian's docker-registry with htpasswd auth on 127.0.0.1:5000 (main engine) and on
#             10.210.0.254:5000 (the nodes); both serve the same storage; docker-config/config.json logs in to both
#   nodes     a 3-node swarm (node1 manager, node2/node3 workers): three dockerd, each in its own network
#             namespace (10.210.0.1-3), pulling from 10.210.0.254:5000, with the test bed's base images loaded
#   cluster.json  the coordinates tests read (test/engine/support/cluster.ts)
# The engine's TLS listener is engine.sh's part (it starts dockerd); `status` checks it too.
#
#   bash scripts/testbed/cluster.sh up       start what is not running (idempotent: seconds on a healthy bed)
#   bash scripts/testbed/cluster.sh status   check every part; exit 1 if one is not healthy
#   bash scripts/testbed/cluster.sh down     stop everything `up` started, remove the nodes' data and cluster.json
#                                            (keys, certificates and passwords are kept)
#   bash scripts/testbed/cluster.sh node-stop N | node-start N   one node daemon down / up again (fault tests)
# Needs root on Debian/Ubuntu (apt packages, network namespaces). See docs/testbed.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TB="$ROOT/.testbed"
SSH_DIR="$TB/ssh"
REG_DIR="$TB/registry"
NODES_DIR="$TB/nodes"
DOCKER_CONFIG_DIR="$TB/docker-config"
TLS_DIR="$TB/tls"
CLUSTER_JSON="$TB/cluster.json"

SUBNET=10.210.0              # node N = $SUBNET.N; the root namespace's end of the uplink = $SUBNET.254
POOL=10.220.0.0/16           # swarm address pool, away from $SUBNET and Docker's 10.0.0.0/8 default
NODES="1 2 3"
NETNS_PREFIX=swarm-stacks    # namespaces swarm-stacks-n1..3 and swarm-stacks-hub
HOST_VETH=ssbed0             # root-namespace end of the uplink (interface names have at most 15 characters)
CGROUP_PREFIX=swarm-stacks-n # --cgroup-parent of each node daemon
REG_LOCAL=127.0.0.1:5000
REG_CLUSTER=$SUBNET.254:5000
REG_USER=swarm-stacks
IMAGES="swarm-stacks-testbed/node:20 swarm-stacks-testbed/haproxy:2.6"   # images.sh; loaded into every node
SSH_PORT_RANGE="2222 2299"
WAIT_STEPS=300               # every wait below: at most WAIT_STEPS x 0.1 s

log() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01d s' $((ms / 1000)) $(((ms % 1000) / 100)); }
nd() { local n=$1; shift; env -u DOCKER_HOST -u DOCKER_CONTEXT docker -H "unix://$NODES_DIR/n$n/docker.sock" "$@"; }
# pid_alive PIDFILE: the process runs and is ours (its command line names .testbed), not a reused pid
pid_alive() {
    local pid; pid="$(cat "$1" 2>/dev/null)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$TB/"
}
port_listening() { ss -Hltn "sport = :${1##*:}" 2>/dev/null | awk '{print $4}' | grep -qx "$1"; }

require_root() { [ "$(id -u)" = 0 ] || die "needs root (network namespaces, sshd, apt); run as root on Debian/Ubuntu"; }

apt_install() {
    log "apt-get install $*"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get update </dev/null >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null >/dev/null
    fi
}

packages() {
    local missing=()
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    [ -x /usr/bin/ssh ] && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
    command -v docker-registry >/dev/null || missing+=(docker-registry)
    command -v htpasswd >/dev/null || missing+=(apache2-utils)
    command -v ip >/dev/null && command -v ss >/dev/null || missing+=(iproute2)
    command -v openssl >/dev/null || missing+=(openssl)
    [ ${#missing[@]} = 0 ] && return 0
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them, then rerun"
    apt_install "${missing[@]}"
}

# ---------------------------------------------------------------- ssh
ssh_port() { cat "$SSH_DIR/port" 2>/dev/null; }

sshd_healthy() { pid_alive "$SSH_DIR/sshd.pid" && [ -n "$(ssh_port)" ] && port_listening "127.0.0.1:$(ssh_port)"; }

write_ssh_client_files() {
    local port; port="$(ssh_port)"
    local hostkey; hostkey="$(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519_key.pub")"
    printf '[127.0.0.1]:%s %s\n' "$port" "$hostkey" > "$SSH_DIR/known_hosts"
    : > "$SSH_DIR/known_hosts_empty"
    printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$SSH_DIR/other_host_key.pub")" > "$SSH_DIR/known_hosts_changed"
    cat > "$SSH_DIR/config" <<EOF
# Written by scripts/testbed/cluster.sh. Used through bin/ssh (ssh -F this file); ~/.ssh is never read.
Host swarm-manager
    HostName 127.0.0.1
Host swarm-manager-via-jump
    HostName 127.0.0.1
    ProxyJump swarm-manager
Host swarm-manager-unknown
    HostName 127.0.0.1
    UserKnownHostsFile $SSH_DIR/known_hosts_empty
Host swarm-manager-changed
    HostName 127.0.0.1
    UserKnownHostsFile $SSH_DIR/known_hosts_changed
# ssh://root@127.0.0.1:$port reaches the same sshd with the same key.
Host swarm-manager swarm-manager-via-jump swarm-manager-unknown swarm-manager-changed 127.0.0.1
    Port $port
    User root
    IdentityFile $SSH_DIR/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $SSH_DIR/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    UpdateHostKeys no
    BatchMode yes
    ConnectTimeout 10
EOF
    mkdir -p "$SSH_DIR/bin"
    cat > "$SSH_DIR/bin/ssh" <<EOF
#!/bin/sh
# OpenSSH reads ~/.ssh/config from the passwd entry, not \$HOME: -F is the one way to give it the test bed's config.
exec /usr/bin/ssh -F '$SSH_DIR/config' "\$@"
EOF
    chmod 755 "$SSH_DIR/bin/ssh"
}

ssh_up() {
    mkdir -p "$SSH_DIR" && chmod 700 "$SSH_DIR"
    [ -s "$SSH_DIR/host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C swarm-stacks-testbed-host -f "$SSH_DIR/host_ed25519_key"
    [ -s "$SSH_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C swarm-stacks-testbed-client -f "$SSH_DIR/id_ed25519"
    # a key the sshd never presents: the "changed host key" alias expects it
    [ -s "$SSH_DIR/other_host_key" ] || ssh-keygen -q -t ed25519 -N '' -C swarm-stacks-testbed-other -f "$SSH_DIR/other_host_key"
    cp "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/authorized_keys"
    if ! sshd_healthy; then
        if pid_alive "$SSH_DIR/sshd.pid"; then kill -TERM "$(cat "$SSH_DIR/sshd.pid")"; sleep 0.5; fi
        local port="" p
        for p in $(seq $SSH_PORT_RANGE); do port_listening "127.0.0.1:$p" || port_listening "0.0.0.0:$p" || { port=$p; break; }; done
        [ -n "$port" ] || die "no free port in $SSH_PORT_RANGE for sshd"
        echo "$port" > "$SSH_DIR/port"
        cat > "$SSH_DIR/sshd_config" <<EOF
# Written by scripts/testbed/cluster.sh: a private sshd for the tests, on 127.0.0.1 only, key login only.
Port $port
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_ed25519_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
AllowUsers root
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# .testbed lives in a checkout whose folders sshd's ownership checks need not approve
StrictModes no
# ProxyJump (ssh -W) needs TCP forwarding
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
# the fault tests and the benchmark open many connections at once
MaxStartups 100:30:200
MaxSessions 100
EOF
        mkdir -p /run/sshd
        /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" || die "sshd rejects $SSH_DIR/sshd_config"
        rm -f "$SSH_DIR/sshd.pid"
        /usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log"   # daemonizes and writes the pid file
        local i
        for i in $(seq $WAIT_STEPS); do sshd_healthy && break; sleep 0.1; done
        sshd_healthy || { tail -5 "$SSH_DIR/sshd.log" >&2; die "sshd did not start on 127.0.0.1:$port"; }
        log "sshd on 127.0.0.1:$port (pid $(cat "$SSH_DIR/sshd.pid"))"
    fi
    write_ssh_client_files
    ssh_check
}

ssh_check() {
    local out
    # the Docker CLI through the wrapper, no agent: what the product's ssh transport must match
    out="$(env -u SSH_AUTH_SOCK -u DOCKER_CONTEXT PATH="$SSH_DIR/bin:$PATH" DOCKER_HOST=ssh://swarm-manager \
        docker version --format '{{.Server.Version}}' 2>&1)" || die "DOCKER_HOST=ssh://swarm-manager docker version failed: $out"
    log "ssh: DOCKER_HOST=ssh://swarm-manager docker version -> server $out (no agent)"
    out="$(env -u SSH_AUTH_SOCK PATH="$SSH_DIR/bin:$PATH" ssh swarm-manager-via-jump true 2>&1)" || die "ssh swarm-manager-via-jump failed: $out"
    if out="$(env -u SSH_AUTH_SOCK PATH="$SSH_DIR/bin:$PATH" ssh swarm-manager-unknown true 2>&1)"; then die "ssh swarm-manager-unknown connected; it must fail the host key check"; fi
    if out="$(env -u SSH_AUTH_SOCK PATH="$SSH_DIR/bin:$PATH" ssh swarm-manager-changed true 2>&1)"; then die "ssh swarm-manager-changed connected; it must fail the host key check"; fi
    case "$out" in *"REMOTE HOST IDENTIFICATION HAS CHANGED"*) ;; *) die "ssh swarm-manager-changed: unexpected output: $out" ;; esac
}

ssh_down() {
    if pid_alive "$SSH_DIR/sshd.pid"; then kill -TERM "$(cat "$SSH_DIR/sshd.pid")"; log "sshd stopped"; fi
    rm -f "$SSH_DIR/sshd.pid"
}

# ---------------------------------------------------------------- network namespaces
net_healthy() {
    ip netns list 2>/dev/null | grep -q "^$NETNS_PREFIX-hub\b" &&
        ip -4 addr show dev "$HOST_VETH" 2>/dev/null | grep -q "inet $SUBNET.254/" || return 1
    local n; for n in $NODES; do ip netns list | grep -q "^$NETNS_PREFIX-n$n\b" || return 1; done
}

net_up() {
    net_healthy && return 0
    net_down_quiet
    local t; t=$(now_ms)
    # The bridge lives in a namespace of its own: on a root-namespace bridge the main engine's FORWARD DROP policy
    # (with bridge-nf-call-iptables=1) would drop the frames between the nodes.
    local hub=$NETNS_PREFIX-hub n
    ip netns add "$hub"
    ip -n "$hub" link add br0 type bridge
    ip -n "$hub" link set br0 up
    ip -n "$hub" link set lo up
    for n in $NODES; do
        ip netns add "$NETNS_PREFIX-n$n"
        ip -n "$hub" link add "veth-n$n" type veth peer name eth0 netns "$NETNS_PREFIX-n$n"
        ip -n "$hub" link set "veth-n$n" master br0 up
        ip -n "$NETNS_PREFIX-n$n" addr add "$SUBNET.$n/24" dev eth0
        ip -n "$NETNS_PREFIX-n$n" link set eth0 up
        ip -n "$NETNS_PREFIX-n$n" link set lo up
    done
    ip link add "$HOST_VETH" type veth peer name uplink netns "$hub"
    ip -n "$hub" link set uplink master br0 up
    ip addr add "$SUBNET.254/24" dev "$HOST_VETH"
    ip link set "$HOST_VETH" up
    log "network namespaces $NETNS_PREFIX-n1..3 on $SUBNET.0/24 (bridge in $hub): $(since "$t")"
}

net_down_quiet() {
    local n
    for n in $NODES; do ip netns del "$NETNS_PREFIX-n$n" 2>/dev/null || true; done
    ip netns del "$NETNS_PREFIX-hub" 2>/dev/null || true
    ip link del "$HOST_VETH" 2>/dev/null || true
}

# ---------------------------------------------------------------- registry
reg_password() {
    [ -s "$REG_DIR/password" ] || { mkdir -p "$REG_DIR"; openssl rand -hex 12 > "$REG_DIR/password"; chmod 600 "$REG_DIR/password"; }
    cat "$REG_DIR/password"
}

reg_healthy() {   # reg_healthy NAME ADDR: pid alive, 401 without and 200 with the credentials
    pid_alive "$REG_DIR/$1.pid" || return 1
    [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://$2/v2/")" = 401 ] || return 1
    [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' -u "$REG_USER:$(reg_password)" "http://$2/v2/")" = 200 ]
}

reg_start() {   # reg_start NAME ADDR
    local name=$1 addr=$2
    reg_healthy "$name" "$addr" && return 0
    if pid_alive "$REG_DIR/$name.pid"; then kill -TERM "$(cat "$REG_DIR/$name.pid")"; sleep 0.5; fi
    port_listening "$addr" && die "$addr is already in use by another program (ss -ltnp 'sport = :${addr##*:}')"
    # Both registries serve one storage folder: an image pushed through either is pullable through both
    # (no cache section, so neither keeps stale blob descriptors of the other's writes).
    cat > "$REG_DIR/$name.yml" <<EOF
# Written by scripts/testbed/cluster.sh
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: $addr
  secret: $(cat "$REG_DIR/http-secret")
auth:
  htpasswd:
    realm: swarm-stacks-testbed
    path: $REG_DIR/htpasswd
EOF
    rm -f "$REG_DIR/$name.pid"
    # setsid in a non-interactive shell: same pid, own session, outlives this script
    setsid docker-registry serve "$REG_DIR/$name.yml" </dev/null >>"$REG_DIR/$name.log" 2>&1 &
    echo $! > "$REG_DIR/$name.pid"
    local i
    for i in $(seq $WAIT_STEPS); do reg_healthy "$name" "$addr" && break; sleep 0.1; done
    reg_healthy "$name" "$addr" || { tail -5 "$REG_DIR/$name.log" >&2; die "docker-registry $name did not answer on $addr"; }
    log "docker-registry on $addr (pid $(cat "$REG_DIR/$name.pid"), htpasswd user $REG_USER)"
}

write_docker_config() {
    local auth; auth="$(printf '%s:%s' "$REG_USER" "$(reg_password)" | base64 -w0)"
    mkdir -p "$DOCKER_CONFIG_DIR"
    # what `docker login` writes when no credential store is configured
    cat > "$DOCKER_CONFIG_DIR/config.json" <<EOF
{
	"auths": {
		"$REG_LOCAL": {
			"auth": "$auth"
		},
		"$REG_CLUSTER": {
			"auth": "$auth"
		}
	}
}
EOF
    chmod 600 "$DOCKER_CONFIG_DIR/config.json"
}

registry_up() {
    mkdir -p "$REG_DIR/data"
    reg_password >/dev/null
    [ -s "$REG_DIR/http-secret" ] || openssl rand -hex 16 > "$REG_DIR/http-secret"
    if ! [ -s "$REG_DIR/htpasswd" ] || ! htpasswd -vb "$REG_DIR/htpasswd" "$REG_USER" "$(reg_password)" >/dev/null 2>&1; then
        htpasswd -Bbc "$REG_DIR/htpasswd" "$REG_USER" "$(reg_password)" 2>/dev/null
    fi
    reg_start local "$REG_LOCAL"
    reg_start cluster "$REG_CLUSTER"
    write_docker_config
}

# registry_check: a push with the Docker CLI and the DOCKER_CONFIG (main engine -> 127.0.0.1:5000), then a pull of
# the same repository through the nodes' address by node1 (shared storage, insecure-registry, credentials).
registry_check() {
    local src=swarm-stacks-testbed/haproxy:2.6 repo=testbed-check/haproxy:verify t out
    t=$(now_ms)
    docker tag "$src" "$REG_LOCAL/$repo"
    out="$(DOCKER_CONFIG="$DOCKER_CONFIG_DIR" docker push -q "$REG_LOCAL/$repo" 2>&1)" || die "docker push $REG_LOCAL/$repo failed: $out"
    docker rmi "$REG_LOCAL/$repo" >/dev/null
    out="$(DOCKER_CONFIG="$DOCKER_CONFIG_DIR" nd 1 pull -q "$REG_CLUSTER/$repo" 2>&1)" || die "node1: docker pull $REG_CLUSTER/$repo failed: $out"
    nd 1 rmi "$REG_CLUSTER/$repo" >/dev/null
    log "registry: push to $REG_LOCAL and pull by node1 from $REG_CLUSTER with $DOCKER_CONFIG_DIR: $(since "$t")"
}

registry_down() {
    local name
    for name in cluster local; do
        if pid_alive "$REG_DIR/$name.pid"; then kill -TERM "$(cat "$REG_DIR/$name.pid")"; log "docker-registry $name stopped"; fi
        rm -f "$REG_DIR/$name.pid"
    done
}

# ---------------------------------------------------------------- nodes
write_node_inner() {
    # `ip netns exec` remounts /sys for the namespace, which drops the cgroup mounts: mount the host's cgroup
    # layout again (read here, from the host's mountinfo) before dockerd starts.
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
                # a named hierarchy without controllers needs "none"
                printf '%s' "$opts" | grep -qE '^name=[^,]+$' && opts="none,$opts"
                mounts+=$'\n'"mkdir -p $mp; mount -t cgroup -o $opts cgroup $mp"
            fi
        done < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i+1) ~ /^cgroup2?$/ && $5 != "/sys/fs/cgroup") print $5, $(i+1), $(i+3) } }' /proc/self/mountinfo)
    fi
    cat > "$NODES_DIR/node-inner.sh" <<EOF
#!/bin/sh
# Written by scripts/testbed/cluster.sh; runs as: ip netns exec $NETNS_PREFIX-nN unshare --uts sh node-inner.sh N
set -e
N=\$1; D=$NODES_DIR/n\$N
$mounts
mount --bind \$D/etc-docker /etc/docker        # own key.json: a distinct engine ID per node
mount --bind $NODES_DIR/resolv.conf /etc/resolv.conf
hostname node\$N
# the nodes pull, as real nodes do: no DOCKER_SERVICE_PREFER_OFFLINE_IMAGE (with it a node never pulls)
unset DOCKER_SERVICE_PREFER_OFFLINE_IMAGE DOCKER_HOST DOCKER_CONTEXT DOCKER_CONFIG
exec dockerd -H unix://\$D/docker.sock --data-root \$D/data --exec-root \$D/exec --pidfile \$D/docker.pid \\
    --storage-driver overlay2 --cgroup-parent /$CGROUP_PREFIX\$N --swarm-default-advertise-addr $SUBNET.\$N \\
    --insecure-registry $REG_CLUSTER --log-level info
EOF
}

node_healthy() { nd "$1" version >/dev/null 2>&1; }

node_start() {
    local n=$1 D=$NODES_DIR/n$1
    node_healthy "$n" && return 0
    node_stop "$n"
    mkdir -p "$D/data" "$D/exec" "$D/etc-docker"
    rm -f "$D/docker.pid"
    # subshell + setsid: dockerd is re-parented to init, in its own session; it outlives this script
    ( setsid ip netns exec "$NETNS_PREFIX-n$n" unshare --uts /bin/sh "$NODES_DIR/node-inner.sh" "$n" \
        >>"$D/dockerd.log" 2>&1 </dev/null & )
    local i
    for i in $(seq $WAIT_STEPS); do node_healthy "$n" && return 0; sleep 0.1; done
    tail -20 "$D/dockerd.log" >&2
    die "node$n: dockerd did not answer on $D/docker.sock within $((WAIT_STEPS / 10)) s"
}

node_stop() {   # SIGTERM by pid file, bounded wait, SIGKILL that pid only if it hangs
    pid_alive "$NODES_DIR/n$1/docker.pid" || return 0
    local pid; pid="$(cat "$NODES_DIR/n$1/docker.pid")"
    kill -TERM "$pid" 2>/dev/null || return 0
    local i
    for i in $(seq 400); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    log "node$1: dockerd $pid did not stop within 40 s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

nodes_images() {
    local img n need=""
    for n in $NODES; do
        for img in $IMAGES; do
            [ "$(nd "$n" image inspect --format '{{.Id}}' "$img" 2>/dev/null)" = "$(docker image inspect --format '{{.Id}}' "$img")" ] ||
                { need+=" $n"; break; }
        done
    done
    [ -n "$need" ] || return 0
    local t; t=$(now_ms)
    # shellcheck disable=SC2086
    docker save $IMAGES -o "$NODES_DIR/images.tar"
    local pids=""
    for n in $need; do nd "$n" load -q -i "$NODES_DIR/images.tar" >/dev/null & pids+=" $!"; done
    local failed=0 p; for p in $pids; do wait "$p" || failed=1; done
    rm -f "$NODES_DIR/images.tar"
    [ $failed = 0 ] || die "docker load into the nodes failed"
    log "images ($IMAGES) loaded into node(s)$need: $(since "$t")"
}

swarm_state() { nd "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }

nodes_swarm() {
    local t; t=$(now_ms)
    if [ "$(swarm_state 1)" != active ]; then
        nd 1 swarm init --advertise-addr "$SUBNET.1" --listen-addr "$SUBNET.1:2377" --default-addr-pool "$POOL" >/dev/null
        # node failures visible in ~4 s instead of ~10 s (the fault tests wait for them)
        nd 1 swarm update --dispatcher-heartbeat 1s >/dev/null
        log "node1: swarm initialised"
    fi
    local token n members; token="$(nd 1 swarm join-token -q worker)"
    members="$(nd 1 node ls -q)"
    for n in $NODES; do
        [ "$n" = 1 ] && continue
        local id; id="$(nd "$n" info --format '{{.Swarm.NodeID}}')"
        if [ "$(swarm_state "$n")" = active ] && [ -n "$id" ] && printf '%s\n' "$members" | grep -qx "$id"; then continue; fi
        nd "$n" swarm leave --force >/dev/null 2>&1 || true
        nd "$n" swarm join --token "$token" --advertise-addr "$SUBNET.$n" "$SUBNET.1:2377" >/dev/null
        log "node$n: joined as a worker"
    done
    # entries of nodes that re-joined under a new ID stay Down: remove them
    local stale; stale="$(nd 1 node ls --format '{{.ID}} {{.Status}}' | awk '$2 == "Down" {print $1}')"
    [ -z "$stale" ] || nd 1 node rm --force $stale >/dev/null
    local i ready
    for i in $(seq $WAIT_STEPS); do
        ready="$(nd 1 node ls --format '{{.Hostname}} {{.Status}}' | grep -c ' Ready$' || true)"
        [ "$ready" = 3 ] && break
        sleep 0.1
    done
    [ "$ready" = 3 ] || { nd 1 node ls >&2; die "the swarm on node1 has $ready Ready nodes, not 3"; }
    # a test may have left a node drained or paused
    local name avail
    while read -r name avail; do
        [ "$avail" = Active ] || { nd 1 node update --availability active "$name" >/dev/null; log "$name: availability $avail -> active"; }
    done < <(nd 1 node ls --format '{{.Hostname}} {{.Availability}}')
    log "swarm: node1 manager, node2 and node3 workers, all Ready: $(since "$t")"
}

nodes_up() {
    local n
    mkdir -p "$NODES_DIR" /etc/docker
    local sock="$NODES_DIR/n1/exec/containerd/containerd.sock.ttrpc"
    [ ${#sock} -lt 100 ] || die "the checkout path is too long for unix sockets under $NODES_DIR (${#sock} > 100 characters)"
    # Offline nodes whose name lookups fail at once: nothing listens on the node's own 127.0.0.1:53, and with ICMP
    # unreachables not rate-limited in the node's namespace every refusal arrives. (With the nameserver on
    # $SUBNET.254 the root namespace's ICMP rate limit dropped every second refusal: each pull attempt of a
    # local-only image then waited for the resolver's 5 s timeout before the task started.)
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$NODES_DIR/resolv.conf"
    for n in $NODES; do ip netns exec "$NETNS_PREFIX-n$n" sysctl -q -w net.ipv4.icmp_ratelimit=0; done
    write_node_inner
    local t; t=$(now_ms)
    for n in $NODES; do node_start "$n"; done
    log "node daemons answering: $(since "$t")"
    nodes_images
    nodes_swarm
}

nodes_down() {
    local n
    if node_healthy 1 && [ "$(swarm_state 1)" = active ]; then
        local s; s="$(nd 1 service ls -q 2>/dev/null || true)"
        # shellcheck disable=SC2086
        [ -z "$s" ] || nd 1 service rm $s >/dev/null 2>&1 || true
    fi
    for n in 3 2 1; do node_stop "$n"; done
    # containerd or shims left by a daemon that died: only processes naming OUR exec-roots, ended by pid
    local p
    for p in $(pgrep -f "$NODES_DIR/n[0-9]/exec/" || true); do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    net_down_quiet
    for n in $NODES; do
        local c
        for c in /sys/fs/cgroup/*/"$CGROUP_PREFIX$n"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
        rm -rf "${NODES_DIR:?}/n$n"
    done
    rm -f "$NODES_DIR/node-inner.sh" "$NODES_DIR/resolv.conf" "$NODES_DIR/images.tar"
    log "nodes stopped, namespaces and node data removed"
}

# ---------------------------------------------------------------- cluster.json
write_cluster_json() {
    SSH_PORT="$(ssh_port)" REG_PASSWORD="$(reg_password)" TB="$TB" SUBNET="$SUBNET" REG_LOCAL="$REG_LOCAL" \
    REG_CLUSTER="$REG_CLUSTER" REG_USER="$REG_USER" node -e '
const e = process.env, tb = e.TB, port = Number(e.SSH_PORT);
const cluster = {
    ssh: {
        url: `ssh://root@127.0.0.1:${port}`,
        alias: "swarm-manager",
        jumpAlias: "swarm-manager-via-jump",
        unknownKeyAlias: "swarm-manager-unknown",
        changedKeyAlias: "swarm-manager-changed",
        port, user: "root",
        binDir: `${tb}/ssh/bin`,
        config: `${tb}/ssh/config`,
        identityFile: `${tb}/ssh/id_ed25519`,
        knownHosts: `${tb}/ssh/known_hosts`,
        pidFile: `${tb}/ssh/sshd.pid`,
    },
    tls: { url: "tcp://127.0.0.1:2376", certPath: `${tb}/tls/client` },
    registry: {
        local: e.REG_LOCAL, cluster: e.REG_CLUSTER, username: e.REG_USER, password: e.REG_PASSWORD,
        dockerConfig: `${tb}/docker-config`,
    },
    nodes: [1, 2, 3].map((n) => ({
        name: `node${n}`, host: `unix://${tb}/nodes/n${n}/docker.sock`, address: `${e.SUBNET}.${n}`,
        role: n === 1 ? "manager" : "worker",
    })),
};
require("fs").writeFileSync(`${tb}/cluster.json`, JSON.stringify(cluster, null, 2) + "\n", { mode: 0o600 });
'
}

# ---------------------------------------------------------------- verbs
tls_check() {
    local out
    out="$(env -u DOCKER_CONTEXT DOCKER_HOST=tcp://127.0.0.1:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$TLS_DIR/client" \
        docker version --format '{{.Server.Version}}' 2>&1)" ||
        die "the engine does not answer on tcp://127.0.0.1:2376 with $TLS_DIR/client (run scripts/testbed/engine.sh): $out"
    log "tls: DOCKER_HOST=tcp://127.0.0.1:2376 DOCKER_TLS_VERIFY=1 docker version -> server $out"
}

up() {
    require_root
    local t; t=$(now_ms)
    packages
    docker version >/dev/null 2>&1 || die "the main engine does not answer: run scripts/testbed/engine.sh first"
    local img; for img in $IMAGES; do docker image inspect "$img" >/dev/null 2>&1 || die "$img missing: run scripts/testbed/images.sh first"; done
    tls_check
    ssh_up
    net_up
    registry_up
    nodes_up
    registry_check
    write_cluster_json
    log "cluster ready in $(since "$t"): $CLUSTER_JSON"
}

status() {
    local bad=0 n
    check() { if ( "${@:2}" ) >/dev/null 2>&1; then printf '[cluster] %-10s ok\n' "$1"; else printf '[cluster] %-10s NOT OK\n' "$1"; bad=1; fi; }
    check tls tls_check
    check sshd sshd_healthy
    check ssh ssh_check
    check network net_healthy
    check registry reg_healthy local "$REG_LOCAL"
    check registry reg_healthy cluster "$REG_CLUSTER"
    for n in $NODES; do check "node$n" node_healthy "$n"; done
    if node_healthy 1; then
        printf '[cluster] swarm      %s Ready\n' "$(nd 1 node ls --format '{{.Status}}' | grep -c Ready || true)"
    fi
    check cluster.json test -s "$CLUSTER_JSON"
    return $bad
}

down() {
    require_root
    rm -f "$CLUSTER_JSON"
    nodes_down
    registry_down
    ssh_down
}

# node-stop N / node-start N: one node daemon down and up again (fault tests: a node lost during a deploy).
# node-start waits until the manager reports every node Ready again.
node_verb() {
    local verb=$1 n=${2:-}
    case "$n" in 1|2|3) ;; *) die "usage: $0 $verb 1|2|3" ;; esac
    [ -s "$NODES_DIR/node-inner.sh" ] && net_healthy || die "the cluster is not up: bash scripts/testbed/cluster.sh up"
    if [ "$verb" = node-stop ]; then
        node_stop "$n"
        log "node$n: dockerd stopped"
        return 0
    fi
    local t; t=$(now_ms)
    node_start "$n"
    local i ready=0
    for i in $(seq $WAIT_STEPS); do
        ready="$(nd 1 node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$' || true)"
        [ "$ready" = 3 ] && [ "$(swarm_state "$n")" = active ] && break
        sleep 0.1
    done
    [ "$ready" = 3 ] || die "node$n started but the manager reports $ready Ready nodes, not 3"
    log "node$n: dockerd started, all 3 nodes Ready: $(since "$t")"
}

case "${1:-}" in
    up) up ;;
    status) status ;;
    down) down ;;
    node-stop|node-start) require_root; node_verb "$1" "${2:-}" ;;
    *) echo "usage: $0 up|status|down|node-stop N|node-start N" >&2; exit 2 ;;
esac
