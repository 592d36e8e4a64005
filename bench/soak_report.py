#!/usr/bin/env python3
"""The report of `make soak` (bench/soak.sh): parlor-load's JSON line, the server's memory
and descriptor samples, and its log, as Markdown on stdout. Exits 1 when the soak failed:
any error, lost or duplicated event, a server that died or a load generator that crashed."""

import argparse
import json
import sys
import time


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def per_address(clients, sources):
    try:
        n = -(-int(clients) // max(int(sources), 1))
    except ValueError:
        return "?"
    return "one person" if n == 1 else "%d people" % n


def main():
    p = argparse.ArgumentParser()
    for name in ("result", "samples", "after", "server-log", "server-alive", "load-status",
                 "server-args", "clients", "duration", "warmup", "seed", "sources", "fd-limit",
                 "version", "commit"):
        p.add_argument("--" + name, default="")
    a = p.parse_args()

    failures = []
    try:
        with open(a.result) as f:
            result = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        result = {"ok": False, "metrics": {}, "checks": {}, "failures": []}
        failures.append("parlor-load crashed (exit status %s): no result" % a.load_status)
    metrics, checks = result.get("metrics", {}), result.get("checks", {})
    failures += result.get("failures", [])
    if a.server_alive != "yes":
        failures.append("the server exited during the soak")

    samples = []
    with open(a.samples) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                samples.append((float(parts[0]), int(parts[1]), int(parts[2])))
    after = a.after.split()
    after = (float(after[0]), int(after[1]), int(after[2])) if len(after) == 3 else None

    out = []
    w = out.append
    w("# Soak: %s clients for %s s" % (a.clients, a.duration))
    w("")
    w("%s, commit %s, %s. Verdict: **%s**." % (
        a.version, a.commit, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "passed" if not failures else "FAILED"))
    for why in failures:
        w("- %s" % why)
    w("")
    w("## Settings")
    w("")
    w("- parlor `%s`: every limit at its default (`--max-connections-per-ip 64`, "
      "`--join-per-minute 30`, `--room-create-per-minute 10`, `--ws-messages-per-second 100`, "
      "`--ws-relay-bytes-per-second 131072`, `--prepare-per-minute 60`, room quotas of 500 "
      "files and 2 GiB, queue caps of 1024 frames and 4 MiB)." % a.server_args)
    w("- parlor-load: %s clients in %s rooms of 4 to 8, seed %s; client *i* connects from "
      "127.0.0.(1 + *i* mod %s), so each address holds %s at most and the "
      "per-address limits are never reached by this legitimate load. Think time 1 to 5 s "
      "between operations. Open-file limit %s." % (
          a.clients, metrics.get("rooms", "?"), a.seed, a.sources,
          per_address(a.clients, a.sources), a.fd_limit))
    w("- Setup (rooms made, everyone joined) took %.1f s; then %.0f s of mixed load; the "
      "first %s s of it are warm-up for the memory and descriptor figures." % (
          metrics.get("setup_seconds", 0), metrics.get("load_seconds", 0), a.warmup))
    w("")

    w("## Correctness")
    w("")
    sig = checks.get("signals", {})
    fa = checks.get("file_added", {})
    pr = checks.get("presence", {})
    w("| | count |")
    w("|---|---:|")
    w("| errors | %s |" % checks.get("errors_total", "?"))
    w("| lost events | %s |" % checks.get("lost", "?"))
    w("| duplicated events | %s |" % checks.get("duplicated", "?"))
    w("| signals sent / delivered once / refused (race) / unverifiable | %s / %s / %s / %s |" % (
        sig.get("sent"), sig.get("delivered"), sig.get("refused"), sig.get("unverifiable")))
    w("| signals lost / duplicated / misrouted | %s / %s / %s |" % (
        sig.get("lost"), sig.get("duplicated"), sig.get("misrouted")))
    w("| file:added delivered to sockets that had to get it / unverifiable | %s / %s |" % (
        fa.get("verified_deliveries"), fa.get("unverifiable")))
    w("| file:added events / already in that socket's room:state | %s / %s |" % (
        fa.get("events"), fa.get("already_in_snapshot")))
    w("| file:added lost / duplicated | %s / %s |" % (fa.get("lost"), fa.get("duplicated")))
    w("| presence events / two in a row about one member | %s / %s |" % (
        pr.get("events"), pr.get("duplicated")))
    w("| room:state snapshots checked | %s |" % checks.get("snapshots_checked"))
    w("| bytes uploaded / downloaded and checked | %s / %s |" % (
        checks.get("bytes_uploaded"), checks.get("bytes_downloaded_verified")))
    w("")
    if checks.get("first_lost"):
        w("First lost: %s" % checks["first_lost"])
        w("")
    if checks.get("first_duplicate"):
        w("First duplicate: %s" % checks["first_duplicate"])
        w("")
    errors = checks.get("errors", {})
    if errors:
        w("Errors by kind:")
        w("")
        w("| kind | count | first |")
        w("|---|---:|---|")
        for kind, e in sorted(errors.items(), key=lambda kv: -kv[1]["count"]):
            w("| %s | %d | %s |" % (kind, e["count"], e["first"].replace("|", "\\|")))
        w("")
    refusals = checks.get("refusals_by_race", {})
    if refusals:
        w("Refusals that a race between members explains (not errors):")
        w("")
        w("| code | count | first |")
        w("|---|---:|---|")
        for code, e in sorted(refusals.items(), key=lambda kv: -kv[1]["count"]):
            w("| %s | %d | %s |" % (code, e["count"], e["first"].replace("|", "\\|")))
        w("")

    w("## Operations")
    w("")
    ops = checks.get("operations", {})
    w("%s operations in all." % checks.get("operations_total", "?"))
    w("")
    w("| operation | count |")
    w("|---|---:|")
    for k in sorted(ops):
        w("| %s | %d |" % (k, ops[k]))
    w("")

    w("## Server memory and descriptors")
    w("")
    start_at = metrics.get("load_started_unix")
    warm_end = metrics.get("warmup_end_unix")
    load_end = metrics.get("load_end_unix")
    if samples:
        t0 = start_at or samples[0][0]
        w("Every %s s or so; time from the start of the mixed load (negative: setup)." % (
            round(samples[1][0] - samples[0][0]) if len(samples) > 1 else "?"))
        w("")
        w("| t (s) | VmRSS | descriptors | |")
        w("|---:|---:|---:|---|")
        for t, rss, fds in samples:
            note = ""
            if warm_end and t < warm_end and start_at and t >= start_at:
                note = "warm-up"
            elif start_at and t < start_at:
                note = "before/setup"
            elif load_end and t > load_end:
                note = "draining"
            w("| %.0f | %s | %d | %s |" % (t - t0, mib(rss), fds, note))
        if after:
            w("| %.0f | %s | %d | all clients gone |" % (after[0] - t0, mib(after[1]), after[2]))
        w("")
        steady = [s for s in samples if warm_end and load_end and warm_end <= s[0] <= load_end]
        if len(steady) >= 2:
            first, last = steady[0], steady[-1]
            peak_rss = max(s[1] for s in steady)
            w("After warm-up (%.0f s to %.0f s):" % (first[0] - t0, last[0] - t0))
            w("")
            w("- VmRSS: start %s, end %s, growth %+.1f MiB (%+.1f%%), highest %s" % (
                mib(first[1]), mib(last[1]), (last[1] - first[1]) / 1024,
                100.0 * (last[1] - first[1]) / max(first[1], 1), mib(peak_rss)))
            w("- descriptors: start %d, end %d, growth %+d, range %d to %d" % (
                first[2], last[2], last[2] - first[2], min(s[2] for s in steady),
                max(s[2] for s in steady)))
            half = steady[len(steady) // 2:]
            if len(half) >= 2:
                w("- second half (%.0f s to %.0f s): VmRSS %s to %s (%+.1f MiB), descriptors %d "
                  "to %d" % (half[0][0] - t0, half[-1][0] - t0, mib(half[0][1]), mib(half[-1][1]),
                             (half[-1][1] - half[0][1]) / 1024, half[0][2], half[-1][2]))
            if after:
                w("- with every client gone: %s, %d descriptors (before the soak: %s, %d)" % (
                    mib(after[1]), after[2], mib(samples[0][1]), samples[0][2]))
        else:
            w("Too few samples after warm-up for start/end figures.")
        w("")

    log_lines = []
    try:
        with open(a.server_log, errors="replace") as f:
            log_lines = [line.rstrip("\n") for line in f]
    except OSError:
        pass
    w("## Server log (warn and above)")
    w("")
    if not log_lines:
        w("Empty.")
    else:
        w("%d lines; the first ones:" % len(log_lines))
        w("")
        w("```")
        for line in log_lines[:15]:
            w(line[:300])
        w("```")
    w("")

    print("\n".join(out))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
