#!/usr/bin/env python3
"""Turns parlor-load's JSON lines (one per scenario and server) into the Markdown report.

    report.py results.jsonl > latest.md

The file holds one line per scenario and server, and one {"meta": {...}} line about the run
(bench/results/*.jsonl are such files: the report can be made again from them).
A result that failed its checks is shown as "invalid" with the reasons under its table:
it is not a measurement. Ratios are Parlor ÷ baseline; ↑ marks metrics where more is
better, ↓ where less is better.
"""

import json
import sys

SERVERS = [("parlor", "Parlor"), ("baseline", "Node.js baseline")]
# Scenario 6 also runs nginx, serving the same files from disk: the local ceiling.
FILE_SERVERS = SERVERS + [("nginx", "nginx (ceiling)")]
FILE_PHASES = [("upload_single", "Upload ×1"), ("upload_parallel", "Upload ×{n}"),
               ("download_single", "Download ×1 (3 in a row)"),
               ("download_parallel", "Download ×{n}")]

# Scenario 2 and its rerun at a lower rate report the same figures.
LATENCY_METRICS = [
    ("rate_target", "Offered rate (messages/s)", None, "int"),
    ("delivered_per_s", "Delivered messages/s", None, "int"),
    ("p50_ms", "p50 latency (ms)", "down", "ms"),
    ("p99_ms", "p99 latency (ms)", "down", "ms"),
    ("p999_ms", "p99.9 latency (ms)", "down", "ms"),
    ("max_ms", "max latency (ms)", "down", "ms"),
    ("server_cpu_util", "Server CPU used (cores)", None, "cores"),
]

# scenario -> (title, what it measures, [(metric key, label, direction, format)])
# direction: "up" (more is better), "down" (less is better), None (context, no ratio).
SCENARIOS = [
    ("relay", "1. Signaling relay throughput",
     "Rooms of 6 call participants exchanging offer/answer/ICE messages (about 300 B to 4 KiB; "
     "per ten messages one offer, one answer, eight candidates), each participant keeping a "
     "window of messages in flight to its peers in turn. Delivered = arrived at the right peer.",
     [("delivered_per_s", "Delivered messages/s", "up", "int"),
      ("per_server_cpu_s", "Messages per server CPU-second", "up", "int"),
      ("server_cpu_util", "Server CPU used (cores)", None, "cores"),
      ("client_cpu_util", "Load generator CPU used (cores)", None, "cores"),
      ("mean_frame_bytes", "Mean frame size sent (bytes)", None, "int"),
      ("min_frame_bytes/max_frame_bytes", "Smallest / largest frame sent (bytes)", None,
       "pair"),
      ("participants", "Sockets (call participants)", None, "int")]),
    ("latency", "2. Relay latency under load",
     "The same rooms, now sending at a fixed rate (open loop), from handing a frame to the "
     "socket until the peer has it.",
     LATENCY_METRICS),
    ("latency_low", "2b. Relay latency at a rate both sustain",
     "Scenario 2 again at half of Parlor's own relay throughput (run because the rate above "
     "exceeds what Parlor relays, so its latency there only measures a growing queue).",
     LATENCY_METRICS),
    ("join", "3. Join storm",
     "Members with tokens (made beforehand over REST) open a socket, upgrade, send "
     "room:join and wait for room:state, 64 at a time, into rooms of 6; sockets stay open.",
     [("joins_per_s", "Joins/s", "up", "int"),
      ("p50_ms", "p50 join time (ms)", "down", "ms"),
      ("p99_ms", "p99 join time (ms)", "down", "ms"),
      ("per_server_cpu_s", "Joins per server CPU-second", "up", "int"),
      ("count", "Joins", None, "int")]),
    ("idle", "4. Idle connections",
     "Joined sockets that stay silent (rooms of 6). Resident memory (RSS) of the server "
     "5 s after the members were made over REST, and 5 s after the last socket joined; the "
     "difference over the connections is the memory a joined idle connection costs. The "
     "baseline's RSS is a garbage-collected heap's, which depends on when its collector "
     "last ran: read its figure as ± 1 KiB.",
     [("kib_per_connection", "Resident memory per idle joined connection (KiB)", "down", "kib"),
      ("rss_before_mib", "Server RSS before the sockets (MiB)", None, "mib"),
      ("rss_after_mib", "Server RSS with all of them (MiB)", "down", "mib"),
      ("connections", "Connections", None, "int"),
      ("connect_s", "Time to open and join them all (s)", "down", "s")]),
    ("rest", "5. REST",
     "Keep-alive HTTP/1.1 connections, 32 at a time: first POST /api/rooms, then "
     "POST /api/rooms/:code/join spread over the rooms just made.",
     [("create_per_s", "Room creates/s", "up", "int"),
      ("create_p50_ms", "Create p50 (ms)", "down", "ms"),
      ("create_p99_ms", "Create p99 (ms)", "down", "ms"),
      ("join_per_s", "Joins/s", "up", "int"),
      ("join_p50_ms", "Join p50 (ms)", "down", "ms"),
      ("join_p99_ms", "Join p99 (ms)", "down", "ms")]),
    ("files", "6. File transfer", "", []),
]


