"""The Python client over xio's websocket service: ``xio.client("ws://host:port/_xio/ws")``.

One connection per client (the ``websockets`` library's threaded client, which uvicorn's
standard extra already installs), opened on first use and again after it drops. Each request
gets an id; a reader thread hands every response (and the fragments before it) to the thread
waiting for that id, so requests from several threads share the socket. The results are the
same ``Result`` objects as over HTTP; a streamed answer's content is the list of fragments,
as HTTP gives a generator's items as one JSON array.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from typing import Any

from ...toolkit import json_dumps
from .client import forward_headers
from .resource import Result

__all__ = ["WebSocketTarget"]


class _Pending:
    __slots__ = ("done", "fragments", "message")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.fragments: list[Any] = []
        self.message: dict[str, Any] | None = None


def _content(message: dict[str, Any]) -> Any:
    content = message.get("content")
    if message.get("encoding") == "base64" and isinstance(content, str):
        return base64.b64decode(content)
    return content


class WebSocketTarget:
    """Requests to an xio websocket service at ``url``; ``timeout`` bounds each answer (then
    a 408 result, as xio's client gave)."""

    def __init__(self, url: str, *, timeout: float = 30.0, open_timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self.open_timeout = open_timeout
        self._connection: Any = None
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self.errors: list[dict[str, Any]] = []  # error messages that named no request

    def _connect(self) -> Any:
        from websockets.sync.client import connect
        from websockets.typing import Subprotocol

        with self._lock:
            if self._connection is None:
                connection = connect(
                    self.url,
                    subprotocols=[Subprotocol("xio")],
                    open_timeout=self.open_timeout,
                )
                # Entered as a context manager (closed in close()): websockets wants that, and
                # warns about a bare connect() from version 16 on.
                connection.__enter__()
                self._connection = connection
                reader = threading.Thread(
                    target=self._read, args=(connection,), name="xio-websocket", daemon=True
                )
                reader.start()
            return self._connection

    def _read(self, connection: Any) -> None:
        try:
            for raw in connection:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                pending = self._pending.get(str(message.get("id")))
                kind = message.get("type")
                if pending is None:
                    if kind == "error":
                        self.errors.append(message)
                    continue
                if kind == "fragment":
                    pending.fragments.append(_content(message))
                elif kind in ("response", "error"):
                    pending.message = message
                    pending.done.set()
        except Exception:  # the connection dropped: every waiter learns it below
            pass
        finally:
            with self._lock:
                if self._connection is connection:
                    self._connection = None
            for pending in list(self._pending.values()):
                pending.done.set()

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def __call__(
        self, method: str, xmethod: str | None, path: str, query: Any, data: Any, headers: Any
    ) -> Result:
        if isinstance(data, (bytes, bytearray)):
            try:
                data = bytes(data).decode("utf-8")
            except UnicodeDecodeError:
                raise TypeError(
                    "xio's websocket messages are JSON: send text or JSON data, not binary bytes"
                ) from None
        ident = str(next(self._ids))
        message = {
            "type": "request",
            "id": ident,
            "method": xmethod or method,
            "path": path.strip("/"),
            "query": query if isinstance(query, dict) else {},
            "data": data if data not in (None, "") else {},
            "headers": forward_headers(headers),
        }
        pending = self._pending[ident] = _Pending()
        try:
            try:
                connection = self._connect()
                with self._send_lock:
                    connection.send(json_dumps(message).decode("utf-8"))
            except (OSError, TimeoutError) as exc:
                return Result(502, f"502 Bad Gateway: {type(exc).__name__}: {exc}")
            except Exception as exc:  # websockets' own errors: refused handshake, closed socket
                return Result(502, f"502 Bad Gateway: {type(exc).__name__}: {exc}")
            if not pending.done.wait(self.timeout):
                return Result(408, f"408 Request Timeout: no answer within {self.timeout}s")
        finally:
            self._pending.pop(ident, None)
        answer = pending.message
        if answer is None:
            return Result(502, "502 Bad Gateway: the websocket closed before the answer")
        answer_headers = answer.get("headers") or {}
        content_type = next(
            (str(v) for k, v in answer_headers.items() if k.lower() == "content-type"), None
        )
        content = _content(answer)
        if pending.fragments or "fragments" in answer:
            content = pending.fragments
        if method == "HEAD":
            content = None
        return Result(int(answer.get("status") or 500), content, dict(answer_headers), content_type)

    def __repr__(self) -> str:
        return f"<xio websocket target {self.url}>"
