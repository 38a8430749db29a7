"""Draw the benchmark results as SVG bar charts, with no plotting library.

    .venv/bin/python benchmarks/chart.py --instructions instructions.json [--e2e e2e.json] \
        --out docs/performance.svg
    .venv/bin/python benchmarks/chart.py inprocess.json [--e2e e2e.json] --out docs/performance.svg

With ``--instructions`` (issue 15's chart): instructions per request per scenario as grouped bars
(raw ASGI, the core, each style, Falcon, BlackSheep) with the 2.0x-raw ceiling dashed across each
group, then, with ``--e2e``, the end-to-end requests/s medians with min-max whiskers.

From inprocess.py's JSON: one panel per scenario, a bar per framework (log scale for
µs/request, since the frameworks span two orders of magnitude; linear for requests/s), the value
written at the end of each bar.
"""

from __future__ import annotations

import argparse
import json
import math
from html import escape
from pathlib import Path
from typing import Any

PALETTE = {
    "raw": "#7f7f7f",
    "microrest": "#d62728",
    "falcon": "#1f77b4",
    "blacksheep": "#2ca02c",
    "litestar": "#9467bd",
    "starlette": "#ff7f0e",
    "fastapi": "#17becf",
}
#: microrest's styles: colours none of the peers above uses.
STYLE_COLOURS = {
    "microrest_corepost": "#e377c2",
    "microrest_pyservice": "#bcbd22",
    "microrest_vestespy": "#8c564b",
    "microrest_webpy": "#f5a623",
    "microrest_xio": "#393b79",
}
EXTRA_COLOURS = ["#e377c2", "#bcbd22", "#8c564b", "#f7b6d2", "#c49c94", "#dbdb8d"]

ROW = 16
LABEL_W = 150
BAR_W = 380
VALUE_W = 70
PANEL_GAP = 26


def colour(label: str, apps: list[str]) -> str:
    """A fixed colour per framework; rows labelled 'app @n' take their app's colour."""
    app = label.split(" @")[0]
    if app in PALETTE:
        return PALETTE[app]
    if app in STYLE_COLOURS:
        return STYLE_COLOURS[app]
    extras = [a for a in apps if a not in PALETTE and a not in STYLE_COLOURS]
    return EXTRA_COLOURS[extras.index(app) % len(EXTRA_COLOURS)]


def panels_svg(
    title: str,
    panels: list[tuple[str, list[tuple[str, float]]]],
    apps: list[str],
    unit: str,
    log: bool,
) -> tuple[list[str], int]:
    """SVG elements for one chart (a column of panels) and its height."""
    values = [v for _, rows in panels for _, v in rows if v > 0]
    if not values:
        return [], 0
    lo, hi = min(values), max(values)
    if log:
        lo_l, hi_l = math.log10(lo) - 0.3, math.log10(hi)

        def length(v: float) -> float:
            return max(2.0, BAR_W * (math.log10(v) - lo_l) / (hi_l - lo_l or 1))

    else:

        def length(v: float) -> float:
            return max(2.0, BAR_W * v / hi)

    out = [f'<text x="0" y="16" class="title">{escape(title)}</text>']
    y = 34
    for name, rows in panels:
        out.append(f'<text x="0" y="{y + 11}" class="panel">{escape(name)}</text>')
        y += 18
        for app, value in rows:
            w = length(value)
            out.append(f'<text x="{LABEL_W - 6}" y="{y + 11}" class="label">{escape(app)}</text>')
            out.append(
                f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{ROW - 3}" '
                f'fill="{colour(app, apps)}"/>'
            )
            text = f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
            out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 11}" class="value">'
                       f"{text} {escape(unit)}</text>")  # fmt: skip
            y += ROW
        y += PANEL_GAP - 18
    return out, y


def render_svg(charts: list[tuple[list[str], int]]) -> str:
    width = LABEL_W + BAR_W + VALUE_W + 40
    column_w = width + 30
    height = max(h for _, h in charts) + 10
    body = []
    for index, (elements, _) in enumerate(charts):
        body.append(f'<g transform="translate({index * column_w + 10},0)">')
        body.extend(elements)
        body.append("</g>")
    total_w = column_w * len(charts)
    style = (
        "<style>text{font-family:sans-serif;font-size:11px}"
        ".title{font-size:14px;font-weight:bold}.panel{font-weight:bold}"
        ".label{text-anchor:end}.value{fill:#333}</style>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" '
        f'viewBox="0 0 {total_w} {height}">{style}'
        f'<rect width="100%" height="100%" fill="white"/>' + "".join(body) + "</svg>\n"
    )


