"""The one error pipeline: every exception, miss and limit violation becomes a response here.

Who answers an exception, first match wins:

1. a handler the user registered in the style itself (web.py's error routes): the style asks
   these before the exception ever reaches this pipeline;
2. a handler the user registered with ``add_exception_handler`` on the app owning the route,
   then on each app it is mounted in, innermost first (by exception class along the MRO, then
   by status);
3. the styles' built-in default answers (``add_style_exception_handler``), innermost first;
4. the core's default: the ``HTTPError``'s status and detail (JSON for clients asking for JSON),
   else a logged 500.

A handler that re-raises the exception it was given declines it: the search goes on. One that
raises an ``HTTPError`` translates the error: the search goes on with that one.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .concurrency import is_async_callable
from .errors import ClientDisconnect, HTTPError, InvalidHeader
from .negotiation import best_match
from .responses import JSONResponse, PlainTextResponse, Response, render

if TYPE_CHECKING:
    from .app import App
    from .requests import Request
    from .types import Scope, Send

__all__ = [
    "ExceptionHandler",
    "default_error",
    "error_response",
    "handle_exception",
    "handler_chain",
    "logger",
    "wants_json",
]

logger = logging.getLogger("microrest.error")
SERVER_ERROR_KEY = "microrest.server_error"
ExceptionHandler = Callable[..., Any]


def wants_json(scope: Scope) -> bool:
    """Whether the client's Accept prefers JSON to plain text (the default error bodies)."""
    # Scanning the raw headers: building a Headers object would double a 404's cost.
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            # find(), not "in": bytes.__contains__ first tries its argument as an int and
            # builds a TypeError it then drops (1k instructions on a 404, callgrind).
            if value.find(b"json") == -1:
                return False
            # q-values decide: "application/json, text/plain;q=0.5" asks for JSON
            offers = ("text/plain", "application/json", "application/problem+json")
            return best_match(value.decode("latin-1"), offers) not in (None, "text/plain")
    return False


def error_response(request: Request, exc: HTTPError) -> Response:
    """The default body of an HTTPError: JSON for clients that ask for it, else plain text."""
    headers = exc.headers
    if type(headers) is not list:  # not the core's own list: no call on the common path
        headers = _header_pairs(headers)
    if wants_json(request.scope):
        return JSONResponse(
            {"error": exc.detail, "status": exc.status_code}, exc.status_code, headers
        )
    return PlainTextResponse(exc.detail, exc.status_code, headers)


_DEFAULT_ANSWERS: dict[tuple[int, bool], Response] = {}


def default_error(scope: Scope, status_code: int) -> Response:
    """The core's default answer to a bare ``HTTPError(status_code)``, built once per status
    and media type: for the miss nobody handles (no exception handler on the app), the bytes
    ``error_response`` would give, without an exception, a Request and a Response per request
    (with the router's cheaper _exists, a 404 went from 82.9k to 58.4k instructions,
    callgrind). Shared: the sender copies its headers (a middleware may edit what it sends)."""
    json_wanted = wants_json(scope)
    answer = _DEFAULT_ANSWERS.get((status_code, json_wanted))
    if answer is None:
        exc = HTTPError(status_code)
        if json_wanted:
            answer = JSONResponse({"error": exc.detail, "status": status_code}, status_code)
        else:
            answer = PlainTextResponse(exc.detail, status_code)
        _DEFAULT_ANSWERS[(status_code, json_wanted)] = answer
    return answer


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    """A style's error raised outside its style may carry the style's own headers object
    (web.py's ``HTTPHeaders``, or None): anything with ``items()`` is read as pairs."""
    if headers is None:
        return []
    items = getattr(headers, "items", None)
    return list(items() if items is not None else headers)


def request_line(scope: Scope) -> str:
    """``GET /path?query HTTP/1.1`` as the client sent it, for log lines."""
    raw = scope.get("raw_path")
    target = raw.decode("latin-1") if raw else scope.get("path", "")
    query = scope.get("query_string")
    if query:
        target += "?" + query.decode("latin-1")
    return f"{scope.get('method')} {target} HTTP/{scope.get('http_version', '1.1')}"


