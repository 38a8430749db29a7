"""``/docs`` in a real headless Chromium (Debian's, driven by Playwright) against the showcase
served by a real uvicorn on 127.0.0.1: the page loads offline with no console error, shows every
style's tag, and "Try it out" + "Execute" on ``GET /items`` gets a 200."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path(os.environ.get("MICROREST_DOCS_SCREENSHOT", "/tmp/microrest-docs.png"))


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed on first use; skipped (with the reason) if that fails."""
    if not os.path.exists(CHROMIUM):
        if shutil.which("apt-get") is None:
            pytest.skip(f"{CHROMIUM} is missing and there is no apt-get to install it")
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            done = subprocess.run(command, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.skip(f"cannot install chromium ({' '.join(command)}): {done.stderr[-300:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.e2e
def test_docs_page_lists_every_style_and_tries_get_items(browser: Any, tmp_path: Path) -> None:
    from examples.items import STYLES

    with serve(
        "examples.showcase:app", workers=1, env={"MICROREST_DB": str(tmp_path / "items.db")}
    ) as base:
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        outside: list[str] = []  # anything not from our server: a CDN, the online validator
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith((base, "data:")) else None,
        )
        page.goto(base + "/docs", wait_until="networkidle")
        page.wait_for_selector(".opblock-tag", timeout=20_000)
        for style in STYLES:
            assert page.locator(f'.opblock-tag[data-tag="{style}"]').count() == 1, style
        assert page.locator(".opblock").count() > len(STYLES)

        operation = page.locator("#operations-core-core_list_items")
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        with page.expect_response(lambda r: r.url.startswith(base + "/items")) as answer:
            operation.get_by_role("button", name="Execute").click()
        assert answer.value.status == 200
        status = operation.locator(".live-responses-table .response .response-col_status")
        assert status.first.inner_text().strip() == "200"
        page.screenshot(path=str(SCREENSHOT), full_page=False)
        assert problems == []
        assert outside == []
        page.close()
