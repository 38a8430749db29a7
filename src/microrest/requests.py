"""The request: a lazy view over the ASGI scope and receive channel.

Nothing is parsed until asked for, and each parse happens once. Every body reader goes through
``stream()``, which enforces the route's ``Limits`` and turns a disconnect into
``ClientDisconnect``, so no handler ever sees a truncated body as if it were whole.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData, Headers, QueryParams

from .codec import json_loads
from .connection import HTTPConnection
from .errors import (
    BadRequest,
    ClientDisconnect,
    PayloadTooLarge,
    StreamConsumed,  # defined in errors with the whole tree; still importable from here
    UnsupportedMediaType,
)
from .limits import Limits

if TYPE_CHECKING:
    from .routing.route import Route
    from .types import Message, Receive, Scope

__all__ = ["Request", "StreamConsumed", "declared_length"]

DEFAULT_LIMITS = Limits()


async def _empty_receive() -> dict[str, Any]:
    raise ClientDisconnect("this request has no receive channel")


def media_type_of(content_type: str) -> str:
    """``'Application/JSON; charset=utf-8'`` -> ``'application/json'``."""
    return content_type.split(";", 1)[0].strip().lower()


def declared_length(scope: Scope, limit: int | None = None) -> int | None:
    """The request's Content-Length, None when absent; checked before any body is read.

    A malformed value is a 400, one over ``limit`` a 413. Shared by every body reader, the
    core's and the styles' that read the wire themselves.
    """
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            if not value.isdigit():  # bytes.isdigit() admits ASCII digits only
                raise BadRequest(f"Invalid Content-Length header: {value.decode('latin-1')!r}")
            length = int(value)
            if limit is not None and length > limit:
                raise PayloadTooLarge(
                    f"Request body of {length} bytes exceeds the limit of {limit} bytes"
                )
            return length
    return None


class Request(HTTPConnection):
    """What a handler reads. Names follow Starlette's so users need not learn new ones."""

    __slots__ = (
        "receive",
        "_body",
        "_json",
        "_form",
        "_consumed",
    )

    def __init__(self, scope: Scope, receive: Receive = _empty_receive) -> None:
        self.scope = scope
        self.receive = receive
        self._headers: Headers | None = None
        self._query: QueryParams | None = None
        self._cookies: dict[str, str] | None = None
        self._body: bytes | None = None
        self._json: Any = _UNSET
        self._form: FormData | None = None
        self._consumed = False

    # the request line ---------------------------------------------------------------------

    @property
    def method(self) -> str:
        return self.scope["method"]  # type: ignore[no-any-return]

    @property
    def path(self) -> str:
        return self.scope["path"]  # type: ignore[no-any-return]

    @property
    def route(self) -> Route | None:
        return self.scope.get("route")

    @property
    def limits(self) -> Limits:
        route = self.scope.get("route")
        return (route.limits if route is not None else None) or DEFAULT_LIMITS

    @property
    def content_type(self) -> str:
        # A scan of the raw pairs, not a Headers object built for one look: the echo route's
        # json() cost 3k instructions less (callgrind). Names are lower case in an ASGI scope.
        for name, value in self.scope["headers"]:
            if name == b"content-type":
                if value == b"application/json":  # the common case needs no parsing
                    return "application/json"
                return media_type_of(value.decode("latin-1"))
        return ""

    # the body -------------------------------------------------------------------------------

    def stream(self, limit: int | None = None) -> AsyncGenerator[bytes, None]:
        """Yield body chunks as they arrive, enforcing ``limit`` bytes (default: the route's
        ``max_stream_size``, else its ``max_body_size``).

        Raises ``PayloadTooLarge`` as soon as the bound is passed and ``ClientDisconnect``
        if the client leaves before the end.
        """
        if limit is None:
            limits = self.limits
            limit = limits.max_stream_size or limits.max_body_size
        return self._chunks(limit)

    async def _chunks(self, bound: int | None) -> AsyncGenerator[bytes, None]:
        """The body's chunks within ``bound`` bytes (None: unbounded)."""
        if self._body is not None:
            yield self._body
            return
        if self._consumed:
            raise StreamConsumed("the request body was already streamed; read it once")
        self._consumed = True
        declared_length(self.scope, bound)
        received = 0
        while True:
            message = await self.receive()
            kind = message["type"]
            if kind == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if bound is not None and received > bound:
                        raise PayloadTooLarge(f"Request body exceeds the limit of {bound} bytes")
                    yield chunk
                if not message.get("more_body", False):
                    return
            elif kind == "http.disconnect":
                raise ClientDisconnect("the client disconnected before the body was complete")

    async def body(self) -> bytes:
        """The whole body, read once and kept; bounded by ``Limits.max_body_size``."""
        if self._body is not None:
            return self._body
        if self._consumed:
            raise StreamConsumed("the request body was already streamed; read it once")
        self._consumed = True
        # _chunks gathered without an async generator, and the first message received here:
        # a generator per request cost about 9k instructions on the echo route (the loop's
        # asyncgen hooks keep a weak set of them), a helper coroutine about 1.5k more, and
        # most bodies arrive in one message (callgrind).
        # The route's limits read here, not through the ``limits`` property's frame (as in
        # json(); web.py's echo 86.6k -> 86.0k, CorePost's 86.6k -> 85.6k instructions, callgrind).
        route = self.scope.get("route")
        limits = (route.limits if route is not None else None) or DEFAULT_LIMITS
        bound = limits.max_body_size
        for name, value in self.scope["headers"]:
            # declared_length's look, inline; it runs only to raise its 400 or 413 (echo route:
            # 3.9k instructions as a call, 3.3k inline, callgrind). int() only for a value as
            # long as the bound (Limits._wide_length).
            if name == b"content-length":
                if not value.isdigit() or (
                    len(value) >= limits._wide_length and bound is not None and int(value) > bound
                ):
                    declared_length(self.scope, bound)
                break
        receive = self.receive  # a local: LOAD_METHOD on an instance slot stays generic
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            body: bytes = message.get("body", b"")
            if bound is not None and len(body) > bound:
                raise PayloadTooLarge(f"Request body exceeds the limit of {bound} bytes")
        else:
            body = await self._read_rest(message, bound)
        self._body = body
        return body

    async def _read_rest(self, message: Message, bound: int | None) -> bytes:
        """The body from ``message`` (the first one received) on, message after message."""
        chunks: list[bytes] = []
        received = 0
        while True:
            kind = message["type"]
            if kind == "http.request":
                chunk: bytes = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if bound is not None and received > bound:
                        raise PayloadTooLarge(f"Request body exceeds the limit of {bound} bytes")
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
            elif kind == "http.disconnect":
                raise ClientDisconnect("the client disconnected before the body was complete")
            message = await self.receive()

    async def json(self) -> Any:
        """The body parsed as JSON: 415 for another media type, 400 for anything unparsable."""
        if self._json is not _UNSET:
            return self._json
        # One pass over the raw header pairs for both the media type and the declared length,
        # and the first message received here: content_type's and body()'s steps
        # inline, two coroutines and a header scan less per JSON request (echo route 75.6k ->
        # 70.6k instructions, callgrind). Names are lower case in an ASGI scope; the first of
        # each header counts, as in content_type and declared_length.
        content_type = length = None
        for name, value in self.scope["headers"]:
            if name == b"content-type":
                if content_type is None:
                    content_type = value
            elif name == b"content-length" and length is None:
                length = value
        if content_type is not None and content_type != b"application/json":
            media_type = media_type_of(content_type.decode("latin-1"))
            if media_type and not (
                media_type == "application/json"
                or (media_type.startswith("application/") and media_type.endswith("+json"))
            ):
                raise UnsupportedMediaType(
                    f"Expected a JSON body (Content-Type: application/json), got {media_type!r}"
                )
        # The route's limits read here rather than through the ``limits`` property: a
        # property call is a frame of its own (echo route 68.7k -> 68.1k instructions, callgrind).
        route = self.scope.get("route")
        limits = (route.limits if route is not None else None) or DEFAULT_LIMITS
        body = self._body
        if body is None:
            if self._consumed:
                raise StreamConsumed("the request body was already streamed; read it once")
            self._consumed = True
            bound = limits.max_body_size
            # int() only for a value as long as the bound: most are shorter (Limits._wide_length;
            # echo 67.3k -> 66.4k instructions, callgrind).
            if length is not None and (
                not length.isdigit()
                or (
                    len(length) >= limits._wide_length and bound is not None and int(length) > bound
                )
            ):
                declared_length(self.scope, bound)  # raises its 400 or 413
            receive = self.receive  # a local: LOAD_METHOD on an instance slot stays generic
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body = message.get("body", b"")
                if bound is not None and len(body) > bound:
                    raise PayloadTooLarge(f"Request body exceeds the limit of {bound} bytes")
            else:
                body = await self._read_rest(message, bound)
            self._body = body
        self._json = json_loads(body, limits.max_json_depth)
        return self._json

    async def form(self) -> FormData:
        """Urlencoded or multipart form fields and files, within the form limits."""
        if self._form is None:
            from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

            media_type = self.content_type
            limits = self.limits
            try:
                if media_type == "multipart/form-data":
                    self._form = await MultiPartParser(
                        self.headers,
                        self.stream(),
                        max_files=limits.max_form_files,
                        max_fields=limits.max_form_fields,
                        max_part_size=limits.max_form_part_size,
                    ).parse()
                elif media_type == "application/x-www-form-urlencoded":
                    self._form = await FormParser(
                        self.headers,
                        self.stream(),
                        max_fields=limits.max_form_fields,
                        max_part_size=limits.max_form_part_size,
                    ).parse()
                elif media_type == "" and not self.headers.get("content-length", "").strip("0"):
                    self._form = FormData()
                else:
                    raise UnsupportedMediaType(
                        "Expected a form body (application/x-www-form-urlencoded or "
                        f"multipart/form-data), got {media_type or 'no Content-Type'!r}"
                    )
            except MultiPartException as exc:
                if "maximum size" in exc.message:
                    raise PayloadTooLarge(exc.message) from None
                raise BadRequest(exc.message) from None
        return self._form

    async def close(self) -> None:
        """Release uploaded files; the app calls it after the response."""
        if self._form is not None:
            await self._form.close()

    def __repr__(self) -> str:
        return f"<Request {self.scope.get('method')} {self.scope.get('path')}>"


_UNSET: Any = object()  # "not parsed yet", where None is a valid JSON document
