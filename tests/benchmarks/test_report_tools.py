"""The measurement and report tooling of issue 15, without valgrind or wrk.

Small fixture JSON (``fixtures/``) stands in for the long runs: the report renders from it, the
chart is valid SVG, e2e's interleaved plan rotates the apps, the ratios to raw are medians of
per-round ratios, and the profile's layer attribution works on a tiny real run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import chart, e2e, instructions, profile_layers, report  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
SVG = "{http://www.w3.org/2000/svg}"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


# --- e2e: interleaving, spread, ratios ------------------------------------------------------


def test_round_order_rotates_so_every_app_goes_first_once() -> None:
    apps = ["raw", "microrest", "falcon", "blacksheep"]
    orders = [e2e.round_order(apps, r) for r in range(len(apps))]
    assert all(sorted(order) == sorted(apps) for order in orders)
    assert [order[0] for order in orders] == apps
    assert e2e.round_order(apps, len(apps)) == apps


def test_plan_runs_whole_rounds_one_after_another() -> None:
    pairs = {
        "raw": ("plaintext", "notfound"),
        "microrest": ("plaintext", "notfound", "param_sync_thread"),
        "falcon": ("plaintext",),
    }
    runs = e2e.plan(pairs, repeats=3)
    assert len(runs) == 3 * 6
    rounds = [r for r, _, _ in runs]
    assert rounds == sorted(rounds), "round 2 starts only when round 1 is over"
    for r in range(3):
        in_round = [(s, a) for rr, s, a in runs if rr == r]
        assert sorted(in_round) == sorted((s, a) for a, ss in pairs.items() for s in ss)
        # scenario by scenario: every app of one scenario back to back, in the rotated order
        plaintext = [a for s, a in in_round if s == "plaintext"]
        assert plaintext == e2e.round_order(list(pairs), r)
        scenarios = [s for s, _ in in_round]
        assert scenarios.index("notfound") > max(
            i for i, s in enumerate(scenarios) if s == "plaintext"
        )
    firsts = {a for r, s, a in runs if s == "plaintext" and runs.index((r, s, a)) % 6 == 0}
    assert firsts == set(pairs), "each app leads one round"


def test_the_full_run_is_bounded_and_planned() -> None:
    apps = [
        "raw", "microrest", "microrest_corepost", "microrest_vestespy", "microrest_webpy",
        "microrest_xio", "microrest_pyservice", "falcon", "blacksheep",
    ]  # fmt: skip
    pairs = {a: ("plaintext", "json", "param", "echo", "notfound") for a in apps}
    opts = e2e.Options()
    assert (opts.duration, opts.warmup, opts.repeats) == (5.0, 1.0, 5)
    seconds = e2e.planned_seconds(pairs, opts)
    # 9 apps x 5 scenarios x 5 rounds x (1 s + 5 s) = 22.5 min of wrk, plus latency/overheads
    assert 22.5 * 60 <= seconds <= 35 * 60


def test_e2e_plan_flag_prints_the_duration_without_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert e2e.main(["--plan", "--apps", "raw,microrest", "--scenarios", "plaintext"]) == 0
    out = capsys.readouterr().out
    assert "2 apps, 2 app x scenario pairs, 5 interleaved rounds" in out
    assert "min" in out


def _load(rps: float) -> dict[str, Any]:
    return {"rps": rps, "requests": int(rps), "non2xx": 0, "socket_errors": ""}


def test_ratio_to_raw_is_the_median_of_per_round_ratios() -> None:
    loads = {
        "raw": {"plaintext": {0: _load(100.0), 1: _load(50.0), 2: _load(100.0)}},
        # round 2 was a slow minute for both: per-round ratios 0.9, 0.9, 0.5
        "microrest": {"plaintext": {0: _load(90.0), 1: _load(45.0), 2: _load(50.0)}},
    }
    results = e2e.summarise(loads, {})
    cell = results["microrest"]["plaintext"]
    assert cell["rps"] == 50.0
    assert (cell["rps_min"], cell["rps_max"]) == (45.0, 90.0)
    assert cell["rps_runs"] == [90.0, 45.0, 50.0]
    assert cell["ratio_raw"] == pytest.approx(0.9)
    assert cell["ratio_raw_runs"] == pytest.approx([0.9, 0.9, 0.5])
    assert (cell["ratio_raw_min"], cell["ratio_raw_max"]) == pytest.approx((0.5, 0.9))
    # the ratio of medians would have said 50/100 = 0.5
    assert results["raw"]["plaintext"]["ratio_raw"] == pytest.approx(1.0)


def test_a_round_without_a_raw_run_gives_no_ratio_for_that_round() -> None:
    loads = {
        "raw": {"plaintext": {0: _load(100.0)}},
        "microrest": {"plaintext": {0: _load(80.0), 1: _load(10.0)}, "call": {0: _load(5.0)}},
    }
    results = e2e.summarise(loads, {})
    assert results["microrest"]["plaintext"]["ratio_raw_runs"] == [0.8]
    assert results["microrest"]["call"]["ratio_raw"] is None


def test_cpu_per_request_ratio_is_raw_over_the_app_per_round() -> None:
    def load(rps: float, cpu_us: float) -> dict[str, Any]:
        return {**_load(rps), "cpu_us": cpu_us}

    loads = {
        "raw": {"echo": {0: load(100.0, 20.0), 1: load(60.0, 25.0), 2: load(100.0, 20.0)}},
        # round 2: other processes took the core (req/s fell), the CPU per request barely moved
        "microrest": {"echo": {0: load(80.0, 25.0), 1: load(40.0, 30.0), 2: load(75.0, 26.0)}},
    }
    cell = e2e.summarise(loads, {})["microrest"]["echo"]
    assert cell["cpu_us"] == 26.0
    assert (cell["cpu_us_min"], cell["cpu_us_max"]) == (25.0, 30.0)
    assert cell["cpu_ratio_raw_runs"] == pytest.approx([0.8, 25 / 30, 20 / 26])
    assert cell["cpu_ratio_raw"] == pytest.approx(0.8)
    text = e2e.render(
        {
            "meta": {"repeats": 3},
            "apps": ["raw", "microrest"],
            "scenarios": ["echo"],
            "results": e2e.summarise(loads, {}),
            "errors": {},
            "skipped": {},
        }
    )
    assert "## Server CPU time per request" in text
    assert "| raw | 20.0 |" in text
    assert "| microrest | 26.0 (0.80, 0.77-0.83) |" in text


def test_runs_without_cpu_figures_render_no_cpu_table() -> None:
    assert "Server CPU time" not in e2e.render(fixture("e2e.json"))
    results = e2e.summarise({"raw": {"echo": {0: _load(100.0)}}}, {})
    assert results["raw"]["echo"]["cpu_us"] is None


def test_cpu_seconds_reads_a_live_process_and_none_for_a_gone_one() -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc on this system: the e2e table leaves the CPU figures out")
    spent = e2e.cpu_seconds(os.getpid())
    assert spent is not None and spent > 0
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert e2e.cpu_seconds(int(done.stdout)) is None


def test_e2e_render_gives_medians_spreads_and_every_run() -> None:
    text = e2e.render(fixture("e2e.json"))
    assert "median of 3 interleaved rounds" in text
    assert "| microrest | 28.3k (0.88) | 18.4k (0.58) |" in text
    assert "| notfound | microrest | 18.4k | 17.0k-19.0k | 0.58 | 0.52-0.63 | **FAIL** |" in text
    assert "| plaintext | microrest | 28.3k | 27.0k-29.5k | 0.88 | 0.87-0.88 | pass |" in text


# --- instructions.py: pairs, parallel runs, JSON --------------------------------------------


def test_instructions_json_from_parallel_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str, int, int]] = []

    def fake_count(app: str, scenario: str, routes: int, requests: int, built: int) -> int:
        calls.append((app, scenario, requests, built))
        if (app, scenario) == ("raw", "notfound"):
            raise RuntimeError("callgrind run of raw:notfound failed:\nboom")
        per_request = {"raw": 30_000, "microrest": 50_000}[app]
        # building a request (the driver's setup) costs 1000 here, running it per_request
        return 1_000_000 + per_request * requests + 1000 * built

    monkeypatch.setattr(instructions, "_count", fake_count)
    monkeypatch.setattr(instructions.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(instructions, "valgrind_version", lambda: "valgrind-test")
    out = tmp_path / "instructions.json"
    argv = ["--apps", "raw,microrest", "--scenarios", "plaintext,notfound", "--requests", "10"]
    code = instructions.main([*argv, "--jobs", "3", "--json", str(out)])
    assert code == 1, "a failed pair makes the exit status non-zero"
    data = json.loads(out.read_text())
    # the setup is counted in every figure, and given apart per scenario (where measured)
    assert data["results"] == {
        "raw": {"plaintext": 31_000.0},
        "microrest": {"plaintext": 51_000.0, "notfound": 51_000.0},
    }
    assert data["setup"] == {"plaintext": 1000.0}
    assert "boom" in data["errors"]["raw"]["notfound"]
    assert data["apps"] == ["raw", "microrest"]
    assert data["scenarios"] == ["plaintext", "notfound"]
    meta = data["meta"]
    assert (meta["routes"], meta["requests"], meta["jobs"]) == (200, 10, 3)
    assert meta["valgrind"] == "valgrind-test" and meta["python"]
    assert meta["setup_counted"] is True
    # per pair: nothing built or run, then 10 built and run; per scenario: 10 built, none run
    assert sorted((c[2], c[3]) for c in calls) == [(0, 0)] * 4 + [(0, 10)] * 2 + [(10, 10)] * 4


def test_instructions_without_setup_builds_in_both_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    def fake_count(app: str, scenario: str, routes: int, requests: int, built: int) -> int:
        calls.append((requests, built))
        return 1_000_000 + 30_000 * requests + 1000 * built

    monkeypatch.setattr(instructions, "_count", fake_count)
    results, errors, setup = instructions.measure(
        [("raw", "plaintext")], 200, 10, 2, log=lambda _: None, without_setup=True
    )
    assert results == {"raw": {"plaintext": 30_000.0}} and errors == {} and setup == {}
    assert sorted(calls) == [(0, 10), (10, 10)]


def test_instructions_plan_counts_every_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert instructions.main(["--apps", "raw,microrest", "--plan"]) == 0
    err = capsys.readouterr().err
    pairs, _ = instructions.pairs_of(["raw", "microrest"], None)
    runs = 2 * len(pairs) + len({scenario for _, scenario in pairs})
    assert f"{len(pairs)} app x scenario pairs, {runs} callgrind runs" in err


# --- report.py --------------------------------------------------------------------------------


def test_report_renders_every_section_and_keeps_the_notes(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    out.write_text("old page\n<!-- notes -->\n### Observations\n\nhand-written\n<!-- /notes -->\n")
    code = report.main(
        [
            "--instructions", str(FIXTURES / "instructions.json"),
            "--e2e", str(FIXTURES / "e2e.json"),
            "--profile", str(FIXTURES / "profile.json"),
            "--chart", "docs/performance.svg",
            "--command", "benchmarks/regenerate.sh",
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    page = out.read_text()
    assert "<!-- notes -->\n### Observations\n\nhand-written\n<!-- /notes -->" in page
    assert "old page" not in page
    assert "1000 measured requests per (framework, scenario), after 300 warm-up ones" in page
    # the core against the floor and the peers, with the targets
    assert "| plaintext | 27.0k | 46.5k | 1.72x | pass | 54.1k | 0.86x | pass | 81.0k |" in page
    assert "| notfound | 29.0k | 77.9k | 2.69x | **FAIL** | 69.0k | 1.13x | **FAIL** |" in page
    # the driver's building of the request, and the ratio with it off both sides:
    # (46.5k - 13k) / (27k - 13k) = 2.39x
    assert "| 81.0k | 0.57x | 13.0k | 2.39x |" in page
    assert "param_sync_thread (vs their param), no target" in page
    # every style: a summary column and its own table with raw, BlackSheep and Falcon beside
    for name in ("CorePost", "VestesPy", "web.py", "xio", "pyservice"):
        assert f"| {name} / core |" in page or f"{name} / core |" in page
        assert f"### {name} (`microrest_" in page
    assert "| 1.60x **FAIL** |" in page  # VestesPy at 1.6x the core
    assert "| param_sync_thread | 419.2k | 335.4k | 1.25x | no target |" in page
    assert "| call | 70.0k | 60.1k | 1.16x | pass |" in page
    assert "Instruction targets:" in page and "met." in page
    # e2e with spreads, the chart, the profile, the commands and the machine
    assert "Core end to end: 1 of 2 scenarios at least 0.8" in page
    assert "### Spread: every run" in page
    assert "![benchmark chart](performance.svg)" in page
    assert "## Where the remaining cost sits" in page
    assert "| **callgrind total** |" in page
    assert "| driver: building the request (callgrind only) | 13.0k | 13.0k | 14.0k |" in page
    assert "calls per request in each layer" in page
    assert "benchmarks/regenerate.sh" in page
    assert "- Valgrind: valgrind-3.19.0" in page


def test_report_needs_an_input(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        report.main(["--out", str(tmp_path / "x.md")])


# --- chart.py ---------------------------------------------------------------------------------


def test_chart_is_valid_svg_with_the_floor_line_and_whiskers(tmp_path: Path) -> None:
    out = tmp_path / "performance.svg"
    code = chart.main(
        [
            "--instructions", str(FIXTURES / "instructions.json"),
            "--e2e", str(FIXTURES / "e2e.json"),
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    root = ET.fromstring(out.read_text())
    assert root.tag == f"{SVG}svg"
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert "blacksheep param: 791,000" in titles
    assert "microrest notfound: 77,900" in titles
    floors = [e for e in root.iter(f"{SVG}line") if e.get("class") == "floor"]
    # a 2.0x-raw line per group that has a raw figure (5 scenarios + param_sync_inline) + legend
    assert len(floors) == 7
    whiskers = [e for e in root.iter(f"{SVG}line") if e.get("class") == "whisker"]
    assert len(whiskers) == 5 * 3  # 5 e2e bars, each a stem and two caps
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert not installed: SVG checked as XML only")
    png = tmp_path / "performance.png"
    subprocess.run(["rsvg-convert", "-o", str(png), str(out)], check=True, timeout=60)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- profile_layers.py ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "name", "layer"),
    [
        ("/x/benchmarks/asgi_driver.py", "__call__", "driver"),
        ("/x/benchmarks/apps/microrest.py", "plaintext", "handler"),
        ("/x/src/microrest/routing/matcher.py", "lookup", "routing"),
        ("/x/src/microrest/requests.py", "json", "request"),
        ("/x/src/microrest/connection.py", "headers", "request"),
        ("/x/src/microrest/responses.py", "__call__", "response"),
        ("/x/src/microrest/pipeline.py", "handle_exception", "errors"),
        ("/x/src/microrest/codec.py", "json_dumps", "codec"),
        ("/x/src/microrest/adapters/webpy/app.py", "__call__", "style adapter"),
        ("/x/src/microrest/app.py", "dispatch", "dispatch"),
        ("/x/src/microrest/limits.py", "check", "other microrest"),
        ("~", "<built-in method orjson.dumps>", "codec"),
        ("~", "<method 'get' of 'dict' objects>", None),
        ("/usr/lib/python3.11/site-packages/starlette/datastructures.py", "get", None),
    ],
)
def test_layer_of(filename: str, name: str, layer: str | None) -> None:
    assert profile_layers.layer_of((filename, 1, name)) == layer


def test_the_edge_is_app_call() -> None:
    from microrest.app import App

    code = App.__call__.__code__
    func = (code.co_filename, code.co_firstlineno, "__call__")
    assert profile_layers.layer_of(func, profile_layers.edge_functions()) == "edge"


def test_profile_attributes_a_tiny_run_to_layers() -> None:
    data = profile_layers.profile(
        ["microrest"],
        ["plaintext", "notfound", "param_sync_thread"],
        routes=10,
        requests=40,
        rounds=2,
        log=lambda _: None,
    )
    assert data["errors"] == {}
    per = data["results"]["microrest"]
    assert set(per) == {"plaintext", "notfound"}, "thread-offloaded runs are not profiled"
    for cell in per.values():
        shares = [layer["share"] for layer in cell["layers"].values()]
        assert sum(shares) == pytest.approx(1.0)
        assert set(cell["layers"]) <= set(profile_layers.LAYERS)
        assert cell["layers"]["driver"]["share"] > 0
        assert cell["layers"]["edge"]["calls_per_request"] >= 1
    # one handler call per request; a 404 goes through routing and the error pipeline instead
    assert per["plaintext"]["layers"]["handler"]["calls_per_request"] == pytest.approx(1.0)
    assert "handler" not in per["notfound"]["layers"]
    assert per["notfound"]["layers"]["routing"]["share"] > 0
    assert per["notfound"]["layers"]["errors"]["share"] > 0
    assert data["meta"]["layers"] == list(profile_layers.LAYERS)
    callee, caller = data["meta"]["profiler_overhead_ns"]
    assert callee > 0 and caller >= 0, "cProfile's own cost per call is calibrated"
    assert all(cell["unprofiled_s"] > 0 for cell in per.values())


def test_combine_keeps_each_functions_lowest_time() -> None:
    f: profile_layers.Func = ("/x/src/microrest/app.py", 1, "dispatch")
    g: profile_layers.Func = ("~", 0, "<method 'get' of 'dict' objects>")
    rounds = [
        {f: (1, 1, 5.0, 6.0, {}), g: (1, 1, 1.0, 1.0, {f: (1, 1, 1.0, 1.0)})},
        {f: (1, 1, 2.0, 3.0, {}), g: (1, 1, 9.0, 9.0, {f: (1, 1, 9.0, 9.0)})},
    ]
    merged = profile_layers.combine(rounds)
    assert merged[f][2] == 2.0 and merged[g][2] == 1.0
    cell = profile_layers.attribute(merged, requests=1)
    assert cell["layers"]["dispatch"]["share"] == pytest.approx(1.0)  # dict.get: its caller's


# --- regenerate.sh ----------------------------------------------------------------------------


def test_regenerate_plans_the_final_run_without_running_it() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "PLAN_ONLY": "1"}
    env["PYTHONPATH"] = ":".join(p for p in sys.path if p)
    done = subprocess.run(
        ["sh", str(ROOT / "benchmarks" / "regenerate.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "regenerate: planned duration about" in done.stderr
    # 9 apps and 43 pairs with the bench extra installed; fewer without Falcon or BlackSheep
    assert re.search(r"e2e: \d apps, \d+ app x scenario pairs, 5 interleaved rounds", done.stderr)
    assert re.search(r"instructions: \d+ app x scenario pairs, \d+ callgrind runs", done.stderr)


def test_regenerate_runs_only_the_steps_asked_for(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "STEPS": "none"}
    env["PYTHONPATH"] = ":".join(p for p in sys.path if p)
    env["OUT_DIR"] = str(tmp_path)
    done = subprocess.run(
        ["sh", str(ROOT / "benchmarks" / "regenerate.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "regenerate: steps none done" in done.stderr
    assert "== " not in done.stderr  # no tool ran
    assert list(tmp_path.iterdir()) == []  # and no page was written
