"""Facts about the machine a run was measured on, and a wait for it to be quiet.

Benchmarks on a shared machine measure the neighbours too; recording the load before and after
a run, and optionally waiting until the CPUs are idle, makes that visible instead of silent.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

DISTRIBUTIONS = (
    "microrest", "uvloop", "uvicorn", "httptools", "orjson", "falcon", "blacksheep",
    "litestar", "msgspec", "starlette", "fastapi", "pydantic",
)  # fmt: skip


def facts() -> dict[str, Any]:
    """Python, CPU, OS and the versions of everything measured."""
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    versions: dict[str, str] = {}
    for dist in DISTRIBUTIONS:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    info["versions"] = versions
    return info


def _cpu_times() -> tuple[int, int] | None:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return idle, sum(values)


def busy_fraction(interval: float = 1.0) -> float | None:
    """Fraction of all CPUs busy over ``interval`` seconds (None where /proc is missing)."""
    first = _cpu_times()
    time.sleep(interval)
    second = _cpu_times()
    if first is None or second is None or second[1] == first[1]:
        return None
    return 1.0 - (second[0] - first[0]) / (second[1] - first[1])


def wait_idle(max_wait: float, threshold: float = 0.15, log: Any = print) -> float | None:
    """Wait up to ``max_wait`` s for CPU use below ``threshold``; return the last reading."""
    deadline = time.monotonic() + max_wait
    busy = busy_fraction()
    while busy is not None and busy > threshold and time.monotonic() < deadline:
        log(f"machine {busy:.0%} busy; waiting for it to quiet down")
        busy = busy_fraction(2.0)
    return busy
