# Shared shell functions that run private PostgreSQL and MariaDB servers for
# scripts/up (fixed ports, .local/) and the test fixture (free ports, temp
# dirs). Source it; every function takes the server's directory explicitly.
# Servers are stopped by PID file, never by process name.

SW_ROOT=${SW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
SAMPLES="$SW_ROOT/config/samples"

# PostgreSQL refuses to run as root: run it as an unprivileged OS user.
pg_os_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  id sqlwarden >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin sqlwarden
  echo sqlwarden
}

as_pg_user() {
  local user; user=$(pg_os_user)
  if [ "$(id -u)" -eq 0 ] && [ "$user" != root ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# free_port: a TCP port nobody listens on right now.
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

wait_for_port() {  # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

pg_psql() {  # dir port db [psql args...] — as the superuser over the socket
  local dir=$1 port=$2 db=$3; shift 3
  PGOPTIONS="-c client_min_messages=warning" as_pg_user "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" -p "$port" -U postgres -d "$db" "$@"
}

pg_start() {  # dir port — $PG_EXTRA_CONF: more postgresql.conf lines at initdb
  local dir=$1 port=$2 user; user=$(pg_os_user)
  mkdir -p "$dir/run"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    mkdir -p "$dir/data"
    chown -R "$user" "$dir/data" "$dir/run" 2>/dev/null || true
    as_pg_user "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log"; return 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
${PG_EXTRA_CONF:-}
CONF
  fi
  chown -R "$user" "$dir/run" 2>/dev/null || true
  if [ -f "$dir/data/postmaster.pid" ] && kill -0 "$(head -n 1 "$dir/data/postmaster.pid")" 2>/dev/null; then
    return 0
  fi
  as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -o "-p $port" -l "$dir/run/postgres.log" -w -t 60 start >/dev/null || {
    tail -n 20 "$dir/run/postgres.log"; return 1; }
}

pg_stop() {  # dir
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# Loads the demo users and sample databases once (marker file makes it idempotent).
pg_load_samples() {  # dir port
  local dir=$1 port=$2
  [ -f "$dir/samples-loaded" ] && return 0
  pg_psql "$dir" "$port" postgres -f "$SAMPLES/users.pg.sql" >/dev/null
  local db
  for db in exo_cluster lablink_db; do
    pg_psql "$dir" "$port" postgres -c "CREATE DATABASE $db OWNER app" >/dev/null
    pg_psql "$dir" "$port" "$db" -c "SET ROLE app" -f "$SAMPLES/$db.pg.sql" -f "$SAMPLES/grants.pg.sql" >/dev/null
  done
  touch "$dir/samples-loaded"
}

maria_client() {  # dir [mariadb args...] — as root over the socket
  local dir=$1; shift
  mariadb --no-defaults -uroot --socket="$dir/run/mysqld.sock" "$@"
}

maria_start() {  # dir port
  local dir=$1 port=$2
  mkdir -p "$dir/run"
  if [ ! -d "$dir/data/mysql" ]; then
    mkdir -p "$dir/data"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 || {
      cat "$dir/install.log"; return 1; }
  fi
  if [ -f "$dir/run/mysqld.pid" ] && kill -0 "$(cat "$dir/run/mysqld.pid")" 2>/dev/null; then
    return 0
  fi
  # setsid: the server must not die with the shell that started it.
  setsid mariadbd --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/run/mysqld.sock" --pid-file="$dir/run/mysqld.pid" --user="$(id -un)" \
    --log-error="$dir/mariadb.log" --skip-name-resolve --max-connections=500 \
    --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
    </dev/null >/dev/null 2>&1 &
  local i
  for ((i = 0; i < 600; i++)); do
    maria_client "$dir" -e 'select 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -n 20 "$dir/mariadb.log"
  return 1
}

maria_stop() {  # dir
  local dir=$1 pid i
  [ -f "$dir/run/mysqld.pid" ] || return 0
  pid=$(cat "$dir/run/mysqld.pid")
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

maria_load_samples() {  # dir
  local dir=$1
  [ -f "$dir/samples-loaded" ] && return 0
  maria_client "$dir" <"$SAMPLES/exo_cluster.mysql.sql"
  maria_client "$dir" <"$SAMPLES/users.mysql.sql"
  touch "$dir/samples-loaded"
}
