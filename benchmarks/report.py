"""Write ``docs/performance.md`` from the JSON the benchmark scripts wrote.

    .venv/bin/python benchmarks/report.py --instructions instructions.json --e2e e2e.json \
        --profile profile.json --chart performance.svg --command '...' --out docs/performance.md

Every input is optional but one (``--inprocess`` adds the timed in-process tables of
``inprocess.py``). Sections, in order: issue 15's targets against the instruction counts
(``instructions.py``: raw ASGI, the core, each style, Falcon, BlackSheep, with pass/fail marks),
one table per style, the hand-written notes, the end-to-end table with spreads (``e2e.py``), the
chart, where the cost sits per layer (``profile_layers.py``), the commands and the machine.

The hand-written observations between the ``<!-- notes -->`` and ``<!-- /notes -->`` markers of
an existing file are kept, so re-running the benchmarks and this script refreshes the numbers
without losing the analysis.
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

CORE = "microrest"
#: The styles, in the order the issue names them, with their display names.
STYLES = {
    "microrest_corepost": "CorePost",
    "microrest_vestespy": "VestesPy",
    "microrest_webpy": "web.py",
    "microrest_xio": "xio",
    "microrest_pyservice": "pyservice",
}
PEERS = {"raw": "raw ASGI", "blacksheep": "BlackSheep", "falcon": "Falcon"}
#: Issue 15's targets.
CORE_OVER_RAW = 2.0
CORE_OVER_BLACKSHEEP = 1.0
STYLE_OVER_CORE = 1.3
E2E_OVER_RAW = 0.8
#: Scenarios with targets against raw ASGI and BlackSheep (the ones every framework serves).
COMMON = ("plaintext", "json", "param", "echo", "notfound")


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
    if meta.get("valgrind"):
        lines.append(f"- Valgrind: {meta['valgrind']}")
    if "loadavg_start" in meta:
        start = ", ".join(f"{x:.2f}" for x in meta["loadavg_start"])
        end = ", ".join(f"{x:.2f}" for x in meta.get("loadavg_end", []))
        lines.append(f"- Load average at start: {start}" + (f"; at end: {end}" if end else ""))
    if meta.get("busy_before") is not None:
        lines.append(f"- CPU busy just before the run: {meta['busy_before']:.0%}")
    return "\n".join(lines)


# --- instructions -----------------------------------------------------------------------------


def base_scenario(scenario: str) -> str:
    """The scenario other frameworks serve for this one: ``param_sync_inline`` -> ``param``."""
    for prefix in COMMON:
        if scenario.startswith(prefix + "_"):
            return prefix
    return scenario


def is_thread(scenario: str) -> bool:
    """Thread-offloaded sync rows: reported beside, no target."""
    return scenario.endswith("_sync_thread")


def kilo(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt_ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def mark(value: float | None, limit: float) -> str:
    if value is None:
        return ""
    return "pass" if value <= limit else "**FAIL**"


class Instructions:
    """Lookups into the JSON ``instructions.py --json`` wrote."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.results: dict[str, dict[str, float]] = data["results"]
        self.meta: dict[str, Any] = data.get("meta", {})
        self.scenarios: list[str] = data["scenarios"]
        #: The driver's building of each request, counted in every figure (per scenario).
        self.setup: dict[str, float] = data.get("setup", {})

    def get(self, app: str, scenario: str) -> float | None:
        return self.results.get(app, {}).get(scenario)

    def without_setup(self, app: str, scenario: str) -> float | None:
        """The figure less the driver's building of the request (None where not measured)."""
        value = self.get(app, scenario)
        setup = self.setup.get(scenario)
        return value - setup if value is not None and setup is not None else None

    def peer(self, app: str, scenario: str) -> float | None:
        """A peer's figure for ``scenario``: its base scenario (peers have no sync variants)."""
        return self.get(app, base_scenario(scenario))


