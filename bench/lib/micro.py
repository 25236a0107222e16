"""Google Benchmark micro benches: every sqlwarden_micro_bench() in bench/micro/CMakeLists.txt."""
import json
import os
import re

from util import ROOT, CommandFailed, log, run


def micro_targets():
    path = os.path.join(ROOT, "bench", "micro", "CMakeLists.txt")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        text = f.read()
    return re.findall(r"^\s*sqlwarden_micro_bench\(\s*([A-Za-z0-9_]+)", text, re.M)


def run_micro(build_dir, targets, min_time):
    results = []
    for name in targets:
        exe = os.path.join(build_dir, "bench", name)
        if not os.path.exists(exe):
            results.append({"name": name, "error": "not built"})
            continue
        log(f"micro: {name}")
        try:
            _, out, _ = run([exe, "--benchmark_format=json", f"--benchmark_min_time={min_time}"], timeout=300)
        except CommandFailed as e:
            results.append({"name": name, "error": str(e)})
            continue
        try:
            # Logging from the code under test may precede the JSON document.
            parsed = json.loads(out[out.find("{"):])
        except ValueError as e:
            results.append({"name": name, "error": f"unreadable output ({e}): {out[:80]!r}"})
            continue
        for b in parsed.get("benchmarks", []):
            results.append({k: b.get(k) for k in ("name", "real_time", "cpu_time", "time_unit", "iterations",
                                                  "bytes_per_second", "items_per_second")})
            results[-1]["binary"] = name
    return results
