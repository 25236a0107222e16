"""Process helpers for bench/run: bounded commands, ports, logging."""
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_START = time.monotonic()


def log(msg):
    elapsed = time.monotonic() - _START
    print(f"[bench {elapsed:6.1f}s] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds, host="127.0.0.1"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class CommandFailed(Exception):
    def __init__(self, cmd, rc, out, err):
        tail = (err or out or "").strip().splitlines()[-5:]
        super().__init__(f"{cmd[0]} exited {rc}: " + " | ".join(tail))
        self.rc, self.out, self.err = rc, out, err


def run(cmd, timeout, env=None, check=True, cwd=None, input_text=None):
    """Runs cmd (a list) with a hard time limit; returns (rc, stdout, stderr).

    The child gets its own process group so a timeout kills everything it
    started, never anything else.
    """
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
                            env=full_env, cwd=cwd, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(input=input_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()
        raise CommandFailed(cmd, "timeout", out, (err or "") + f"\n(killed after {timeout}s)")
    if check and proc.returncode != 0:
        raise CommandFailed(cmd, proc.returncode, out, err)
    return proc.returncode, out, err


def kill_group(proc, grace=5.0):
    """Stops a child we started (and its process group): TERM, then KILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=grace)


def shell_backends(script, *args, timeout=300):
    """Runs a snippet with scripts/lib/backends.sh sourced; args are $1, $2, ..."""
    lib = os.path.join(ROOT, "scripts", "lib", "backends.sh")
    return run(["bash", "-c", f'set -euo pipefail; source "{lib}"; {script}', "bench", *map(str, args)],
               timeout=timeout)
