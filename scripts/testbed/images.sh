#!/usr/bin/env bash
# Builds the offline base images the tests use (no registry is reachable here), from binaries of this host:
#   swarm-stacks-testbed/node:20      the host's node binary (+ its shared libraries), /usr/local/bin/node
#   swarm-stacks-testbed/haproxy:2.6  Debian's /usr/sbin/haproxy (+ its shared libraries), haproxy user/group
# Names under swarm-stacks-testbed/ cannot collide with images a user pulls.
# Each image carries the label swarm-stacks.testbed.source (sha256 of the copied binary + recipe version); an
# image whose label matches is kept, so a second run takes about a second. Each image is smoke-tested.
# Needs a reachable engine (scripts/testbed/engine.sh). See docs/testbed.md.
set -euo pipefail

RECIPE=1   # bump when the image layout below changes, to force a rebuild
NODE_IMAGE="${SWARM_STACKS_NODE_IMAGE:-swarm-stacks-testbed/node:20}"
HAPROXY_IMAGE="${SWARM_STACKS_HAPROXY_IMAGE:-swarm-stacks-testbed/haproxy:2.6}"
LABEL=swarm-stacks.testbed.source

log() { printf '[images] %s\n' "$*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

is_debian() { [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; }

docker version >/dev/null 2>&1 || die "no Docker engine reachable: run scripts/testbed/engine.sh first"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/swarm-stacks-images.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# copy_with_libs ROOT BINARY DEST: copies BINARY to ROOT/DEST and every library `ldd` lists to the same path
# under ROOT (symlinks resolved), plus the dynamic loader.
copy_with_libs() {
  local root="$1" bin="$2" dest="$3" lib
  mkdir -p "$root$(dirname "$dest")"
  cp -L "$bin" "$root$dest"
  while read -r lib; do
    [ -n "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done < <(ldd "$bin" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+/{print $1}' | sort -u)
  if [ ! -e "$root/lib64/ld-linux-x86-64.so.2" ] && [ -e /lib64/ld-linux-x86-64.so.2 ]; then
    mkdir -p "$root/lib64"
    cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  fi
}

# add_common ROOT: name-service files so getaddrinfo (node's dns.lookup) reads /etc/hosts and then DNS
# (Docker mounts /etc/hosts and /etc/resolv.conf -> 127.0.0.11 for `tasks.<service>` names); glibc >= 2.34 has
# the files/dns NSS modules built in, older ones need libnss_files/libnss_dns, copied when present.
add_common() {
  local root="$1" lib
  mkdir -p "$root/etc" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
  for lib in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2 libgcc_s.so.1; do
    for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
      if [ -e "$dir/$lib" ] && [ ! -e "$root$dir/$lib" ]; then
        mkdir -p "$root$dir"
        cp -L "$dir/$lib" "$root$dir/$lib"
        break
      fi
    done
  done
}

current_label() { docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }

# ---------- node ----------
build_node() {
  local node_bin source root
  command -v node >/dev/null || die "node not found on PATH"
  node_bin="$(node -p process.execPath)"
  source="recipe$RECIPE node $(node -v) sha256:$(sha256sum "$node_bin" | cut -d' ' -f1)"
  if [ "$(current_label "$NODE_IMAGE")" = "$source" ]; then
    log "$NODE_IMAGE up to date ($source)"
  else
    log "building $NODE_IMAGE from $node_bin ($(node -v))"
    root="$WORK/node"
    copy_with_libs "$root" "$node_bin" /usr/local/bin/node
    add_common "$root"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
    printf 'root:x:0:\n' > "$root/etc/group"
    tar -C "$root" -c . | docker import \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      --change "LABEL $LABEL=\"$source\"" \
      --change 'CMD ["node"]' \
      - "$NODE_IMAGE" >/dev/null
  fi
  local out
  out="$(docker run --rm --network none "$NODE_IMAGE" node -e 'console.log(1)' 2>&1)" ||
    die "$NODE_IMAGE does not run node: $out"
  [ "$out" = 1 ] || die "$NODE_IMAGE: node -e 'console.log(1)' printed '$out'"
  log "$NODE_IMAGE ok ($(docker image inspect --format '{{.Size}}' "$NODE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# ---------- haproxy ----------
build_haproxy() {
  local source root hp_uid hp_gid
  if ! [ -x /usr/sbin/haproxy ]; then
    [ "$(id -u)" = 0 ] || die "/usr/sbin/haproxy missing and not root: apt-get install -y --no-install-recommends haproxy"
    is_debian && command -v apt-get >/dev/null || die "/usr/sbin/haproxy missing and this is not Debian/Ubuntu"
    log "apt-get install haproxy"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy </dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy </dev/null
    fi
  fi
  source="recipe$RECIPE $(/usr/sbin/haproxy -v 2>/dev/null | head -1 | awk '{print $3}') sha256:$(sha256sum /usr/sbin/haproxy | cut -d' ' -f1)"
  if [ "$(current_label "$HAPROXY_IMAGE")" = "$source" ]; then
    log "$HAPROXY_IMAGE up to date ($source)"
  else
    log "building $HAPROXY_IMAGE from /usr/sbin/haproxy ($(/usr/sbin/haproxy -v | head -1 | awk '{print $3}'))"
    root="$WORK/haproxy"
    copy_with_libs "$root" /usr/sbin/haproxy /usr/sbin/haproxy
    add_common "$root"
    hp_uid="$(getent passwd haproxy | cut -d: -f3 || true)"; hp_uid="${hp_uid:-99}"
    hp_gid="$(getent group haproxy | cut -d: -f3 || true)"; hp_gid="${hp_gid:-99}"
    printf 'root:x:0:0:root:/root:/bin/sh\nhaproxy:x:%s:%s::/var/lib/haproxy:/usr/sbin/nologin\n' \
      "$hp_uid" "$hp_gid" > "$root/etc/passwd"
    printf 'root:x:0:\nhaproxy:x:%s:\n' "$hp_gid" > "$root/etc/group"
    mkdir -p "$root/run/haproxy" "$root/var/lib/haproxy" "$root/usr/local/etc/haproxy"
    tar -C "$root" -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "LABEL $LABEL=\"$source\"" \
      --change 'CMD ["/usr/sbin/haproxy","-W","-db","-f","/usr/local/etc/haproxy/haproxy.cfg"]' \
      - "$HAPROXY_IMAGE" >/dev/null
  fi
  local out
  out="$(docker run --rm --network none "$HAPROXY_IMAGE" haproxy -v 2>&1)" ||
    die "$HAPROXY_IMAGE does not run haproxy: $out"
  case "$out" in *"HAProxy version"*) ;; *) die "$HAPROXY_IMAGE: haproxy -v printed '$out'" ;; esac
  log "$HAPROXY_IMAGE ok ($(docker image inspect --format '{{.Size}}' "$HAPROXY_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
}

build_node
build_haproxy
