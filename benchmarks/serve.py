"""The uvicorn factory the end-to-end benchmark serves: ``benchmarks.serve:app --factory``.

Which app and how many extra routes come from the environment (``BENCH_APP``,
``BENCH_ROUTES``), because uvicorn calls a factory with no arguments.
"""

from __future__ import annotations

import os
from typing import Any

from benchmarks import registry


def app() -> Any:
    """Build the app named by ``BENCH_APP`` with ``BENCH_ROUTES`` extra routes."""
    module = registry.load(os.environ.get("BENCH_APP", "raw"))
    return module.build(int(os.environ.get("BENCH_ROUTES", "200")))
