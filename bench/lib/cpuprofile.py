"""Where the proxy's CPU goes: perf record on the running proxy under load."""
import os
import shutil
import subprocess

from util import CommandFailed, kill_group, log, run


def perf_available():
    perf = shutil.which("perf")
    if not perf:
        return None, "perf not installed (Debian: apt-get install linux-perf)"
    try:
        rc, _, err = run([perf, "stat", "-e", "task-clock", "true"], timeout=20, check=False)
    except (CommandFailed, OSError) as e:
        return None, f"perf unusable: {e}"
    if rc != 0:
        return None, f"perf unusable here: {err.strip().splitlines()[-1:]}"
    return perf, ""


STAT_EVENTS = ("task-clock", "context-switches", "raw_syscalls:sys_enter") + tuple(
    f"syscalls:sys_enter_{name}" for name in ("recvfrom", "sendto", "read", "write", "readv", "writev",
                                              "recvmsg", "sendmsg", "epoll_wait", "epoll_pwait",
                                              "epoll_ctl", "futex"))


def available_events(perf):
    """Syscall tracepoints need tracefs; keep the events this kernel offers."""
    events = []
    for ev in STAT_EVENTS:
        if ev.startswith("syscalls:") and not os.path.exists(
                "/sys/kernel/tracing/events/syscalls/" + ev.split(":", 1)[1]):
            continue
        events.append(ev)
    return events


def read_stat(path):
    counts = {}
    try:
        with open(path) as f:
            for line in f:
                fields = line.strip().split(",")
                if len(fields) >= 3 and fields[0].replace(".", "", 1).isdigit():
                    counts[fields[2]] = float(fields[0])
    except OSError:
        pass
    return counts


def profile_during(perf, pid, workdir, name, seconds, load):
    """Samples pid (flat, no call graphs: Release has no frame pointers) while load() runs."""
    data = os.path.join(workdir, f"perf-{name}.data")
    stat_file = os.path.join(workdir, f"perf-{name}.stat")
    rec = subprocess.Popen([perf, "record", "-q", "-F", "1999", "-p", str(pid), "-o", data, "--",
                            "sleep", str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, start_new_session=True)
    # Kernel work dominates a relay: count what causes it, per query.
    stat = subprocess.Popen([perf, "stat", "-x,", "-o", stat_file, "-e", ",".join(available_events(perf)), "-p",
                             str(pid), "--", "sleep", str(seconds)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        result = load()
        rec.wait(timeout=seconds + 60)
        stat.wait(timeout=30)
    finally:
        kill_group(rec)
        kill_group(stat)
    counts = read_stat(stat_file)
    if not os.path.exists(data):
        return {"name": name, "error": "perf record wrote nothing: " + (rec.stderr.read() or "")[:200],
                "load": result}
    try:
        _, flat, _ = run([perf, "report", "-i", data, "--stdio", "--no-children", "-g", "none",
                          "--sort", "dso,sym", "--percent-limit", "0.7"], timeout=120)
        _, comm, _ = run([perf, "report", "-i", data, "--stdio", "--no-children", "-g", "none",
                          "--sort", "dso", "--percent-limit", "1"], timeout=120)
    except CommandFailed as e:
        return {"name": name, "error": str(e), "load": result}
    log(f"profile {name}: {data}")
    # Boost.Asio symbols run to thousands of characters; the head names them.
    keep = lambda text, n: [ln.rstrip()[:150] for ln in text.splitlines()  # noqa: E731
                            if ln.strip() and not ln.startswith("#")][:n]
    queries = result.get("queries") or 0
    per_query = {k: round(v / queries, 2) for k, v in counts.items() if queries and k != "task-clock"}
    return {"name": name, "by_dso": keep(comm, 12), "top_symbols": keep(flat, 25), "load": result,
            "counts": counts, "per_query": per_query}
