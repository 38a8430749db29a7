"""Write ``docs/performance.md`` from the JSON that ``inprocess.py`` and ``e2e.py`` wrote.

    .venv/bin/python benchmarks/report.py --inprocess inprocess.json --e2e e2e.json \
        --chart docs/performance.svg --out docs/performance.md

Tables and machine facts are generated; the hand-written observations between the
``<!-- notes -->`` and ``<!-- /notes -->`` markers of an existing file are kept, so re-running
the benchmarks and this script refreshes the numbers without losing the analysis.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import e2e, inprocess

NOTES_RE = re.compile(r"<!-- notes -->\n(.*?)<!-- /notes -->", re.S)


def load_inprocess(path: str) -> inprocess.Report:
    data = json.loads(Path(path).read_text())
    return inprocess.Report(
        results={int(k): v for k, v in data["results"].items()},
        skipped=data.get("skipped", {}),
        errors={int(k): v for k, v in data.get("errors", {}).items()},
        scenarios=data["scenarios"],
        apps=data["apps"],
        meta=data["meta"],
    )


def facts_md(meta: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
    lines = [
        f"- CPU: {meta.get('cpu', '?')}, {meta.get('cpus', '?')} cores (a shared VM)",
        f"- OS: {meta.get('platform', '?')}",
        f"- Python: {meta.get('implementation', '')} {meta.get('python', '?')}",
        f"- Versions: {versions}",
    ]
    if "loadavg_start" in meta:
        start = ", ".join(f"{x:.2f}" for x in meta["loadavg_start"])
        end = ", ".join(f"{x:.2f}" for x in meta.get("loadavg_end", []))
        lines.append(f"- Load average at start: {start}; at end: {end}")
    if meta.get("busy_before") is not None:
        lines.append(f"- CPU busy just before the run: {meta['busy_before']:.0%}")
    return "\n".join(lines)


def summary_md(report: inprocess.Report, routes: int) -> str:
    """microrest against Falcon and BlackSheep per scenario: the targets of the project."""
    res = report.results.get(routes, {})
    mine = res.get("microrest")
    if not mine:
        return "_microrest was not measured._"
    lines = [
        "| scenario | microrest µs | Falcon µs | microrest / Falcon | BlackSheep µs "
        "| microrest / BlackSheep |",
        "|---|---|---|---|---|---|",
    ]
    for scenario in report.scenarios:
        if scenario not in mine:
            continue
        base = "param" if scenario.startswith("param") else scenario
        us = mine[scenario]["median_us"]
        row = [scenario, f"{us:.2f}"]
        for other in ("falcon", "blacksheep"):
            cell = res.get(other, {}).get(base)
            if cell:
                row += [f"{cell['median_us']:.2f}", f"{us / cell['median_us']:.2f}"]
            else:
                row += ["", ""]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def build(args: argparse.Namespace) -> str:
    report = load_inprocess(args.inprocess)
    main_routes = args.routes if args.routes in report.results else max(report.results)
    out = [
        "# Performance",
        "",
        "microrest's core against raw ASGI, Falcon (ASGI), BlackSheep, Litestar, Starlette and",
        "FastAPI, and microrest's adapter styles, on the same app (see `benchmarks/README.md`",
        "for the app, the scenarios, and the fairness notes). Everything here was produced by",
        "the commands below; re-running them and `benchmarks/report.py` regenerates this page",
        "(the observations section is kept).",
        "",
        f"## microrest against Falcon and BlackSheep, in-process, {main_routes} extra routes",
        "",
        "Median µs/request (lower is better); a ratio below 1.00 means microrest is faster. "
        "The sync rows compare with the other frameworks' async param route.",
        "",
        summary_md(report, main_routes),
        "",
        "<!-- notes -->",
        args.notes_text,
        "<!-- /notes -->",
        "",
        "## How it was measured",
        "",
        "```sh",
        *args.commands,
        "```",
        "",
        "In-process: each ASGI callable driven directly in one uvloop event loop (no sockets);",
        f"{report.meta.get('repeats')} interleaved rounds of batches of about "
        f"{report.meta.get('batch_ms')} ms per (framework, scenario), in shuffled order;",
        "the median batch's µs/request. Every response is checked, so a broken app gets no",
        "number. End-to-end: uvicorn, one worker, `--loop uvloop --http httptools`, access log",
        "off, pinned to CPU 0; `wrk -t1` pinned to CPU 1; then latency percentiles from a paced",
        "open-loop client at a fixed rate below saturation.",
        "",
        "Machine:",
        "",
        facts_md(report.meta),
        "",
        "This is a 2-core VM shared with other work; single numbers move by 10 to 30 % between",
        "runs. Compare within one table (same run, interleaved), not across runs.",
        "",
        f"![benchmark chart]({os.path.basename(args.chart)})" if args.chart else "",
        "",
        "## In-process results",
    ]
    for n in sorted(report.results):
        out += ["", f"### {n} extra routes: median µs/request", "", inprocess.table(report, n)]
        out += ["", f"Ratio to raw ASGI, {n} extra routes:", "", inprocess.table(report, n, "raw")]
        if "falcon" in report.results[n]:
            out += [
                "",
                f"Ratio to Falcon, {n} extra routes:",
                "",
                inprocess.table(report, n, "falcon"),
            ]
    if len(report.results) > 1:
        out += [
            "",
            "### Cost against route count (µs/request)",
            "",
            inprocess.route_table(report),
        ]
    problems = [
        f"- {app} @{n} routes: {'; '.join(p[:3])}"
        for n, errs in report.errors.items()
        for app, p in errs.items()
    ]
    if problems:
        out += ["", "Apps that answered wrongly (no number):", "", *problems]
    if args.e2e:
        data = json.loads(Path(args.e2e).read_text())
        meta = data["meta"]
        out += [
            "",
            f"## End-to-end results, {meta['routes']} extra routes",
            "",
            f"{meta.get('wrk', 'wrk').split(' Copyright')[0]}, `-t1 -c{meta['connections']}`, "
            f"{meta['warmup_s']:g} s warm-up then {meta['duration_s']:g} s per scenario; "
            f"latency: {meta['latency_duration_s']:g} s at {meta['rate']:g} requests/s over "
            f"{meta['latency_connections']} connections, measured from each request's due time.",
            "",
            facts_md(meta),
            e2e.render(data).replace("\n## ", "\n### "),
        ]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inprocess", required=True)
    parser.add_argument("--e2e")
    parser.add_argument("--chart", help="chart file to link (relative to the page)")
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--command", action="append", default=[], help="command shown as used")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    out = Path(args.out)
    existing = out.read_text() if out.exists() else ""
    found = NOTES_RE.search(existing)
    args.notes_text = found.group(1).rstrip("\n") if found else "_No observations yet._"
    args.commands = args.command
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
