#!/usr/bin/env python3
"""Checks the Grafana dashboard against what a Parlor instance actually exports.

    check-dashboard.py EXPOSITION [--dashboard FILE] [--require-promtool]

EXPOSITION is a file in Prometheus' text format (what GET /metrics on --metrics-address
answers), `-` for standard input, or an http:// URL to fetch it from.

It checks that the dashboard is one Grafana can import (JSON, schemaVersion 36 or later,
every panel described, every template variable it uses defined), that every metric
named in a query (parlor_* and process_*; a histogram's _bucket, _sum and _count series
by the histogram's name) has a `# TYPE` line in the exposition, and, when promtool is on
PATH, that every query parses as PromQL: promtool has no command that parses a bare
expression, so each becomes a recording rule in a temporary file for
`promtool check rules`. Exits 0 if all is well, 1 with the reasons otherwise, 2 on bad
usage. Python's standard library only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

MIN_SCHEMA_VERSION = 36
METRIC_TOKEN = re.compile(r"(?<![A-Za-z0-9_:])((?:parlor|process)_[A-Za-z0-9_:]*)")
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
# $name, ${name}, ${name:format}, [[name]] (Grafana's ways of writing a variable).
TEMPLATE_VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# Grafana's built-in variables, with values that make a valid query.
BUILTIN_VALUES = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
# Letters and underscores only: the same string as a label value, a regex or an instance.
PLACEHOLDER = "check_placeholder"
DURATION = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")


class Failures:
    def __init__(self):
        self.messages = []

    def add(self, message):
        self.messages.append(message)


def read_exposition(source):
    if source == "-":
        return sys.stdin.read()
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as response:
            return response.read().decode("utf-8")
    with open(source, encoding="utf-8") as f:
        return f.read()


def declared_types(exposition):
    """Metric family name -> type, from the `# TYPE name type` lines."""
    types = {}
    for line in exposition.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "#" and parts[1] == "TYPE":
            types[parts[2]] = parts[3]
    return types


def all_panels(panels):
    """Every panel, including those inside (collapsed) rows."""
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def template_variables(dashboard):
    return {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}


def variable_query(variable):
    query = variable.get("query", "")
    if isinstance(query, dict):  # Grafana 10 writes {"query": "...", "refId": ...}
        query = query.get("query", "")
    return query if isinstance(query, str) else ""


def promql_of_variable(query):
    """The PromQL inside a Prometheus variable query, or None (label_names(), metrics())."""
    match = re.fullmatch(r"\s*label_values\((.*),\s*[A-Za-z_]\w*\s*\)\s*", query, re.S)
    if match:
        return match.group(1)
    match = re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S)
    if match:
        return match.group(1)
    return None


def collect_expressions(dashboard, failures):
    """[(where, PromQL)] from the panels' targets and the query variables."""
    expressions = []
    ids = set()
    for panel in all_panels(dashboard.get("panels", [])):
        title = panel.get("title") or f"panel id {panel.get('id')}"
        if panel.get("id") in ids:
            failures.add(f"panel '{title}': id {panel.get('id')} is used twice")
        ids.add(panel.get("id"))
        if panel.get("type") == "row":
            continue
        if not str(panel.get("description", "")).strip():
            failures.add(f"panel '{title}' has no description")
        if "gridPos" not in panel:
            failures.add(f"panel '{title}' has no gridPos")
        targets = panel.get("targets", [])
        if not targets:
            failures.add(f"panel '{title}' has no targets")
        for target in targets:
            expr = target.get("expr", "")
            if not expr.strip():
                failures.add(f"panel '{title}', target {target.get('refId')}: empty expr")
                continue
            expressions.append((f"panel '{title}' target {target.get('refId')}", expr))
    for name, variable in template_variables(dashboard).items():
        if variable.get("type") != "query":
            continue
        promql = promql_of_variable(variable_query(variable))
        if promql is not None:
            expressions.append((f"variable ${name}", promql))
    return expressions


def check_structure(dashboard, failures):
    version = dashboard.get("schemaVersion")
    if not isinstance(version, int) or version < MIN_SCHEMA_VERSION:
        failures.add(f"schemaVersion is {version!r}; Grafana 9+ wants {MIN_SCHEMA_VERSION} or later")
    if not dashboard.get("title"):
        failures.add("the dashboard has no title")
    variables = template_variables(dashboard)
    inputs = {i.get("name") for i in dashboard.get("__inputs", [])}
    datasources = {n for n, v in variables.items() if v.get("type") == "datasource"}
    if not datasources and not inputs:
        failures.add("no datasource variable and no __inputs: the import cannot pick a Prometheus")
    instance = variables.get("instance")
    if instance is None:
        failures.add("no 'instance' template variable")
    elif not (instance.get("multi") and instance.get("includeAll")):
        failures.add("the 'instance' variable should allow several values and All")
    for panel in all_panels(dashboard.get("panels", [])):
        for holder in [panel] + panel.get("targets", []):
            uid = (holder.get("datasource") or {}).get("uid", "")
            if isinstance(uid, str) and uid.startswith("$"):
                name = uid.strip("${}")
                if name not in datasources and name not in inputs:
                    failures.add(f"panel '{panel.get('title')}' uses datasource {uid}, "
                                 "which is neither a datasource variable nor an __input")


