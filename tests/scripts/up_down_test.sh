#!/usr/bin/env bash
# Issue 3, acceptance 1, automated: the real scripts/up (twice), the README's
# psql and mariadb lines, scripts/status, scripts/down, and no process left.
# Runs in a temp dir on free ports so a developer's own scripts/up instance is
# untouched; reuses the binary under test instead of a Release build.
#   up_down_test.sh SQLWARDEN_BINARY WORK_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/scripts/lib/backends.sh"
binary=$1
work=$2
source "$root/tests/scripts/free_up_ports.sh" "$binary" "$work"

fail() { echo "FAIL: $*" >&2; "$root/scripts/down" >/dev/null 2>&1 || true; exit 1; }

"$root/scripts/down" >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$(dirname "$work")"
"$root/scripts/up" >"$work.up1.log" 2>&1 || { cat "$work.up1.log"; fail "scripts/up"; }
grep -q "sqlwarden is up" "$work.up1.log" || fail "no endpoint banner"
"$root/scripts/up" >"$work.up2.log" 2>&1 || { cat "$work.up2.log"; fail "second scripts/up"; }
grep -q "already running" "$work.up2.log" || fail "second scripts/up started another proxy"

pg=$(PGPASSWORD=app psql -X -At -h 127.0.0.1 -p "$SQLWARDEN_UP_PG_PORT" -U app exo_cluster \
  -c 'select count(*) from ai_models') || fail "psql through the proxy"
[ "$pg" = 6 ] || fail "psql returned '$pg', expected 6"
my=$(mariadb --no-defaults -N -B -h 127.0.0.1 -P "$SQLWARDEN_UP_MY_PORT" -u app -papp exo_cluster \
  -e 'select count(*) from cluster_nodes') || fail "mariadb through the proxy"
[ "$my" = 5 ] || fail "mariadb returned '$my', expected 5"
lab=$(PGPASSWORD=app psql -X -At -h 127.0.0.1 -p "$SQLWARDEN_UP_PG_PORT" -U app lablink_db \
  -c "select tgname from pg_trigger where tgname = 'vm_update_trigger'") || fail "lablink_db"
[ "$lab" = vm_update_trigger ] || fail "lablink_db has no vm_update_trigger"

# The banner's admin curl line, run as printed (loopback needs no token in the embedded default).
curl_line=$(grep -o "curl -s http://127.0.0.1:$SQLWARDEN_UP_ADMIN_PORT/[^ ]*" "$work.up1.log") ||
  fail "no admin curl line in the banner"
grep -q "http://127.0.0.1:$SQLWARDEN_UP_ADMIN_PORT/" "$work.up1.log" || fail "no admin URL in the banner"
clients=$($curl_line) || fail "admin curl line: $curl_line"
grep -q '"clients"' <<<"$clients" || fail "admin curl line returned: $clients"
health=$(curl -s "http://127.0.0.1:$SQLWARDEN_UP_ADMIN_PORT/health")
grep -q '"status":"ok"' <<<"$health" || fail "admin /health: $health"

status=$("$root/scripts/status")
[ "$(grep -c running <<<"$status")" = 3 ] || fail "status: $status"

pids=("$(cat "$work/sqlwarden.pid")" "$(head -n 1 "$work/pg/data/postmaster.pid")" "$(cat "$work/mariadb/run/mysqld.pid")")
"$root/scripts/down" >/dev/null || fail "scripts/down"
sleep 0.5
for pid in "${pids[@]}"; do
  kill -0 "$pid" 2>/dev/null && fail "process $pid still running after scripts/down"
done
[ "$(grep -c stopped <<<"$("$root/scripts/status")")" = 3 ] || fail "status after down"
echo "up/down: ok (psql 6 rows, mariadb 5 rows, admin curl line, 3 processes started and stopped)"
