"""Feature probes: does the sqlwarden under test do X yet?

Each probe returns (ok, note). They ask the running proxy over the wire, so
the harness measures whatever main contains without being told.
"""
import json
import subprocess
import time

from util import CommandFailed


def pg_read_only(backends, instance):
    """read_only must deny txid_current() (it assigns a transaction id) while the
    backend itself lets reader run it."""
    sql = "SELECT txid_current()"
    rc, _, err = backends.pg_sql(sql, user="reader", check=False)
    if rc != 0:
        return False, f"probe inconclusive: backend refuses reader `{sql}` ({err.strip()[:120]})"
    rc, _, err = backends.pg_sql(sql, user="reader", port=instance.pg_port, check=False)
    if rc != 0 and "42501" in err:
        return True, "read_only enforced (txid_current() denied with 42501)"
    return False, "this build does not enforce read_only (`SELECT txid_current()` as reader passed)"


def my_read_only(backends, instance):
    """read_only must deny DO (not an allowed statement kind); the backend allows it."""
    sql = "DO 1"
    rc, _, err = backends.my_sql(sql, user="reader", db=None, check=False)
    if rc != 0:
        return False, f"probe inconclusive: backend refuses reader `{sql}` ({err.strip()[:120]})"
    rc, _, err = backends.my_sql(sql, user="reader", db=None, port=instance.my_port, check=False)
    if rc != 0:
        return True, f"read_only enforced (`{sql}` denied: {err.strip()[:80]})"
    return False, "this build does not enforce read_only (`DO 1` as reader passed)"


def pg_multiplexing(backends, instance, idle_tool):
    """Holds pool_size + 10 idle clients and counts the server connections
    behind them: fewer server connections than clients means the pool
    multiplexes (transaction/statement pooling works)."""
    clients = instance.pool_size + 10
    cmd = [idle_tool, "--protocol", "pg", "--port", str(instance.pg_port), "--user", "app",
           "--password", "app", "--dbname", "sw_bench", "--count", str(clients),
           "--open-timeout-seconds", "30", "--hold-seconds", "60"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        opened = json.loads(proc.stdout.readline() or "{}")
        time.sleep(0.3)
        servers = backends.pg_backend_connections("app")
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    if opened.get("connected") != clients or servers is None:
        return False, f"multiplexing probe failed (opened {opened}, server connections {servers})"
    if servers < clients:
        return True, f"{clients} clients held on {servers} server connections"
    return False, (f"this build holds one server connection per client "
                   f"({clients} clients -> {servers} server connections), no multiplexing yet")


PROBES = {"pg_read_only": pg_read_only, "my_read_only": my_read_only, "pg_multiplexing": pg_multiplexing}


def audit_records(backends, instance):
    """The audit target only means something once statements reach the JSONL
    file: run a marked statement on each port and look for it."""
    if not getattr(instance, "audit_file", None):
        return False, "instance has no audit file configured"
    marker = f"sw_audit_probe_{int(time.time() * 1000)}"
    backends.pg_sql(f"SELECT '{marker}' AS {marker}", port=instance.pg_port)
    backends.my_sql(f"SELECT 1 AS {marker}", port=instance.my_port)
    for _ in range(50):
        try:
            with open(instance.audit_file) as f:
                text = f.read()
        except OSError:
            text = ""
        if sum(marker in line for line in text.splitlines()) >= 2:
            return True, "audit records statements of both protocols in the JSONL file"
        time.sleep(0.1)
    return False, "this build does not write audit records for wire statements yet"


PROBES["audit_records"] = audit_records


def run_probe(name, backends, instance, idle_tool):
    probe = PROBES[name]
    try:
        if name == "pg_multiplexing":
            return probe(backends, instance, idle_tool)
        return probe(backends, instance)
    except (CommandFailed, OSError, ValueError) as e:
        return False, f"probe {name} failed: {e}"
