"""WebSockets in the core: the route record, the connection object handlers get, and serving.

Names follow Starlette's (``WebSocket``, ``WebSocketDisconnect``, ``WebSocketRoute``,
``accept``/``receive_text``/``send_json``/``iter_text``/``close``...) so handlers move over as
they are. What the core adds: the bounds of ``Limits`` (message size, idle time, a client that
does not read), the origin check before accept, subprotocol negotiation, and a handler's end,
clean or not, always closing the connection properly. docs/websockets.md is the user's guide.
"""

from __future__ import annotations

import enum
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import anyio
import anyio.lowlevel
from starlette.datastructures import Headers, QueryParams

from .codec import json_dumps, json_loads
from .concurrency import is_async_callable
from .connection import HTTPConnection
from .errors import BadRequest, ConfigurationError, HTTPError, MicrorestError
from .limits import Limits
from .pipeline import SERVER_ERROR_KEY, logger
from .responses import encode_headers
from .routing.route import Route, qualname_of

if TYPE_CHECKING:
    from .app import App
    from .types import Message, Receive, Scope, Send

__all__ = [
    "WEBSOCKET_METHOD",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketRoute",
    "WebSocketState",
    "origin_allowed",
    "serve_websocket",
]

WEBSOCKET_METHOD = "WS"
"""The method websocket routes carry in the route table (``App.routes()``, ``microrest routes``)."""

DEFAULT_LIMITS = Limits()
_log = logging.getLogger("microrest.websocket")
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
# Close codes (RFC 6455 section 7.4.1)
NORMAL, GOING_AWAY, ABNORMAL = 1000, 1001, 1006
UNSUPPORTED_DATA, INVALID_PAYLOAD, POLICY_VIOLATION, TOO_BIG, INTERNAL_ERROR = (
    1003,
    1007,
    1008,
    1009,
    1011,
)
_MAX_REASON = 123  # bytes a close frame's reason may hold
_YIELD_EVERY = 32  # sends in a row that did not wait, before one pass of the event loop
_NOT_STARTED: Any = object()  # a send awaitable that is not a coroutine: awaited as it is
_CLOSE_WAIT = 5.0  # seconds a close frame may wait for the client at most


class WebSocketState(enum.Enum):
    """Where each side of a connection is: the client's, and the application's."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2


class WebSocketDisconnect(MicrorestError):
    """The connection is closed: the client left, or the core closed it (a bound was passed).

    Raised by ``receive_*`` and ``send_*``; a handler that lets it propagate ends cleanly,
    with nothing logged above debug level.
    """

    def __init__(self, code: int = NORMAL, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        super().__init__(f"websocket closed ({code}{': ' + self.reason if self.reason else ''})")


def _reason(text: str) -> str:
    """A close reason that fits the frame (123 UTF-8 bytes), cut on a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= _MAX_REASON:
        return text
    return encoded[:_MAX_REASON].decode("utf-8", "ignore")


def _normalise_origins(origins: Iterable[str] | None) -> tuple[str, ...] | None:
    if origins is None:
        return None
    if isinstance(origins, str):
        origins = [origins]
    result = []
    for origin in origins:
        origin = origin.strip().lower().rstrip("/")
        if origin != "*" and "://" not in origin:
            raise ConfigurationError(
                f"allowed origin {origin!r} needs a scheme, like 'https://{origin}' (or '*')"
            )
        result.append(origin)
    return tuple(result)


def _host_port(netloc: str, scheme: str) -> str:
    """``host[:port]`` lowercased, the scheme's default port left out."""
    netloc = netloc.lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default is not None and netloc.endswith(f":{default}"):
        return netloc[: -len(str(default)) - 1]
    return netloc


def origin_allowed(scope: Scope, allowed: tuple[str, ...] | None) -> bool:
    """Whether the handshake's ``Origin`` may open this websocket.

    No ``Origin`` header: not a browser, allowed (browsers always send it on websockets, so a
    cross-site page cannot leave it out). ``allowed`` None: same origin only, the Origin's
    host and port must equal the ``Host`` header's. Otherwise the origin must be listed, or
    the list must hold ``"*"``.
    """
    origin = host = None
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            origin = value.decode("latin-1").strip().lower().rstrip("/")
        elif name == b"host":
            host = value.decode("latin-1").strip()
    if origin is None:
        return True
    if allowed is not None:
        return "*" in allowed or origin in allowed
    if host is None or origin == "null":
        return False
    parts = urlsplit(origin)
    if not parts.netloc:
        return False
    return _host_port(parts.netloc, parts.scheme) == _host_port(host, parts.scheme)


