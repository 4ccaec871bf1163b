#!/usr/bin/env bash
# Certificates for the engine's TLS listener (tcp://127.0.0.1:2376, dockerd --tlsverify), as users set up a
# remote engine: a CA, a server certificate for IP 127.0.0.1 (serverAuth) and a client certificate (clientAuth).
#   <repo>/.testbed/tls/ca.pem ca-key.pem server-cert.pem server-key.pem   what dockerd reads
#   <repo>/.testbed/tls/client/{ca.pem,cert.pem,key.pem}                    a DOCKER_CERT_PATH for clients
# Idempotent: existing certificates are kept while they verify against the CA and are valid for 30 more days.
# Called by engine.sh before it starts dockerd. See docs/testbed.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIR="$ROOT/.testbed/tls"
DAYS=825

log() { printf '[tls] %s\n' "$*"; }

valid() {   # valid CERT PURPOSE: verifies against our CA for that purpose and does not expire within 30 days
    [ -s "$1" ] && openssl verify -CAfile "$DIR/ca.pem" -purpose "$2" "$1" >/dev/null 2>&1 &&
        openssl x509 -in "$1" -noout -checkend $((30 * 86400)) >/dev/null 2>&1
}

if [ -s "$DIR/ca.pem" ] && valid "$DIR/server-cert.pem" sslserver && valid "$DIR/client/cert.pem" sslclient &&
    cmp -s "$DIR/ca.pem" "$DIR/client/ca.pem"; then
    log "certificates in $DIR are valid"
    exit 0
fi

command -v openssl >/dev/null || { echo "[tls] ERROR: openssl not found (apt-get install openssl)" >&2; exit 1; }
log "creating a CA, a server certificate (IP:127.0.0.1) and a client certificate in $DIR"
rm -rf "$DIR"
mkdir -p "$DIR/client"
chmod 700 "$DIR"
cd "$DIR"
openssl genrsa -out ca-key.pem 2048 2>/dev/null
openssl req -new -x509 -days "$DAYS" -key ca-key.pem -sha256 -subj '/CN=swarm-stacks test bed CA' -out ca.pem
openssl genrsa -out server-key.pem 2048 2>/dev/null
openssl req -new -key server-key.pem -sha256 -subj '/CN=127.0.0.1' -out server.csr
printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' > server.ext
openssl x509 -req -days "$DAYS" -sha256 -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -extfile server.ext -out server-cert.pem 2>/dev/null
openssl genrsa -out client/key.pem 2048 2>/dev/null
openssl req -new -key client/key.pem -sha256 -subj '/CN=swarm-stacks test client' -out client.csr
printf 'extendedKeyUsage = clientAuth\n' > client.ext
openssl x509 -req -days "$DAYS" -sha256 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -extfile client.ext -out client/cert.pem 2>/dev/null
cp ca.pem client/ca.pem
rm -f server.csr client.csr server.ext client.ext ca.srl
chmod 600 ca-key.pem server-key.pem client/key.pem
valid server-cert.pem sslserver && valid client/cert.pem sslclient ||
    { echo "[tls] ERROR: the new certificates do not verify against the new CA" >&2; exit 1; }
log "certificates ready"