def inprocess_chart(data: dict[str, Any], routes: str) -> tuple[list[str], int]:
    res = data["results"][routes]
    panels = []
    for scenario in data["scenarios"]:
        rows = [
            (a, res[a][scenario]["median_us"]) for a in data["apps"] if scenario in res.get(a, {})
        ]
        if rows:
            panels.append((scenario, rows))
    return panels_svg(
        f"In-process, {routes} extra routes: µs/request (log scale, lower is better)",
        panels,
        data["apps"],
        "µs",
        log=True,
    )


def route_chart(data: dict[str, Any]) -> tuple[list[str], int]:
    counts = sorted(data["results"], key=int)
    panels = []
    for scenario in ("param", "notfound"):
        rows = []
        for app in data["apps"]:
            for n in counts:
                cell = data["results"][n].get(app, {}).get(scenario)
                if cell:
                    rows.append((f"{app} @{n}", cell["median_us"]))
        if rows:
            panels.append((scenario, rows))
    return panels_svg(
        "Routing cost against route count: µs/request (log scale)",
        panels,
        data["apps"],
        "µs",
        log=True,
    )


def e2e_chart(data: dict[str, Any]) -> tuple[list[str], int]:
    res = data["results"]
    panels = []
    for scenario in data["scenarios"]:
        rows = [(a, res[a][scenario]["rps"]) for a in data["apps"] if scenario in res.get(a, {})]
        if rows:
            panels.append((scenario, rows))
    return panels_svg(
        f"uvicorn + wrk, {data['meta']['routes']} extra routes: requests/s (higher is better)",
        panels,
        data["apps"],
        "req/s",
        log=False,
    )


# --- grouped bars: instructions per request (and e2e medians with spread) --------------------

GROUP_GAP = 18
BAR = 11
PLOT_H = 260
LEFT = 56
TOP = 96
MIN_WIDTH = 820
#: Scenarios drawn by default: thread-offloaded rows are an order of magnitude off the scale.
CHART_SCENARIOS = (
    "plaintext", "json", "param", "echo", "notfound", "param_sync_inline", "call",
    "call_sync_inline",
)  # fmt: skip


