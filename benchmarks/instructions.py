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
import gc
import json
import os
import platform
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
_SETARCH = shutil.which("setarch")
_NO_ASLR = [_SETARCH, platform.machine(), "-R"] if _SETARCH else []
_COLLECTED = re.compile(rb"Collected\s*:\s*(\d+)")


def _paths(name: str) -> list[str]:
    count = 4096 if "param" in name else 1
    return [ALL[name].path(i) for i in range(count)]


async def _child(
    app_name: str, scenario_name: str, extra_routes: int, requests: int, built: int
) -> None:
    """Warm up, build ``built`` requests (scope, receive, send), run them if ``requests``."""
    module = registry.load(app_name)
    app = module.build(extra_routes)
    scenario = ALL[scenario_name]
    paths = _paths(scenario_name)
    async with Lifespan(app) as lifespan:
        await run_batch(app, make_batch(scenario, 0, WARMUP, lifespan.state, paths))
        # The start-up heap (imports, the app, the routes) set aside from the collector, as a
        # pre-forking server does: otherwise whether the measured run happens to include one
        # full collection of that heap depends on how much the app allocated at start-up, and
        # moved one app's figure by about 10k per request at 2,000 requests (pyservice: the
        # clients' imports alone crossed the threshold). Both runs of a pair do it here.
        gc.collect()
        gc.freeze()
        if built:
            batch = make_batch(scenario, WARMUP, built, lifespan.state, paths)
            if requests:
                await run_batch(app, batch)


def _count(
    app_name: str, scenario: str, extra_routes: int, requests: int, built: int | None = None
) -> int:
    """Instructions of one child run (callgrind's total); ``built`` defaults to ``requests``."""
    command = [
        *_NO_ASLR,
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
        str(requests if built is None else built),
    ]
    # No address-space randomisation (setarch -R): id()-based hashes and the memory layout
    # moved a figure by 1-2% even with a fixed seed; with both, a count repeats exactly.
    # A fixed hash seed. With a random one, the two runs of a pair start up differently (the
    # start-up, about 1.1G instructions, moves with the seed, and that does not cancel out), and
    # dict/set layouts differ. Measured (web.py notfound, 200 requests): random seeds read 96.6k
    # and 99.7k; seed 0 read the identical 91.8k twice; seeds 1 and 2 read 93.7k and 93.1k.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, timeout=900, check=False, env=env)
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
    runs = 2 * pairs + min(pairs, len(ALL))  # + one setup run per scenario
    return (runs * RUN_S + pairs * (WARMUP * 2 + requests) * REQUEST_S) / max(1, jobs)


def valgrind_version() -> str:
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


Measured = tuple[dict[str, dict[str, float]], dict[str, dict[str, str]], dict[str, float]]


def measure(
    pairs: list[tuple[str, str]],
    routes: int,
    requests: int,
    jobs: int,
    log: Any = print,
    without_setup: bool = False,
) -> Measured:
    """Instructions per request of every pair, failures (recorded, not raised), and the setup.

    The two runs of every pair (without and with the measured requests) are separate tasks, so
    ``jobs`` workers stay busy until the last run. By default the measured requests are also
    BUILT in the second run only, so the driver's making of each scope, ``receive`` and
    ``send`` (about as much work as the raw ASGI app's own) is counted in every figure, as a
    server's would be; then one more run per scenario builds the requests without running
    them, and the third result gives that setup per request, per scenario, so a reader can take
    it off. ``without_setup`` builds them in both runs instead, leaving only the app's work and
    the driver's ``send``/``receive`` calls (and no setup figures).
    """
    tasks: list[tuple[tuple[str, str], str]] = [
        (pair, kind) for pair in pairs for kind in ("base", "loaded")
    ]
    if not without_setup:
        first: dict[str, tuple[str, str]] = {}
        for pair in pairs:
            first.setdefault(pair[1], pair)
        tasks += [(pair, "setup") for pair in first.values()]

    def one(task: tuple[tuple[str, str], str]) -> int | str:
        (app_name, scenario), kind = task
        run = requests if kind == "loaded" else 0
        built = requests if (kind != "base" or without_setup) else 0
        try:
            return _count(app_name, scenario, routes, run, built)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            return str(exc)

    counts: dict[tuple[tuple[str, str], str], int | str] = {}
    results: dict[str, dict[str, float]] = {}
    errors: dict[str, dict[str, str]] = {}
    setup: dict[str, float] = {}
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for task, value in zip(tasks, pool.map(one, tasks), strict=True):
            counts[task] = value
            pair, kind = task
            app_name, scenario = pair
            base = counts.get((pair, "base"))
            other = counts.get(task) if kind != "base" else counts.get((pair, "loaded"))
            if base is None or other is None:
                continue
            if kind == "setup":
                if isinstance(base, int) and isinstance(other, int):
                    setup[scenario] = (other - base) / requests
                    log(f"{'(driver setup)':24s} {scenario:18s} {setup[scenario]:>10,.0f} instr")
                continue
            if isinstance(base, str) or isinstance(other, str):
                problem = base if isinstance(base, str) else other
                errors.setdefault(app_name, {})[scenario] = str(problem)
                log(f"{app_name:24s} {scenario:18s} FAILED: {str(problem).splitlines()[0]}")
                continue
            value_per_request = (other - base) / requests
            results.setdefault(app_name, {})[scenario] = value_per_request
            log(f"{app_name:24s} {scenario:18s} {value_per_request:>10,.0f} instr/request")
    return results, errors, setup


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
    parser.add_argument(
        "--without-setup",
        action="store_true",
        help="do not count the driver's building of each request (scope dict, receive and send\n"
        "objects): both runs build the requests, only one runs them",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        app_name, scenario, extra, requests, built = args.child
        asyncio.run(_child(app_name, scenario, int(extra), int(requests), int(built)))
        return 0
    apps = registry.app_names() if args.apps == "all" else args.apps.split(",")
    pairs, skipped = pairs_of(apps, args.scenarios.split(",") if args.scenarios else None)
    for name, why in skipped.items():
        print(f"skipping {name}: {why}", file=sys.stderr)
    plan = planned_seconds(len(pairs), args.requests, args.jobs)
    print(
        f"instructions: {len(pairs)} app x scenario pairs, "
        f"{2 * len(pairs) + (0 if args.without_setup else len({p[1] for p in pairs}))} "
        "callgrind runs, "
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
    results, errors, setup = measure(
        pairs, args.routes, args.requests, args.jobs, without_setup=args.without_setup
    )
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
            setup_counted=not args.without_setup,
            valgrind=valgrind_version(),
            elapsed_s=round(time.monotonic() - started, 1),
            command=" ".join(["benchmarks/instructions.py", *(argv or sys.argv[1:])]),
        )
        data = {
            "meta": meta,
            "apps": [a for a in apps if a in results],
            "scenarios": [s for s in ALL if any(s in per for per in results.values())],
            "results": results,
            "setup": setup,
            "errors": errors,
            "skipped": skipped,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
