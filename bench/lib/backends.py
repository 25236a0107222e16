"""Private PostgreSQL and MariaDB for a bench run, via scripts/lib/backends.sh.

Either starts throwaway servers on free ports under a temp dir (default) or
uses servers the caller names (--pg-port/--pg-socket-dir, --my-port/--my-socket).
Loads the benchmark data: a pgbench database and a sysbench database.
"""
import os
import shutil

from util import CommandFailed, free_port, log, run, shell_backends

PG_DB = "sw_bench"
MY_DB = "sw_sbtest"
DEMO_USERS = ("app", "exo_ai", "reader")


def pg_bin(name):
    """Tools of the newest installed PostgreSQL (the one backends.sh runs)."""
    versions = sorted((d for d in os.listdir("/usr/lib/postgresql") if d.isdigit()), key=int)
    path = f"/usr/lib/postgresql/{versions[-1]}/bin/{name}" if versions else None
    return path if path and os.path.exists(path) else shutil.which(name)


class Backends:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.started_pg = self.started_my = False
        self.pg_dir = self.my_dir = None
        self.pg_port = args.pg_port
        self.pg_socket_dir = args.pg_socket_dir
        self.my_port = args.my_port
        self.my_socket = args.my_socket

    # --- lifecycle -------------------------------------------------------
    def start(self):
        if not self.pg_port:
            self.pg_dir = os.path.join(self.workdir, "pg")
            self.pg_port = free_port()
            log(f"starting private PostgreSQL on 127.0.0.1:{self.pg_port}")
            shell_backends('pg_start "$1" "$2" && pg_load_samples "$1" "$2"', self.pg_dir, self.pg_port)
            self.started_pg = True
            self.pg_socket_dir = os.path.join(self.pg_dir, "run")
            self._raise_pg_max_connections(self.args.pg_max_connections)
        if not self.my_port:
            self.my_dir = os.path.join(self.workdir, "mariadb")
            self.my_port = free_port()
            while self.my_port == self.pg_port:
                self.my_port = free_port()
            log(f"starting private MariaDB on 127.0.0.1:{self.my_port}")
            shell_backends('maria_start "$1" "$2" && maria_load_samples "$1"', self.my_dir, self.my_port)
            self.started_my = True
            self.my_socket = os.path.join(self.my_dir, "run", "mysqld.sock")

    def stop(self):
        if self.started_pg:
            try:
                shell_backends('pg_stop "$1"', self.pg_dir, timeout=90)
            except CommandFailed as e:
                log(f"pg_stop: {e}")
        if self.started_my:
            try:
                shell_backends('maria_stop "$1"', self.my_dir, timeout=60)
            except CommandFailed as e:
                log(f"maria_stop: {e}")

    def _raise_pg_max_connections(self, wanted):
        # Only for servers we own: a pass-through proxy needs one backend per
        # idle client, and the 1,000-client row should measure the proxy, not
        # the backend's limit.
        self.pg_superuser_sql("postgres", f"ALTER SYSTEM SET max_connections = {int(wanted)}")
        shell_backends('pg_stop "$1" && pg_start "$1" "$2"', self.pg_dir, self.pg_port)

    # --- SQL helpers -----------------------------------------------------
    def pg_superuser_sql(self, db, sql):
        """psql as the superuser over the Unix socket (no password); returns stdout."""
        if not self.pg_socket_dir:
            raise RuntimeError("no PostgreSQL socket dir: pass --pg-socket-dir")
        _, out, _ = shell_backends('pg_psql "$1" "$2" "$3" -At -c "$4"',
                                   os.path.dirname(self.pg_socket_dir), self.pg_port, db, sql)
        return out

    def pg_sql(self, sql, user="app", db=PG_DB, port=None, check=True, timeout=60):
        """psql over TCP as a demo user (password = user name)."""
        cmd = [pg_bin("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
               "-h", "127.0.0.1", "-p", str(port or self.pg_port), "-U", user, "-d", db, "-c", sql]
        return run(cmd, timeout=timeout, env={"PGPASSWORD": user, "PGCONNECT_TIMEOUT": "10"},
                   check=check)

    def my_sql(self, sql, user="app", db=MY_DB, port=None, check=True, timeout=60):
        cmd = ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port or self.my_port),
               "-u", user, f"-p{user}", "--connect-timeout=10", "-N", "-B", "-e", sql]
        if db:
            cmd.insert(-2, db)
        return run(cmd, timeout=timeout, check=check)

    def my_root_sql(self, sql):
        if not self.my_socket:
            return self.my_sql(sql, db=None)
        return run(["mariadb", "--no-defaults", "-uroot", f"--socket={self.my_socket}", "-e", sql],
                   timeout=60)

    # --- data ------------------------------------------------------------
    def load_pgbench(self, scale):
        exists = self.pg_sql(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'", db="postgres")[1]
        if exists.strip() != "1":
            self.pg_sql(f"CREATE DATABASE {PG_DB}", db="postgres")
        log(f"pgbench -i -s {scale} ({PG_DB})")
        run([pg_bin("pgbench"), "-i", "-q", "-s", str(scale), "-h", "127.0.0.1", "-p", str(self.pg_port),
             "-U", "app", PG_DB], timeout=600, env={"PGPASSWORD": "app"})
        self.pg_sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader, exo_ai")

    def load_sysbench(self, tables, table_size):
        self.my_root_sql(f"CREATE DATABASE IF NOT EXISTS {MY_DB}; "
                         f"GRANT SELECT ON {MY_DB}.* TO 'reader'@'%'; FLUSH PRIVILEGES")
        log(f"sysbench prepare {tables} x {table_size} rows ({MY_DB})")
        base = sysbench_connection_args(self.my_port, "app", MY_DB) + [
            f"--tables={tables}", f"--table-size={table_size}"]
        run(["sysbench", "oltp_read_only", *base, "cleanup"], timeout=120, check=False)
        run(["sysbench", "oltp_read_only", *base, "prepare"], timeout=600)

    def scram_secrets(self):
        """{user: SCRAM verifier} from pg_authid, for PgBouncer's auth_file; {} if unreachable."""
        try:
            names = ",".join(f"'{u}'" for u in DEMO_USERS)
            out = self.pg_superuser_sql("postgres",
                                        f"SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN ({names})")
        except (CommandFailed, RuntimeError) as e:
            log(f"cannot read pg_authid ({e}); PgBouncer gets plain-text passwords")
            return {}
        secrets = {}
        for line in out.splitlines():
            name, _, secret = line.partition("|")
            if secret.startswith("SCRAM-SHA-256$"):
                secrets[name] = secret
        return secrets

    def pg_backend_connections(self, user="app"):
        """Client backends of user on the bench database, as the server counts them."""
        sql = (f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{user}' "
               f"AND datname = '{PG_DB}' AND backend_type = 'client backend'")
        try:
            # The superuser socket still works when max_connections is exhausted.
            out = self.pg_superuser_sql("postgres", sql) if self.pg_socket_dir else \
                self.pg_sql(sql, db="postgres")[1]
        except (CommandFailed, RuntimeError):
            return None
        return int(out.strip()) if out.strip().isdigit() else None


def sysbench_connection_args(port, user, db):
    return ["--db-driver=mysql", "--mysql-host=127.0.0.1", f"--mysql-port={port}",
            f"--mysql-user={user}", f"--mysql-password={user}", f"--mysql-db={db}"]
