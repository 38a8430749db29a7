"""One core route per (URL, method): pick the handler by Content-Type, build its arguments,
call it, send its answer.

The endpoint is a raw ASGI callable so an async handler's ``request.write()`` can stream.
Everything it raises goes through the core error pipeline, where the adapter's own handlers
(``errors.py``) turn it into CorePost's answers.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any

from ...errors import (
    BadRequest,
    NotFound,
    NotImplementedHTTP,
    RouteConflict,
    UnsupportedMediaType,
)
from ...requests import Request
from ...toolkit import NO_BODY_STATUSES, json_loads, source_of
from .body import FORM_TYPES, parse_json, read_body
from .convert import JSON
from .enums import MediaType
from .handler import HandlerSpec
from .outcome import TEXT, apply_filters, render_result, stdlib_json, to_core
from .request import CorePostRequest
from .response import Response

if TYPE_CHECKING:
    from ...types import Receive, Scope, Send
    from .base import CorePostApp

__all__ = ["BODY_METHODS", "FACADE_KEY", "TWISTED_METHODS", "Dispatcher"]

FACADE_KEY = "corepost.request"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What twisted.web rendered; anything else it refused with 501 before CorePost saw it.
TWISTED_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "HEAD"})
# Results that are certainly not awaitable: the common ones skip ``inspect.isawaitable``.
_PLAIN_RESULTS = frozenset({dict, list, tuple, str, bytes, int, float, bool, type(None), Response})
_NO_PARAMS: dict[str, Any] = {}  # never changed: only ever unpacked or copied
_TEMPLATE_PARAM = re.compile(r"\{([A-Za-z_]\w*)")
_new = object.__new__
_TEXT_TYPE = TEXT.encode("latin-1")
_JSON_TYPE = JSON.encode("latin-1")


# Raw Content-Type values already seen -> their media type. The few a client uses come back on
# every request: one lookup instead of decode, split, strip and lower (4.8k -> 2.3k
# instructions per call, callgrind).
_MEDIA_TYPES: dict[bytes, str] = {}


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type = _MEDIA_TYPES.get(value) if type(value) is bytes else None
            if media_type is None:
                media_type = bytes(value).decode("latin-1").split(";", 1)[0].strip().lower()
                if len(_MEDIA_TYPES) < 64:  # bounded: values are the client's to choose
                    _MEDIA_TYPES[bytes(value)] = media_type
            return media_type
    return ""


class Dispatcher:
    """The endpoint of one (URL, method): its handlers by accepted media type."""

    __slots__ = (
        "owner",
        "method",
        "pattern",
        "handlers",
        "only",
        "post_codes",
        "path_names",
        "inline",
    )

    def __init__(self, owner: CorePostApp, method: str, pattern: str) -> None:
        self.owner = owner
        self.method = method
        self.pattern = pattern
        self.handlers: dict[str, HandlerSpec] = {}
        self.only: HandlerSpec | None = None
        self.post_codes = False  # some handler answers POST with another status than 201
        self.path_names = frozenset(_TEMPLATE_PARAM.findall(pattern))  # the path's arguments
        self.inline = owner.app.concurrency.mode == "inline"  # sync handlers called in place

    def add(self, accepts: tuple[str, ...], spec: HandlerSpec) -> None:
        for media_type in accepts:
            existing = self.handlers.get(media_type)
            if existing is not None:
                raise RouteConflict(
                    f"{self.method} {self.pattern} accepting {media_type} is registered twice: "
                    f"{existing.name} ({source_of(existing.source)}) and {spec.name} "
                    f"({source_of(spec.source)}); give one of them another URL, method or "
                    "accepts= media type"
                )
            self.handlers[media_type] = spec
        spec.fits_path = spec.fits(self.path_names)
        if spec.post_code != 201:
            self.post_codes = True
        only = self.handlers.get(MediaType.WILDCARD)
        self.only = only if len(self.handlers) == 1 else None

    def _select(self, media_type: str) -> HandlerSpec:
        spec = self.handlers.get(media_type) or self.handlers.get(MediaType.WILDCARD)
        if spec is None:
            if self.owner.compat:
                raise NotFound()
            accepted = ", ".join(sorted(self.handlers))
            raise UnsupportedMediaType(
                f"{self.method} {self.pattern} accepts {accepted}, not {media_type or 'no type'!r}"
            )
        return spec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        owner = self.owner
        # The facade, built here rather than by a constructor call (see facade_over).
        facade: CorePostRequest = _new(CorePostRequest)
        facade._scope = scope
        facade._receive = receive
        facade._request = None
        facade.method = method = scope["method"]
        facade.stream_send = None
        facade.touched = False
        try:
            if owner.request_filters:
                for item in owner.request_filters:
                    item.filterRequest(facade)
                facade.apply_header_edits()  # edited headers choose the handler, parser and format
                method = facade.method
            if owner.compat and method not in TWISTED_METHODS:
                raise NotImplementedHTTP()
            spec = self.only
            document: dict[str, Any] | None = None
            forms = False
            if method in BODY_METHODS:
                # _content_type(scope) for a value seen before, without its call
                media_type = ""
                for name, value in scope["headers"]:
                    if name == b"content-type":
                        if type(value) is bytes:
                            media_type = _MEDIA_TYPES.get(value, "")
                        if not media_type:
                            media_type = _content_type(scope)
                        break
                if spec is None:
                    spec = self._select(media_type)
                if media_type == "application/json":
                    # read_body's JSON case, here: its coroutine cost 1.5k instructions per echo
                    # request (callgrind)
                    request = facade._request  # facade.request's body, inline
                    if request is None:
                        request = facade._request = Request(scope, receive)
                    facade.data = raw = await request.body()
                    if raw[:1] == b"{":  # not blank: parse_json's parser without its call
                        try:
                            parsed = json_loads(raw, request.limits.max_json_depth)
                        except BadRequest:  # parse_json's 400 for it
                            parsed = parse_json(raw, request.limits.max_json_depth)
                    else:
                        parsed = parse_json(raw, request.limits.max_json_depth)
                    facade.json = parsed
                    document = parsed if isinstance(parsed, dict) else {}
                else:
                    forms = media_type in FORM_TYPES
                    document = await read_body(facade, media_type, owner.documents, owner.compat)
            elif spec is None:
                spec = self._select(_content_type(scope))
            params = scope.get("path_params") or _NO_PARAMS
            # request.args exists once a request filter read it or a form body filled it
            query = scope.get("query_string") or (
                (document is not None or owner.request_filters) and facade._args is not None
            )
            if document and not params and not query and spec.takes_any:
                # The document's keys alone, and a handler that takes any keyword (none
                # required): the check could only drop a key named like the request parameter.
                # Passed as they are (the handler's ``**`` makes its own dict, so request.json is
                # never changed): no copy, no args dict, no check (echo 99.7k -> 96.4k
                # instructions per request, callgrind).
                kwargs = document if spec.request_name not in document else _checked(spec, document)
            elif document or query:
                kwargs = dict(params)
                for key, values in facade.args.items():
                    if key not in kwargs and values:
                        kwargs[key] = values[0]
                if document:
                    if kwargs:
                        for key, value in document.items():
                            if key not in kwargs:
                                kwargs[key] = value
                    else:  # nothing to keep: one C-level copy instead of the loop (see parse_json)
                        kwargs.update(document)
                spec.check(kwargs)
            elif spec.fits_path:
                # The path's arguments alone, which the handler is known (at registration) to
                # take: no copy, no check (with the inlined facade and sends below: plaintext
                # 65.2k -> 62.8k instructions per request, callgrind; param 87.1k, from 99.3k
                # before the facade stopped wrapping the App in a coroutine of its own).
                kwargs = params
            else:
                kwargs = _checked(spec, params)
            if self.post_codes:
                facade.post_code = spec.post_code
            response_filters = owner.response_filters
            try:
                if spec.is_async:
                    facade.stream_send = send  # write() starts a Streamer on first use
                    if response_filters:
                        facade.stream_filters = response_filters
                    try:
                        result = await spec.func(facade, **kwargs)
                    except BaseException:
                        if facade.streamer is not None:
                            await facade.streamer.abort()
                        raise
                else:
                    if self.inline:
                        result = spec.func(facade, **kwargs)
                    else:
                        result = await owner.app.concurrency.run(spec.func, facade, **kwargs)
                    if type(result) not in _PLAIN_RESULTS and inspect.isawaitable(result):
                        result = await result
                if response_filters:
                    pass
                elif not facade.touched:
                    # Nothing written, no header set (either marks the facade touched), no filter:
                    # a str or a plain dict/list the client takes as JSON is sent here, in the two
                    # messages the general path would send, without its response objects (param
                    # 99.3k -> 87.1k with the inlined facade, callgrind; one slot read instead of
                    # five class defaults: echo -2k).
                    kind = type(result)
                    body: bytes | None = None
                    if kind is str:
                        body = result.encode("utf-8")
                        content_type = _TEXT_TYPE
                    elif kind is dict or kind is list:
                        # JSON, if the client takes what negotiation picks when it does not care:
                        # no Accept header (the first one is the one read), */* or JSON itself
                        for name, value in scope["headers"]:
                            if name == b"accept":
                                if value == b"*/*" or value == b"application/json":
                                    body = stdlib_json(result)
                                break
                        else:
                            body = stdlib_json(result)
                        content_type = _JSON_TYPE
                    status = 200
                    if facade.code_set or facade.method == "POST":
                        # the handler's status, else a POST's default (201, or 200)
                        status = facade._code if facade.code_set else spec.post_code
                        if status < 200 or status in NO_BODY_STATUSES:
                            body = None  # no body: the general path
                    if body is not None:
                        await send(
                            {
                                "type": "http.response.start",
                                "status": status,
                                "headers": [
                                    (b"content-length", str(len(body)).encode()),
                                    (b"content-type", content_type),
                                ],
                            }
                        )
                        await send({"type": "http.response.body", "body": body})
                        return
                elif facade.streamer is not None:
                    await facade.streamer.close()
                    return
                answer = render_result(facade, result, spec.is_async)
                if response_filters:
                    apply_filters(response_filters, facade, answer)
                await to_core(facade, answer)(scope, receive, send)
            finally:
                # Only a form body leaves something to release (its uploaded files); the core
                # Request parses one for these media types alone. The close() coroutine on every
                # other body cost 1.8k instructions per echo request (callgrind).
                if forms and document is not None:
                    await facade.request.close()

        except BaseException:
            # The error handlers answer with this facade (its status, its setHeader headers),
            # so it goes into the scope now, and only now: kept there on every request,
            # scope -> facade -> scope was a reference cycle, 13 objects per request left to
            # the cyclic collector, 5.5k instructions per param request (callgrind).
            scope[FACADE_KEY] = facade
            raise


def _checked(spec: HandlerSpec, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``kwargs`` that passed ``spec.check``."""
    copy = dict(kwargs)
    spec.check(copy)
    return copy