def _base(scenario: str) -> str:
    for prefix in ("param", "call"):
        if scenario.startswith(prefix + "_"):
            return prefix
    return scenario


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1e6:.1f}M"
    if value >= 1000:
        return f"{value / 1000:.0f}k" if value >= 100_000 else f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def _nice_step(top: float) -> float:
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def grouped_svg(
    title: str,
    subtitle: str,
    groups: list[tuple[str, list[tuple[str, float, tuple[float, float] | None]]]],
    apps: list[str],
    y_offset: int,
    floor_lines: dict[str, float] | None = None,
    floor_label: str = "",
) -> tuple[list[str], int, int]:
    """One grouped bar chart: a group per scenario, a bar per app (value, optional min-max).

    Bars taller than the scale (far above the rest) are clipped, drawn with a break and their
    value written. ``floor_lines`` draws a dashed line across a group at the given value.
    Returns the SVG elements, the width and the height.
    """
    values = [v for _, bars in groups for _, v, _ in bars if v > 0]
    if not values:
        return [], 0, 0
    # The scale: the tallest bar that is not an outlier (more than 3x its group's median).
    kept = []
    for _, bars in groups:
        group_values = sorted(v for _, v, _ in bars)
        median = group_values[len(group_values) // 2]
        kept += [max(v, spread[1] if spread else v) for _, v, spread in bars if v <= 3 * median]
    if floor_lines:
        kept += list(floor_lines.values())
    top_value = max(kept or values) * 1.08
    step = _nice_step(top_value)
    top_value = math.ceil(top_value / step) * step

    def y_of(v: float) -> float:
        return y_offset + TOP + PLOT_H * (1 - min(v, top_value) / top_value)

    present = [a for a in apps if any(a == b for _, bars in groups for b, _, _ in bars)]
    # A group is as wide as its bars, or as its name (the names must not run together).
    group_w = [max(len(bars) * BAR, int(6.5 * len(name))) for name, bars in groups]
    width = max(MIN_WIDTH, LEFT + sum(group_w) + GROUP_GAP * (len(groups) + 1) + 10)
    out = [
        f'<text x="0" y="{y_offset + 16}" class="title">{escape(title)}</text>',
        f'<text x="0" y="{y_offset + 32}" class="sub">{escape(subtitle)}</text>',
    ]
    # Legend, wrapped to the width.
    x: float = LEFT
    legend_y = y_offset + 40
    for app in present:
        if x + 18 + 6.8 * len(app) > width:
            x, legend_y = LEFT, legend_y + 15
        out.append(
            f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{colour(app, apps)}"/>'
        )
        out.append(f'<text x="{x + 13}" y="{legend_y + 9}">{escape(app)}</text>')
        x += 18 + 6.8 * len(app)
    if floor_lines:
        if x + 90 > width:
            x, legend_y = LEFT, legend_y + 15
        out.append(
            f'<line x1="{x}" y1="{legend_y + 5}" x2="{x + 18}" y2="{legend_y + 5}" class="floor"/>'
        )
        out.append(f'<text x="{x + 22}" y="{legend_y + 9}">{escape(floor_label)}</text>')
    # Axis and grid.
    tick = 0.0
    while tick <= top_value + 1e-9:
        y = y_of(tick)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" class="label">{_short(tick)}</text>')
        tick += step
    base_y = y_of(0)
    x = float(LEFT + GROUP_GAP)
    for (name, bars), w in zip(groups, group_w, strict=True):
        group_start = x
        x += (w - len(bars) * BAR) / 2
        for app, value, spread in bars:
            y = y_of(value)
            clipped = value > top_value
            out.append(
                f'<rect x="{x}" y="{y:.1f}" width="{BAR - 2}" height="{base_y - y:.1f}" '
                f'fill="{colour(app, apps)}"><title>{escape(app)} {escape(name)}: '
                f"{value:,.0f}</title></rect>"
            )
            if clipped:
                out.append(
                    f'<path d="M{x - 1},{y + 10} l{BAR},-4 m-{BAR},10 l{BAR},-4" class="break"/>'
                )
            top_y = y
            if spread is not None:
                lo, hi = y_of(spread[0]), y_of(spread[1])
                top_y = min(y, hi)
                cx = x + (BAR - 2) / 2
                out.append(
                    f'<line x1="{cx}" y1="{lo:.1f}" x2="{cx}" y2="{hi:.1f}" class="whisker"/>'
                )
                for yy in (lo, hi):
                    out.append(
                        f'<line x1="{cx - 3}" y1="{yy:.1f}" x2="{cx + 3}" y2="{yy:.1f}" '
                        'class="whisker"/>'
                    )
            label_y = top_y - 3
            out.append(
                f'<text transform="translate({x + BAR / 2 + 1:.1f},{label_y:.1f}) rotate(-90)" '
                f'class="bar">{_short(value)}</text>'
            )
            x += BAR
        x = group_start + w
        floor = (floor_lines or {}).get(name)
        if floor is not None:
            fy = y_of(floor)
            out.append(
                f'<line x1="{group_start - 3}" y1="{fy:.1f}" x2="{x + 1}" y2="{fy:.1f}" '
                'class="floor"/>'
            )
        out.append(
            f'<text x="{x - w / 2:.1f}" y="{base_y + 14:.1f}" class="group">{escape(name)}</text>'
        )
        x += GROUP_GAP
    return out, int(width), TOP + PLOT_H + 26


def instructions_groups(
    data: dict[str, Any], scenarios: tuple[str, ...] = CHART_SCENARIOS
) -> tuple[list[tuple[str, list[tuple[str, float, tuple[float, float] | None]]]], dict[str, float]]:
    """Groups for ``grouped_svg`` from instructions.py's JSON, and the 2.0x-raw line per group."""
    res: dict[str, dict[str, float]] = data["results"]
    groups: list[tuple[str, list[tuple[str, float, tuple[float, float] | None]]]] = []
    floors: dict[str, float] = {}
    for scenario in data["scenarios"]:
        if scenario not in scenarios:
            continue
        bars: list[tuple[str, float, tuple[float, float] | None]] = [
            (a, res[a][scenario], None) for a in data["apps"] if scenario in res.get(a, {})
        ]
        if bars:
            groups.append((scenario, bars))
            raw = res.get("raw", {}).get(_base(scenario))
            if raw:
                floors[scenario] = 2 * raw
    return groups, floors


def e2e_groups(
    data: dict[str, Any], scenarios: tuple[str, ...] = CHART_SCENARIOS
) -> list[tuple[str, list[tuple[str, float, tuple[float, float] | None]]]]:
    res = data["results"]
    groups = []
    for scenario in data["scenarios"]:
        if scenario not in scenarios:
            continue
        bars: list[tuple[str, float, tuple[float, float] | None]] = []
        for app in data["apps"]:
            cell = res.get(app, {}).get(scenario)
            if not cell or cell.get("rps") is None:
                continue
            spread = (cell["rps_min"], cell["rps_max"]) if cell.get("rps_min") is not None else None
            bars.append((app, cell["rps"], spread))
        if bars:
            groups.append((scenario, bars))
    return groups


def issue_chart(
    instructions: dict[str, Any],
    e2e: dict[str, Any] | None = None,
    scenarios: tuple[str, ...] = CHART_SCENARIOS,
) -> str:
    """The issue 15 chart: instructions per request, then e2e req/s medians with spread."""
    meta = instructions.get("meta", {})
    groups, floors = instructions_groups(instructions, scenarios)
    apps = list(instructions["apps"])
    if e2e:
        apps += [a for a in e2e["apps"] if a not in apps]
    elements, width, height = grouped_svg(
        f"Instructions per request (callgrind), {meta.get('routes', '?')} extra routes: "
        "lower is better",
        "Dashed: 2.0x raw ASGI, the core's ceiling (sync-inline groups: 2.0x raw's async "
        "route). Clipped bars carry their value.",
        groups,
        apps,
        0,
        floors,
        "2.0x raw",
    )
    if e2e:
        emeta = e2e["meta"]
        more, w2, h2 = grouped_svg(
            f"End to end (uvicorn + wrk), {emeta['routes']} extra routes: requests/s, higher is "
            "better",
            f"Median of {emeta.get('repeats', 1)} interleaved rounds; whiskers: min-max of the "
            "rounds.",
            e2e_groups(e2e, scenarios),
            apps,
            height + 20,
        )
        elements += more
        width, height = max(width, w2), height + 20 + h2
    style = (
        "<style>text{font-family:sans-serif;font-size:11px}"
        ".title{font-size:14px;font-weight:bold}.sub{fill:#555}"
        ".label{text-anchor:end;fill:#555}.group{text-anchor:middle;font-weight:bold}"
        ".bar{font-size:9px;fill:#333}.grid{stroke:#ddd;stroke-width:1}"
        ".floor{stroke:#d00;stroke-width:1.5;stroke-dasharray:5,3}"
        ".whisker{stroke:#000;stroke-width:1}.break{stroke:white;stroke-width:2;fill:none}"
        "</style>"
    )
    width += 20
    height += 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{style}'
        f'<rect width="100%" height="100%" fill="white"/>'
        f'<g transform="translate(10,0)">' + "".join(elements) + "</g></svg>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inprocess", nargs="?", help="JSON written by inprocess.py --json")
    parser.add_argument(
        "--instructions", help="JSON written by instructions.py --json: the issue 15 chart"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(CHART_SCENARIOS),
        help="scenarios of the instructions/e2e chart",
    )
    parser.add_argument("--e2e", help="JSON written by e2e.py --json")
    parser.add_argument("--routes", default="200", help="route count of the main chart")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.instructions:
        e2e = json.loads(Path(args.e2e).read_text()) if args.e2e else None
        svg = issue_chart(
            json.loads(Path(args.instructions).read_text()), e2e, tuple(args.scenarios.split(","))
        )
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(svg)
        return 0
    if not args.inprocess:
        parser.error("give inprocess.py's JSON or --instructions")
    data = json.loads(Path(args.inprocess).read_text())
    charts = [inprocess_chart(data, args.routes)]
    if len(data["results"]) > 1:
        charts.append(route_chart(data))
    if args.e2e:
        charts.append(e2e_chart(json.loads(Path(args.e2e).read_text())))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(render_svg(charts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
