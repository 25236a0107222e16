"""Turns a bench run (one dict, also saved as JSON) into markdown tables."""
import os
import re
import statistics

BEGIN = "<!-- bench/run:begin (generated; edits inside are overwritten) -->"
END = "<!-- bench/run:end -->"


def summarize(runs, key):
    values = [r[key] for r in runs if r.get("ok") and r.get(key) is not None]
    if not values:
        return None
    med = statistics.median(values)
    return {"median": med, "min": min(values), "max": max(values), "n": len(values),
            "spread_pct": (max(values) - min(values)) / med * 100 if med else 0.0}


def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, float) and digits == 0 and abs(v) < 10:
        digits = 2
    return f"{v:,.{digits}f}"


def ratio(a, b):
    if not a or not b:
        return None
    return a / b


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


def spread_text(s):
    if not s:
        return "–"
    if s["n"] < 2:
        return "1 round"
    return f"{fmt(s['min'])}–{fmt(s['max'])} (±{s['spread_pct'] / 2:.0f}%)"


def errors_of(runs):
    errs = [r.get("error", "") for r in runs if not r.get("ok")]
    return f"{len(errs)} failed: {errs[0][:90]}" if errs else ""


def _median_of(groups, test, target, key):
    s = summarize(groups.get((test, target), []), key)
    return s["median"] if s else None


