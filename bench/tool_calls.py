#!/usr/bin/env python3
"""Tool calls per second through the admin API (issue 15, acceptance 5).

  bench/tool_calls.py [--url http://127.0.0.1:8000] [--token T] [--engine mysql|postgres]
                      [--concurrency 16] [--seconds 10] [--query SQL] [--endpoints database,mcp]

Runs against a running sqlwarden (e.g. after scripts/up). Each of the
--concurrency callers is its own process with one keep-alive HTTP
connection, calling query_database with a simple query in a loop: through
seed 000's POST /database, then through MCP tools/call (after initialize).
Prints calls/s and latency percentiles per endpoint, and a Markdown table
for bench/RESULTS.md. Errors (non-200, isError, success=false) are counted,
never hidden.
"""
import argparse
import http.client
import json
import multiprocessing as mp
import os
import time
import urllib.parse


def connect(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)


def post(conn, path, body, headers):
    conn.request("POST", path, body=json.dumps(body), headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, dict(res.getheaders()), data


def caller(args, endpoint, deadline, queue):
    conn = connect(args.url)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if args.token:
        headers["Authorization"] = "Bearer " + args.token
    arguments = {"query": args.query}
    if endpoint == "mcp":
        status, h, data = post(conn, "/mcp", {
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "bench", "version": "1"}}}, headers)
        session = {k.lower(): v for k, v in h.items()}.get("mcp-session-id", "")
        headers = dict(headers, **{"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"})
        post(conn, "/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
    latencies, errors, n = [], 0, 0
    while time.monotonic() < deadline:
        n += 1
        t0 = time.perf_counter()
        if endpoint == "database":
            body = {"action": "execute", "tool_call": {"id": f"c{n}", "type": "function",
                    "function": {"name": "query_database", "arguments": json.dumps(arguments)}}}
            if args.engine:
                body["engine"] = args.engine
            status, _, data = post(conn, "/database", body, headers)
            ok = status == 200 and json.loads(data)["result"].get("success") is True
        else:
            body = {"jsonrpc": "2.0", "id": n, "method": "tools/call",
                    "params": {"name": "query_database", "arguments": arguments}}
            status, _, data = post(conn, "/mcp", body, headers)
            ok = status == 200 and json.loads(data)["result"]["isError"] is False
        latencies.append(time.perf_counter() - t0)
        errors += 0 if ok else 1
    queue.put((latencies, errors))


def run(args, endpoint):
    deadline = time.monotonic() + args.seconds
    queue = mp.Queue()
    procs = [mp.Process(target=caller, args=(args, endpoint, deadline, queue))
             for _ in range(args.concurrency)]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0.0
    return {"endpoint": endpoint, "calls": len(lat), "errors": errors,
            "calls_per_second": len(lat) / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--token", default=os.environ.get("SQLWARDEN_TOKEN", ""))
    ap.add_argument("--engine", default="")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--query", default="SELECT id, name FROM ai_models WHERE id = 1")
    ap.add_argument("--endpoints", default="database,mcp")
    args = ap.parse_args()
    rows = [run(args, e) for e in args.endpoints.split(",")]
    print(json.dumps(rows, indent=1))
    print(f"\n| endpoint | callers | calls/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['endpoint']} | {args.concurrency} | {r['calls_per_second']:.0f} | "
              f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} |")


if __name__ == "__main__":
    main()