def fmt(value, kind):
    if value is None:
        return "–"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "ms":
        return f"{value:.2f}" if value < 100 else f"{value:,.0f}"
    if kind == "cores":
        return f"{value:.2f}"
    if kind in ("kib", "mib", "s"):
        return f"{value:,.1f}"
    return str(value)


def ratio(parlor, base, direction):
    if parlor is None or base is None or not base:
        return ""
    r = parlor / base
    text = f"{r:.2f}×"
    if direction is None:
        return text
    better = r > 1 if direction == "up" else r < 1
    if abs(r - 1) < 0.03:
        return text + " (same)"
    return text + (" (Parlor better)" if better else " (baseline better)")


def checks_sentence(scenario, result):
    c = result.get("checks", {})
    if scenario in ("relay", "latency", "latency_low"):
        return (f"{c.get('sent', 0):,} sent, {c.get('delivered_once', 0):,} delivered exactly "
                f"once to the right peer, {c.get('lost', 0)} lost, {c.get('duplicated', 0)} "
                f"duplicated, {c.get('misrouted', 0)} misrouted, {c.get('malformed', 0)} altered, "
                f"{c.get('error_frames', 0)} error frames")
    if scenario in ("join", "idle"):
        return (f"{c.get('joined', 0):,} of {c.get('attempted', 0):,} joined with a matching "
                f"room:state, {c.get('failed', 0)} failed, {c.get('closed_early', 0)} closed early")
    if scenario == "files":
        verified = c.get("server_checksums", 0)
        return (f"{c.get('uploads_ok', 0)} uploads"
                + (f" ({verified} with the SHA-256 verified by the server at complete)"
                   if not c.get("direct") else " (plain PUT: nginx checks nothing)")
                + f", {c.get('downloads_ok', 0)} downloads compared byte for byte with what was "
                f"sent ({c.get('bytes_verified', 0) / 2**30:,.2f} GiB), "
                f"{c.get('uploads_failed', 0) + c.get('downloads_failed', 0)} failed")
    if scenario == "rest":
        return (f"{c.get('create_ok', 0):,} creates and {c.get('join_ok', 0):,} joins checked "
                f"(status and body), {c.get('create_failed', 0) + c.get('join_failed', 0)} failed")
    return ""


def other_cpu_notes(w, m, prefixes):
    """Flags measurements that other processes disturbed or where the load generator was
    near saturation. prefixes: {metric key prefix: what to call that measurement}."""
    for prefix, name in prefixes.items():
        where = f" during {name}" if name else ""
        other = m.get(prefix + "other_cpu_util")
        if other is not None and other > 0.15:
            w(f"  - Other processes used {other:.2f} cores{where}; the figures are disturbed.")
        client = m.get(prefix + "client_cpu_util")
        if client is not None and client > 0.9:
            w(f"  - The load generator used {client:.2f} of its core{where}: near saturation, "
              "so the server's figure may be a lower bound.")