def check_metric_names(expressions, types, source, failures):
    used = set()
    for where, expr in expressions:
        for token in METRIC_TOKEN.findall(QUOTED.sub('""', expr)):
            used.add(token)
            kind = types.get(token)
            if kind in ("histogram", "summary"):
                failures.add(f"{where}: {token} is a {kind}; query its _bucket, _sum or "
                             "_count series, not the bare name")
                continue
            if kind is not None:
                continue
            base = next((token[: -len(s)] for s in HISTOGRAM_SUFFIXES if token.endswith(s)), None)
            base_kind = types.get(base) if base else None
            if base_kind == "histogram" or (base_kind == "summary" and not token.endswith("_bucket")):
                continue
            failures.add(f"{where}: metric {token} has no '# TYPE' line in {source}"
                         + (f" ({base} is a {base_kind})" if base_kind else ""))
    return used


def substitute_variables(expr, variables):
    """expr with Grafana's variables replaced by values that keep it valid PromQL."""

    def value_of(name):
        if name in BUILTIN_VALUES:
            return BUILTIN_VALUES[name]
        variable = variables.get(name)
        if variable is None:
            return None
        if variable.get("type") == "interval":
            return "5m"
        options = [str(o.get("value", "")) for o in variable.get("options", [])]
        if options and all(DURATION.match(o) for o in options):
            return options[0]
        return PLACEHOLDER

    unknown = []

    def replace(match):
        name = match.group(1) or match.group(2) or match.group(3)
        value = value_of(name)
        if value is None:
            unknown.append(name)
            return match.group(0)
        return value

    return TEMPLATE_VARIABLE.sub(replace, expr), unknown


def yaml_rules(expressions):
    # A JSON string is a valid YAML double-quoted scalar.
    lines = ["groups:", "  - name: dashboard_expressions", "    rules:"]
    for n, (_, expr) in enumerate(expressions, start=1):
        lines.append(f"      - record: check_{n}")
        lines.append(f"        expr: {json.dumps(expr)}")
    return "\n".join(lines) + "\n"


def check_with_promtool(promtool, expressions, variables, failures):
    substituted = []
    for where, expr in expressions:
        text, unknown = substitute_variables(expr, variables)
        for name in unknown:
            failures.add(f"{where}: ${name} is not a template variable of the dashboard")
        substituted.append((where, text))
    with tempfile.TemporaryDirectory(prefix="check-dashboard-") as directory:
        rules = os.path.join(directory, "dashboard-expressions.yml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write(yaml_rules(substituted))
        result = subprocess.run([promtool, "check", "rules", rules], capture_output=True,
                                text=True, timeout=120)
    if result.returncode == 0:
        return len(substituted)
    output = (result.stdout + result.stderr).strip()
    named = sorted({int(n) for n in re.findall(r"check_(\d+)", output)})
    for n in named:
        where, text = substituted[n - 1]
        failures.add(f"{where}: promtool cannot parse it (as check_{n}): {text}")
    failures.add("promtool check rules said:\n    " + output.replace("\n", "\n    "))
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exposition", help="Prometheus text exposition: a file, - for stdin, "
                        "or an http:// URL such as http://127.0.0.1:9464/metrics")
    parser.add_argument("--dashboard", default=os.path.join(here, "parlor-dashboard.json"))
    parser.add_argument("--require-promtool", action="store_true",
                        help="fail instead of skipping the PromQL check if promtool is missing")
    args = parser.parse_args()

    failures = Failures()
    try:
        with open(args.dashboard, encoding="utf-8") as f:
            dashboard = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"FAILED: cannot read the dashboard {args.dashboard}: {e}", file=sys.stderr)
        return 1
    try:
        types = declared_types(read_exposition(args.exposition))
    except (OSError, UnicodeDecodeError) as e:
        print(f"FAILED: cannot read the exposition {args.exposition}: {e}", file=sys.stderr)
        return 1
    if not types:
        failures.add(f"{args.exposition} has no '# TYPE' lines: not a Prometheus exposition?")

    check_structure(dashboard, failures)
    expressions = collect_expressions(dashboard, failures)
    if not expressions:
        failures.add("the dashboard has no PromQL expressions")
    used = check_metric_names(expressions, types, args.exposition, failures)

    promtool = shutil.which("promtool")
    parsed = None
    if promtool:
        parsed = check_with_promtool(promtool, expressions, template_variables(dashboard),
                                     failures)
    elif args.require_promtool:
        failures.add("promtool is not on PATH (--require-promtool)")

    if failures.messages:
        print(f"FAILED: {args.dashboard}", file=sys.stderr)
        for message in failures.messages:
            print(f"  - {message}", file=sys.stderr)
        return 1
    print(f"ok: {len(expressions)} expressions; {len(used)} metric names, all declared in "
          f"{args.exposition}; "
          + (f"all {parsed} parse ({promtool} check rules)" if parsed is not None
             else "PromQL not parsed (no promtool on PATH)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
