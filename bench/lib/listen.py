"""LISTEN/NOTIFY fan-out latency: N listeners, one notifier, NOTIFY → delivery."""
import json
import subprocess

from backends import PG_DB


def measure_listen(tool, port, listeners, notifies=20, timeout=120):
    cmd = [tool, "--port", str(port), "--user", "app", "--password", "app", "--dbname", PG_DB,
           "--listeners", str(listeners), "--notifies", str(notifies), "--timeout-seconds", "10"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s", "command": " ".join(cmd)}
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {"ok": False, "error": (proc.stderr or proc.stdout).strip()[-200:]}
    result["command"] = " ".join(cmd)
    return result
