"""xio's websocket service: the app's public resources over one websocket, as JSON messages.

A client sends ``{"type": "request", "id", "method", "path", "query", "data", "headers"}`` and
gets ``{"type": "response", "id", "status", "headers", "content"}``; a handler that returns a
generator streams ``{"type": "fragment", "id", "content"}`` messages first, then a response
with empty content. Requests run concurrently, so several can be in flight on one socket and
are answered by id in the order they finish. A handler that has not answered within the
timeout gets a 408 response (its late result is dropped). A message that cannot be served gets
an ``{"type": "error", "status", "content"}`` message (with the ``id`` when one was readable)
or, for a request with an id, a 4xx response: the socket stays open either way.

Paths are relative to ``www`` and go through ``App.public_request``: nothing outside the public
tree is reachable. The handler sees the connection in ``req.context["websocket"]``, as xio's
did.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from ... import WebSocket, WebSocketDisconnect
from ...toolkit import error_logger, json_dumps

if TYPE_CHECKING:
    from .app import App

__all__ = ["DEFAULT_TIMEOUT", "MAX_IN_FLIGHT", "SUBPROTOCOL", "WebSocketService"]

#: xio's own wait for an answer before it gave up with 408 (seconds).
DEFAULT_TIMEOUT = 5.0
#: Requests one socket may have running at once; more get a 429 response.
MAX_IN_FLIGHT = 32
#: The subprotocol xio's clients offered; accepted when offered, not required.
SUBPROTOCOL = "xio"

_END = object()
_REQUEST_FIELDS = ("method", "path", "query", "data", "headers")


class _Refused(Exception):
    """A message that cannot be served: answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _encode(message: dict[str, Any]) -> str:
    try:
        return json_dumps(message).decode("utf-8")
    except (TypeError, ValueError):
        # A handler's content with values JSON cannot carry (dates, objects): their str(),
        # as xio sent them, rather than losing the whole answer.
        return json.dumps(message, default=str)


def _wire_headers(result: Any) -> dict[str, str]:
    headers = {str(name).replace("_", "-"): str(value) for name, value in result.headers.items()}
    content_type = result.content_type
    if content_type and not any(name.lower() == "content-type" for name in headers):
        headers["content-type"] = content_type
    return headers


def _wire_content(content: Any) -> tuple[Any, dict[str, Any]]:
    """``(content, extra fields)``: JSON values as they are, bytes as text when they are UTF-8
    (else base64, flagged ``"encoding": "base64"``), anything else as its ``str()``."""
    if content is None or isinstance(content, (str, int, float, bool, dict, list)):
        return content, {}
    if isinstance(content, tuple):
        return list(content), {}
    if isinstance(content, (bytes, bytearray, memoryview)):
        raw = bytes(content)
        try:
            return raw.decode("utf-8"), {}
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii"), {"encoding": "base64"}
    return str(content), {}


def _read_file(handle: Any) -> Any:
    try:
        return handle.read()
    finally:
        handle.close()


def _request_fields(message: dict[str, Any]) -> dict[str, Any]:
    """The request's fields, checked: a clear 400 for each wrong one."""
    method = message.get("method", "GET")
    if not isinstance(method, str) or not method.strip() or not method.strip().isalpha():
        raise _Refused(400, f"'method' must be a method name such as \"GET\", got {method!r}")
    path = message.get("path", "")
    if path is None:
        path = ""
    if not isinstance(path, str):
        raise _Refused(400, f"'path' must be a string (relative to www), got {path!r}")
    query = message.get("query")
    if query is not None and not isinstance(query, dict):
        raise _Refused(400, f"'query' must be an object, got {type(query).__name__}")
    headers = message.get("headers")
    if headers is not None and (
        not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values())
    ):
        raise _Refused(400, "'headers' must be an object of string values")
    return {
        "method": method.strip().upper(),
        "path": path,
        "query": query,
        "data": message.get("data"),
        "headers": headers,
    }