class WebSocketRoute(Route):
    """A websocket endpoint on a path: ``async def handler(websocket)``.

    ``path`` is a template (typed placeholders as for HTTP routes) or a compiled regex.
    ``subprotocols`` lists what the handler speaks, in the server's order of preference;
    ``allowed_origins`` overrides the app's ``Limits.websocket_allowed_origins``.
    """

    __slots__ = ("subprotocols", "allowed_origins")

    def __init__(
        self,
        path: Any,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        subprotocols: Iterable[str] = (),
        allowed_origins: Iterable[str] | None = None,
        limits: Limits | None = None,
        style: str | None = None,
        source: object = None,
    ) -> None:
        if not is_async_callable(endpoint):
            raise ConfigurationError(
                f"websocket route {path!r}: {endpoint!r} must be an 'async def' handler taking "
                "the websocket (a connection lives on the event loop, not in a thread)"
            )
        super().__init__(
            path,
            endpoint,
            [WEBSOCKET_METHOD],
            name=name,
            raw=True,
            style=style,
            limits=limits,
            trailing_slash="strict",
            source=source,
        )
        self.subprotocols: tuple[str, ...] = (
            (subprotocols,) if isinstance(subprotocols, str) else tuple(subprotocols)
        )
        self.allowed_origins = _normalise_origins(allowed_origins)

    def check_endpoint(self, pattern: Any, endpoint: Callable[..., Any], raw: bool) -> None:
        """A websocket handler is called with the websocket alone."""
        try:
            inspect.signature(endpoint).bind(None)
        except TypeError:
            raise ConfigurationError(
                f"websocket route {pattern!r}: {qualname_of(endpoint)} must take the websocket "
                "as its one positional parameter (async def handler(websocket): ...)"
            ) from None
        except ValueError:  # no signature to check (some C callables)
            return

    def with_prefix(self, prefix: str) -> WebSocketRoute:
        base = Route.with_prefix(self, prefix)
        clone = WebSocketRoute.__new__(WebSocketRoute)
        for slot in Route.__slots__:
            setattr(clone, slot, getattr(base, slot))
        clone.subprotocols = self.subprotocols
        clone.allowed_origins = self.allowed_origins
        return clone

    def __repr__(self) -> str:
        return f"WebSocketRoute({self.path!r}, style={self.style!r})"


