"""Every benchmark app answers every scenario correctly, through the real in-process harness.

Cheap (a few requests each, 10 extra routes) so CI catches a broken benchmark app long before
anyone reads a wrong number off it. Frameworks that are not installed (the ``bench`` extra) are
skipped; microrest's own app always runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import inprocess, registry, scenarios  # noqa: E402


@pytest.mark.parametrize("name", registry.app_names())
def test_app_answers_every_scenario(name: str) -> None:
    try:
        module = registry.load(name)
    except ImportError as exc:
        pytest.skip(f"{name} not installed: {exc}")
    config = inprocess.Config(routes=[10], apps=[name], repeats=1, batch_ms=1, warmup=5)
    config.quiet = True
    report = inprocess.run(config)
    assert report.errors == {}, report.errors
    measured = report.results[10][name]
    assert set(measured) == set(scenarios.scenarios_of(module))
    assert all(cell["median_us"] > 0 for cell in measured.values())


def test_microrest_and_the_baseline_are_always_benchmarked() -> None:
    names = registry.app_names()
    assert names[:2] == ["raw", "microrest"]
    assert set(scenarios.DEFAULT) <= set(scenarios.scenarios_of(registry.load("microrest")))


def test_a_wrong_answer_is_reported_not_timed() -> None:
    """The harness must refuse a number from an app that answers wrongly."""
    import types

    async def wrong(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"nope"})  # type: ignore[operator]

    module = types.ModuleType("broken")
    module.build = lambda extra_routes: wrong  # type: ignore[attr-defined]
    sys.modules["benchmarks.apps._broken_for_test"] = module
    try:
        config = inprocess.Config(routes=[10], apps=["_broken_for_test"], repeats=1, warmup=2)
        config.quiet = True
        config.batch_ms = 1
        report = inprocess.run(config)
    finally:
        del sys.modules["benchmarks.apps._broken_for_test"]
    problems = report.errors[10]["_broken_for_test"]
    assert any("plaintext" in p for p in problems)
    assert report.results[10] == {}