def targets_md(ins: Instructions) -> tuple[str, list[tuple[str, bool]]]:
    """The core against raw ASGI, BlackSheep and Falcon, per scenario, with the targets."""
    verdicts: list[tuple[str, bool]] = []
    with_setup = bool(ins.setup)
    lines = [
        "| scenario | raw ASGI | core | core / raw | <= 2.0x raw | BlackSheep | core / BlackSheep "
        "| <= BlackSheep | Falcon | core / Falcon |"
        + (" driver setup | core / raw, setup off |" if with_setup else ""),
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if with_setup else ""),
    ]
    for scenario in ins.scenarios:
        core = ins.get(CORE, scenario)
        if core is None:
            continue
        raw, bs, falcon = (ins.peer(p, scenario) for p in ("raw", "blacksheep", "falcon"))
        over_raw, over_bs = ratio(core, raw), ratio(core, bs)
        targeted = scenario in COMMON
        raw_mark = mark(over_raw, CORE_OVER_RAW) if targeted else ""
        bs_mark = mark(over_bs, CORE_OVER_BLACKSHEEP) if targeted else ""
        if targeted and over_raw is not None:
            verdicts.append((f"core {scenario} <= 2.0x raw", over_raw <= CORE_OVER_RAW))
        if targeted and over_bs is not None:
            verdicts.append((f"core {scenario} <= BlackSheep", over_bs <= CORE_OVER_BLACKSHEEP))
        label = scenario
        if base_scenario(scenario) != scenario:
            label += f" (vs their {base_scenario(scenario)})"
        if is_thread(scenario):
            label += ", no target"
        row = [
            label,
            kilo(raw),
            kilo(core),
            fmt_ratio(over_raw),
            raw_mark,
            kilo(bs),
            fmt_ratio(over_bs),
            bs_mark,
            kilo(falcon),
            fmt_ratio(ratio(core, falcon)),
        ]
        if with_setup:
            raw_off = ins.without_setup("raw", base_scenario(scenario))
            row += [
                kilo(ins.setup.get(scenario)),
                fmt_ratio(ratio(ins.without_setup(CORE, scenario), raw_off)),
            ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines), verdicts


