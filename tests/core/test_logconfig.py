"""``microrest.logconfig``: the one configuration, the JSON formatter, ``--log-config`` files;
and the uvicorn bounds ``microrest.server`` sets."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from microrest.errors import ConfigurationError
from microrest.logconfig import LOGGERS, JSONFormatter, load_log_config, logging_config
from microrest.server import SERVER_BOUNDS, Server


def record(name: str, message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("kaput")
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, info)


def test_json_lines_carry_time_level_logger_message_and_traceback() -> None:
    line = JSONFormatter().format(record("microrest.error", "in %s", "GET / HTTP/1.1", exc=True))
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "ERROR" and entry["logger"] == "microrest.error"
    assert entry["message"] == "in GET / HTTP/1.1"
    assert entry["time"].endswith("Z") and entry["time"][10] == "T"
    assert entry["exception"].startswith("Traceback") and "ValueError: kaput" in entry["exception"]


def test_access_lines_get_their_fields() -> None:
    args = ("127.0.0.1:5000", "GET", "/items?x=1", "1.1", 200)
    entry = json.loads(
        JSONFormatter().format(record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', *args))
    )
    assert entry["message"] == '127.0.0.1:5000 - "GET /items?x=1 HTTP/1.1" 200'
    assert (entry["client"], entry["method"], entry["path"], entry["status"]) == (
        "127.0.0.1:5000",
        "GET",
        "/items?x=1",
        200,
    )


def test_the_configuration_covers_uvicorn_and_microrest() -> None:
    config = logging_config("warning", json_lines=True)
    assert set(LOGGERS) <= set(config["loggers"])
    assert config["loggers"]["microrest"]["level"] == "WARNING"
    assert config["formatters"]["default"] == {"()": "microrest.logconfig.JSONFormatter"}
    assert "%(asctime)s" in logging_config()["formatters"]["default"]["format"]
    assert logging_config("trace")["loggers"]["microrest"]["level"] == "DEBUG"
    with pytest.raises(ConfigurationError, match="log level must be one of"):
        logging_config("loud")


def test_log_config_files(tmp_path: Path) -> None:
    good = {"version": 1, "loggers": {}}
    (tmp_path / "a.json").write_text(json.dumps(good))
    (tmp_path / "b.yaml").write_text("version: 1\nloggers: {}\n")
    (tmp_path / "c.ini").write_text("[loggers]\nkeys=root\n")
    assert load_log_config(tmp_path / "a.json") == good
    assert load_log_config(tmp_path / "b.yaml") == good
    assert load_log_config(tmp_path / "c.ini") == str(tmp_path / "c.ini")
    (tmp_path / "d.json").write_text("[1, 2]")
    (tmp_path / "e.toml").write_text("")
    (tmp_path / "f.yaml").write_text("a: [")
    for name, message in [
        ("d.json", "must be a logging.config.dictConfig mapping"),
        ("e.toml", "expected a .json, .yaml, .yml or .ini file"),
        ("f.yaml", "is not valid YAML"),
        ("missing.json", "does not exist"),
    ]:
        with pytest.raises(ConfigurationError, match=message):
            load_log_config(tmp_path / name)


def test_the_server_sets_every_uvicorn_bound_and_lets_callers_override() -> None:
    options = Server(object(), port=0)._uvicorn_options()
    for name, value in SERVER_BOUNDS.items():
        assert options[name] == value
    assert options["h11_max_incomplete_event_size"] == 64 * 1024
    assert options["timeout_keep_alive"] == 5
    custom = Server(object(), port=0, limit_concurrency=10, timeout_keep_alive=2)
    assert custom._uvicorn_options()["limit_concurrency"] == 10
    assert custom._uvicorn_options()["timeout_keep_alive"] == 2


def test_logging_is_configured_unless_the_process_did_it(monkeypatch: pytest.MonkeyPatch) -> None:
    mine = {"version": 1}
    assert Server(object(), log_config=mine)._uvicorn_options()["log_config"] is mine
    assert logging.getLogger().handlers  # pytest's own: an application that set up logging
    assert Server(object(), port=0)._uvicorn_options()["log_config"] is None
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    config = Server(object(), port=0, log_level="debug")._uvicorn_options()["log_config"]
    assert config == logging_config("debug")
