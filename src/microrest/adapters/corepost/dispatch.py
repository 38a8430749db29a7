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
from ...responses import Response as CoreResponse
from ...toolkit import NO_BODY_STATUSES, json_loads, source_of
from .body import FORM_TYPES, parse_json, read_body
from .convert import JSON
from .enums import MediaType
from .handler import HandlerSpec
from .outcome import TEXT, apply_filters, render_result, stdlib_json, to_core
from .request import CorePostRequest, facade_over
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

    def serve(self, scope: Scope, receive: Receive) -> Any:
        """The route's prepared endpoint (``add_route(..., prepared=True)``): the answer as a
        ``(status, headers, body)`` triple, or an awaitable of one, which the core sends.

        A prepared route needs no guard around the endpoint (the raw route's guard, a
        coroutine and a closure called per message), and a GET to a sync handler run inline
        needs no coroutine at all. A handler that may stream while it runs (``spec.streams``)
        gets a ``_Streaming`` answer instead, which the core runs with ``send`` under the
        raw-route guard, as the whole dispatcher ran before (the earlier try at prepared
        routes drove every handler's coroutine step by step in case it streamed, and measured
        2.1k more than the raw route). Measured against the raw route (callgrind, 2,000
        requests): plaintext 54.9k -> 52.9k, json 65.1k -> 63.2k, param 78.2k -> 76.3k, echo
        99.4k -> 98.5k, param_sync_inline 79.3k -> 75.7k instructions per request.
        """
        owner = self.owner
        facade = facade_over(scope, receive)
        method = facade.method
        try:
            if owner.request_filters:
                for item in owner.request_filters:
                    item.filterRequest(facade)
                facade.apply_header_edits()  # edited headers choose the handler, parser and format
                method = facade.method
            if owner.compat and method not in TWISTED_METHODS:
                raise NotImplementedHTTP()
            if method in BODY_METHODS:
                return self.serve_body(scope, receive, facade)
            spec = self.only
            if spec is None:
                spec = self._select(_content_type(scope))
            params = scope.get("path_params") or _NO_PARAMS
            if spec.ignores_keywords:
                kwargs = _NO_PARAMS  # see HandlerSpec.ignores_keywords
            # request.args exists once a request filter read it
            elif scope.get("query_string") or (owner.request_filters and facade._args is not None):
                kwargs = dict(params)
                for key, values in facade.args.items():
                    if key not in kwargs and values:
                        kwargs[key] = values[0]
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
            if spec.is_async:
                if spec.streams or owner.request_filters:
                    return _Streaming(self, facade, spec, kwargs, False)
                return self._awaited(facade, spec, spec.func(facade, **kwargs))
            if not self.inline:
                return self._threaded(facade, spec, kwargs)
            result = spec.func(facade, **kwargs)
            if type(result) not in _PLAIN_RESULTS and inspect.isawaitable(result):
                return self._awaited(facade, spec, result)
            return self._answer(facade, spec, result)
        except BaseException:
            # The error handlers answer with this facade (its status, its setHeader headers),
            # so it goes into the scope now, and only now: kept there on every request,
            # scope -> facade -> scope was a reference cycle, 13 objects per request left to
            # the cyclic collector, 5.5k instructions per param request (callgrind).
            scope[FACADE_KEY] = facade
            raise

    async def _awaited(self, facade: CorePostRequest, spec: HandlerSpec, awaitable: Any) -> Any:
        """The answer to what a handler that cannot stream returns once awaited."""
        try:
            return self._answer(facade, spec, await awaitable)
        except BaseException:
            facade._scope[FACADE_KEY] = facade  # see serve
            raise

    async def _threaded(
        self, facade: CorePostRequest, spec: HandlerSpec, kwargs: dict[str, Any]
    ) -> Any:
        """A sync handler in a worker thread (the app's ``sync_handlers="thread"``)."""
        try:
            result = await self.owner.app.concurrency.run(spec.func, facade, **kwargs)
            if type(result) not in _PLAIN_RESULTS and inspect.isawaitable(result):
                result = await result
            return self._answer(facade, spec, result)
        except BaseException:
            facade._scope[FACADE_KEY] = facade  # see serve
            raise

    async def serve_body(
        self, scope: Scope, receive: Receive, facade: CorePostRequest | None = None
    ) -> Any:
        """A request whose body is read first (POST, PUT, PATCH, DELETE): the prepared
        endpoint of such a method's route (see ``serve``), which ``serve`` also calls with its
        facade when request filters made the method one of these.

        Without request filters (which may change the method) or ``compat`` (which refuses
        some), a body method's route starts here: ``serve``'s call, and the facade passed
        on, cost about 0.9k instructions per echo request (callgrind)."""
        owner = self.owner
        if facade is None:
            if owner.request_filters or owner.compat:
                answer = self.serve(scope, receive)  # the filters decide the method
                if type(answer) is tuple or isinstance(answer, CoreResponse):
                    return answer
                return await answer
            facade = facade_over(scope, receive)
        forms = False
        document: dict[str, Any] | None = None
        try:
            spec = self.only
            # _content_type(scope) for a value seen before, without its call, and the first
            # Accept value in the same pass (the answer's JSON shortcut below asks it)
            media_type = accept = None
            for name, value in scope["headers"]:
                if name == b"content-type":
                    if media_type is None:
                        if type(value) is bytes:
                            media_type = _MEDIA_TYPES.get(value)
                        if not media_type:
                            media_type = _content_type(scope)
                        if accept is not None:
                            break  # both found (clients send Accept first)
                elif name == b"accept" and accept is None:
                    accept = value
                    if media_type is not None:
                        break
            if media_type is None:
                media_type = ""
            if spec is None:
                spec = self._select(media_type)
            if media_type == "application/json":
                # read_body's JSON case, here: its coroutine cost 1.5k instructions per echo
                # request (callgrind)
                request = facade._request  # facade.request's body, inline
                if request is None:
                    request = facade._request = Request(scope, receive)
                facade.data = raw = await request.body()
                depth = request.limits.max_json_depth
                try:  # parse_json's parser without its call; it answers a blank or bad body
                    parsed = json_loads(raw, depth)
                except BadRequest:
                    parsed = parse_json(raw, depth)
                facade.json = document = parsed
            else:
                forms = media_type in FORM_TYPES
                document = await read_body(facade, media_type, owner.documents, owner.compat)
            if spec.ignores_keywords:
                # Nothing to merge, copy or check for a handler that never uses its **kwargs
                # (HandlerSpec.ignores_keywords): echo 81.4k -> 78.4k instructions (callgrind).
                kwargs = _NO_PARAMS
            else:
                if not isinstance(document, dict):
                    document = {}  # a JSON body that is not an object brings no keywords
                kwargs = _body_keywords(scope, facade, spec, document)
            if self.post_codes:
                facade.post_code = spec.post_code
            if spec.is_async:
                if spec.streams or owner.request_filters:
                    streaming = _Streaming(self, facade, spec, kwargs, forms)
                    forms = False  # closed by the streaming answer, once the handler is done
                    return streaming
                result = await spec.func(facade, **kwargs)
            else:
                if self.inline:
                    result = spec.func(facade, **kwargs)
                else:
                    result = await owner.app.concurrency.run(spec.func, facade, **kwargs)
                if type(result) not in _PLAIN_RESULTS and inspect.isawaitable(result):
                    result = await result
            if (
                not owner.response_filters
                and not facade.touched
                and (type(result) is dict or type(result) is list)
                and (accept is None or accept == b"*/*" or accept == b"application/json")
            ):
                # _answer's JSON shortcut, here (keep the two alike): the call and its second
                # pass over the headers for Accept cost about 0.8k instructions per echo
                # request (callgrind). The handler's status, else a POST's default (201, or
                # 200), else 200.
                if facade.code_set:
                    status = facade._code
                elif facade.method == "POST":
                    status = spec.post_code
                else:
                    status = 200
                if status >= 200 and status not in NO_BODY_STATUSES:
                    body = stdlib_json(result)
                    if body is not None:
                        # b"%d" % n: 0.2k less than str(n).encode() (callgrind)
                        return (
                            status,
                            [
                                (b"content-length", b"%d" % len(body)),
                                (b"content-type", _JSON_TYPE),
                            ],
                            body,
                        )
            return self._answer(facade, spec, result)
        except BaseException:
            scope[FACADE_KEY] = facade  # see serve
            raise
        finally:
            # Only a form body leaves something to release (its uploaded files); the core
            # Request parses one for these media types alone. The close() coroutine on every
            # other body cost 1.8k instructions per echo request (callgrind).
            if forms and document is not None:
                await facade.request.close()

    def _answer(
        self, facade: CorePostRequest, spec: HandlerSpec, result: Any
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """What a handler returned (having written nothing to the wire) as the answer's
        status, encoded headers and body."""
        response_filters = self.owner.response_filters
        if not response_filters and not facade.touched:
            # Nothing written, no header set (either marks the facade touched), no filter:
            # a str or a plain dict/list the client takes as JSON is answered here, without the
            # general path's response objects (param 99.3k -> 87.1k with the inlined facade,
            # callgrind; one slot read instead of five class defaults: echo -2k).
            kind = type(result)
            body: bytes | None = None
            if kind is str:
                body = result.encode("utf-8")
                content_type = _TEXT_TYPE
            elif kind is dict or kind is list:
                # JSON, if the client takes what negotiation picks when it does not care:
                # no Accept header (the first one is the one read), */* or JSON itself
                for name, value in facade._scope["headers"]:
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
                return (
                    status,
                    [(b"content-length", b"%d" % len(body)), (b"content-type", content_type)],
                    body,
                )
        answer = render_result(facade, result, spec.is_async)
        if response_filters:
            apply_filters(response_filters, facade, answer)
        core = to_core(facade, answer)  # a fresh, basic core Response: what it would send
        return core.status_code, core.raw_headers, core.body


class _Streaming(CoreResponse):
    """The rest of a request whose handler may stream (``request.write()`` while it runs):
    a core ``Response`` the core runs with ``send`` under the raw-route guard, which calls the
    handler and sends its answer itself, written chunks as they come (see ``stream.py``)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        facade: CorePostRequest,
        spec: HandlerSpec,
        kwargs: dict[str, Any],
        forms: bool,
    ) -> None:
        # No CoreResponse.__init__: nothing of a response's own is used, only __call__.
        self.dispatcher = dispatcher
        self.facade = facade
        self.spec = spec
        self.kwargs = kwargs
        self.forms = forms
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        facade = self.facade
        spec = self.spec
        response_filters = self.dispatcher.owner.response_filters
        try:
            facade.stream_send = send  # write() starts a Streamer on first use
            if response_filters:
                facade.stream_filters = response_filters
            try:
                result = await spec.func(facade, **self.kwargs)
            except BaseException:
                if facade.streamer is not None:
                    await facade.streamer.abort()
                raise
            if facade.streamer is not None:
                # The response filters saw the head when the first chunk left (Streamer);
                # going on to the general path here sent a second, empty answer after it.
                await facade.streamer.close()
                return
            status, headers, body = self.dispatcher._answer(facade, spec, result)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        except BaseException:
            scope[FACADE_KEY] = facade  # see Dispatcher.serve
            raise
        finally:
            if self.forms:
                await facade.request.close()


def _body_keywords(
    scope: Scope, facade: CorePostRequest, spec: HandlerSpec, document: dict[str, Any] | None
) -> dict[str, Any]:
    """The keyword arguments of a handler called after its body was read: path arguments,
    then the query's (and a form's) first values, then the document's keys, checked."""
    params = scope.get("path_params") or _NO_PARAMS
    # request.args exists once a request filter read it or a form body filled it
    query = scope.get("query_string") or facade._args is not None
    if document and not params and not query and spec.takes_any:
        # The document's keys alone, and a handler that takes any keyword (none
        # required): the check could only drop a key named like the request parameter.
        # Passed as they are (the handler's ``**`` makes its own dict, so request.json is
        # never changed): no copy, no args dict, no check (echo 99.7k -> 96.4k
        # instructions per request, callgrind).
        return document if spec.request_name not in document else _checked(spec, document)
    if document or query:
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
        kwargs = params
    else:
        kwargs = _checked(spec, params)
    return kwargs


def _checked(spec: HandlerSpec, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``kwargs`` that passed ``spec.check``."""
    copy = dict(kwargs)
    spec.check(copy)
    return copy
