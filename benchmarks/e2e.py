"""End-to-end benchmark: each app served by uvicorn (one worker, uvloop, httptools), loaded by wrk.

The server is pinned to CPU 0 and the load generator to CPU 1 (``taskset``), everything on
127.0.0.1. Two measurements per (framework, scenario):

* throughput: ``wrk -t1 -c<connections>`` for ``--duration`` seconds after a ``--warmup`` run:
  requests/s, in ``--repeats`` INTERLEAVED rounds (round 1 runs every app once on every
  scenario, then round 2, ...; the app order rotates each round so no app always goes first).
  Reported: the median, the min-max spread and every run, and the ratio to raw ASGI as the
  median of per-round ratios (each round's run against that round's raw run). Latency under
  full load is not reported: at saturation it measures wrk's queue, not the app.
  Beside it, the server's own CPU time per request over each load run (user + system, from
  ``/proc/<pid>/stat``; Linux only): what the app and uvicorn spend on a request, which time
  taken from the server's core by other processes on a shared machine does not change.
* latency (``--latency-duration`` > 0): once per pair after the rounds, the paced open-loop
  client of ``http_client.py`` at a fixed ``--rate`` that every framework sustains (well below
  saturation): p50/p90/p99 in µs, counted from each request's due time.

Every server is started once (pinned, one uvicorn worker) and answers-checked before the
rounds. The planned duration is printed first (``--plan`` prints only that).

Servers are stopped by PID; every wait has a deadline.

    .venv/bin/python benchmarks/e2e.py                       # 200 extra routes, all apps
    .venv/bin/python benchmarks/e2e.py --quick               # smoke run, 2 rounds
    .venv/bin/python benchmarks/e2e.py --apps raw,microrest,falcon --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import machine, registry
from benchmarks.http_client import fetch, paced
from benchmarks.scenarios import ALL, PARAM_IDS, SLUG, Scenario, scenarios_of

HOST = "127.0.0.1"
SERVER_CPU = "0"
CLIENT_CPU = "1"


@dataclass
class Options:
    routes: int = 200
    apps: list[str] | None = None
    scenarios: list[str] | None = None
    duration: float = 5.0
    warmup: float = 1.0
    connections: int = 64
    rate: float = 500.0
    latency_duration: float = 3.0
    latency_connections: int = 8
    repeats: int = 5
    busy_before: float | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def can_pin() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def cpu_seconds(pid: int) -> float | None:
    """The user + system CPU seconds process ``pid`` has used; None without ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # After the command name (in parentheses, which may hold spaces): utime, stime
            # are fields 14 and 15 of the line, 12 and 13 of what follows the ")".
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(app_name: str, routes: int) -> Iterator[tuple[int, int]]:
    """Run uvicorn for ``app_name`` on a free port (pinned to CPU 0); yield (port, pid).

    ``taskset`` execs uvicorn and one worker serves in-process, so the PID is the server's.
    """
    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "benchmarks.serve:app", "--factory",
        "--app-dir", str(registry.ROOT), "--host", HOST, "--port", str(port),
        "--workers", "1", "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if can_pin():
        cmd = ["taskset", "-c", SERVER_CPU, *cmd]
    env = {**os.environ, "BENCH_APP": app_name, "BENCH_ROUTES": str(routes)}
    proc = subprocess.Popen(cmd, env=env, cwd=registry.ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{app_name}: uvicorn exited with {proc.returncode}")
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{app_name}: server not listening after 60 s") from None
                time.sleep(0.05)
        yield port, proc.pid
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def lua_script(scenario: Scenario, directory: Path) -> Path | None:
    """A wrk script for scenarios wrk cannot express with a URL alone."""
    if scenario.method == "POST":
        body = scenario.body.decode().replace("\\", "\\\\").replace('"', '\\"')
        text = (
            'wrk.method = "POST"\n'
            f'wrk.body = "{body}"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
    elif scenario.path(0) != scenario.path(1):
        prefix = scenario.path(0).split("/users/")[0]
        text = (
            "local i = 0\n"
            "request = function()\n"
            f'  local path = "{prefix}/users/" .. (i % {PARAM_IDS}) .. "/posts/{SLUG}"\n'
            "  i = i + 1\n"
            '  return wrk.format("GET", path)\n'
            "end\n"
        )
    else:
        return None
    path = directory / f"{scenario.name}.lua"
    path.write_text(text)
    return path


def run_wrk(
    port: int, scenario: Scenario, duration: float, connections: int, script: Path | None
) -> dict[str, Any]:
    """Run wrk once; parse requests/s and non-2xx counts."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s"]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(f"http://{HOST}:{port}{scenario.path(0)}")
    if can_pin():
        cmd = ["taskset", "-c", CLIENT_CPU, *cmd]
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:(.*)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def check_answers(port: int, scenario: Scenario) -> str | None:
    """Fetch two requests of ``scenario`` and check them before loading the server."""

    async def go() -> str | None:
        for i in (0, 7):
            status, body = await asyncio.wait_for(fetch(HOST, port, scenario, i), 10)
            problem = scenario.check(i, status, body)
            if problem:
                return problem
        return None

    return asyncio.run(go())


def measure_latency(port: int, scenario: Scenario, opts: Options, rate: float) -> dict[str, Any]:
    try:
        import uvloop

        new_loop: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        new_loop = None
    with asyncio.Runner(loop_factory=new_loop) as runner:
        result = runner.run(
            paced(HOST, port, scenario, rate, opts.latency_duration, opts.latency_connections)
        )
    return {
        "rate": rate,
        "achieved_rate": len(result.latencies_us) / result.elapsed_s,
        "p50_us": result.percentile(50),
        "p90_us": result.percentile(90),
        "p99_us": result.percentile(99),
        "max_us": max(result.latencies_us, default=float("nan")),
        "errors": result.errors,
    }


def round_order(apps: list[str], round_index: int) -> list[str]:
    """The apps of one round, rotated by the round number so no app always goes first."""
    if not apps:
        return []
    k = round_index % len(apps)
    return apps[k:] + apps[:k]


def plan(pairs: dict[str, tuple[str, ...]], repeats: int) -> list[tuple[int, str, str]]:
    """Every (round, scenario, app) load run, in the order they run.

    Interleaved: round 1 runs every app once on every scenario, then round 2 again, and so on,
    so a slow minute on the shared machine hits one run of every app rather than all runs of
    one. Within a round, scenario after scenario, and for each scenario every app back to back
    (raw included), in the round's rotated app order.
    """
    apps = list(pairs)
    runs: list[tuple[int, str, str]] = []
    for r in range(repeats):
        order = round_order(apps, r)
        for sname in ALL:
            runs += [(r, sname, app) for app in order if sname in pairs[app]]
    return runs


def _wrk_seconds(seconds: float) -> int:
    return max(1, round(seconds))


#: Seconds a uvicorn start and the answer checks take per app, and the per-run overhead
#: (wrk start, the Lua script): for the planned duration only.
SERVER_START_S = 3.0
RUN_OVERHEAD_S = 0.3


def planned_seconds(pairs: dict[str, tuple[str, ...]], opts: Options) -> float:
    """How long ``run`` should take: every load run, its warm-up, the latency runs."""
    n_pairs = sum(len(v) for v in pairs.values())
    per_run = _wrk_seconds(opts.duration) + RUN_OVERHEAD_S
    if opts.warmup > 0:
        per_run += _wrk_seconds(opts.warmup) + RUN_OVERHEAD_S
    latency = n_pairs * (opts.latency_duration + 0.5) if opts.latency_duration > 0 else 0.0
    return len(pairs) * SERVER_START_S + n_pairs * opts.repeats * per_run + latency


def spread(values: list[float]) -> dict[str, Any]:
    """Median, min and max of ``values`` (None when there are none), and the values."""
    if not values:
        return {"median": None, "min": None, "max": None, "runs": []}
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": values,
    }


def summarise(
    loads: dict[str, dict[str, dict[int, dict[str, Any]]]],
    latencies: dict[str, dict[str, dict[str, Any]]],
    reference: str = "raw",
) -> dict[str, dict[str, Any]]:
    """Per app x scenario: median req/s with its spread, and the ratio to ``reference``.

    The ratio is the median of per-round ratios: each round's app run divided by the same
    round's reference run on the same scenario (measured in the same pass, seconds apart), so
    a busy stretch of the machine that slows both cancels out of that round's ratio.

    Where the server's CPU time was read: its median per request with the spread, and
    ``cpu_ratio_raw``, the median per-round ratio of the reference's CPU time per request to
    this app's, read like the req/s ratio (0.8: the app needs 1.25 times raw's CPU per request).
    """
    results: dict[str, dict[str, Any]] = {}
    for name, per in loads.items():
        for sname, by_round in per.items():
            rounds = sorted(by_round)
            rps = [by_round[r]["rps"] for r in rounds]
            ref = loads.get(reference, {}).get(sname, {})
            ratios = [
                by_round[r]["rps"] / ref[r]["rps"] for r in rounds if ref.get(r, {}).get("rps")
            ]
            cpu = [by_round[r]["cpu_us"] for r in rounds if by_round[r].get("cpu_us")]
            cpu_ratios = [
                ref[r]["cpu_us"] / by_round[r]["cpu_us"]
                for r in rounds
                if by_round[r].get("cpu_us") and ref.get(r, {}).get("cpu_us")
            ]
            rps_s, ratio_s = spread(rps), spread(ratios)
            cpu_s, cpu_ratio_s = spread(cpu), spread(cpu_ratios)
            cell: dict[str, Any] = {
                "rps": rps_s["median"],
                "rps_min": rps_s["min"],
                "rps_max": rps_s["max"],
                "rps_runs": rps,
                "ratio_raw": ratio_s["median"],
                "ratio_raw_min": ratio_s["min"],
                "ratio_raw_max": ratio_s["max"],
                "ratio_raw_runs": ratios,
                "cpu_us": cpu_s["median"],
                "cpu_us_min": cpu_s["min"],
                "cpu_us_max": cpu_s["max"],
                "cpu_ratio_raw": cpu_ratio_s["median"],
                "cpu_ratio_raw_min": cpu_ratio_s["min"],
                "cpu_ratio_raw_max": cpu_ratio_s["max"],
                "cpu_ratio_raw_runs": cpu_ratios,
                "rounds": rounds,
                "runs": [by_round[r] for r in rounds],
                "p50_us": None,
                "p90_us": None,
                "p99_us": None,
                "latency_rate": None,
            }
            latency = latencies.get(name, {}).get(sname)
            if latency is not None:
                cell.update(
                    p50_us=latency["p50_us"],
                    p90_us=latency["p90_us"],
                    p99_us=latency["p99_us"],
                    latency_rate=latency["rate"],
                    latency=latency,
                )
            results.setdefault(name, {})[sname] = cell
    return results


def run(opts: Options, log: Any = None) -> dict[str, Any]:
    log = log or (lambda s: print(s, file=sys.stderr, flush=True))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    start_load = os.getloadavg()
    modules, skipped = registry.load_available(opts.apps)
    for name, why in skipped.items():
        log(f"skipping {name}: {why}")
    pairs: dict[str, tuple[str, ...]] = {}
    for name, module in modules.items():
        names = scenarios_of(module)
        if opts.scenarios is not None:
            names = tuple(s for s in names if s in opts.scenarios)
        if names:
            pairs[name] = names
    loads: dict[str, dict[str, dict[int, dict[str, Any]]]] = {}
    latencies: dict[str, dict[str, dict[str, Any]]] = {}
    errors: dict[str, list[str]] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        # Every server is started once and stays up for all rounds (idle ones wait in epoll
        # and cost nothing), so a round is only wrk runs, back to back.
        ports: dict[str, int] = {}
        pids: dict[str, int] = {}
        for name, names in pairs.items():
            try:
                ports[name], pids[name] = stack.enter_context(server(name, opts.routes))
            except RuntimeError as exc:
                errors.setdefault(name, []).append(str(exc))
                continue
            good = []
            for sname in names:
                problem = check_answers(ports[name], ALL[sname])
                if problem:
                    errors.setdefault(name, []).append(problem)
                else:
                    good.append(sname)
            pairs[name] = tuple(good)
        pairs = {name: names for name, names in pairs.items() if name in ports and names}
        scripts = {s: lua_script(ALL[s], Path(tmp)) for names in pairs.values() for s in names}
        order = plan(pairs, opts.repeats)
        last_round = -1
        for index, (r, sname, name) in enumerate(order):
            if r != last_round:
                log(f"round {r + 1}/{opts.repeats}: " + ", ".join(round_order(list(pairs), r)))
                last_round = r
            scenario, port = ALL[sname], ports[name]
            try:
                if opts.warmup > 0:
                    run_wrk(port, scenario, opts.warmup, opts.connections, scripts[sname])
                cpu_before = cpu_seconds(pids[name])
                load = run_wrk(port, scenario, opts.duration, opts.connections, scripts[sname])
                cpu_after = cpu_seconds(pids[name])
            except subprocess.SubprocessError as exc:
                errors.setdefault(name, []).append(f"{sname} round {r + 1}: {exc}")
                continue
            expected_non2xx = load["requests"] if scenario.status >= 300 else 0
            if load["non2xx"] != expected_non2xx:
                errors.setdefault(name, []).append(
                    f"{sname} round {r + 1}: {load['non2xx']} non-2xx of {load['requests']}"
                )
                continue
            load["round"] = r + 1
            load["position"] = index
            if cpu_before is not None and cpu_after is not None and load["requests"]:
                load["cpu_us"] = (cpu_after - cpu_before) / load["requests"] * 1e6
            loads.setdefault(name, {}).setdefault(sname, {})[r] = load
            log(f"  {name:<20} {sname:<18} {load['rps']:>9.0f} req/s")
        if opts.latency_duration > 0:
            log("latency, once per pair, below saturation:")
            for name, names in pairs.items():
                for sname in names:
                    measured = loads.get(name, {}).get(sname)
                    if not measured:
                        continue
                    # Below saturation, always: a server that cannot do twice the fixed rate is
                    # measured at half its median wrk throughput instead (marked in the tables).
                    median_rps = statistics.median(v["rps"] for v in measured.values())
                    rate = min(opts.rate, median_rps / 2) if median_rps > 0 else opts.rate
                    latency = measure_latency(ports[name], ALL[sname], opts, rate)
                    if latency["errors"]:
                        errors.setdefault(name, []).append(
                            f"{sname}: {latency['errors']} wrong statuses in latency run"
                        )
                        continue
                    latencies.setdefault(name, {})[sname] = latency
                    log(
                        f"  {name:<20} {sname:<18} p50 {latency['p50_us']:>7.0f} µs  "
                        f"p99 {latency['p99_us']:>7.0f} µs @ {rate:.0f}/s"
                    )
    results = summarise(loads, latencies)
    meta = machine.facts()
    meta["loadavg_start"] = start_load
    meta.update(
        loadavg_end=os.getloadavg(),
        busy_before=opts.busy_before,
        routes=opts.routes,
        duration_s=opts.duration,
        warmup_s=opts.warmup,
        connections=opts.connections,
        rate=opts.rate,
        latency_duration_s=opts.latency_duration,
        latency_connections=opts.latency_connections,
        repeats=opts.repeats,
        interleaved=True,
        planned_s=round(planned_seconds(pairs, opts), 1),
        elapsed_s=round(time.monotonic() - started, 1),
        pinned=can_pin(),
        wrk=subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    )
    return {
        "meta": meta,
        "apps": [name for name in modules if name in results],
        "scenarios": [s for s in ALL if any(s in r for r in results.values())],
        "results": results,
        "errors": errors,
        "skipped": skipped,
    }


def _k(value: float) -> str:
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"


def _table_head(cols: list[str]) -> list[str]:
    """A per-framework table's header and separator rows, one column per scenario."""
    return ["| framework | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]


def render(report: dict[str, Any]) -> str:
    """Markdown: req/s medians with spreads and ratios to raw, then latency (if measured)."""
    cols: list[str] = report["scenarios"]
    res: dict[str, dict[str, Any]] = report["results"]
    meta = report["meta"]
    repeats = meta.get("repeats", 1)
    out = [
        f"\n## requests/s (wrk), median of {repeats} interleaved rounds\n",
        "Each cell: median req/s, then the ratio to raw ASGI as the median of per-round ratios "
        "(each round's run against the same round's raw run of that scenario). "
        "The full spread is in the table after.\n",
        *_table_head(cols),
    ]
    for app in report["apps"]:
        if app not in res:
            continue
        cells = []
        for col in cols:
            cell = res[app].get(col)
            if cell is None or cell.get("rps") is None:
                cells.append("")
                continue
            text = _k(cell["rps"])
            if cell.get("ratio_raw") is not None and app != "raw":
                text += f" ({cell['ratio_raw']:.2f})"
            cells.append(text)
        out.append(f"| {app} | " + " | ".join(cells) + " |")
    out += [
        "\n### Spread: every run\n",
        "| scenario | framework | median req/s | min-max | / raw (median) | / raw min-max "
        "| >= 0.8 raw | runs (req/s, by round) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for col in cols:
        for app in report["apps"]:
            cell = res.get(app, {}).get(col)
            if cell is None or cell.get("rps") is None:
                continue
            ratio, mark, ratio_spread = "", "", ""
            if app != "raw" and cell.get("ratio_raw") is not None:
                ratio = f"{cell['ratio_raw']:.2f}"
                ratio_spread = f"{cell['ratio_raw_min']:.2f}-{cell['ratio_raw_max']:.2f}"
                mark = "pass" if cell["ratio_raw"] >= 0.8 else "**FAIL**"
            runs = ", ".join(_k(v) for v in cell.get("rps_runs", []))
            out.append(
                f"| {col} | {app} | {_k(cell['rps'])} | {_k(cell['rps_min'])}-"
                f"{_k(cell['rps_max'])} | {ratio} | {ratio_spread} | {mark} | {runs} |"
            )
    if any(c.get("cpu_us") is not None for per in res.values() for c in per.values()):
        out += [
            "\n## Server CPU time per request (µs), median of the rounds\n",
            "Each cell: the uvicorn process's user + system CPU time over a load run divided by "
            "its requests, then raw's figure over this one, as the median of per-round ratios, "
            "with their min-max. Unlike req/s, it does not move when other processes take time "
            "from the server's core.\n",
            *_table_head(cols),
        ]
        for app in report["apps"]:
            cells = []
            for col in cols:
                cell = res.get(app, {}).get(col) or {}
                if cell.get("cpu_us") is None:
                    cells.append("")
                    continue
                text = f"{cell['cpu_us']:.1f}"
                if app != "raw" and cell.get("cpu_ratio_raw") is not None:
                    text += (
                        f" ({cell['cpu_ratio_raw']:.2f}, "
                        f"{cell['cpu_ratio_raw_min']:.2f}-{cell['cpu_ratio_raw_max']:.2f})"
                    )
                cells.append(text)
            if any(cells):
                out.append(f"| {app} | " + " | ".join(cells) + " |")
    latency_measured = any(
        c.get("p50_us") is not None for per in res.values() for c in per.values()
    )
    if latency_measured:
        for title, key in (
            (f"p50 latency µs at {meta['rate']:.0f} req/s", "p50_us"),
            (f"p99 latency µs at {meta['rate']:.0f} req/s", "p99_us"),
        ):
            lines = [f"\n## {title}\n", *_table_head(cols)]
            for app in report["apps"]:
                if app not in res:
                    continue
                cells = []
                for col in cols:
                    cell = res[app].get(col)
                    if cell is None or cell.get(key) is None:
                        cells.append("")
                        continue
                    text = f"{cell[key]:.0f}"
                    if cell["latency_rate"] < meta["rate"]:
                        text += f" (@{cell['latency_rate']:.0f}/s)"
                    cells.append(text)
                lines.append(f"| {app} | " + " | ".join(cells) + " |")
            out.append("\n".join(lines))
        out.append(
            "\nLatency: one paced open-loop run per cell after the rounds. (@n/s): measured at "
            "n requests/s, half of that server's median wrk throughput, because it could not "
            "sustain twice the fixed rate."
        )
    for app, problems in report["errors"].items():
        out.append(f"\nERROR {app}: " + "; ".join(problems[:5]))
    for app, why in report["skipped"].items():
        out.append(f"\nskipped {app}: {why}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--apps", help="comma-separated app modules (default: all that import)")
    parser.add_argument("--scenarios", help="comma-separated scenarios (default: all)")
    parser.add_argument("--duration", type=float, default=5.0, help="wrk seconds per run")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="wrk warm-up seconds before every run"
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rate", type=float, default=500.0, help="latency run: requests/s")
    parser.add_argument(
        "--latency-duration", type=float, default=3.0, help="per pair, once; 0: no latency"
    )
    parser.add_argument("--latency-connections", type=int, default=8)
    parser.add_argument("--repeats", type=int, help="interleaved rounds (default 5; --quick: 2)")
    parser.add_argument("--plan", action="store_true", help="print the planned duration, exit")
    parser.add_argument(
        "--wait-idle", type=float, default=0, help="wait up to this many s for idle CPUs"
    )
    parser.add_argument("--json", help="write the full results to this file")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 s loads, 2 rounds")
    args = parser.parse_args(argv)
    opts = Options(
        routes=args.routes,
        apps=args.apps.split(",") if args.apps else None,
        scenarios=args.scenarios.split(",") if args.scenarios else None,
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        rate=args.rate,
        latency_duration=args.latency_duration,
        latency_connections=args.latency_connections,
        repeats=args.repeats or (2 if args.quick else 5),
    )
    if args.quick:
        opts.duration, opts.warmup, opts.latency_duration, opts.rate = 1.0, 0.0, 0.5, 200.0
        opts.connections = 16
    # The planned duration first (before any wait for idle CPUs); --plan stops there.
    modules, _ = registry.load_available(opts.apps)
    pairs = {
        name: tuple(s for s in scenarios_of(m) if opts.scenarios is None or s in opts.scenarios)
        for name, m in modules.items()
    }
    pairs = {name: names for name, names in pairs.items() if names}
    print(
        f"e2e: {len(pairs)} apps, {sum(len(v) for v in pairs.values())} app x scenario "
        f"pairs, {opts.repeats} interleaved rounds: about "
        f"{planned_seconds(pairs, opts) / 60:.1f} min",
        file=sys.stdout if args.plan else sys.stderr,
        flush=True,
    )
    if args.plan:
        return 0
    if args.wait_idle:
        opts.busy_before = machine.wait_idle(
            args.wait_idle, log=lambda s: print(s, file=sys.stderr)
        )
    if can_pin():
        # This process runs the paced client: keep it off the server's core.
        os.sched_setaffinity(0, {int(CLIENT_CPU)})
    report = run(opts)
    print(render(report))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
