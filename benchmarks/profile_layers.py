"""Where a request's cost sits: a profile of in-process requests, attributed to layers.

    .venv/bin/python benchmarks/profile_layers.py         # raw and the core, every scenario
    .venv/bin/python benchmarks/profile_layers.py --apps microrest --scenarios notfound
    .venv/bin/python benchmarks/profile_layers.py --json profile.json --markdown profile.md

For each app and scenario, ``--rounds`` batches of ``--requests`` requests are driven
in-process (the driver of ``inprocess.py``, after a warm-up) under cProfile, and every
function's own time is attributed to a layer by the module that defines it:

* ``driver``: the benchmark's fake server (``send``/``receive``, the loop over requests): raw
  ASGI pays this too;
* ``edge``: ``App.__call__`` and its request refusals (scope type, limits);
* ``dispatch``: the rest of ``microrest/app.py`` (route call, HEAD, 404 path, middleware guard);
* ``routing`` (``microrest/routing/*``), ``request`` (``requests.py``, ``connection.py``),
  ``handler`` (the benchmark app's own functions), ``style adapter``
  (``microrest/adapters/*``), ``response`` (``responses.py``), ``errors`` (``pipeline.py``,
  ``errors.py``), ``codec`` (``codec.py``, orjson, json), ``concurrency`` (thread offload,
  asyncio, anyio), ``other microrest`` (any other core module), ``other``.

Built-in functions (``dict.get``, ``bytes.decode``, ...) have no module: their time goes to the
layer of the function that called them (split by caller when several did), except the JSON
codecs, which are ``codec`` wherever they are called from. Standard-library and third-party
Python functions (starlette's ``Headers``, ``Mapping.get``) count for their caller's layer too.
Each function's own time is its lowest over the rounds (a preemption charges its pause to
whatever function ran; noise only adds, so many short rounds and the minimum drop it).

(Not ``profile.py``: run as a script from this directory, that name would shadow the standard
library's ``profile`` module, which ``cProfile`` imports, for every script here.)

cProfile adds its own cost to every call. ``calibrate`` measures it on an empty function (about
35 ns charged to the callee and 85 ns to the caller here) and that is taken off every function's
own time. Real calls (coroutines, C calls) cost the profiler about twice that: the corrected
profile still comes out at about twice the unprofiled time of the same requests (both are in
the JSON), so layers made of many small calls stay somewhat overstated (the calls-per-request
figures say where). ``--fit-overhead`` scales the correction to the unprofiled time instead,
which drives functions that make many calls (``App.__call__``) to nothing: not the default.

Honest limits: these are time shares, not instruction counts; CPython
3.11 gives callgrind no per-Python-function costs, so ``report.py`` turns these shares into
instructions by applying them to callgrind's total per request, as an estimate. A sync handler
offloaded to a thread runs outside the profiled thread: ``*_sync_thread`` scenarios are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import machine, registry
from benchmarks.asgi_driver import Lifespan, make_batch, run_batch
from benchmarks.scenarios import ALL, scenarios_of

LAYERS = (
    "driver",
    "edge",
    "dispatch",
    "routing",
    "request",
    "handler",
    "style adapter",
    "response",
    "errors",
    "codec",
    "concurrency",
    "other microrest",
    "other",
)
WARMUP = 300

Func = tuple[str, int, str]

_BY_FILE: tuple[tuple[str, str], ...] = (
    ("benchmarks/asgi_driver.py", "driver"),
    ("benchmarks/apps/", "handler"),
    ("microrest/adapters/", "style adapter"),
    ("microrest/routing/", "routing"),
    ("microrest/requests.py", "request"),
    ("microrest/connection.py", "request"),
    ("microrest/responses.py", "response"),
    ("microrest/pipeline.py", "errors"),
    ("microrest/errors.py", "errors"),
    ("microrest/codec.py", "codec"),
    ("/json/", "codec"),
    ("microrest/concurrency.py", "concurrency"),
    ("/asyncio/", "concurrency"),
    ("/anyio/", "concurrency"),
    ("/concurrent/", "concurrency"),
    ("/threading.py", "concurrency"),
    ("microrest/app.py", "dispatch"),
    ("microrest/", "other microrest"),
    ("benchmarks/", "driver"),
)
_CODEC_BUILTINS = ("orjson", "_json", "json.")
_METHOD = re.compile(r"<method '(\w+)' of '([\w.]+)' objects>")


def edge_functions() -> set[tuple[str, int]]:
    """(file, first line) of ``App.__call__`` and the refusals it calls: the edge checks."""
    from microrest.app import App

    out: set[tuple[str, int]] = set()
    for name in ("__call__", "_refuse_request"):
        func = getattr(App, name, None)
        code = getattr(func, "__code__", None)
        if code is not None:
            out.add((code.co_filename, code.co_firstlineno))
    return out


def layer_of(func: Func, edge: set[tuple[str, int]] | None = None) -> str | None:
    """The layer a profiled function belongs to.

    None for a built-in, or a standard-library or third-party function: the layer of its
    caller decides.
    """
    filename, line, name = func
    path = filename.replace("\\", "/")
    if filename == "~":
        if any(key in name for key in _CODEC_BUILTINS):
            return "codec"
        return None
    if edge and (filename, line) in edge:
        return "edge"
    for fragment, layer in _BY_FILE:
        if fragment in path:
            return layer
    # The standard library and third-party code (starlette's Headers, typing's Mapping.get)
    # work for whoever called them: like built-ins, their caller's layer.
    return None


def label(func: Func) -> str:
    """A short readable name: ``module.py:function`` or the built-in's name."""
    filename, _, name = func
    if filename == "~":
        method = _METHOD.fullmatch(name)
        if method:
            return f"{method.group(2)}.{method.group(1)}"
        return name.removeprefix("<built-in method ").strip("<>")
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        short = path.split("site-packages/")[-1]
    else:
        parts = path.split("/")
        keep = 2 if parts[-2:-1] in (["routing"], ["apps"], ["benchmarks"]) else 1
        short = "/".join(parts[-keep:])
    return f"{short}:{name}"