class WebSocket(HTTPConnection):
    """One websocket connection, as its handler sees it.

    The handshake request's data (``url``, ``path_params``, ``query_params``, ``headers``,
    ``cookies``, ``client``, ``state``) as on a ``Request``; then ``accept()``, the
    ``receive_*``/``send_*``/``iter_*`` methods and ``close()``. Every receive and send raises
    ``WebSocketDisconnect`` once the connection is closed, whoever closed it.
    """

    __slots__ = (
        "_receive",
        "_send",
        "client_state",
        "application_state",
        "close_code",
        "close_reason",
        "limits",
        "_max_size",
        "_text_fits",
        "_idle",
        "_send_timeout",
        "_max_queue",
        "_offers",
        "_busy",
        "_waiters",
        "_eager",
        "_last",
    )

    def __init__(
        self, scope: Scope, receive: Receive, send: Send, route: WebSocketRoute | None = None
    ) -> None:
        if scope["type"] != "websocket":
            raise ConfigurationError(f"WebSocket needs a websocket scope, got {scope['type']!r}")
        self.scope = scope
        self._receive = receive
        self._send = send
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING
        self.close_code: int | None = None
        self.close_reason = ""
        limits = (route.limits if route is not None else None) or DEFAULT_LIMITS
        self.limits = limits
        self._max_size = limits.websocket_max_message_size
        self._text_fits = (self._max_size or 0) // 4
        self._idle = limits.websocket_idle_timeout
        self._send_timeout = limits.websocket_send_timeout
        self._max_queue = limits.websocket_max_queue
        self._offers: tuple[str, ...] = route.subprotocols if route is not None else ()
        self._busy = False
        self._waiters: list[anyio.Event] = []
        self._eager = 0  # sends in a row that completed without waiting
        self._last = anyio.current_time() if self._idle is not None else 0.0
        self._headers: Headers | None = None
        self._query: QueryParams | None = None
        self._cookies: dict[str, str] | None = None

    # the handshake request ----------------------------------------------------------------

    @property
    def requested_subprotocols(self) -> list[str]:
        """What the client offered in ``Sec-WebSocket-Protocol``, in its order."""
        return list(self.scope.get("subprotocols") or ())

    @property
    def subprotocol(self) -> str | None:
        """The route's first subprotocol (server preference) that the client offered."""
        offered = self.scope.get("subprotocols") or ()
        for name in self._offers:
            if name in offered:
                return name
        return None

    # the raw channel ----------------------------------------------------------------------

    async def receive(self) -> Message:
        """The next ASGI message; a received one is checked against the size limit."""
        if self.client_state is WebSocketState.CONNECTED:
            if self._idle is None:
                message = await self._receive()
            else:
                message = await self._receive_or_idle(self._idle)
            kind = message["type"]
            if kind == "websocket.receive":
                if self._max_size is not None:
                    # a text of at most a quarter of the limit in characters fits in bytes too
                    text = message.get("text")
                    if text is None or len(text) > self._text_fits:
                        await self._check_size(message, self._max_size)
                return message
            if kind == "websocket.disconnect":
                self.client_state = WebSocketState.DISCONNECTED
                self.application_state = WebSocketState.DISCONNECTED
                self.close_code = message.get("code", NORMAL)
                self.close_reason = message.get("reason") or ""
                return message
            raise RuntimeError(f"unexpected ASGI message {kind!r} on a connected websocket")
        if self.client_state is WebSocketState.CONNECTING:
            message = await self._receive()
            if message["type"] != "websocket.connect":
                raise RuntimeError(f"expected 'websocket.connect', got {message['type']!r}")
            self.client_state = WebSocketState.CONNECTED
            return message
        raise WebSocketDisconnect(self.close_code or NORMAL, self.close_reason)

    async def _receive_or_idle(self, idle: float) -> Message:
        while True:
            remaining = self._last + idle - anyio.current_time()
            if remaining > 0:
                with anyio.move_on_after(remaining):
                    message = await self._receive()
                    self._last = anyio.current_time()
                    return message
            if self._last + idle <= anyio.current_time():  # a send may have moved _last
                await self._shut(GOING_AWAY, "idle timeout")

    async def _check_size(self, message: Message, limit: int) -> None:
        text = message.get("text")
        if text is not None:
            # characters <= UTF-8 bytes <= 4 * characters: encode only when it can matter
            size = len(text) if len(text) * 4 <= limit else len(text.encode("utf-8", "replace"))
        else:
            size = len(message.get("bytes") or b"")
        if size > limit:
            await self._shut(TOO_BIG, f"message of {size} bytes exceeds {limit}")

    async def send(self, message: Message) -> None:
        """Send one ASGI message, waiting for a slow client within the send limits."""
        if self.application_state is not WebSocketState.CONNECTED:
            if self.application_state is WebSocketState.CONNECTING:
                await self._handshake_message(message)
                return
            raise WebSocketDisconnect(self.close_code or NORMAL, self.close_reason)
        if self._busy:
            await self._wait_turn()
        self._busy = True
        try:
            # Step the server's send once by hand: it nearly always completes without waiting
            # (the socket takes the frame), and then no timer is needed. A timer per message
            # (a cancel scope) cost four times the whole echo of a message (cProfile).
            pending: Any = self._send(message)
            step_into = getattr(pending, "send", None)  # a coroutine (any awaitable may come)
            if step_into is None:
                self._eager = 0
                await self._finish_send(pending, _NOT_STARTED)
            else:
                try:
                    step = step_into(None)
                except StopIteration:
                    self._eager += 1
                else:
                    self._eager = 0
                    await self._finish_send(pending, step)
        except OSError:  # the server's "client disconnected" (uvicorn raises an OSError)
            self._lost()
            raise WebSocketDisconnect(ABNORMAL, "client disconnected during a send") from None
        finally:
            self._busy = False
            if self._waiters:
                for waiter in self._waiters:
                    waiter.set()
                self._waiters.clear()
        if self._idle is not None:
            self._last = anyio.current_time()
        if self._eager >= _YIELD_EVERY:
            # While the socket takes every frame at once, a send never waits, and a loop of
            # sends would never let the event loop run: not even to see the client leave.
            self._eager = 0
            await anyio.lowlevel.checkpoint()

    async def _finish_send(self, pending: Any, step: Any) -> None:
        """The rest of a send that had to wait for the client, within the send timeout."""
        rest = pending if step is _NOT_STARTED else _Resumed(pending, step)
        if self._send_timeout is None:
            await rest
            return
        with anyio.move_on_after(self._send_timeout) as timer:
            await rest
        if timer.cancelled_caught:
            self._busy = False  # the close frame below is a send of its own
            await self._shut(POLICY_VIOLATION, "client too slow: send timed out")

    async def _wait_turn(self) -> None:
        """Another task is mid-send to this client (a broadcaster, say): wait in line, but only
        so many may wait, or a client that does not read would pile messages up."""
        while self._busy:
            if len(self._waiters) >= self._max_queue:
                await self._shut(POLICY_VIOLATION, "client too slow: too many messages queued")
            waiter = anyio.Event()
            self._waiters.append(waiter)
            await waiter.wait()
        if self.application_state is not WebSocketState.CONNECTED:
            raise WebSocketDisconnect(self.close_code or NORMAL, self.close_reason)

    async def _handshake_message(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.application_state = WebSocketState.CONNECTED
        elif kind == "websocket.close":
            self.application_state = WebSocketState.DISCONNECTED
        else:
            raise RuntimeError(f"a websocket must be accepted or closed first, not sent {kind!r}")
        await self._send(message)

    def _lost(self) -> None:
        self.client_state = WebSocketState.DISCONNECTED
        self.application_state = WebSocketState.DISCONNECTED
        self.close_code = ABNORMAL

    async def _shut(self, code: int, reason: str) -> NoReturn:
        """Close from the core's side (a bound was passed) and end the handler's wait."""
        await self._close_frame(code, reason)
        raise WebSocketDisconnect(code, reason)

    async def _close_frame(self, code: int, reason: str) -> None:
        if self.application_state is WebSocketState.DISCONNECTED:
            return
        self.application_state = WebSocketState.DISCONNECTED
        self.close_code, self.close_reason = code, reason
        if self.client_state is WebSocketState.DISCONNECTED:
            return  # the client is gone: a close frame would have nobody to go to
        # Bounded: a client that does not read would not take the close frame either.
        with anyio.move_on_after(min(self._send_timeout or _CLOSE_WAIT, _CLOSE_WAIT)):
            try:
                await self._send({"type": "websocket.close", "code": code, "reason": reason})
            except (OSError, RuntimeError) as exc:
                # The client went away unseen (OSError), or the server already counts the
                # connection as closed (uvicorn's RuntimeError): nobody is left to tell.
                _log.debug("close frame for %s not sent: %r", self.scope.get("path"), exc)
                self.client_state = WebSocketState.DISCONNECTED

    # the handshake ------------------------------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | Mapping[str, str] | None = None,
    ) -> None:
        """Complete the handshake; ``subprotocol`` defaults to the negotiated one."""
        if self.client_state is WebSocketState.CONNECTING:
            await self.receive()
        if self.application_state is not WebSocketState.CONNECTING:
            raise RuntimeError("accept() was called on a websocket already accepted or closed")
        if subprotocol is None:
            subprotocol = self.subprotocol
        elif subprotocol not in (self.scope.get("subprotocols") or ()):
            raise ConfigurationError(
                f"accept(subprotocol={subprotocol!r}): the client offered only "
                f"{self.requested_subprotocols}; pick one of those or none"
            )
        message: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            if isinstance(headers, Mapping):
                message["headers"] = encode_headers(headers)
            else:
                message["headers"] = [(bytes(name), bytes(value)) for name, value in headers]
        await self.send(message)

    async def close(self, code: int = NORMAL, reason: str | None = None) -> None:
        """Close the connection (before accept: refuse it, a 403 over HTTP). Idempotent."""
        if self.client_state is WebSocketState.CONNECTING:
            await self.receive()
        await self._close_frame(code, _reason(reason or ""))

    # messages -----------------------------------------------------------------------------

    async def receive_text(self) -> str:
        message = await self.receive()
        text: str | None = message.get("text")
        if text is None:
            await self._unexpected(message, "expected a text message, got binary")
        return text

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        data: bytes | None = message.get("bytes")
        if data is None:
            await self._unexpected(message, "expected a binary message, got text")
        return data

    async def receive_json(self, mode: str = "text") -> Any:
        """A JSON document; invalid or too deep JSON closes with 1007 (the client's fault)."""
        if mode not in ("text", "binary"):
            raise ConfigurationError(f"receive_json(mode={mode!r}): use 'text' or 'binary'")
        payload: str | bytes = (
            await self.receive_text() if mode == "text" else await self.receive_bytes()
        )
        try:
            return json_loads(payload, self.limits.max_json_depth)
        except BadRequest as exc:
            await self._shut(INVALID_PAYLOAD, _reason(exc.detail))

    async def _unexpected(self, message: Message, problem: str) -> NoReturn:
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(self.close_code or NORMAL, self.close_reason)
        await self._shut(UNSUPPORTED_DATA, problem)

    async def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the client closes (the loop then just ends)."""
        # receive_text() inlined: one coroutine less per message on the commonest loop
        try:
            while True:
                message = await self.receive()
                text: str | None = message.get("text")
                if text is None:
                    await self._unexpected(message, "expected a text message, got binary")
                yield text
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        try:
            while True:
                message = await self.receive()
                data: bytes | None = message.get("bytes")
                if data is None:
                    await self._unexpected(message, "expected a binary message, got text")
                yield data
        except WebSocketDisconnect:
            pass

    async def iter_json(self) -> AsyncIterator[Any]:
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        if mode == "text":
            await self.send({"type": "websocket.send", "text": json_dumps(data).decode("utf-8")})
        elif mode == "binary":
            await self.send({"type": "websocket.send", "bytes": json_dumps(data)})
        else:
            raise ConfigurationError(f"send_json(mode={mode!r}): use 'text' or 'binary'")

    def __repr__(self) -> str:
        return f"<WebSocket {self.scope.get('path')!r} {self.application_state.name}>"


class _Resumed:
    """Await the rest of a coroutine already stepped once by hand (``yield from`` it again).

    Cancellation thrown in reaches the coroutine, so timeouts around this work as around it.
    """

    __slots__ = ("coroutine", "step")

    def __init__(self, coroutine: Any, step: Any) -> None:
        self.coroutine = coroutine
        self.step = step

    def __await__(self) -> Any:
        coroutine, step = self.coroutine, self.step
        while True:
            try:
                value = yield step
            except BaseException as exc:
                try:
                    step = coroutine.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    step = coroutine.send(value)
                except StopIteration as done:
                    return done.value


# serving ------------------------------------------------------------------------------------


async def serve_websocket(app: App, scope: Scope, receive: Receive, send: Send) -> None:
    """Route a websocket scope: a websocket route, a black-box mount, or a refusal (403)."""
    path: str = scope["path"]
    root = scope.get("root_path")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    router = app.websocket_router
    hit = router.lookup(WEBSOCKET_METHOD, path) if router.all_routes else None
    if isinstance(hit, tuple):
        route, params, groups = hit
        scope["path_params"] = params
        scope["route"] = route
        if groups:
            scope["path_groups"] = groups
        assert isinstance(route, WebSocketRoute)
        await run_websocket(route, scope, receive, send)
        return
    for prefix, mounted in app.router.mounts:
        if path == prefix or path.startswith(prefix + "/"):
            child = dict(scope)
            child["root_path"] = scope.get("root_path", "") + prefix
            await mounted(child, receive, send)
            return
    _log.info("websocket %s refused: no websocket route", path)
    await WebSocket(scope, receive, send).close(POLICY_VIOLATION, "no websocket route here")


async def run_websocket(route: WebSocketRoute, scope: Scope, receive: Receive, send: Send) -> None:
    """Run one handler: origin check first, then the handler, then a proper close."""
    websocket = WebSocket(scope, receive, send, route)
    allowed = route.allowed_origins
    if allowed is None:
        allowed = (route.limits or DEFAULT_LIMITS).websocket_allowed_origins
    if not origin_allowed(scope, allowed):
        origin = websocket.headers.get("origin")
        _log.warning("websocket %s refused: origin %r is not allowed", scope["path"], origin)
        await websocket.close(POLICY_VIOLATION, "origin not allowed")
        return
    try:
        await route.endpoint(websocket)
    except WebSocketDisconnect as exc:
        _log.debug("websocket %s closed (%s)", scope["path"], exc.code)
    except HTTPError as exc:
        if exc.status_code < 500:
            # A deliberate refusal (say Forbidden, before or after accept): a close with the
            # detail as reason, not a server error.
            await websocket.close(POLICY_VIOLATION, exc.detail)
            return
        _fail(scope, exc)
        await websocket.close(INTERNAL_ERROR)
        return
    except Exception as exc:
        if isinstance(exc, BaseExceptionGroup) and exc.split(WebSocketDisconnect)[1] is None:
            # A task group in the handler (a reader and a writer, say) saw the client leave.
            _log.debug("websocket %s closed (in a task group)", scope["path"])
            return
        _fail(scope, exc)
        if websocket.client_state is WebSocketState.CONNECTING:
            await websocket.receive()
        await websocket._close_frame(INTERNAL_ERROR, "")
        return
    if websocket.application_state is not WebSocketState.DISCONNECTED:
        if websocket.client_state is WebSocketState.CONNECTING:
            await websocket.receive()
        await websocket._close_frame(NORMAL, "")


def _fail(scope: Scope, exc: Exception) -> None:
    logger.error("Unhandled exception in websocket %s", scope.get("path"), exc_info=exc)
    scope[SERVER_ERROR_KEY] = exc  # the test client re-raises it when asked to