class WebSocketService:
    """The message protocol for one app: an ``async def handler(websocket)`` for a core
    ``WebSocketRoute``. ``timeout`` (seconds, None for none) bounds each wait for the
    handler: for its result and, when it streams, for each next fragment."""

    def __init__(
        self,
        app: App,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError(f"the websocket timeout must be positive or None, got {timeout}")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.app = app
        self.timeout = timeout
        self.max_in_flight = max_in_flight

    async def __call__(self, websocket: WebSocket) -> None:
        offered = SUBPROTOCOL in websocket.requested_subprotocols
        await websocket.accept(subprotocol=SUBPROTOCOL if offered else None)
        await _Session(self, websocket).run()


class _Session:
    """One connection: reads messages, runs each request as a task, answers by id."""

    def __init__(self, service: WebSocketService, websocket: WebSocket) -> None:
        self.service = service
        self.app = service.app
        self.websocket = websocket
        self.in_flight: set[Any] = set()
        self.tasks: anyio.abc.TaskGroup | None = None
        client = websocket.client
        self.remote_addr = client.host if client is not None else None

    async def run(self) -> None:
        async with anyio.create_task_group() as tasks:
            self.tasks = tasks
            try:
                while True:
                    message = await self.websocket.receive()
                    if message["type"] == "websocket.disconnect":
                        break
                    await self.on_message(message)
            except WebSocketDisconnect:
                pass
            # The client left: what is still running has no one to answer.
            tasks.cancel_scope.cancel()

    async def send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(_encode(message))

    async def error(self, status: int, text: str, ident: Any = None) -> None:
        message: dict[str, Any] = {"type": "error", "status": status, "content": text}
        if ident is not None:
            message["id"] = ident
        await self.send(message)

    async def on_message(self, raw: Mapping[str, Any]) -> None:
        text = raw.get("text")
        if text is None:
            try:
                text = (raw.get("bytes") or b"").decode("utf-8")
            except UnicodeDecodeError:
                await self.error(400, "a binary message must be UTF-8 JSON")
                return
        try:
            message = json.loads(text)
        except ValueError as exc:
            await self.error(400, f"the message is not JSON: {exc}")
            return
        except RecursionError:
            await self.error(400, "the message is nested too deeply")
            return
        if not isinstance(message, dict):
            await self.error(400, "a message must be a JSON object with a 'type'")
            return
        kind = message.get("type", "request" if "method" in message else None)
        ident = message.get("id")
        if ident is not None and (not isinstance(ident, (str, int)) or isinstance(ident, bool)):
            await self.error(400, "'id' must be a string or an integer")
            return
        if kind != "request":
            hint = (
                "publish/subscribe is not supported by this server"
                if kind in ("publish", "subscribe", "unsubscribe")
                else "this server answers 'request' messages only"
            )
            await self.error(400, f"unsupported message type {kind!r}: {hint}", ident)
            return
        if ident is None:
            await self.error(400, "a request needs an 'id' to answer it by")
            return
        if ident in self.in_flight:
            await self.respond(ident, 409, f"409 Conflict: request {ident!r} is already in flight")
            return
        if len(self.in_flight) >= self.service.max_in_flight:
            limit = self.service.max_in_flight
            await self.respond(ident, 429, f"429 Too Many Requests: at most {limit} in flight")
            return
        try:
            fields = _request_fields(message)
        except _Refused as refused:
            await self.respond(ident, refused.status, f"{refused.status} {refused.message}")
            return
        assert self.tasks is not None
        self.in_flight.add(ident)
        self.tasks.start_soon(self.answer, ident, fields)

    async def respond(
        self, ident: Any, status: int, content: Any, headers: dict[str, str] | None = None
    ) -> None:
        await self.send(
            {
                "type": "response",
                "id": ident,
                "status": status,
                "headers": headers or {},
                "content": content,
            }
        )

    async def within(self, func: Callable[[], Any]) -> tuple[bool, Any]:
        """Run ``func`` under the app's sync policy for at most the timeout: ``(finished,
        value)``. A thread cannot be stopped: one that overruns finishes unobserved."""
        assert self.tasks is not None
        box: list[tuple[bool, Any]] = []
        finished = anyio.Event()
        run = self.app.asgi.concurrency.run

        async def work() -> None:
            try:
                box.append((True, await run(func)))
            except Exception as exc:
                box.append((False, exc))
            finally:
                finished.set()

        self.tasks.start_soon(work)
        with anyio.move_on_after(self.service.timeout):
            await finished.wait()
        if not box:
            return False, None
        ok, value = box[0]
        if not ok:
            raise value
        return True, value

    async def timed_out(self, ident: Any) -> None:
        await self.respond(
            ident, 408, f"408 Request Timeout: no answer within {self.service.timeout}s"
        )

    async def answer(self, ident: Any, fields: dict[str, Any]) -> None:
        try:
            await self._answer(ident, fields)
        except WebSocketDisconnect:
            pass
        except Exception as exc:  # public_request never raises for a handler: a defect here
            error_logger.error("xio websocket request %r failed", ident, exc_info=exc)
            with contextlib.suppress(WebSocketDisconnect):
                await self.respond(ident, 500, "500 Internal Server Error")
        finally:
            self.in_flight.discard(ident)

    async def _answer(self, ident: Any, fields: dict[str, Any]) -> None:
        context = {"websocket": self.websocket, "remote_addr": self.remote_addr}
        call = functools.partial(
            self.app.public_request,
            fields["method"],
            fields["path"],
            query=fields["query"],
            data=fields["data"],
            headers=fields["headers"],
            context=context,
        )
        finished, result = await self.within(call)
        if not finished:
            await self.timed_out(ident)
            return
        content = result.content
        if isinstance(content, (types.GeneratorType, map, filter)):
            await self._stream(ident, result, iter(content))
            return
        if hasattr(content, "read"):
            finished, content = await self.within(functools.partial(_read_file, content))
            if not finished:
                await self.timed_out(ident)
                return
        value, extra = _wire_content(content)
        message = {
            "type": "response",
            "id": ident,
            "status": result.status,
            "headers": _wire_headers(result),
            "content": value,
            **extra,
        }
        await self.send(message)

    async def _stream(self, ident: Any, result: Any, items: Any) -> None:
        finished = True
        count = 0
        try:
            while True:
                finished, item = await self.within(functools.partial(next, items, _END))
                if not finished:
                    await self.timed_out(ident)
                    return
                if item is _END:
                    break
                value, extra = _wire_content(item)
                await self.send({"type": "fragment", "id": ident, "content": value, **extra})
                count += 1
        finally:
            if finished and isinstance(items, types.GeneratorType):
                items.close()  # its finally blocks run now (a client that left, say)
        headers = _wire_headers(result)
        headers.pop("content-type", None)  # the fragments were the content
        # content "" as xio sent it; "fragments" (our addition) tells an empty stream apart
        await self.send(
            {
                "type": "response",
                "id": ident,
                "status": result.status,
                "headers": headers,
                "content": "",
                "fragments": count,
            }
        )
