"""Instructions per request under callgrind: a cost measure that a busy machine cannot skew.

Timing on a shared 2-core machine measures the neighbours too. Counting the CPU instructions
one request executes (valgrind's callgrind, which simulates the CPU) gives the same number
whatever else runs, so two variants of a hot path can be compared to within a fraction of a
percent, in parallel with other work. It measures work, not time: cache misses and the thread
hops of sync handlers are invisible to it, so the timed benchmarks stay the reference.

Each (app, scenario) pair is run twice in a fresh interpreter, once with ``--requests`` more
requests than the other; the difference divided by that count is the per-request cost, with
start-up, imports and warm-up cancelled out.

    python benchmarks/instructions.py --apps microrest,microrest_corepost --scenarios param
    python benchmarks/instructions.py --apps all --jobs 2 --json instructions.json

``--json`` keeps every (app, scenario) figure with the settings, the Python and valgrind
versions and the machine facts, for ``report.py --instructions`` and ``chart.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import machine, registry  # noqa: E402
from benchmarks.asgi_driver import Lifespan, make_batch, run_batch  # noqa: E402
from benchmarks.scenarios import ALL, scenarios_of  # noqa: E402

WARMUP = 300
_COLLECTED = re.compile(rb"Collected\s*:\s*(\d+)")


def _paths(name: str) -> list[str]:
    count = 4096 if "param" in name else 1
    return [ALL[name].path(i) for i in range(count)]


async def _child(app_name: str, scenario_name: str, extra_routes: int, requests: int) -> None:
    module = registry.load(app_name)
    app = module.build(extra_routes)
    scenario = ALL[scenario_name]
    paths = _paths(scenario_name)
    async with Lifespan(app) as lifespan:
        await run_batch(app, make_batch(scenario, 0, WARMUP, lifespan.state, paths))
        if requests:
            await run_batch(app, make_batch(scenario, WARMUP, requests, lifespan.state, paths))


def _count(app_name: str, scenario: str, extra_routes: int, requests: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        app_name,
        scenario,
        str(extra_routes),
        str(requests),
    ]
    done = subprocess.run(command, capture_output=True, timeout=900, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"callgrind run of {app_name}:{scenario} failed:\n{tail}")
    return int(found.group(1))


def pairs_of(
    apps: list[str], scenarios: list[str] | None
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The (app, scenario) pairs to measure, in display order, and the apps that do not import."""
    modules, skipped = registry.load_available(apps)
    pairs: list[tuple[str, str]] = []
    for app_name, module in modules.items():
        available = scenarios_of(module)
        wanted = scenarios if scenarios else list(available)
        pairs += [(app_name, scenario) for scenario in wanted if scenario in available]
    return pairs, skipped


#: Seconds of CPU one callgrind run takes on this kind of machine: start-up and imports under
#: valgrind, then about this much per request (measured: a raw-ASGI pair, 200 requests, 8 s).
RUN_S = 6.0
REQUEST_S = 0.004


def planned_seconds(pairs: int, requests: int, jobs: int) -> float:
    """Expected wall time on an idle machine: two callgrind runs per pair, ``jobs`` at once."""
    runs = 2 * pairs
    return (runs * RUN_S + pairs * (WARMUP * 2 + requests) * REQUEST_S) / max(1, jobs)


def valgrind_version() -> str:
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def measure(
    pairs: list[tuple[str, str]], routes: int, requests: int, jobs: int, log: Any = print
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """Instructions per request of every pair; failures are recorded, not raised.

    The two runs of every pair (without and with the measured requests) are separate tasks, so
    ``jobs`` workers stay busy until the last run.
    """
    tasks = [(pair, n) for pair in pairs for n in (0, requests)]

    def one(task: tuple[tuple[str, str], int]) -> int | str:
        (app_name, scenario), n = task
        try:
            return _count(app_name, scenario, routes, n)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            return str(exc)

    counts: dict[tuple[tuple[str, str], int], int | str] = {}
    results: dict[str, dict[str, float]] = {}
    errors: dict[str, dict[str, str]] = {}
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for task, value in zip(tasks, pool.map(one, tasks), strict=True):
            counts[task] = value
            pair = task[0]
            base, loaded = counts.get((pair, 0)), counts.get((pair, requests))
            if base is None or loaded is None:
                continue
            app_name, scenario = pair
            if isinstance(base, str) or isinstance(loaded, str):
                problem = base if isinstance(base, str) else loaded
                errors.setdefault(app_name, {})[scenario] = str(problem)
                log(f"{app_name:24s} {scenario:18s} FAILED: {str(problem).splitlines()[0]}")
                continue
            value_per_request = (loaded - base) / requests
            results.setdefault(app_name, {})[scenario] = value_per_request
            log(f"{app_name:24s} {scenario:18s} {value_per_request:>10,.0f} instr/request")
    return results, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--apps", default="microrest", help="comma-separated, or 'all'")
    parser.add_argument("--scenarios", default="")
    parser.add_argument("--routes", type=int, default=200, help="extra routes registered first")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="callgrind runs at once")
    parser.add_argument("--json", help="write every count, with the settings, to this file")
    parser.add_argument("--plan", action="store_true", help="print the planned duration, exit")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        app_name, scenario, extra, requests = args.child
        asyncio.run(_child(app_name, scenario, int(extra), int(requests)))
        return 0
    apps = registry.app_names() if args.apps == "all" else args.apps.split(",")
    pairs, skipped = pairs_of(apps, args.scenarios.split(",") if args.scenarios else None)
    for name, why in skipped.items():
        print(f"skipping {name}: {why}", file=sys.stderr)
    plan = planned_seconds(len(pairs), args.requests, args.jobs)
    print(
        f"instructions: {len(pairs)} app x scenario pairs, {2 * len(pairs)} callgrind runs, "
        f"{args.jobs} at once: about {plan / 60:.0f} min on an idle machine",
        file=sys.stderr,
        flush=True,
    )
    if args.plan:
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is needed: apt-get install -y valgrind", file=sys.stderr)
        return 2
    started = time.monotonic()
    results, errors = measure(pairs, args.routes, args.requests, args.jobs)
    reference = apps[0]
    print(f"\nratio to {reference}:")
    for app_name, per in results.items():
        for scenario, value in per.items():
            ref = results.get(reference, {}).get(scenario)
            if ref:
                print(f"{app_name:24s} {scenario:18s} {value / ref:6.2f}x")
    if args.json:
        meta = machine.facts()
        meta.update(
            routes=args.routes,
            requests=args.requests,
            warmup_requests=WARMUP,
            jobs=args.jobs,
            valgrind=valgrind_version(),
            elapsed_s=round(time.monotonic() - started, 1),
            command=" ".join(["benchmarks/instructions.py", *(argv or sys.argv[1:])]),
        )
        data = {
            "meta": meta,
            "apps": [a for a in apps if a in results],
            "scenarios": [s for s in ALL if any(s in per for per in results.values())],
            "results": results,
            "errors": errors,
            "skipped": skipped,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
