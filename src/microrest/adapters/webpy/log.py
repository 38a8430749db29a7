"""``HTTPLog``: the original's log object, written onto ``logging`` unless given file paths.

``HTTPLog(None, None)`` sends server messages to the ``microrest.webpy`` logger and handler
exceptions to ``microrest.error`` (the core's error logger); with paths it appends the
original's line formats to those files, creating missing directories.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from typing import TextIO

__all__ = ["HTTPLog"]

_server_logger = logging.getLogger("microrest.webpy")
_access_logger = logging.getLogger("microrest.webpy.access")
_error_logger = logging.getLogger("microrest.error")


def _open(path: str | None) -> TextIO | None:
    if path is None:
        return None
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    return open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - lives with the log


class HTTPLog:
    """``info/warn/error/exception`` for the server log, ``request`` for the access log."""

    def __init__(self, httpd_log: str | None, access_log: str | None) -> None:
        self.httpd_log = _open(httpd_log)
        self.access_log = _open(access_log)
        self._lock = threading.Lock()

    @staticmethod
    def timestamp() -> str:
        return time.strftime("[%d/%b/%Y:%H:%M:%S %z]")

    def write(self, string: str) -> None:
        if self.httpd_log is None:
            _server_logger.info(string.rstrip("\n"))
            return
        with self._lock:
            self.httpd_log.write(string)

    def message(self, message: str) -> None:
        self.write(f"{self.timestamp()} {message}\n")

    def info(self, message: str) -> None:
        self.message("INFO: " + message)

    def warn(self, message: str) -> None:
        self.message("WARN: " + message)

    warning = warn

    def error(self, message: str) -> None:
        self.message("ERROR: " + message)

    def exception(self, exc: BaseException | None = None) -> None:
        """Log the current (or given) exception with its traceback."""
        if self.httpd_log is None:
            _error_logger.error("Caught exception in a web.py handler", exc_info=exc or True)
            return
        text = "".join(traceback.format_exception(exc)) if exc else traceback.format_exc()
        self.message("ERROR: Caught exception:\n\t" + text.rstrip("\n").replace("\n", "\n\t"))

    def access_write(self, string: str) -> None:
        if self.access_log is None:
            _access_logger.info(string.rstrip("\n"))
            return
        with self._lock:
            self.access_log.write(string)

    def request(
        self,
        host: str,
        request: str,
        code: str = "-",
        size: str = "-",
        rfc931: str = "-",
        authuser: str = "-",
    ) -> None:
        """One Common Log Format line."""
        self.access_write(
            f'{host} {rfc931} {authuser} {self.timestamp()} "{request}" {code} {size}\n'
        )

    def close(self) -> None:
        for stream in (self.httpd_log, self.access_log):
            if stream is not None:
                stream.close()
