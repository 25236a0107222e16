#!/usr/bin/env bash
# Generates a throwaway test CA and a server certificate it signed, for
# TLS tests: make_test_ca.sh DIR -> DIR/ca.crt, DIR/server.crt, DIR/server.key
# (subject CN=localhost, SAN DNS:localhost and IP:127.0.0.1). Never used
# outside tests; keys are unencrypted.
set -euo pipefail
dir=${1:?directory}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sqlwarden test CA" \
  -keyout ca.key -out ca.crt >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout server.key -out server.csr >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.crt >/dev/null 2>&1
chmod 600 server.key ca.key
rm -f server.csr server.ext ca.srl