def files_section(w, results, meta, have_baseline):
    rows = {s: results.get(("files", s)) for s, _ in FILE_SERVERS}
    any_row = next((r for r in rows.values() if r), {})
    if all(r is None or r.get("skipped") for r in rows.values()):
        reason = any_row.get("reason") or "not run"
        w(f"{reason[:1].upper()}{reason[1:]}.")
        w("")
        return
    n = any_row.get("metrics", {}).get("parallel", 8)
    size = meta.get("file_bytes") or any_row.get("metrics", {}).get("file_bytes")
    size = int(size) if size else 0
    size_text = (f"{size >> 30} GiB" if size and size % 2**30 == 0
                 else f"{size / 2**20:,.0f} MiB" if size else "the configured size")
    w(f"Files of {size_text} generated by the load generator (1 MiB blocks, each starting with "
      "its index and the file's number, the rest pseudo-random): one upload, "
      f"{n} uploads at once (distinct files), one download (three times in a row), then those "
      f"{n} downloaded at once. "
      "Parlor and the baseline go through the protocol: `POST …/files/prepare` (with the "
      "SHA-256), `PUT` to the signed upload link, `POST …/files/complete` (the server checks "
      "size and SHA-256), `GET /api/files/:id/download`, `GET` of the signed link; the JSON "
      "calls are inside the timed phase. nginx gets plain `PUT` (WebDAV) and `GET` (sendfile) "
      "of the same bytes on the same core: the ceiling a mature file server sets here. Every "
      "downloaded byte is compared with what was sent. MB/s = all bytes of the phase ÷ its wall time, 1 MB = 10⁶ bytes. "
      "Peak RSS = the highest resident memory of the server during the phase (VmHWM, reset "
      "before each phase; nginx: master + worker).")
    w("")
    w("| Phase | Metric | Parlor | Node.js baseline | nginx (ceiling) | Ratio (Parlor ÷ baseline) "
      "| Parlor vs nginx |")
    w("|---|---|--:|--:|--:|---|---|")

    def cell(s, metric, kind):
        r = rows[s]
        if s == "baseline" and not have_baseline:
            return "not available", None
        if r is None:
            return "not run", None
        if not r.get("ok"):
            return ("not run" if r.get("skipped") else "invalid"), None
        v = r.get("metrics", {}).get(metric)
        return fmt(v, kind), v

    def row(phase, label, metric, kind, direction, versus):
        cells, values = [], {}
        for s, _ in FILE_SERVERS:
            text, v = cell(s, metric, kind)
            cells.append(text)
            values[s] = v
        arrow = {"up": " ↑", "down": " ↓"}.get(direction, "")
        shown = ratio(values["parlor"], values["baseline"], direction)
        ceiling = ""
        p, c = values["parlor"], values["nginx"]
        if p is not None and c:
            ceiling = f"{100 * p / c:.0f}% of nginx" if versus == "percent" else f"{p / c:.2f}×"
        w(f"| {phase} | {label}{arrow} | {cells[0]} | {cells[1]} | {cells[2]} | {shown} | {ceiling} |")

    row("Before", "Server RSS before the first phase (MiB)", "rss_before_mib", "mib", None, "ratio")
    for key, title in FILE_PHASES:
        phase = title.format(n=n)
        row(phase, "MB/s", f"{key}_mb_per_s", "int", "up", "percent")
        row(phase, "Peak RSS (MiB)", f"{key}_peak_rss_mib", "mib", "down", "ratio")
        row(phase, "Server CPU used (cores)", f"{key}_server_cpu_util", "cores", None, None)
    w("")
    if meta.get("files_note"):
        w(f"- **Smaller files than usual**: {meta['files_note']}.")
    w("- Uploads: Parlor and the baseline flush each file to the disk (fdatasync / fsync) "
      "before they answer the PUT; nginx does not (its PUT ends with a rename, the data may "
      "still be in the page cache), so its upload figure is a ceiling no durable server "
      "reaches on this disk. Before each phase the page cache is written back (`sync`, not "
      "timed). Downloads come from the page cache: the files were just written and the "
      "machine has room for them.")
    w("- Server CPU of a download is not a cost comparison: over loopback, part of the "
      "sender's TCP work runs when the receiver (the load generator) handles the "
      "acknowledgements, and is counted to it.")
    if meta.get("files_seconds"):
        w(f"- The scenario took {int(meta['files_seconds'])} s of the run"
          + (f" ({meta['nginx']})" if meta.get("nginx") else "") + ".")
    prefixes = {key + "_": title.format(n=n) for key, title in FILE_PHASES}
    for s, name in FILE_SERVERS:
        r = rows[s]
        if r is None:
            if s == "nginx":
                w("- nginx: not run (not installed).")
            continue
        if r.get("skipped"):
            w(f"- {name}: {r.get('reason', 'not run')}.")
            continue
        if r.get("ok"):
            w(f"- {name} checks: {checks_sentence('files', r)}.")
        else:
            w(f"- **{name}: invalid** — " + "; ".join(r.get("failures", [])) + ".")
        m = r.get("metrics", {})
        other_cpu_notes(w, m, prefixes)
        for note in r.get("notes", []):
            w(f"  - {note}.")
    w("")


