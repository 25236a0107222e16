"""What the kernel says about a process and the machine (/proc only)."""
import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of the whole thread group, in seconds (exited threads included)."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # Field 2 (comm) may hold spaces; everything after the last ')' is fixed.
    fields = text[text.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLK_TCK


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def machine_cpu_ticks():
    """(busy, total) jiffies over all CPUs, to tell how loaded the machine was."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    values = [int(v) for v in parts[:8]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values)
    return total - idle, total


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


class CpuWindow:
    """Proxy CPU seconds and machine busy share between start() and stop()."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.cpu0 = cpu_seconds(self.pid) if self.pid else 0.0
        self.busy0, self.total0 = machine_cpu_ticks()
        return self

    def __exit__(self, *exc):
        self.proxy_cpu = (cpu_seconds(self.pid) - self.cpu0) if self.pid else None
        busy1, total1 = machine_cpu_ticks()
        span = max(total1 - self.total0, 1)
        self.machine_busy = (busy1 - self.busy0) / span
        return False
