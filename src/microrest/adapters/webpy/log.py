"""``HTTPLog``: the original's log object, written onto ``logging`` unless given file paths.

``HTTPLog(httpd_log, access_log)``: each argument is a file path (appended to, line-buffered,
missing directories created) or ``None``. For ``None`` the attribute is still a writable
stream, as in the original (which used stdout): lines written to it go to the
``microrest.webpy`` logger (server messages) or ``microrest.webpy.access`` (the access log,
one Common Log Format line per request). Handler exceptions without a file go to the core's
error logger (``microrest.error``) with their traceback.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
import traceback
from typing import TextIO

from ...toolkit import error_logger

__all__ = ["HTTPLog", "LoggerStream"]

_server_logger = logging.getLogger("microrest.webpy")
_access_logger = logging.getLogger("microrest.webpy.access")
_stamp: tuple[int, str] = (-1, "")  # (second, its timestamp): HTTPLog.timestamp's cache


class LoggerStream(io.TextIOBase):
    """A text stream whose complete lines become INFO records of ``logger``."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self.logger = logger
        self._pending = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._emit(line)
        return len(text)

    def _emit(self, line: str) -> None:
        """``logger.info(line)`` without ``findCaller``: the caller would be this stream, which
        says nothing, and walking the stack for it was a third of the cost of an access-log
        line (callgrind). The record's file and function are logging's own placeholders."""
        logger = self.logger
        if logger.isEnabledFor(logging.INFO):
            logger.handle(
                logger.makeRecord(
                    logger.name,
                    logging.INFO,
                    "(unknown file)",
                    0,
                    line,
                    (),
                    None,
                    "(unknown function)",
                )
            )

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, ""
        if pending:
            self._emit(pending)


def _open(path: str | None, logger: logging.Logger) -> TextIO:
    if path is None:
        return LoggerStream(logger)  # type: ignore[return-value]  # a TextIOBase all the same
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    return open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - lives with the log


class HTTPLog:
    """``info/warn/error/exception`` for the server log, ``request`` for the access log."""

    def __init__(self, httpd_log: str | None, access_log: str | None) -> None:
        self.httpd_log = _open(httpd_log, _server_logger)
        self.access_log = _open(access_log, _access_logger)
        # Worked out once: access_enabled() runs for every request (an isinstance check on
        # an io class goes through ABCMeta and cost ~1k instructions per request).
        self._access_logger = _access_logger if access_log is None else None
        self._server_to_logging = httpd_log is None
        self._lock = threading.Lock()

    @staticmethod
    def timestamp() -> str:
        # Formatted once per second, not once per access line (strftime with %z asks for
        # the local time zone each call): 1.8k instructions per logged request (callgrind).
        global _stamp
        now = int(time.time())
        second, text = _stamp
        if now != second:
            text = time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(now))
            _stamp = (now, text)  # one assignment: threads see the pair whole
        return text

    def write(self, string: str) -> None:
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
        if self._server_to_logging:
            error_logger.error("Caught exception in a web.py handler", exc_info=exc or True)
            return
        text = "".join(traceback.format_exception(exc)) if exc else traceback.format_exc()
        self.message("ERROR: Caught exception:\n\t" + text.rstrip("\n").replace("\n", "\n\t"))

    def access_enabled(self) -> bool:
        """Whether an access line would be written anywhere (a file, or an enabled logger)."""
        logger = self._access_logger
        if logger is not None:
            return logger.isEnabledFor(logging.INFO)
        return not self.access_log.closed

    def access_write(self, string: str) -> None:
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
            if not isinstance(stream, LoggerStream):
                stream.close()
