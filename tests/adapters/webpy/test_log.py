"""HTTPLog: the original's line formats into files, or ``logging`` by default (W-M2)."""

from __future__ import annotations

import logging
import re
import time
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


# issue 9 item 7: the access log, and usable streams from HTTPLog(None, None) -------------------


class Hello(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, "Hello, access log"


def test_one_common_log_format_line_per_request(tmp_path: Path) -> None:
    log = web.HTTPLog(str(tmp_path / "httpd.log"), str(tmp_path / "logs" / "access.log"))
    with Client(web.HTTPServer(("localhost", 0), {"/": Hello}, log=log)) as client:
        client.get("/?q=1")
        client.head("/")
        client.get("/missing%20file")
        client.post("/", content=b"x")
    log.close()
    lines = (tmp_path / "logs" / "access.log").read_text().splitlines()
    clf = re.compile(
        r"(?P<host>\S+) - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "
        r'"(?P<line>[^"]*)" (?P<status>\d{3}) (?P<size>\d+)'
    )
    parsed = [clf.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert [(m["line"], m["status"], m["size"]) for m in parsed if m] == [
        ("GET /?q=1 HTTP/1.1", "200", "17"),
        ("HEAD / HTTP/1.1", "200", "0"),
        ("GET /missing%20file HTTP/1.1", "404", "16"),
        ("POST / HTTP/1.1", "405", "25"),
    ]
    assert all(m["host"] == "127.0.0.1" for m in parsed if m)


def test_access_lines_go_to_logging_by_default(caplog: pytest.LogCaptureFixture) -> None:
    with Client(web.HTTPServer(("localhost", 0), {"/": Hello})) as client:
        client.get("/")  # the access logger is not enabled: nothing is even formatted
    assert not [r for r in caplog.records if r.name == "microrest.webpy.access"]
    # Enabled when the server starts (logging configured first, as uvicorn does):
    with (
        caplog.at_level(logging.INFO, logger="microrest.webpy.access"),
        Client(web.HTTPServer(("localhost", 0), {"/": Hello})) as client,
    ):
        client.get("/x")
    [record] = [r for r in caplog.records if r.name == "microrest.webpy.access"]
    assert record.getMessage().endswith('"GET /x HTTP/1.1" 404 16')


def test_httplog_none_none_has_writable_streams(caplog: pytest.LogCaptureFixture) -> None:
    log = web.HTTPLog(None, None)
    with caplog.at_level(logging.INFO, logger="microrest.webpy"):
        assert log.httpd_log.writable() and log.access_log.writable()
        log.httpd_log.write("first line\nsecond ")
        log.httpd_log.write("half\n")
        log.access_log.write("an access line\n")
        log.httpd_log.flush()
        log.access_log.flush()
        log.info("through the method")
    messages = [(r.name, r.getMessage()) for r in caplog.records]
    assert ("microrest.webpy", "first line") in messages
    assert ("microrest.webpy", "second half") in messages
    assert ("microrest.webpy.access", "an access line") in messages
    assert any(m.endswith("INFO: through the method") for _, m in messages)
    log.close()  # closes nothing it did not open


# issue 15: the access line made cheaper, the same line -------------------------------------


def test_timestamp_is_the_current_second_in_the_original_format() -> None:
    before = time.strftime("[%d/%b/%Y:%H:%M:%S %z]")
    stamp = web.HTTPLog.timestamp()
    after = time.strftime("[%d/%b/%Y:%H:%M:%S %z]")
    assert stamp in (before, after)
    assert web.HTTPLog.timestamp() in (stamp, time.strftime("[%d/%b/%Y:%H:%M:%S %z]"))


def test_stream_records_skip_the_caller_lookup(caplog: pytest.LogCaptureFixture) -> None:
    log = web.HTTPLog(None, None)
    with caplog.at_level(logging.INFO, logger="microrest.webpy.access"):
        log.request("10.0.0.1", "GET / HTTP/1.1", "200", "5")
    [record] = [r for r in caplog.records if r.name == "microrest.webpy.access"]
    assert record.getMessage().startswith("10.0.0.1 - - [")
    assert record.getMessage().endswith('] "GET / HTTP/1.1" 200 5')
    assert record.levelno == logging.INFO
    assert record.funcName == "(unknown function)"
