"""Opt-in serving of the document and the API page, and ``microrest openapi``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.helpers import ROOT

from microrest import App, ConfigurationError, Request
from microrest.openapi.docs import asset, docs_page
from microrest.testing import Client


def make_app(**options: object) -> App:
    app = App(**options)  # type: ignore[arg-type]

    @app.get("/items")
    def list_items(request: Request) -> list[str]:
        return ["a"]

    return app


def test_no_docs_unless_asked() -> None:
    with Client(make_app()) as client:
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/docs").status_code == 404


def test_app_docs_true_serves_the_document_and_the_page() -> None:
    app = make_app(docs=True)
    with Client(app) as client:
        answer = client.get("/openapi.json")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json() == app.openapi()
        page = client.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'src="docs/swagger-ui-bundle.js"' in page.text
        assert 'href="docs/swagger-ui.css"' in page.text
        assert 'url: "openapi.json"' in page.text and "validatorUrl: null" in page.text
        assert "http" not in page.text.replace("http-equiv", "")  # no CDN, nothing remote
        script = client.get("/docs/swagger-ui-bundle.js")
        assert script.headers["content-type"].startswith("text/javascript")
        assert (
            script.content == asset("swagger-ui-bundle.js") and b"SwaggerUIBundle" in script.content
        )
        css = client.get("/docs/swagger-ui.css")
        assert css.headers["content-type"].startswith("text/css") and css.content


def test_paths_and_info_are_configurable() -> None:
    app = make_app()
    app.enable_docs(openapi_url="/api/schema.json", docs_url="/api/ui", title="Mine")
    with Client(app) as client:
        assert client.get("/api/schema.json").json()["info"]["title"] == "Mine"
        page = client.get("/api/ui").text
        assert 'url: "schema.json"' in page and 'src="ui/swagger-ui-bundle.js"' in page
        assert client.get("/api/ui/swagger-ui.css").status_code == 200
        assert client.get("/docs").status_code == 404


def test_document_only() -> None:
    app = make_app()
    app.enable_docs(docs_url=None)
    with Client(app) as client:
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/docs").status_code == 404


def test_docs_of_an_app_mounted_under_a_prefix_use_relative_urls() -> None:
    inner = make_app(docs=True)
    outer = App()
    outer.mount("/v1", inner)
    with Client(outer) as client:
        page = client.get("/v1/docs").text
        assert 'url: "openapi.json"' in page  # resolves to /v1/openapi.json from /v1/docs
        assert client.get("/v1/openapi.json").json()["paths"].keys() == {"/items"}
        assert client.get("/v1/docs/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("url", ["docs", "/", "/docs/{x}"])
def test_a_bad_docs_url_says_how_to_write_it(url: str) -> None:
    with pytest.raises(ConfigurationError, match="fixed path starting with '/'"):
        make_app().enable_docs(docs_url=url)


def test_the_page_escapes_its_title_and_urls() -> None:
    assert "<script>alert" not in docs_page("<script>alert(1)</script>", "/docs", "/o.json")
    assert "</script><script>" not in docs_page("t", "/docs", "/</script><script>x.json")


def test_a_route_added_later_is_in_the_served_document() -> None:
    app = make_app(docs=True)
    with Client(app) as client:
        assert "/late" not in client.get("/openapi.json").json()["paths"]

        @app.get("/late")
        def late(request: Request) -> str:
            return "late"

        assert "/late" in client.get("/openapi.json").json()["paths"]


def test_showcase_prints_the_urls_to_try(tmp_path: Path) -> None:
    """What ``make run`` prints before serving: each style's URL and the docs."""
    done = subprocess.run(
        [sys.executable, "-m", "examples.showcase", "http://127.0.0.1:8000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "MICROREST_DB": str(tmp_path / "db"),
        },
    )
    assert done.returncode == 0, done.stderr
    from examples.items import STYLES

    for style in STYLES:
        assert f"{style}  http://127.0.0.1:8000/" in done.stdout
    assert "docs  http://127.0.0.1:8000/docs" in done.stdout
    assert "openapi  http://127.0.0.1:8000/openapi.json" in done.stdout
    assert "-m examples.showcase" in (ROOT / "Makefile").read_text()  # make run prints them


def test_the_shipped_swagger_ui_is_5x_with_its_license() -> None:
    static = ROOT / "src" / "microrest" / "openapi" / "static" / "swagger-ui"
    assert "Apache License" in (static / "LICENSE").read_text()
    assert b'"5.35.0"' in asset("swagger-ui-bundle.js")  # npm's swagger-ui-dist 5.x, not 4.x
    shipped = sorted(path.name for path in static.iterdir())
    assert shipped == [
        "LICENSE",
        "NOTICE",
        "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui.css",
    ]


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microrest", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "MICROREST_DB": str(db)},
    )


def test_cli_prints_the_document_as_json_and_yaml(tmp_path: Path) -> None:
    db = tmp_path / "items.sqlite3"
    as_json = run_cli("openapi", "examples.showcase:app", db=db)
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["openapi"] == "3.1.0" and "/items" in document["paths"]
    as_yaml = run_cli("openapi", "examples.showcase:app", "--yaml", db=db)
    assert yaml.safe_load(as_yaml.stdout) == document
    out = tmp_path / "openapi.json"
    written = run_cli("openapi", "examples.showcase:app", "--output", str(out), db=db)
    assert written.returncode == 0 and written.stdout == ""
    assert json.loads(out.read_text()) == document


def test_cli_names_what_is_not_an_app(tmp_path: Path) -> None:
    done = run_cli("openapi", "examples.items:STYLES", db=tmp_path / "db")
    assert done.returncode == 2 and "is not a microrest app" in done.stderr