def main():
    results = {}
    runs = {}
    meta = {}
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if "meta" in r:
                meta = r["meta"]
            else:
                runs.setdefault((r["scenario"], r.get("server", "parlor")), []).append(r)
    # A scenario run several times: the median run (by its first metric) stands for it, and
    # any run that failed its checks makes the whole scenario invalid.
    first_metric = {key: metrics[0][0] for key, _, _, metrics in SCENARIOS if metrics}
    for key, group in runs.items():
        bad = [r for r in group if not r.get("ok")]
        if bad:
            results[key] = bad[0]
            continue
        metric = first_metric.get(key[0])
        ordered = sorted(group, key=lambda r: r.get("metrics", {}).get(metric) or 0)
        chosen = dict(ordered[(len(ordered) - 1) // 2])
        if len(group) > 1:
            chosen["all_runs"] = [r.get("metrics", {}).get(metric) for r in group]
        results[key] = chosen
    have_baseline = meta.get("baseline") == "yes"

    out = []
    w = out.append
    w("# Parlor benchmarks: Parlor against Hono + ws on Node.js")
    w("")
    w(f"Run {meta['date']} on commit `{meta['commit']}`"
      + (" (with uncommitted server changes)" if meta.get("dirty") else "")
      + f", `make bench`, {int(meta['seconds']) // 60} min {int(meta['seconds']) % 60} s in all.")
    if meta.get("quick") == "1":
        w("")
        w("**Quick run (BENCH_QUICK=1): a smoke test of the harness, too short to quote.**")
    w("")
    w(f"- Machine: {meta['cpus']} × {meta['cpu']}, {meta['mem']} GiB, Linux {meta['kernel']}. "
      "Server under test pinned to CPU 0, load generator (`bench/load`, C++/Beast, one "
      "thread) to CPU 1, all traffic on loopback. A fresh server process for every scenario.")
    w(f"- Parlor: {meta['parlor_version']}, RelWithDebInfo build, SQLite metadata store on "
      "the local disk, default 1 network thread + 4 database threads, "
      "`--log-level warn` (no line per request), rate limits off "
      "(`--room-create-per-minute 0 --join-per-minute 0 --ws-messages-per-second 0`).")
    if have_baseline:
        w(f"- Baseline: `bench/baseline` on Node.js {meta['node']} ({meta['baseline_deps']}), "
          "`--quiet` (no access log); state in memory, no database; file bytes on the local "
          "disk.")
    else:
        w(f"- Baseline: **{meta['baseline_why'] or 'baseline not available'}** — Parlor's "
          "figures only, no ratios.")
    w("- Every scenario checks what it measures: each relayed message carries its sequence "
      "number, sender and recipient, and must arrive exactly once, at the recipient, with the "
      "right `from`, `callId` and type; joins must get a `room:state` about the member who "
      "joined; REST replies must have the right status and body; files must come back byte "
      "for byte, and the server must accept the SHA-256 of what was uploaded. A result that "
      "fails a check is shown as *invalid* and is not a measurement.")
    latency = "not run"
    if meta.get("rate"):
        latency = (f"{meta['latency']} at {int(float(meta['rate'])):,} messages/s "
                   + ("(half the baseline's relay throughput)" if meta["rate_from"] == "baseline"
                      else "(half Parlor's relay throughput: no baseline figure)"
                      if meta["rate_from"] == "parlor" else "(fixed: no relay figure)")
                   + (f", and at {int(float(meta['low_rate'])):,} messages/s (half Parlor's)"
                      if meta.get("low_rate") else ""))
    ran = {scenario for scenario, _ in results}
    settings = [(name, text) for name, text in
                [("relay", meta["relay"]), ("latency", latency), ("join", meta["join"]),
                 ("idle", meta["idle"]), ("rest", meta["rest"]),
                 ("files", meta.get("files", ""))] if name in ran and text]
    if settings:
        w("- Settings: " + "; ".join(f"{name} {text}" for name, text in settings) + ".")
    w(f"- Load average at the end: {meta['loadavg']}; the runner waited "
      f"{meta.get('quiet_waited', '0')} s in all for other processes to go quiet before "
      "scenarios.")
    w("")
    w("↑ more is better, ↓ less is better; ratio = Parlor ÷ baseline.")
    w("")

    for key, title, blurb, metrics in SCENARIOS:
        rows = {s: results.get((key, s)) for s, _ in (FILE_SERVERS if key == "files" else SERVERS)}
        if not any(rows.values()):
            continue
        w(f"## {title}")
        w("")
        if key == "files":
            files_section(w, results, meta, have_baseline)
            continue
        if blurb:
            w(blurb)
            w("")
        w("| Scenario | Metric | Parlor | Node.js baseline | Ratio |")
        w("|---|---|--:|--:|---|")
        for mkey, label, direction, kind in metrics:
            cells = []
            values = {}
            for s, _ in SERVERS:
                r = rows[s]
                if s == "baseline" and not have_baseline:
                    cells.append("not available")
                    continue
                if r is None:
                    cells.append("not run")
                    continue
                if not r.get("ok"):
                    cells.append("invalid")
                    continue
                m = r.get("metrics", {})
                if kind == "pair":
                    a, b = (m.get(k) for k in mkey.split("/"))
                    cells.append(f"{fmt(a, 'int')} / {fmt(b, 'int')}")
                    continue
                v = m.get(mkey)
                values[s] = v
                cells.append(fmt(v, kind))
            arrow = {"up": " ↑", "down": " ↓"}.get(direction, "")
            overloaded = [name for s, name in SERVERS
                          if rows[s] and rows[s].get("metrics", {}).get("overloaded")]
            if overloaded and mkey.endswith("_ms"):
                for i, (s, _) in enumerate(SERVERS):
                    if rows[s] and rows[s].get("metrics", {}).get("overloaded") and s in values:
                        cells[i] += " (overloaded)"
                shown = f"not comparable: {' and '.join(overloaded)} overloaded"
            else:
                shown = ratio(values.get('parlor'), values.get('baseline'), direction)
            w(f"| {title.split('. ', 1)[1]} | {label}{arrow} | {cells[0]} | {cells[1]} | {shown} |")
        if any(r and r.get("all_runs") for r in rows.values()):
            first_label, first_kind = metrics[0][1], metrics[0][3]
            cells = []
            for s, _ in SERVERS:
                r = rows[s]
                cells.append(" / ".join(fmt(v, first_kind) for v in r.get("all_runs", []))
                             if r and r.get("ok") else "")
            w(f"| {title.split('. ', 1)[1]} | {first_label}, every run (median above) | "
              f"{cells[0]} | {cells[1]} | |")
        w("")
        for s, name in SERVERS:
            r = rows[s]
            if r is None:
                continue
            if r.get("ok"):
                w(f"- {name} checks: {checks_sentence(key, r)}.")
            else:
                w(f"- **{name}: invalid** — " + "; ".join(r.get("failures", [])) + ".")
            m = r.get("metrics", {})
            for prefix in ("", "create_", "join_"):
                other = m.get(prefix + "other_cpu_util")
                if other is not None and other > 0.15:
                    w(f"  - Other processes used {other:.2f} cores during this measurement; "
                      "the figures are disturbed.")
                client = m.get(prefix + "client_cpu_util")
                if client is not None and client > 0.9:
                    w(f"  - The load generator used {client:.2f} of its core: near saturation, "
                      "so the server's figure may be a lower bound.")
            for note in r.get("notes", []):
                w(f"  - {note}.")
            spread = [v for v in r.get("all_runs") or [] if v]
            if len(spread) > 1 and max(spread) > 1.2 * min(spread):
                w(f"  - Its runs differed by up to {100 * (max(spread) / min(spread) - 1):.0f}%: "
                  "throughput on this machine varies from run to run. The servers took turns "
                  "and the median run stands.")
        w("")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