def throughput_table(rows, label, key, extra_cols):
    """rows: list of {test, target, runs}. Ratios against 'direct' and a PgBouncer target of the same mode."""
    groups = {(r["test"], r["target"]): r["runs"] for r in rows}
    header = f"| {label} | target | {key} median | spread (min–max) | × direct | × PgBouncer | × HAProxy |"
    header += "".join(f" {c[0]} |" for c in extra_cols) + " notes |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in rows:
        s = summarize(r["runs"], key)
        med = s["median"] if s else None
        direct = _median_of(groups, r["test"], "direct", key) if r["target"] != "direct" else None
        pgb_name = next((t for (test, t) in groups if test == r["test"] and t.startswith("pgbouncer")
                         and t.split()[-1] == r.get("pool_mode", "session")), None)
        pgb = _median_of(groups, r["test"], pgb_name, key) if pgb_name and r["target"].startswith("sqlwarden") \
            else None
        hap = _median_of(groups, r["test"], "haproxy tcp", key) if r["target"].startswith("sqlwarden") else None
        cells = [r["test"], r["target"], fmt(med), spread_text(s), fmt_ratio(ratio(med, direct)),
                 fmt_ratio(ratio(med, pgb)), fmt_ratio(ratio(med, hap))]
        for _, ckey, digits in extra_cols:
            cs = summarize(r["runs"], ckey)
            cells.append(fmt(cs["median"] if cs else None, digits))
        cells.append(errors_of(r["runs"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def latency_table(rows):
    groups = {(r["test"], r["target"]): r["runs"] for r in rows}
    lines = ["| mode | target | p50 µs | p99 µs | avg ms | p50 overhead vs direct | notes |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        p50 = summarize(r["runs"], "p50_us")
        p99 = summarize(r["runs"], "p99_us")
        avg = summarize(r["runs"], "latency_avg_ms")
        direct = _median_of(groups, r["test"], "direct", "p50_us")
        over = f"{p50['median'] - direct:+.0f} µs" if p50 and direct and r["target"] != "direct" else "–"
        lines.append(f"| {r['test']} | {r['target']} | {fmt(p50['median'] if p50 else None)} | "
                     f"{fmt(p99['median'] if p99 else None)} | {fmt(avg['median'] if avg else None, 3)} | "
                     f"{over} | {errors_of(r['runs'])} |")
    return "\n".join(lines)


def idle_table(rows):
    lines = ["| target | idle clients | connected | failed | RSS before MiB | RSS held MiB | KiB per client "
             "| server conns added | open s | notes |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r["result"]
        mib = lambda k: fmt(m[k] / 1024, 1) if m.get(k) is not None else "–"  # noqa: E731
        # libpq prefixes every message with 'connection to server at "...", port N failed: '.
        short = lambda e: e.split(" failed: ", 1)[-1][:110]  # noqa: E731
        errs = "; ".join(f"{n:,}× {short(e)}" for e, n in list(m.get("errors", {}).items())[:3])
        note = m.get("error", "") if not m.get("ok") else ""
        if errs:
            note = f"{note} ({errs})" if note else errs
        lines.append(f"| {r['target']} | {r['count']:,} | {fmt(m.get('connected'))} | {fmt(m.get('failed'))} | "
                     f"{mib('rss_before_kib')} | {mib('rss_held_kib')} | {fmt(m.get('rss_per_client_kib'), 1)} | "
                     f"{fmt(m.get('server_connections'))} | {fmt(m.get('open_seconds'), 1)} | {note} |")
    return "\n".join(lines)


def listen_table(rows):
    direct = {r["count"]: r["result"] for r in rows if r["target"] == "direct"}
    lines = ["| target | listeners | p50 µs | p99 µs | max µs | all delivered p50 µs | p50 × direct | "
             "deliveries | lost / dup / out of order | notes |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r["result"]
        d = direct.get(r["count"], {})
        rel = fmt_ratio(ratio(m.get("p50_us"), d.get("p50_us"))) if r["target"] != "direct" else "–"
        lines.append(f"| {r['target']} | {r['count']:,} | {fmt(m.get('p50_us'))} | {fmt(m.get('p99_us'))} | "
                     f"{fmt(m.get('max_us'))} | {fmt(m.get('all_delivered_p50_us'))} | {rel} | "
                     f"{fmt(m.get('deliveries'))} | {m.get('lost', '–')} / {m.get('duplicated', '–')} / "
                     f"{m.get('out_of_order', '–')} | {m.get('error', '')[:100]} |")
    return "\n".join(lines)


def micro_table(results):
    lines = ["| benchmark | time per iteration | CPU per iteration | iterations | throughput |",
             "|---|---|---|---|---|"]
    for b in results:
        if b.get("error"):
            lines.append(f"| {b['name']} | – | – | – | {b['error'][:80]} |")
            continue
        tp = ""
        if b.get("bytes_per_second"):
            tp = f"{b['bytes_per_second'] / 1e6:,.0f} MB/s"
        elif b.get("items_per_second"):
            tp = f"{b['items_per_second'] / 1e6:,.2f} M items/s"
        lines.append(f"| {b['name']} | {b['real_time']:,.1f} {b['time_unit']} | {b['cpu_time']:,.1f} "
                     f"{b['time_unit']} | {b['iterations']:,} | {tp} |")
    return "\n".join(lines)


def _medians(rows, key="tps"):
    """{(test, target): median of key} over a section's rows."""
    out = {}
    for r in rows:
        sm = summarize(r["runs"], key)
        if sm:
            out[(r["test"], r["target"])] = sm["median"]
    return out


def _verdict(ok):
    return "met" if ok else "missed"


def _ratio_goal(label, pairs, goal, lower_is_better=False):
    """pairs: [(ratio, test, a, b)]. One line with the worst and best ratio."""
    if not pairs:
        return None
    pairs.sort()
    worst = pairs[-1] if lower_is_better else pairs[0]
    best = pairs[0] if lower_is_better else pairs[-1]
    ok = worst[0] <= goal if lower_is_better else worst[0] >= goal
    sign = "≤" if lower_is_better else "≥"
    return (f"- {label} {sign} {goal:.2f}×: worst {worst[0]:.2f}× ({worst[1]}: {fmt(worst[2], 1)} vs "
            f"{fmt(worst[3], 1)}), best {best[0]:.2f}× ({best[1]}) — {_verdict(ok)}")


def goal_lines(data):
    """The open issues' targets (pooling, audit, fewer kernel crossings), each with the figure that decides it."""
    out = []
    pg = _medians(data.get("pg", []))
    pg_cpu = _medians(data.get("pg", []), "proxy_cpu_us_per_query")
    my = _medians(data.get("mysql", []))
    sw = "sqlwarden transaction"
    selects = sorted({t for (t, _) in pg if t.startswith("select ")})

    def vs(table, a_name, b_names, tests, best=max):
        """(a / b, test, a, b) per test, b the best of b_names (max for TPS, min for CPU)."""
        pairs = []
        for test in tests:
            a = table.get((test, a_name))
            bs = [table[(test, b)] for b in b_names if (test, b) in table]
            if a and bs:
                b = best(bs)
                pairs.append((a / b, test, a, b))
        return pairs

    pgb = ["pgbouncer session", "pgbouncer transaction"]
    out.append(_ratio_goal(f"pgbench -S TPS, {sw} vs the better PgBouncer mode", vs(pg, sw, pgb, selects), 1.25))
    out.append(_ratio_goal(f"pgbench -S TPS, {sw} vs HAProxy TCP", vs(pg, sw, ["haproxy tcp"], selects), 1.15))
    my_tests = sorted({t for (t, _) in my})
    out.append(_ratio_goal(f"sysbench TPS, {sw} vs HAProxy TCP", vs(my, sw, ["haproxy tcp"], my_tests), 1.15))
    out.append(_ratio_goal(f"proxy CPU µs per query (pgbench -S), {sw} vs PgBouncer's lower",
                           vs(pg_cpu, sw, pgb, selects, best=min), 0.8, lower_is_better=True))
    for pr in data.get("profile", []):
        calls = pr.get("per_query", {}).get("raw_syscalls:sys_enter")
        if calls is not None and pr.get("target", "").startswith("sqlwarden"):
            out.append(f"- syscalls per query < 4.4 ({pr['target']}, {pr.get('workload')}): {calls} — "
                       f"{_verdict(calls < 4.4)}")
    lat = _medians(data.get("latency", []), "p50_us")
    for (test, target), p50 in sorted(lat.items()):
        direct = lat.get((test, "direct"))
        if target.startswith("sqlwarden") and direct:
            over = p50 - direct
            out.append(f"- p50 added latency ≤ 50 µs ({test}, {target}): {over:+.0f} µs — {_verdict(over <= 50)}")
    audit = []
    for table in (pg, my):
        for (test, target), v in table.items():
            base = table.get((test, "sqlwarden allow_all"))
            if target == "sqlwarden allow_all + audit" and base:
                audit.append((v / base, test, v, base))
    out.append(_ratio_goal("TPS with the JSONL audit on vs off", audit, 0.9))
    for r in data.get("idle", []):
        if r["target"].startswith("sqlwarden"):
            m = r["result"]
            per = m.get("rss_per_client_kib")
            out.append(f"- Idle clients ({r['count']:,}, {r['target']}): {fmt(m.get('connected'))} held, "
                       f"{fmt(m.get('failed'))} failed, {fmt(per, 1)} KiB RSS per client (goal ≤ 4 KiB, no "
                       f"errors) — {_verdict(m.get('ok') and per is not None and per <= 4)}")
    out = [line for line in out if line]
    return "\n".join(out) if out else "- (no figures to judge)"


def render(data):
    m = data["meta"]
    mach = m["machine"]
    parts = [f"## Run {m['started']} ({m['mode']})", ""]
    for n in m.get("notes", []):
        parts.append(f"> {n}")
    if m.get("notes"):
        parts.append("")
    parts += [
        "| machine | |", "|---|---|",
        f"| CPUs (nproc) | {mach['nproc']} ({mach['cpu_model']}) |",
        f"| memory | {mach['mem_gib']:.1f} GiB |",
        f"| kernel | {mach['kernel']} |",
        f"| load (1/5/15 min) at start → end | {mach['load_start']} → {mach['load_end']} |",
        f"| CPU busy with nothing of ours running (other agents; sampled before each round) | "
        f"{mach.get('background_busy', '–')} |",
        f"| sqlwarden | {m['versions'].get('sqlwarden')} (commit {m['git']}) |",
    ]
    for k, v in m["versions"].items():
        if k != "sqlwarden":
            parts.append(f"| {k} | {v} |")
    if m["mode"] == "micro":
        return "\n".join(parts + ["", "### Micro benchmarks (Google Benchmark)", "",
                                   micro_table(data.get("micro", [])), ""])
    parts += ["", f"Duration {m['duration_s']:.0f} s; {m['plan']['rounds']} round(s) of "
              f"{m['plan']['seconds']} s runs, interleaved (targets rotate each round); figures are the "
              "median over rounds, spread is min–max.", ""]
    parts += ["### Targets", "", "| target | state |", "|---|---|"]
    for name, t in data["targets"].items():
        parts.append(f"| {name} | {t['state']}{': ' + t['note'] if t.get('note') else ''} |")
    parts += ["", "### Goals of the open issues (pooling, audit, kernel crossings)", "", goal_lines(data), ""]
    if data.get("pg"):
        parts += ["### PostgreSQL throughput (pgbench, scale "
                  f"{m['plan']['pgbench_scale']})", "",
                  throughput_table(data["pg"], "test (script mode clients)", "tps",
                                   [("avg latency ms", "latency_avg_ms", 3),
                                    ("proxy CPU µs/query", "proxy_cpu_us_per_query", 1)]), ""]
    if data.get("latency"):
        parts += ["### Latency at low load (pgbench -S, 1 client, per-transaction log)", "",
                  latency_table(data["latency"]), ""]
    if data.get("connect"):
        parts += ["### Connect cost (pgbench -S -C: a new connection per transaction)", "",
                  throughput_table(data["connect"], "test", "tps",
                                   [("avg connect ms", "connect_ms", 3),
                                    ("proxy CPU µs/connection", "proxy_cpu_us_per_query", 1)]), ""]
    if data.get("mysql"):
        parts += ["### MySQL throughput (sysbench)", "",
                  throughput_table(data["mysql"], "test (ps-mode threads)", "tps",
                                   [("QPS", "qps", 0), ("p95 ms", "latency_p95_ms", 2),
                                    ("proxy CPU µs/query", "proxy_cpu_us_per_query", 1)]), ""]
    if data.get("listen"):
        parts += ["### LISTEN/NOTIFY fan-out (NOTIFY sent → delivered to each listener; one at a time)", "",
                  listen_table(data["listen"]), ""]
    if data.get("idle"):
        parts += ["### Idle clients (PostgreSQL sessions after a full startup, held idle)", "",
                  idle_table(data["idle"]), ""]
    if data.get("profile"):
        parts += ["### Where the proxy's CPU goes (perf record -F 1999 on the proxy process, flat; perf stat counts)", ""]
        for pr in data["profile"]:
            parts.append(f"**{pr.get('target')}**, {pr.get('workload')}:")
            parts.append("")
            if pr.get("error"):
                parts += [f"profile failed: {pr['error']}", ""]
                continue
            pq = pr.get("per_query", {})
            load = pr.get("load", {})
            parts.append(f"{fmt(load.get('tps'))} tps while sampled; per query: "
                         f"{pq.get('raw_syscalls:sys_enter', '–')} syscalls, "
                         f"{pq.get('context-switches', '–')} context switches (perf stat)")
            calls = ", ".join(f"{k.split('sys_enter_')[1]} {v}" for k, v in sorted(pq.items(), key=lambda kv: -kv[1])
                              if k.startswith("syscalls:") and v >= 0.05)
            if calls:
                parts.append(f"(syscalls per query by kind: {calls})")
            parts.append("")
            parts += ["```", "by binary/library:"] + pr["by_dso"] + ["", "top symbols:"] + pr["top_symbols"] + \
                ["```", ""]
    if data.get("micro"):
        parts += ["### Micro benchmarks (Google Benchmark)", "", micro_table(data["micro"]), ""]
    parts += ["### Commands", "", "```"] + m["commands"] + ["```", ""]
    return "\n".join(parts)


def write_results_md(path, body):
    """Replaces the generated block of path, keeping hand-written text around it."""
    block = f"{BEGIN}\n{body}\n{END}"
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = ("# Benchmark results\n\nWritten by `bench/run` (see bench/README.md). The block below is "
                "regenerated by each full run; notes outside it are kept.\n\n" + block + "\n" + text)
    with open(path, "w") as f:
        f.write(text)