def _empty() -> None:
    pass


def _calls_empty(n: int) -> None:
    for _ in range(n):
        _empty()


def calibrate(calls: int = 2000, rounds: int = 30) -> tuple[float, float]:
    """cProfile's own cost per profiled call: (charged to the callee, charged to the caller).

    The profiler's bookkeeping around every call lands in the measured own times: part in the
    called function's, part in its caller's. Profiling a loop of calls to an empty function
    and timing the same loop unprofiled gives both parts (the empty body's own cost is taken as
    nil, so the callee part is a slight overestimate), lowest of ``rounds`` as everywhere here.
    """
    plain = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        _calls_empty(calls)
        plain = min(plain, time.perf_counter() - start)
    callee = both = float("inf")
    for _ in range(rounds):
        profiler = cProfile.Profile()
        profiler.enable()
        _calls_empty(calls)
        profiler.disable()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        empty = next(v[2] for k, v in stats.items() if k[2] == "_empty")
        loop = next(v[2] for k, v in stats.items() if k[2] == "_calls_empty")
        callee = min(callee, empty / calls)
        both = min(both, (empty + loop - plain) / calls)
    return callee, max(0.0, both - callee)


def attribute(
    stats: dict[Func, Any],
    requests: int,
    overhead: tuple[float, float] = (0.0, 0.0),
    unprofiled: float | None = None,
) -> dict[str, Any]:
    """Per layer: share of the total own time, calls per request, seconds; plus top functions.

    ``overhead`` (from ``calibrate``) is taken off every function's own time: the callee part
    once per call of it, the caller part once per call it made. With ``unprofiled`` (the same
    requests' time without the profiler), the overhead is scaled so the profile's total comes
    out at exactly that time: real code pays more per profiled call than an empty function
    (coroutines, C calls), and the excess is spread over the calls in the same proportions.
    """
    edge = edge_functions()
    made: dict[Func, int] = defaultdict(int)
    for value in stats.values():
        for caller, entry in value[4].items():
            made[caller] += entry[1]
    measured: dict[Func, float] = {}
    cost: dict[Func, float] = {}
    for func, (_cc, nc, tt, _ct, _callers) in stats.items():
        if "_lsprof.Profiler" in func[2]:
            continue
        measured[func] = tt
        cost[func] = nc * overhead[0] + made[func] * overhead[1]
    scale = 1.0
    if unprofiled is not None and sum(cost.values()) > 0:
        scale = max(0.0, (sum(measured.values()) - unprofiled) / sum(cost.values()))
    own = {func: max(0.0, tt - scale * cost[func]) for func, tt in measured.items()}
    total = sum(own.values()) or 1.0
    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, float] = defaultdict(float)

    def resolve(func: Func, index: int, depth: int = 0) -> dict[str, float]:
        """The layers a function's cost belongs to, as fractions summing to 1.

        A built-in's (or library function's) share per caller is what the profiler recorded
        for it under that caller: its own time there (``index`` 2) or its calls (``index`` 1).
        """
        layer = layer_of(func, edge)
        if layer is not None:
            return {layer: 1.0}
        callers = stats[func][4] if func in stats else {}
        weights = {caller: value[index] for caller, value in callers.items()}
        weight_total = sum(weights.values())
        if depth > 5 or not weights or weight_total <= 0:
            return {"other": 1.0}
        out: dict[str, float] = defaultdict(float)
        for caller, weight in weights.items():
            for layer_name, part in resolve(caller, index, depth + 1).items():
                out[layer_name] += part * weight / weight_total
        return out

    for func, tt in own.items():
        for layer_name, part in resolve(func, 2).items():
            seconds[layer_name] += tt * part
        for layer_name, part in resolve(func, 1).items():
            calls[layer_name] += stats[func][1] * part
    top = sorted(
        ((label(f), tt / total) for f, tt in own.items() if layer_of(f, edge) != "driver"),
        key=lambda item: -item[1],
    )
    return {
        "total_s": total,
        "requests": requests,
        "profiled_s": sum(measured.values()),
        "unprofiled_s": unprofiled,
        "overhead_scale": round(scale, 3),
        "layers": {
            layer_name: {
                "share": seconds[layer_name] / total,
                "seconds": seconds[layer_name],
                "calls_per_request": calls[layer_name] / requests,
            }
            for layer_name in LAYERS
            if layer_name in seconds
        },
        "top": [[name, round(share, 4)] for name, share in top[:8]],
    }


