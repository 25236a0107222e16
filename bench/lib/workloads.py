"""pgbench and sysbench runs: command lines, bounded execution, parsed figures."""
import glob
import os
import re
import shlex

from backends import MY_DB, PG_DB, pg_bin, sysbench_connection_args
from procstat import CpuWindow, loadavg
from util import CommandFailed, run

# Statements per transaction, to turn transactions into queries served.
PGBENCH_STATEMENTS = {"select": 1, "tpcb": 7}  # tpcb: BEGIN, 3 UPDATE, SELECT, INSERT, END


def pgbench_command(port, user, script, mode, clients, seconds, connect=False, log_prefix=None):
    threads = min(clients, 2)
    cmd = [pg_bin("pgbench"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "-n",
           "-T", str(seconds), "-c", str(clients), "-j", str(threads), "-M", mode]
    if script == "select":
        cmd.append("-S")
    if connect:
        cmd.append("-C")
    if log_prefix:
        cmd += ["-l", f"--log-prefix={log_prefix}"]
    cmd.append(PG_DB)
    return cmd


def _num(pattern, text, cast=float):
    m = re.search(pattern, text, re.M)
    return cast(m.group(1)) if m else None


def parse_pgbench(out):
    return {
        "transactions": _num(r"^number of transactions actually processed: (\d+)", out, int),
        "failed": _num(r"^number of failed transactions: (\d+)", out, int) or 0,
        "latency_avg_ms": _num(r"^latency average = ([\d.]+) ms", out),
        "connect_ms": _num(r"^(?:initial connection time|average connection time) = ([\d.]+) ms", out),
        "tps": _num(r"^tps = ([\d.]+)", out),
    }


def percentiles_from_logs(prefix):
    """p50/p99 latency (µs) from pgbench -l files (third column: latency in µs)."""
    values = []
    for path in glob.glob(prefix + ".*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    values.append(int(parts[2]))
        os.unlink(path)
    if not values:
        return None, None, 0
    values.sort()
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return pick(0.50), pick(0.99), len(values)


def measured(cmd, timeout, env, pid, queries_from):
    """Runs a load generator; returns the figures plus proxy CPU and machine load."""
    result = {"command": " ".join(shlex.quote(c) for c in cmd), "load_before": loadavg()[0]}
    window = CpuWindow(pid)
    try:
        with window:
            rc, out, err = run(cmd, timeout=timeout, env=env, check=False)
    except CommandFailed as e:
        return {**result, "ok": False, "error": str(e)}
    except FileNotFoundError as e:  # the proxy vanished mid-run
        return {**result, "ok": False, "error": f"proxy exited during the run ({e})"}
    figures = queries_from(out)
    result.update(figures)
    result["machine_busy"] = round(window.machine_busy, 3)
    if rc != 0 or not figures.get("tps"):
        tail = " | ".join((err or out).strip().splitlines()[-3:])
        return {**result, "ok": False, "error": f"exit {rc}: {tail}"}
    result["ok"] = True
    if window.proxy_cpu is not None and figures.get("queries"):
        result["proxy_cpu_s"] = round(window.proxy_cpu, 3)
        result["proxy_cpu_us_per_query"] = round(window.proxy_cpu * 1e6 / figures["queries"], 2)
    return result


def run_pgbench(port, user, script, mode, clients, seconds, pid, connect=False, log_prefix=None):
    cmd = pgbench_command(port, user, script, mode, clients, seconds, connect, log_prefix)

    def figures(out):
        f = parse_pgbench(out)
        if f["transactions"] is not None:
            f["queries"] = f["transactions"] * PGBENCH_STATEMENTS[script]
        return f

    result = measured(cmd, timeout=seconds + 90, env={"PGPASSWORD": user}, pid=pid, queries_from=figures)
    if log_prefix:
        p50, p99, n = percentiles_from_logs(log_prefix)
        result.update({"p50_us": p50, "p99_us": p99, "logged": n})
    return result


def sysbench_command(port, user, test, ps_mode, threads, seconds, tables, table_size):
    return ["sysbench", test, *sysbench_connection_args(port, user, MY_DB),
            f"--tables={tables}", f"--table-size={table_size}", f"--threads={threads}",
            f"--time={seconds}", f"--db-ps-mode={ps_mode}", "--report-interval=0", "run"]


def parse_sysbench(out):
    return {
        "transactions": _num(r"^\s*transactions:\s+(\d+)", out, int),
        "queries": _num(r"^\s*queries:\s+(\d+)", out, int),
        "tps": _num(r"^\s*transactions:\s+\d+\s+\(([\d.]+) per sec", out),
        "qps": _num(r"^\s*queries:\s+\d+\s+\(([\d.]+) per sec", out),
        "latency_avg_ms": _num(r"^\s*avg:\s+([\d.]+)", out),
        "latency_p95_ms": _num(r"^\s*95th percentile:\s+([\d.]+)", out),
        "failed": _num(r"^\s*ignored errors:\s+(\d+)", out, int) or 0,
    }


def run_sysbench(port, user, test, ps_mode, threads, seconds, pid, tables, table_size):
    cmd = sysbench_command(port, user, test, ps_mode, threads, seconds, tables, table_size)
    return measured(cmd, timeout=seconds + 60, env=None, pid=pid, queries_from=parse_sysbench)
