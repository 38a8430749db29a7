"""HTTPLog: the original's line formats into files, or ``logging`` by default (W-M2)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest.testing import Client


def test_file_logs_and_their_formats(tmp_path: Path) -> None:
    log = web.HTTPLog(str(tmp_path / "new" / "httpd.log"), str(tmp_path / "new" / "access.log"))
    log.info("hello")
    log.warn("careful")
    log.error("bad")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception()
    log.request("localhost", "GET / HTTP/1.1", "200", "1024", "-", "-")
    log.close()
    lines = (tmp_path / "new" / "httpd.log").read_text().splitlines()
    assert lines[0].endswith("] INFO: hello")
    assert lines[1].endswith("] WARN: careful")
    assert lines[2].endswith("] ERROR: bad")
    assert lines[3].endswith("ERROR: Caught exception:")
    assert "ValueError: boom" in lines[-1]
    access = (tmp_path / "new" / "access.log").read_text()
    assert access.startswith("localhost - - [")
    assert access.endswith('] "GET / HTTP/1.1" 200 1024\n')


def test_handler_exceptions_go_to_the_server_log(tmp_path: Path) -> None:
    class Broken(web.HTTPHandler):
        def do_get(self) -> Any:
            raise RuntimeError("handler broke")

    log = web.HTTPLog(str(tmp_path / "httpd.log"), None)
    with Client(web.HTTPServer(("localhost", 0), {"/": Broken}, log=log)) as client:
        assert client.get("/").status_code == 500
    log.close()
    assert "RuntimeError: handler broke" in (tmp_path / "httpd.log").read_text()


def test_default_log_uses_logging(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(web.HTTPHandler):
        def do_get(self) -> Any:
            raise RuntimeError("handler broke")

    httpd = web.HTTPServer(("localhost", 0), {"/": Broken})
    with caplog.at_level(logging.ERROR, logger="microrest.error"), Client(httpd) as client:
        assert client.get("/").text == "500 - Internal Server Error\n"
    errors = [record.exc_info[1] for record in caplog.records if record.exc_info]
    assert any("handler broke" in str(error) for error in errors)