def combine(rounds: list[dict[Func, Any]]) -> dict[Func, Any]:
    """One pstats table from several rounds: every function's LOWEST own time over the rounds.

    cProfile times with the wall clock, so when the process is preempted (on a shared machine,
    every few milliseconds) the pause is charged to whatever function was running. Noise only
    ever adds time, and with many short rounds each function has rounds in which it was not
    hit: its minimum over the rounds is its cost. (A median is not enough on a loaded machine:
    a function that runs a third of the time is hit in most rounds.) Call counts are the same
    in every round (the same requests); the first round's are kept.
    """
    if len(rounds) == 1:
        return rounds[0]
    out: dict[Func, Any] = {}
    for func in {f for stats in rounds for f in stats}:
        entries = [stats.get(func) for stats in rounds]
        present = [e for e in entries if e is not None]
        cc, nc, _, ct, _ = present[0]
        tt = min(e[2] if e is not None else 0.0 for e in entries)
        callers: dict[Func, tuple[float, float, float, float]] = {}
        for caller in {c for e in present for c in e[4]}:
            values = [e[4].get(caller) if e is not None else None for e in entries]
            first = next(v for v in values if v is not None)
            caller_tt = min(v[2] if v is not None else 0.0 for v in values)
            callers[caller] = (first[0], first[1], caller_tt, first[3])
        out[func] = (cc, nc, tt, ct, callers)
    return out


async def _profile_one(
    app_name: str, scenario_name: str, routes: int, requests: int, rounds: int
) -> tuple[list[Any], float]:
    """The pstats of ``rounds`` profiled batches of ``requests`` requests each, and the lowest
    unprofiled time of such a batch (the same requests, timed between the profiled rounds)."""
    module = registry.load(app_name)
    app = module.build(routes)
    scenario = ALL[scenario_name]
    count = 4096 if "param" in scenario_name else 1
    paths = [scenario.path(i) for i in range(count)]
    out = []
    plain = float("inf")
    async with Lifespan(app) as lifespan:
        warm = make_batch(scenario, 0, WARMUP, lifespan.state, paths)
        await run_batch(app, warm)
        for r in range(rounds):
            batch = make_batch(scenario, WARMUP + r * requests, requests, lifespan.state, paths)
            gc.collect()
            started = time.perf_counter()
            await run_batch(app, batch)
            plain = min(plain, time.perf_counter() - started)
            start = WARMUP + r * requests
            batch = make_batch(scenario, start, requests, lifespan.state, paths)
            gc.collect()  # every round starts from a similar heap
            profiler = cProfile.Profile()
            profiler.enable()
            await run_batch(app, batch)
            profiler.disable()
            for i, (_, _, sender) in ((0, batch[0]), (requests - 1, batch[-1])):
                problem = scenario.check(start + i, sender.status, sender.body)
                if problem:
                    raise RuntimeError(f"{app_name}: {problem}")
            out.append(pstats.Stats(profiler).stats)  # type: ignore[attr-defined]
    return out, plain


