#!/bin/sh
# Makes a test CA and certificates it signed in DIR, with openssl:
#   ca.pem ca.key            the CA
#   server.pem server.key    CN=localhost, for 127.0.0.1 and localhost
#   carol.pem carol.key      a client, subject O=warp-test,CN=carol
#   mallory.pem mallory.key  a client certificate no one trusts (self-signed)
#   expired.pem expired.key  a client certificate of the CA that expired yesterday
# usage: make_certs.sh DIR
set -eu
dir="$1"
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -days 2 -subj "/CN=warp-test-ca" -out ca.pem 2>/dev/null
issue() {  # name subject [days]
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "${3:-2}" \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
issue server "/CN=localhost"
issue carol "/O=warp-test/CN=carol"
issue expired "/O=warp-test/CN=expired" -1
key mallory.key
openssl req -x509 -new -key mallory.key -days 2 -subj "/CN=mallory" -out mallory.pem 2>/dev/null
