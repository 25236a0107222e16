"""Idle-client memory: hold N real sessions on a proxy and weigh its RSS."""
import json
import select
import subprocess
import time

from backends import PG_DB
from procstat import open_fds, rss_kib
from util import kill_group


def _read_json_line(proc, timeout):
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        return None
    line = proc.stdout.readline()
    try:
        return json.loads(line) if line else None
    except ValueError:
        return None


def measure_idle(idle_tool, instance, backends, count, open_timeout):
    """Opens count idle PostgreSQL sessions through instance; returns figures."""
    pid = instance.pid
    if not pid:
        return {"ok": False, "error": "proxy not running"}
    rss_before = rss_kib(pid)
    fds_before = open_fds(pid)
    servers_before = backends.pg_backend_connections("app")
    cmd = [idle_tool, "--protocol", "pg", "--port", str(instance.pg_port), "--user", "app",
           "--password", "app", "--dbname", PG_DB, "--count", str(count), "--concurrency", "64",
           "--open-timeout-seconds", str(open_timeout), "--hold-seconds", str(open_timeout + 120),
           # Once the goal (no errors) is clearly missed, stop paying for more attempts.
           "--max-failures", str(max(200, count // 20))]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    result = {"count": count, "command": " ".join(cmd), "rss_before_kib": rss_before}
    try:
        opened = _read_json_line(proc, open_timeout + 30)
        if not opened:
            return {**result, "ok": False, "error": "idle_clients gave no report: "
                    + (proc.stderr.read(2000) if proc.poll() is not None else "timeout")}
        time.sleep(1.0)  # let the proxy finish whatever it does after the handshake
        alive = instance.alive()
        rss_held = rss_kib(pid) if alive else None
        result.update({
            "connected": opened["connected"], "failed": opened["failed"],
            "errors": opened.get("errors", {}), "open_seconds": round(opened["seconds"], 2),
            "rss_held_kib": rss_held, "proxy_fds_held": open_fds(pid) if alive else None,
            "proxy_fds_before": fds_before,
            "server_connections_before": servers_before,
            "server_connections_held": backends.pg_backend_connections("app"),
        })
        if not alive:
            return {**result, "ok": False, "error": "proxy exited while holding idle clients"}
        if result["server_connections_held"] is not None and servers_before is not None:
            result["server_connections"] = result["server_connections_held"] - servers_before
        if opened["connected"]:
            result["rss_per_client_kib"] = round((rss_held - rss_before) / opened["connected"], 2)
        proc.stdin.close()
        closed = _read_json_line(proc, 60)
        result["dropped_while_held"] = closed.get("dropped") if closed else None
        proc.wait(timeout=60)
        time.sleep(0.5)
        result["rss_after_close_kib"] = rss_kib(pid) if instance.alive() else None
        result["ok"] = opened["failed"] == 0 and not result["dropped_while_held"]
        if not result["ok"]:
            result["error"] = (f"{opened['failed']} of {count} failed to open, "
                               f"{result['dropped_while_held']} dropped while held")
        return result
    finally:
        kill_group(proc)
