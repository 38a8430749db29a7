"""Draw the benchmark results as SVG bar charts, with no plotting library.

    .venv/bin/python benchmarks/chart.py inprocess.json [--e2e e2e.json] --out docs/performance.svg

One panel per scenario: a bar per framework (log scale for µs/request, since the frameworks span
two orders of magnitude; linear for requests/s), the value written at the end of each bar.
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
    extras = [a for a in apps if a not in PALETTE]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inprocess", help="JSON written by inprocess.py --json")
    parser.add_argument("--e2e", help="JSON written by e2e.py --json")
    parser.add_argument("--routes", default="200", help="route count of the main chart")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
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