def profile(
    apps: list[str],
    scenarios: list[str] | None,
    routes: int,
    requests: int,
    rounds: int = 25,
    log: Callable[[str], None] = print,
    fit: bool = False,
) -> dict[str, Any]:
    """Profile every (app, scenario) pair; the JSON ``report.py --profile`` reads."""
    results: dict[str, dict[str, Any]] = {}
    errors: dict[str, dict[str, str]] = {}
    modules, skipped = registry.load_available(apps)
    overhead = calibrate()
    log(
        f"cProfile's own cost per call: {overhead[0] * 1e9:.0f} ns (callee) + "
        f"{overhead[1] * 1e9:.0f} ns (caller), taken off every function's time"
    )
    for app_name, module in modules.items():
        for scenario in scenarios_of(module):
            if scenario.endswith("_sync_thread") or (scenarios and scenario not in scenarios):
                continue
            try:
                stats, plain = asyncio.run(
                    _profile_one(app_name, scenario, routes, requests, rounds)
                )
            except RuntimeError as exc:
                errors.setdefault(app_name, {})[scenario] = str(exc)
                log(f"{app_name} {scenario}: FAILED {exc}")
                continue
            cell = attribute(combine(stats), requests, overhead, plain if fit else None)
            cell["unprofiled_s"] = plain
            results.setdefault(app_name, {})[scenario] = cell
            log(text_table(app_name, scenario, results[app_name][scenario]))
    meta = machine.facts()
    meta.update(
        routes=routes,
        requests=requests,
        rounds=rounds,
        warmup_requests=WARMUP,
        profiler_overhead_ns=[round(overhead[0] * 1e9, 1), round(overhead[1] * 1e9, 1)],
        overhead_fitted=fit,
        layers=list(LAYERS),
    )
    return {
        "meta": meta,
        "apps": list(results),
        "scenarios": [s for s in ALL if any(s in per for per in results.values())],
        "results": results,
        "errors": errors,
        "skipped": skipped,
    }


def text_table(app_name: str, scenario: str, cell: dict[str, Any]) -> str:
    per_request = cell["total_s"] / cell["requests"] * 1e6
    plain = cell["unprofiled_s"] / cell["requests"] * 1e6
    lines = [
        f"\n{app_name} {scenario}: {per_request:.2f} µs/request profiled, corrected "
        f"({plain:.2f} unprofiled); layer, share, calls/request"
    ]
    for layer_name, value in cell["layers"].items():
        lines.append(f"  {layer_name:<16} {value['share']:6.1%} {value['calls_per_request']:7.1f}")
    top = ", ".join(f"{name} {share:.0%}" for name, share in cell["top"][:4])
    lines.append(f"  top: {top}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--apps", default="raw,microrest", help="comma-separated app modules")
    parser.add_argument("--scenarios", help="comma-separated (default: all but *_sync_thread)")
    parser.add_argument("--routes", type=int, default=200, help="extra routes registered first")
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument(
        "--rounds", type=int, default=25, help="profiled rounds; minimum per function"
    )
    parser.add_argument("--json", help="write the attribution to this file (for report.py)")
    parser.add_argument("--markdown", help="write the report section to this file")
    parser.add_argument("--instructions", help="instructions.py JSON: estimate instructions")
    parser.add_argument(
        "--fit-overhead",
        action="store_true",
        help="scale the calibrated per-call cost so the profile's total equals the unprofiled\n"
        "time (real calls cost the profiler about twice an empty one's; but this drives the\n"
        "own time of functions that make many calls, such as App.__call__, to nothing)",
    )
    args = parser.parse_args(argv)
    data = profile(
        args.apps.split(","),
        args.scenarios.split(",") if args.scenarios else None,
        args.routes,
        args.requests,
        args.rounds,
        fit=args.fit_overhead,
    )
    data["meta"]["command"] = " ".join(["benchmarks/profile_layers.py", *(argv or sys.argv[1:])])
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, indent=1))
    if args.markdown:
        from benchmarks import report

        ins = None
        if args.instructions:
            ins = report.Instructions(json.loads(Path(args.instructions).read_text()))
        Path(args.markdown).write_text(report.profile_md(data, ins) + "\n")
    return 1 if data["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
