"""One logging configuration for uvicorn's loggers and microrest's: time, level, logger name.

``logging_config()`` is the ``logging.config.dictConfig`` dict that ``microrest run`` and
``microrest.server`` hand to uvicorn (which applies it in every worker). ``JSONFormatter``
writes one JSON object per line for log collectors; ``load_log_config()`` reads a
``--log-config`` file (JSON, YAML, or an ``.ini`` file for ``logging.config.fileConfig``).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

__all__ = [
    "JSONFormatter",
    "LOGGERS",
    "LOG_FORMAT",
    "load_log_config",
    "logging_config",
]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The loggers the configuration covers: uvicorn's three and microrest's tree.
LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "microrest")
LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
# uvicorn.access records carry the request line in their args, in this order.
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JSONFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
    ``exception`` (the formatted traceback, when there is one) and, for uvicorn's access lines,
    ``client``, ``method``, ``path``, ``http_version`` and ``status``.
    """

    def format(self, record: logging.LogRecord) -> str:
        moment = time.gmtime(record.created)
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", moment) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            entry.update(zip(_ACCESS_FIELDS, args, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(level: str = "info", *, json_lines: bool = False) -> dict[str, Any]:
    """The dictConfig for uvicorn and microrest at ``level``; JSON lines when ``json_lines``."""
    name = level.lower()
    if name not in LEVELS:
        raise ConfigurationError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
    numeric = "DEBUG" if name == "trace" else name.upper()  # "trace" is uvicorn's level 5
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JSONFormatter"} if json_lines else {"format": LOG_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": numeric, "propagate": False},
            "uvicorn.error": {"level": numeric},
            "uvicorn.access": {"handlers": ["default"], "level": numeric, "propagate": False},
            "microrest": {"handlers": ["default"], "level": numeric, "propagate": False},
        },
    }


def load_log_config(path: str | Path) -> dict[str, Any] | str:
    """A ``--log-config`` file: a dict for JSON and YAML, the path itself for ``.ini`` files
    (uvicorn reads those with ``logging.config.fileConfig``).
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigurationError(f"log config file {str(file)!r} does not exist")
    suffix = file.suffix.lower()
    text = file.read_text(encoding="utf-8")
    if suffix == ".json":
        try:
            loaded: Any = json.loads(text)
        except ValueError as exc:
            raise ConfigurationError(f"log config {str(file)!r} is not valid JSON: {exc}") from None
    elif suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ConfigurationError(
                "a YAML log config needs PyYAML: pip install 'microrest[formats]'"
            ) from None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigurationError(f"log config {str(file)!r} is not valid YAML: {exc}") from None
    elif suffix in (".ini", ".cfg", ".conf"):
        return str(file)
    else:
        raise ConfigurationError(
            f"log config {str(file)!r}: expected a .json, .yaml, .yml or .ini file"
        )
    if not isinstance(loaded, dict) or "version" not in loaded:
        raise ConfigurationError(
            f"log config {str(file)!r} must be a logging.config.dictConfig mapping with 'version'"
        )
    return loaded
