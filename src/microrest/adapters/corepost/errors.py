"""CorePost's answers for errors, registered as exception handlers on the adapter's own App.

They apply to its routes and to routing misses under its mount prefix: unknown URL -> 404
``URL '<path>' not found``; REST exceptions -> their response; framework 400s -> text; other
exceptions -> 500 without details (traceback only in debug). ``compat`` turns 405 into the
original's empty 501, and so every method twisted.web did not know.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any

from ...errors import HTTPError, MethodNotAllowed, NotFound
from ...responses import PlainTextResponse
from ...toolkit import error_logger as logger
from .dispatch import FACADE_KEY, TWISTED_METHODS
from .exceptions import RESTException
from .headers import HeaderDict
from .outcome import TEXT_HEADERS, apply_filters, to_core
from .request import CorePostRequest
from .response import Response

if TYPE_CHECKING:
    from ...app import App
    from ...requests import Request
    from ...responses import Response as CoreResponse
    from ...types import Scope
    from .base import CorePostApp

__all__ = ["install_error_handlers"]


def _facade(owner: CorePostApp | None, request: Request) -> CorePostRequest:
    facade = request.scope.get(FACADE_KEY)
    if facade is None:
        facade = CorePostRequest(request)
        request.scope[FACADE_KEY] = facade
        if owner is not None:
            for item in owner.request_filters:
                try:
                    item.filterRequest(facade)
                    facade.apply_header_edits()
                except Exception:  # already failing; the miss is what the client gets
                    logger.exception("CorePost request filter failed on an error path")
    return facade


def install_error_handlers(app: App, owner: CorePostApp | None) -> None:
    """Register the CorePost error answers on ``app`` (``owner`` supplies filters and compat)."""
    compat = owner.compat if owner is not None else False
    response_filters: tuple[Any, ...] = owner.response_filters if owner is not None else ()

    def answer(request: Request, response: Response) -> CoreResponse:
        facade = _facade(owner, request)
        if response_filters:
            apply_filters(response_filters, facade, response)
        return to_core(facade, response)

    def not_implemented(request: Request, allowed: list[str]) -> CoreResponse:
        headers = HeaderDict(TEXT_HEADERS)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
        return answer(request, Response(501, "", headers))

    def on_rest_exception(request: Request, exc: Exception) -> CoreResponse:
        assert isinstance(exc, RESTException)
        return answer(request, exc.response)

    def miss_answer(scope: Scope) -> CoreResponse | None:
        """The routing miss with nothing that could change its answer (no filter, no facade
        whose setHeader headers to merge): on_not_found's answer without the facade, the
        CorePost Response, its HeaderDict and to_core's header checks (140.2k -> 99.9k
        instructions per 404, callgrind). The core sends it for a miss no user handler can
        take (App.set_style_miss_answer); None leaves the miss to on_not_found."""
        if compat and scope["method"] not in TWISTED_METHODS:
            return None
        if FACADE_KEY in scope or response_filters or (owner is not None and owner.request_filters):
            return None
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        return PlainTextResponse(f"URL '{path}' not found\n", 404)

    # async on purpose: the pipeline asks is_async_callable() of every handler it calls, and
    # for a plain function that takes two inspect lookups instead of one: 99.9k -> 94.4k
    # instructions per 404 (callgrind).
    async def on_not_found(request: Request, exc: Exception) -> CoreResponse:
        assert isinstance(exc, NotFound)
        scope = request.scope
        if compat and scope["method"] not in TWISTED_METHODS:
            return not_implemented(request, [])
        if "route" in scope and exc.detail != "Not Found":
            return answer(request, Response(404, exc.detail, TEXT_HEADERS))
        plain = miss_answer(scope)
        if plain is not None:
            return plain
        facade = _facade(owner, request)
        text = f"URL '{facade.path}' not found\n"
        return answer(request, Response(404, text, TEXT_HEADERS))

    def on_not_allowed(request: Request, exc: Exception) -> CoreResponse:
        assert isinstance(exc, MethodNotAllowed)
        if compat:
            return not_implemented(request, exc.allowed)
        headers = TEXT_HEADERS | dict(exc.headers)
        return answer(request, Response(405, exc.detail, headers))

    def on_http_error(request: Request, exc: Exception) -> CoreResponse:
        assert isinstance(exc, HTTPError)
        headers = TEXT_HEADERS | dict(exc.headers)
        return answer(request, Response(exc.status_code, exc.detail, headers))

    def on_exception(request: Request, exc: Exception) -> CoreResponse:
        logger.error(
            "Unhandled exception in CorePost handler for %s %s",
            request.method,
            request.path,
            exc_info=exc,
        )
        # headers the failed handler set (maybe the very header that failed) are not sent
        _facade(owner, request).response_headers = ()
        text = "Unexpected server error"
        if app.debug:
            text += "\n" + "".join(traceback.format_exception(exc))
        return answer(request, Response(500, text, TEXT_HEADERS))

    # Style defaults: a handler the user registers on this app or any app above ranks first.
    app.add_style_exception_handler(RESTException, on_rest_exception)
    app.add_style_exception_handler(NotFound, on_not_found)
    app.set_style_miss_answer(miss_answer)
    app.add_style_exception_handler(MethodNotAllowed, on_not_allowed)
    app.add_style_exception_handler(HTTPError, on_http_error)
    app.add_style_exception_handler(Exception, on_exception)