def _server_error(request: Request, exc: BaseException, debug: bool) -> Response:
    logger.error("Unhandled exception in %s", request_line(request.scope), exc_info=exc)
    # The test client reads this to re-raise in the test (raise_server_exceptions=True).
    request.scope[SERVER_ERROR_KEY] = exc
    if debug:
        text = "".join(traceback.format_exception(exc))
        return PlainTextResponse(text, 500)
    return error_response(request, HTTPError(500))  # JSON for clients asking for JSON


def _lookup(handlers: dict[Any, ExceptionHandler], exc: BaseException) -> ExceptionHandler | None:
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            return handler
    status = exc.status_code if isinstance(exc, HTTPError) else 500
    return handlers.get(status)


def handler_chain(owner: App | None, top: App) -> list[App]:
    """The apps whose handlers may answer an exception from ``owner``'s routes, innermost
    first, ``top`` last."""
    chain: list[App] = []
    app = owner
    while app is not None and app not in chain:
        chain.append(app)
        app = app.parent
    if top not in chain:
        chain.append(top)
    return chain


# Whether each handler is async, worked out once: is_async_callable's inspect calls cost about
# 1.5k instructions on every answer a style's handler gives, every style's 404 among them.
_ASYNC_HANDLERS: dict[int, tuple[ExceptionHandler, bool]] = {}


def _is_async(handler: ExceptionHandler) -> bool:
    known = _ASYNC_HANDLERS.get(id(handler))
    if known is not None and known[0] is handler:
        return known[1]
    result = is_async_callable(handler)
    if len(_ASYNC_HANDLERS) < 1024:  # handlers are registered, so few; never let it grow
        _ASYNC_HANDLERS[id(handler)] = (handler, result)
    return result


async def _call(handler: ExceptionHandler, request: Request, exc: BaseException) -> Response:
    if _is_async(handler):
        result = await handler(request, exc)
    else:
        result = handler(request, exc)
    return render(result)


async def respond_to_exception(
    top: App, owner: App | None, request: Request, exc: BaseException
) -> Response | None:
    """The response for ``exc``, or None when nobody should be answered (disconnects)."""
    if isinstance(exc, ClientDisconnect):
        logger.debug("client disconnected during %s %s", request.method, request.path)
        return None
    debug = top.debug or (owner is not None and owner.debug)
    # Every user handler up the chain, then every style default: a style's built-in answer
    # must not hide a handler the user put on an app above the route.
    tables: Sequence[dict[Any, ExceptionHandler]]
    if owner is None or owner is top:
        tables = (top.exception_handlers, top.style_exception_handlers)
    else:
        chain = handler_chain(owner, top)
        tables = [app.exception_handlers for app in chain]
        tables += [app.style_exception_handlers for app in chain]
    for handlers in tables:
        if not handlers:
            continue  # the common case (no handlers on an app): not even a call
        handler = _lookup(handlers, exc)
        if handler is None:
            continue
        try:
            return await _call(handler, request, exc)
        except Exception as failure:
            if failure is exc:
                continue  # re-raised as is: the handler declines, the next one may answer
            if isinstance(failure, HTTPError):
                exc = failure  # a handler may translate one error into another
                continue
            return _server_error(request, failure, debug)
    if isinstance(exc, HTTPError):
        try:
            return error_response(request, exc)
        except InvalidHeader as bad:
            return _server_error(request, bad, debug)
    return _server_error(request, exc, debug)


async def handle_exception(
    top: App, owner: App | None, request: Request, exc: BaseException, send: Send
) -> None:
    """Answer ``exc`` on ``send``; the response must not have started yet."""
    response = await respond_to_exception(top, owner, request, exc)
    if response is None:
        return
    try:
        await response(request.scope, request.receive, send)
    except InvalidHeader as bad:
        fallback = _server_error(request, bad, top.debug)
        await fallback(request.scope, request.receive, send)