def style_summary_md(ins: Instructions) -> str:
    """Every style's ratio to the core, one column per style."""
    styles = [s for s in STYLES if s in ins.results]
    if not styles:
        return "_No style was measured._"
    lines = [
        "| scenario | core | " + " | ".join(f"{STYLES[s]} / core" for s in styles) + " |",
        "|---|---|" + "---|" * len(styles),
    ]
    for scenario in ins.scenarios:
        core = ins.get(CORE, scenario)
        if core is None or not any(ins.get(s, scenario) is not None for s in styles):
            continue
        cells = []
        for style in styles:
            r = ratio(ins.get(style, scenario), core)
            if r is None:
                cells.append("")
            elif is_thread(scenario):
                cells.append(f"{r:.2f}x (no target)")
            else:
                cells.append(f"{r:.2f}x {mark(r, STYLE_OVER_CORE)}")
        lines.append(f"| {scenario} | {kilo(core)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def style_md(ins: Instructions, style: str) -> tuple[str, list[tuple[str, bool]]]:
    """One style: its instructions, against the core (target), raw, BlackSheep and Falcon."""
    verdicts: list[tuple[str, bool]] = []
    lines = [
        f"| scenario | {STYLES[style]} | core | {STYLES[style]} / core | <= 1.3x core "
        f"| / raw ASGI | / BlackSheep | / Falcon |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scenario in ins.scenarios:
        mine = ins.get(style, scenario)
        if mine is None:
            continue
        core = ins.get(CORE, scenario)
        over_core = ratio(mine, core)
        if is_thread(scenario):
            target = "no target"
        else:
            target = mark(over_core, STYLE_OVER_CORE)
            if over_core is not None:
                verdicts.append(
                    (f"{STYLES[style]} {scenario} <= 1.3x core", over_core <= STYLE_OVER_CORE)
                )
        row = [
            scenario,
            kilo(mine),
            kilo(core),
            fmt_ratio(over_core),
            target,
            *(
                fmt_ratio(ratio(mine, ins.peer(p, scenario)))
                for p in ("raw", "blacksheep", "falcon")
            ),
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines), verdicts


def instructions_md(ins: Instructions) -> str:
    meta = ins.meta
    targets, verdicts = targets_md(ins)
    out = [
        f"## Instructions per request, {meta.get('routes', '?')} extra routes",
        "",
        "CPU instructions one request executes, counted by callgrind "
        "(`benchmarks/instructions.py`): the same whatever else the machine runs. Memory layout "
        "still moves a figure by a percent or two between runs in different environments (hash "
        "seed fixed), so differences below about 2 % are noise. "
        f"{meta.get('requests', '?')} measured requests "
        f"per (framework, scenario), after {meta.get('warmup_requests', '?')} warm-up ones, "
        "start-up cancelled out. Sync rows "
        "(`*_sync_inline`, `*_sync_thread`) compare with the peers' async route of the same "
        "scenario; `call` is pyservice's operation call against a core JSON route doing the "
        "same work (no peer serves it).",
        "",
        "### The core against raw ASGI, BlackSheep and Falcon",
        "",
        "Issue 15's targets: the core at most 2.0x raw ASGI and at most BlackSheep on every "
        "scenario."
        + (
            " Every figure includes the benchmark driver's building of the request (its scope "
            "dict, `receive` and `send` objects: a server's share of the work, as the issue "
            'measured it); the "driver setup" column is that part, measured apart, and the '
            "last column is the core's ratio to raw ASGI with it taken off both (the app's own "
            "work only: a stricter view than the issue's target)."
            if ins.setup
            else ""
        )
        + (
            " Measured with `--without-setup`: the driver's building of the request is NOT in "
            "these figures."
            if meta.get("setup_counted") is False
            else ""
        ),
        "",
        targets,
        "",
        "### Every style against the core",
        "",
        "Target: every style at most 1.3x the core on every scenario, for async handlers or "
        "sync ones run inline; the thread-offloaded sync figure is reported beside it.",
        "",
        style_summary_md(ins),
    ]
    for style in STYLES:
        if style not in ins.results:
            continue
        table, found = style_md(ins, style)
        verdicts += found
        out += ["", f"### {STYLES[style]} (`{style}`)", "", table]
    failed = [name for name, ok in verdicts if not ok]
    out += [
        "",
        f"**Instruction targets: {len(verdicts) - len(failed)} of {len(verdicts)} met.**"
        + (" Not met: " + "; ".join(failed) + "." if failed else ""),
    ]
    missing = [
        f"{app}: {scenario}" for app, per in ins.data.get("errors", {}).items() for scenario in per
    ]
    if missing:
        out += ["", "Failed measurements (no number): " + "; ".join(missing) + "."]
    return "\n".join(out)


# --- end to end -------------------------------------------------------------------------------


def e2e_md(data: dict[str, Any]) -> str:
    meta = data["meta"]
    res = data["results"]
    ratios = [
        (f"{app} {scenario}", cell["ratio_raw"])
        for app, per in res.items()
        if app == CORE
        for scenario, cell in per.items()
        if cell.get("ratio_raw") is not None
    ]
    failed = [name for name, value in ratios if value < E2E_OVER_RAW]
    verdict = (
        f"**Core end to end: {len(ratios) - len(failed)} of {len(ratios)} scenarios at least "
        f"{E2E_OVER_RAW} of raw ASGI's requests/s (median of per-round ratios).**"
        + (" Not met: " + "; ".join(failed) + "." if failed else "")
    )
    return "\n".join(
        [
            f"## End to end, {meta['routes']} extra routes",
            "",
            "uvicorn, one worker, `--loop uvloop --http httptools`, access log off, pinned to "
            f"CPU 0; {meta.get('wrk', 'wrk').split(' Copyright')[0]} `-t1 "
            f"-c{meta['connections']}` pinned to CPU 1; {meta['warmup_s']:g} s warm-up then "
            f"{meta['duration_s']:g} s per run, {meta.get('repeats', 1)} interleaved rounds "
            "(every app once per scenario per round, app order rotated each round). Target: "
            f"at least {E2E_OVER_RAW} of raw ASGI's requests/s on every scenario.",
            "",
            verdict,
            e2e.render(data).replace("\n## ", "\n### "),
            "",
            "Machine during this run:",
            "",
            facts_md(meta),
        ]
    )


# --- profile ----------------------------------------------------------------------------------


def profiled_total(ins: Instructions | None, app: str, scenario: str) -> float | None:
    """Callgrind's figure for what the profile saw: the total less the driver's building of
    the request (done before the profiled loop), where that was measured."""
    if ins is None:
        return None
    if ins.setup:
        return ins.without_setup(app, scenario)
    return ins.get(app, scenario)


def profile_md(data: dict[str, Any], ins: Instructions | None) -> str:
    meta = data["meta"]
    calibrated = meta.get("profiler_overhead_ns")
    overhead = (
        f"{calibrated[0]:.0f} ns charged to the callee, {calibrated[1]:.0f} ns to its caller"
        if calibrated
        else "not recorded"
    )
    excesses = [
        cell["total_s"] / cell["unprofiled_s"]
        for per in data["results"].values()
        for cell in per.values()
        if cell.get("unprofiled_s")
    ]
    excess = f"{min(excesses):.1f} to {max(excesses):.1f} times" if excesses else "more than"
    out = [
        "## Where the remaining cost sits",
        "",
        f"`benchmarks/profile_layers.py`: cProfile of {meta.get('rounds', 1)} rounds of "
        f"{meta['requests']} requests per scenario in-process ({meta['routes']} extra routes); "
        "every function's own time is its lowest over the rounds (preemption on the shared "
        "machine only adds time) and is attributed to a layer by its module (built-in and "
        "library functions to the layer that called them). The "
        '"driver" layer is the benchmark\'s fake server (`send`/`receive`): raw ASGI pays it '
        'too; raw ASGI\'s own code is all "handler".',
        "",
        "cProfile's own cost per call, calibrated on an empty function "
        f"({overhead}), is taken off every function's time"
        + (
            ", scaled per scenario so that the profile's total equals the same requests timed "
            "without the profiler. "
            if meta.get("overhead_fitted")
            else "; real calls cost the profiler more than an empty one, so the corrected "
            f"profile still comes out at {excess} the unprofiled time of the same requests and "
            "layers made of many small calls stay somewhat overstated (the calls-per-request "
            "table says which). "
        )
        + "The figures in brackets are the share applied to callgrind's count for "
        "that scenario (less the driver's building of the request, which happens before the "
        "profiled loop): CPython 3.11 gives callgrind no per-Python-function costs, so they "
        "are an estimate. The shares are from timing: they move by a point or two between "
        "runs; compare layers, not decimals.",
    ]
    layers: list[str] = meta["layers"]
    for app, per in data["results"].items():
        scenarios = [s for s in data["scenarios"] if s in per]
        if not scenarios:
            continue
        out += [
            "",
            f"### `{app}`: share of the request's cost per layer (estimated instructions)",
            "",
            "| layer | " + " | ".join(scenarios) + " |",
            "|---|" + "---|" * len(scenarios),
        ]
        calls_rows = []
        for layer in layers:
            cells, calls = [], []
            for scenario in scenarios:
                cell = per[scenario]["layers"].get(layer)
                if not cell or cell["share"] < 0.005:
                    cells.append("")
                    calls.append(f"{cell['calls_per_request']:.1f}" if cell else "")
                    continue
                text = f"{cell['share']:.0%}"
                total = profiled_total(ins, app, scenario)
                if total is not None:
                    text += f" ({kilo(cell['share'] * total)})"
                cells.append(text)
                calls.append(f"{cell['calls_per_request']:.1f}")
            if any(cells):
                out.append(f"| {layer} | " + " | ".join(cells) + " |")
            if any(calls):
                calls_rows.append(f"| {layer} | " + " | ".join(calls) + " |")
        if ins is not None:
            if ins.setup:
                setups = [kilo(ins.setup.get(s)) for s in scenarios]
                out.append(
                    "| driver: building the request (callgrind only) | " + " | ".join(setups) + " |"
                )
            totals = [kilo(ins.get(app, s)) for s in scenarios]
            out.append("| **callgrind total** | " + " | ".join(totals) + " |")
        out += [
            "",
            "Python function calls per request in each layer (exact, from the profile):",
            "",
            "| layer | " + " | ".join(scenarios) + " |",
            "|---|" + "---|" * len(scenarios),
            *calls_rows,
        ]
        out += ["", "Costliest functions outside the driver, per scenario:", ""]
        for scenario in scenarios:
            top = per[scenario].get("top", [])[:4]
            text = ", ".join(f"`{name}` {share:.0%}" for name, share in top)
            out.append(f"- {scenario}: {text}")
    return "\n".join(out)


# --- the page ---------------------------------------------------------------------------------


def inprocess_md(report: inprocess.Report, routes: int) -> list[str]:
    out = [
        "",
        "## In-process timing",
        "",
        "Each ASGI callable driven directly in one uvloop event loop (no sockets); "
        f"{report.meta.get('repeats')} interleaved rounds of batches of about "
        f"{report.meta.get('batch_ms')} ms per (framework, scenario), in shuffled order; the "
        "median batch's µs/request.",
    ]
    for n in sorted(report.results):
        out += ["", f"### {n} extra routes: median µs/request", "", inprocess.table(report, n)]
        out += ["", f"Ratio to raw ASGI, {n} extra routes:", "", inprocess.table(report, n, "raw")]
    if len(report.results) > 1:
        out += ["", "### Cost against route count (µs/request)", "", inprocess.route_table(report)]
    del routes
    return out


def build(args: argparse.Namespace) -> str:
    ins = (
        Instructions(json.loads(Path(args.instructions).read_text())) if args.instructions else None
    )
    out = [
        "# Performance",
        "",
        "microrest's core and its adapter styles against raw ASGI (the floor: a hand-written",
        "ASGI callable doing the same work), Falcon (ASGI) and BlackSheep, on the same app (see",
        "`benchmarks/README.md` for the app, the scenarios and the fairness notes). Everything",
        "here was produced by the commands at the end; `benchmarks/regenerate.sh` re-runs them",
        "and regenerates this page (the observations section is kept).",
    ]
    if ins is not None:
        out += ["", instructions_md(ins)]
    out += ["", "<!-- notes -->", args.notes_text, "<!-- /notes -->"]
    if args.chart:
        out += ["", f"![benchmark chart]({os.path.basename(args.chart)})"]
    if args.e2e:
        out += ["", e2e_md(json.loads(Path(args.e2e).read_text()))]
    if args.profile:
        out += ["", profile_md(json.loads(Path(args.profile).read_text()), ins)]
    report = load_inprocess(args.inprocess) if args.inprocess else None
    if report is not None:
        out += inprocess_md(report, args.routes)
    out += ["", "## How it was measured", ""]
    if args.commands:
        out += ["<!-- not-run: the full benchmark runs take tens of minutes -->", "```sh"]
        out += [*args.commands, "```", ""]
    out += [
        "This is a 2-core VM shared with other work: timed figures (end to end, in-process)",
        "move by 10 to 30 % between runs, so compare within one table (same run,",
        "interleaved). Instruction counts do not move with the load.",
    ]
    meta = ins.meta if ins is not None else (report.meta if report is not None else None)
    if meta:
        out += ["", "Machine (instruction run):" if ins else "Machine:", "", facts_md(meta)]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instructions", help="JSON written by instructions.py --json")
    parser.add_argument("--e2e", help="JSON written by e2e.py --json")
    parser.add_argument("--profile", help="JSON written by profile_layers.py --json")
    parser.add_argument("--inprocess", help="JSON written by inprocess.py --json (optional)")
    parser.add_argument("--chart", help="chart file to link (relative to the page)")
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--command", action="append", default=[], help="command shown as used")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if not (args.instructions or args.e2e or args.profile or args.inprocess):
        parser.error("give at least one of --instructions, --e2e, --profile, --inprocess")
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
