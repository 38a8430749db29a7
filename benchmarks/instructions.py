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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import registry  # noqa: E402
from benchmarks.asgi_driver import Lifespan, make_batch, run_batch  # noqa: E402
from benchmarks.scenarios import ALL, scenarios_of  # noqa: E402

WARMUP = 300
_SETARCH = shutil.which("setarch")
_NO_ASLR = [_SETARCH, platform.machine(), "-R"] if _SETARCH else []
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
    # A fixed hash seed and no address-space randomisation make the count exact: without them,
    # str and id() hashes move dict probe sequences and the same run varied by about 2k.
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
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, timeout=900, check=False, env=env)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"callgrind run of {app_name}:{scenario} failed:\n{tail}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--apps", default="microrest")
    parser.add_argument("--scenarios", default="")
    parser.add_argument("--routes", type=int, default=200, help="extra routes registered first")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="callgrind runs at once")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        app_name, scenario, extra, requests = args.child
        asyncio.run(_child(app_name, scenario, int(extra), int(requests)))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is needed: apt-get install -y valgrind", file=sys.stderr)
        return 2
    apps = args.apps.split(",")
    pairs: list[tuple[str, str]] = []
    for app_name in apps:
        available = scenarios_of(registry.load(app_name))
        wanted = args.scenarios.split(",") if args.scenarios else list(available)
        pairs += [(app_name, scenario) for scenario in wanted if scenario in available]

    def measure(pair: tuple[str, str]) -> float:
        base = _count(*pair, args.routes, 0)
        return (_count(*pair, args.routes, args.requests) - base) / args.requests

    rows: dict[tuple[str, str], float] = {}
    with ThreadPoolExecutor(args.jobs) as pool:
        for pair, value in zip(pairs, pool.map(measure, pairs), strict=True):
            rows[pair] = value
            print(f"{pair[0]:24s} {pair[1]:18s} {value:>10,.0f} instr/request", flush=True)
    reference = apps[0]
    print(f"\nratio to {reference}:")
    for (app_name, scenario), value in rows.items():
        ref = rows.get((reference, scenario))
        if ref:
            print(f"{app_name:24s} {scenario:18s} {value / ref:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
