"""In-process benchmark: each framework's ASGI callable driven directly in one uvloop loop.

No sockets, no HTTP parsing: what is left is the framework's own cost per request (routing,
request object, handler call, response rendering). Each (framework, scenario) pair runs in
batches sized to take about ``--batch-ms``; batches of all pairs are interleaved in a shuffled
order, ``--repeats`` times, and the median batch gives the µs/request. Every response of every
batch is checked (status, and the body during warm-up), so a broken app cannot post a number.

    .venv/bin/python benchmarks/inprocess.py                      # 200 extra routes
    .venv/bin/python benchmarks/inprocess.py --routes 10,200,1000 --json out.json
    .venv/bin/python benchmarks/inprocess.py --quick              # smoke run, a few seconds
    .venv/bin/python benchmarks/inprocess.py --profile microrest:param
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import machine, registry
from benchmarks.asgi_driver import ASGIApp, Lifespan, make_batch, run_batch
from benchmarks.scenarios import ALL, Scenario, extra_route_paths, scenarios_of

Results = dict[int, dict[str, dict[str, dict[str, Any]]]]


@dataclass
class Config:
    routes: list[int] = field(default_factory=lambda: [200])
    apps: list[str] | None = None
    scenarios: list[str] | None = None
    repeats: int = 15
    batch_ms: float = 40.0
    warmup: int = 300
    seed: int = 1
    quiet: bool = False
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Prepared:
    name: str
    app: ASGIApp
    lifespan: Lifespan
    scenarios: tuple[str, ...]
    paths: dict[str, list[str]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class Report:
    results: Results
    skipped: dict[str, str]
    errors: dict[int, dict[str, list[str]]]
    scenarios: list[str]
    apps: list[str]
    meta: dict[str, Any]


def _paths(scenario: Scenario) -> list[str]:
    first = scenario.path(0)
    distinct = [scenario.path(i) for i in range(4096)] if scenario.path(1) != first else [first]
    return distinct


def _extra_scenario(path: str, text: str) -> Scenario:
    return Scenario("extra-route", "GET", lambda i: path, 200, "text", lambda i: text)


async def _check(prep: Prepared, scenario: Scenario, count: int, paths: list[str]) -> float:
    """Run ``count`` requests of ``scenario``, check every answer; return seconds/request."""
    start = prep.counters.get(scenario.name, 0)
    batch = make_batch(scenario, start, count, prep.lifespan.state, paths)
    t0 = time.perf_counter()
    try:
        await run_batch(prep.app, batch)
    except Exception as exc:  # a broken app is reported, not a crash of the whole run
        prep.errors.append(f"{scenario.name}: raised {type(exc).__name__}: {exc}")
        return 0.0
    elapsed = time.perf_counter() - t0
    prep.counters[scenario.name] = start + count
    for k, (_, _, sender) in enumerate(batch):
        problem = scenario.check(start + k, sender.status, sender.body)
        if problem is not None:
            prep.errors.append(problem)
            break
    return elapsed / count


async def verify(prep: Prepared, extra_routes: int, warmup: int) -> dict[str, float]:
    """Warm up and check every scenario (and a few extra routes); estimated s/request."""
    estimates: dict[str, float] = {}
    for path, text in extra_route_paths(extra_routes):
        await _check(prep, _extra_scenario(path, text), 1, [path])
    for name in prep.scenarios:
        scenario = ALL[name]
        paths = prep.paths.setdefault(name, _paths(scenario))
        # A short probe, then the rest of the warm-up capped at about 0.3 s per scenario.
        probe = min(warmup, 20)
        estimate = await _check(prep, scenario, probe, paths)
        rest = min(warmup - probe, int(0.3 / estimate) if estimate > 0 else 0)
        if rest > 0 and not prep.errors:
            estimate = await _check(prep, scenario, rest, paths)
        estimates[name] = estimate
    return estimates


async def _prepare(
    name: str, module: ModuleType, extra_routes: int, stack: contextlib.AsyncExitStack
) -> Prepared:
    app = module.build(extra_routes)
    lifespan = await stack.enter_async_context(Lifespan(app))
    return Prepared(name, app, lifespan, scenarios_of(module))


async def _timed(prep: Prepared, scenario: Scenario, count: int) -> float | None:
    """One timed batch; µs/request, or None when an answer had the wrong status."""
    start = prep.counters.get(scenario.name, 0)
    batch = make_batch(scenario, start, count, prep.lifespan.state, prep.paths[scenario.name])
    t0 = time.perf_counter_ns()
    await run_batch(prep.app, batch)
    elapsed = time.perf_counter_ns() - t0
    prep.counters[scenario.name] = start + count
    for _, _, sender in batch:
        if sender.status != scenario.status:
            prep.errors.append(f"{scenario.name}: status {sender.status} during timing")
            return None
    return elapsed / count / 1000.0


async def bench_routes(
    modules: dict[str, ModuleType], extra_routes: int, config: Config, log: Callable[[str], None]
) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, list[str]]]:
    """Benchmark every module at one route count."""
    results: dict[str, dict[str, dict[str, Any]]] = {}
    errors: dict[str, list[str]] = {}
    async with contextlib.AsyncExitStack() as stack:
        preps: list[Prepared] = []
        for name, module in modules.items():
            try:
                prep = await _prepare(name, module, extra_routes, stack)
            except Exception as exc:
                errors[name] = [f"build/startup failed: {type(exc).__name__}: {exc}"]
                continue
            if config.scenarios is not None:
                prep.scenarios = tuple(s for s in prep.scenarios if s in config.scenarios)
            preps.append(prep)
        plan: list[tuple[Prepared, Scenario, int]] = []
        for prep in preps:
            estimates = await verify(prep, extra_routes, config.warmup)
            if prep.errors:
                errors[prep.name] = list(prep.errors)
                continue
            for name in prep.scenarios:
                per_request = max(estimates[name], 1e-7)
                count = int(config.batch_ms / 1000.0 / per_request)
                plan.append((prep, ALL[name], max(20, min(count, 100_000))))
        samples: dict[tuple[str, str], list[float]] = {(p.name, s.name): [] for p, s, _ in plan}
        rng = random.Random(config.seed + extra_routes)
        failed: set[str] = set()
        for repeat in range(config.repeats):
            order = list(plan)
            rng.shuffle(order)
            gc.collect()  # once per round: every batch starts from a similar heap
            for prep, scenario, count in order:
                if prep.name in failed:
                    continue
                us = await _timed(prep, scenario, count)
                if us is None:
                    failed.add(prep.name)
                    errors[prep.name] = list(prep.errors)
                else:
                    samples[(prep.name, scenario.name)].append(us)
            log(f"  routes={extra_routes} repeat {repeat + 1}/{config.repeats} done")
        for (app_name, scenario_name), values in samples.items():
            if app_name in failed or not values:
                continue
            results.setdefault(app_name, {})[scenario_name] = {
                "median_us": statistics.median(values),
                "min_us": min(values),
                "samples_us": values,
            }
    return results, errors


def _loop_runner() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it on Linux
        return asyncio.run

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)

    return run


def run(config: Config) -> Report:
    """Run the benchmark described by ``config`` and return everything it measured."""
    log: Callable[[str], None] = (
        (lambda s: None) if config.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    )
    modules, skipped = registry.load_available(config.apps)
    for name, why in skipped.items():
        log(f"skipping {name}: {why}")
    results: Results = {}
    errors: dict[int, dict[str, list[str]]] = {}
    runner = _loop_runner()
    for extra_routes in config.routes:
        log(f"routes={extra_routes}: {', '.join(modules)}")
        res, errs = runner(bench_routes(modules, extra_routes, config, log))
        results[extra_routes] = res
        if errs:
            errors[extra_routes] = errs
    scenario_names = [
        s for s in ALL if any(s in per_app for r in results.values() for per_app in r.values())
    ]
    meta = dict(config.facts) if config.facts else machine.facts()
    meta.update(
        loadavg_end=os.getloadavg(),
        repeats=config.repeats,
        batch_ms=config.batch_ms,
        loop="uvloop" if runner is not asyncio.run else "asyncio",
    )
    return Report(results, skipped, errors, scenario_names, list(modules), meta)


def _fmt_us(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(report: Report, extra_routes: int, baseline: str | None = None) -> str:
    """A markdown table: µs/request per app and scenario, or the ratio to ``baseline``."""
    res = report.results.get(extra_routes, {})
    cols = report.scenarios
    head = "| framework | " + " | ".join(cols) + " |"
    lines = [head, "|" + "---|" * (len(cols) + 1)]
    base = res.get(baseline or "", {})
    for app in report.apps:
        if app not in res:
            continue
        cells = []
        for col in cols:
            cell = res[app].get(col)
            if cell is None:
                cells.append("")
            elif baseline is None:
                cells.append(_fmt_us(cell["median_us"]))
            else:
                ref = base.get(col) or base.get("param" if col.startswith("param") else col)
                cells.append(f"{cell['median_us'] / ref['median_us']:.2f}" if ref else "")
        lines.append(f"| {app} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def route_table(report: Report, scenarios: tuple[str, ...] = ("param", "notfound")) -> str:
    """µs/request against the route count, for the scenarios where routing cost shows."""
    counts = sorted(report.results)
    cols = [f"{s} @{n}" for s in scenarios for n in counts]
    lines = ["| framework | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
    for app in report.apps:
        cells = []
        for s in scenarios:
            for n in counts:
                cell = report.results[n].get(app, {}).get(s)
                cells.append(_fmt_us(cell["median_us"]) if cell else "")
        if any(cells):
            lines.append(f"| {app} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(report: Report) -> str:
    out: list[str] = []
    for n in sorted(report.results):
        out.append(f"\n## {n} extra routes: median µs/request\n\n{table(report, n)}")
        out.append(f"\n### ratio to raw ASGI\n\n{table(report, n, 'raw')}")
        if "falcon" in report.results[n]:
            out.append(f"\n### ratio to Falcon\n\n{table(report, n, 'falcon')}")
    if len(report.results) > 1:
        out.append(f"\n## cost against route count (µs/request)\n\n{route_table(report)}")
    for n, errs in report.errors.items():
        for app, problems in errs.items():
            out.append(f"\nERROR {app} @{n} routes: " + "; ".join(problems[:3]))
    for app, why in report.skipped.items():
        out.append(f"\nskipped {app}: {why}")
    return "\n".join(out)


def profile(target: str, extra_routes: int, count: int, top: int) -> None:
    """cProfile ``count`` requests of one app:scenario and print the top functions."""
    app_name, _, scenario_name = target.partition(":")
    module = registry.load(app_name)
    scenario = ALL[scenario_name or "param"]

    async def go() -> None:
        async with contextlib.AsyncExitStack() as stack:
            prep = await _prepare(app_name, module, extra_routes, stack)
            paths = prep.paths.setdefault(scenario.name, _paths(scenario))
            await _check(prep, scenario, 200, paths)
            if prep.errors:
                raise SystemExit("; ".join(prep.errors))
            batch = make_batch(scenario, 0, count, prep.lifespan.state, paths)
            profiler = cProfile.Profile()
            profiler.enable()
            await run_batch(prep.app, batch)
            profiler.disable()
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("tottime").print_stats(top)
            stats.sort_stats("cumulative").print_stats(top)

    _loop_runner()(go())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routes", default="200", help="extra route counts, e.g. 10,200,1000")
    parser.add_argument("--apps", help="comma-separated app modules (default: all that import)")
    parser.add_argument("--scenarios", help="comma-separated scenarios (default: all)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch-ms", type=float, default=40.0)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--json", help="write the full results to this file")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 routes, tiny batches")
    parser.add_argument("--profile", metavar="APP:SCENARIO", help="cProfile one pair instead")
    parser.add_argument("--profile-count", type=int, default=20000)
    parser.add_argument(
        "--wait-idle", type=float, default=0, help="wait up to this many s for idle CPUs"
    )
    parser.add_argument("--list", action="store_true", help="list app modules and exit")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> Config:
    config = Config(
        routes=[int(x) for x in args.routes.split(",")],
        apps=args.apps.split(",") if args.apps else None,
        scenarios=args.scenarios.split(",") if args.scenarios else None,
        repeats=args.repeats,
        batch_ms=args.batch_ms,
        warmup=args.warmup,
    )
    if args.quick:
        config.routes = [10] if args.routes == "200" else config.routes
        config.repeats, config.batch_ms, config.warmup = 2, 2.0, 20
    return config


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        modules, skipped = registry.load_available()
        for name, module in modules.items():
            print(f"{name}: {', '.join(scenarios_of(module))}")
        for name, why in skipped.items():
            print(f"{name}: skipped ({why})")
        return 0
    if args.profile:
        profile(args.profile, int(args.routes.split(",")[0]), args.profile_count, 30)
        return 0
    config = config_from(args)
    if args.wait_idle:
        busy = machine.wait_idle(args.wait_idle, log=lambda s: print(s, file=sys.stderr))
        config.facts = {**machine.facts(), "busy_before": busy}
    report = run(config)
    print(render(report))
    if args.json:
        payload = {
            "meta": report.meta,
            "apps": report.apps,
            "scenarios": report.scenarios,
            "results": {str(k): v for k, v in report.results.items()},
            "errors": {str(k): v for k, v in report.errors.items()},
            "skipped": report.skipped,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(payload, indent=1))
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
