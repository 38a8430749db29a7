"""The resource tree: ``put``/``bind`` build it, ``request`` walks it, results chain.

Registration writes the tree directly (never through handlers, unlike the original, whose
registration-by-request lost intermediate segments and let ``:param`` siblings overwrite each
other). Requests walk it: an exact child first, then the ``:name`` child (the segment lands in
``req.context[':name']``); the deepest resource with a handler on the way receives what no
child takes, the rest of the path in ``req.path``.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

from ...errors import ConfigurationError
from ...toolkit import error_logger
from .about import XioError, about_of, allow_header, allowed_methods, check_request
from .request import PASS, Request

__all__ = [
    "SETTLED",
    "Resource",
    "Result",
    "call_handler",
    "error_of",
    "media_type_of_value",
    "shaped",
    "split_path",
]

Handler = Callable[[Request], Any]
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "connect")


def split_path(path: str) -> list[str]:
    return [segment for segment in path.strip("/").split("/") if segment]


def error_of(exc: BaseException) -> XioError | None:
    """xio's exception idiom: ``Exception(404, 'msg')`` (or ``assert x, Exception(404)``)
    carries its status as first argument. Anything else is None: a 500."""
    if isinstance(exc, XioError):
        return exc
    if isinstance(exc, AssertionError) and exc.args and isinstance(exc.args[0], BaseException):
        return error_of(exc.args[0])
    args = exc.args
    if (
        type(exc) is Exception
        and args
        and isinstance(args[0], int)
        and not isinstance(args[0], bool)
        and 100 <= args[0] <= 599
    ):
        return XioError(args[0], *args[1:])
    return None


def _request_args(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """xio's calling convention: one positional string is the path, anything else the payload;
    two are (path, payload). The payload is the query for GET, the data otherwise."""
    path = ""
    payload = None
    if len(args) == 1:
        if isinstance(args[0], str):
            path = args[0]
        else:
            payload = args[0]
    elif len(args) >= 2:
        path, payload = args[0], args[1]
    if payload is not None:
        key = "query" if method.upper() in ("GET", "HEAD") else "data"
        kwargs.setdefault(key, payload)
    return path, kwargs


class _Verbs:
    """``get/post/put/.../about/api`` on anything with a ``request()``."""

    def request(self, method: str, *args: Any, **kwargs: Any) -> Result:
        raise NotImplementedError

    def get(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("GET", *args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("POST", *args, **kwargs)

    def patch(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("PATCH", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("DELETE", *args, **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("HEAD", *args, **kwargs)

    def options(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("OPTIONS", *args, **kwargs)

    def connect(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("CONNECT", *args, **kwargs)

    def about(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("ABOUT", *args, **kwargs)

    def api(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("API", *args, **kwargs)


class Result(_Verbs):
    """What a request returns: ``status``, ``content``, ``headers``, ``content_type``, ``path``.

    Chainable: ``result.get('b')`` requests ``<path>/b`` from where ``result`` came from, so
    ``app.get('www').get('a')`` is ``app.get('www/a')``.
    """

    def __init__(
        self,
        status: int = 200,
        content: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
        *,
        origin: Any = None,
        path: str = "",
        cookies: list[tuple[str, str, dict[str, Any]]] | None = None,
    ) -> None:
        self.status = status
        self.content = content
        self.headers = headers if headers is not None else {}
        self._content_type = content_type
        self.path = path
        self.cookies = cookies if cookies is not None else []
        self._origin = origin

    @property
    def content_type(self) -> str | None:
        """The content type set by the handler, else the one its content gets on the wire."""
        return self._content_type or media_type_of_value(self.content)

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        self._content_type = value

    def request(self, method: str, *args: Any, **kwargs: Any) -> Result:
        if self._origin is None:
            raise ConfigurationError("this result did not come from a resource: nothing to chain")
        path, kwargs = _request_args(method, args, kwargs)
        joined = "/".join(part for part in (self.path.strip("/"), path.strip("/")) if part)
        return self._origin.request(method, joined, **kwargs)  # type: ignore[no-any-return]

    def put(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("PUT", *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # A custom method on a result: result.mycustommethod(...) is a MYCUSTOMMETHOD request.
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.request(name.upper(), *args, **kwargs)

    def __repr__(self) -> str:
        return f"<xio result {self.status} {self.path!r} {self.content!r:.60}>"


def media_type_of_value(value: Any) -> str | None:
    """The Content-Type a result gets on the wire when the handler sets none."""
    if value is None:
        return None
    if isinstance(value, str):
        return "text/plain; charset=utf-8"
    if isinstance(value, (bytes, bytearray, memoryview)) or hasattr(value, "read"):
        return "application/octet-stream"
    if isinstance(value, (dict, list, tuple, int, float, bool)):
        return "application/json"
    return "text/plain; charset=utf-8"


#: The types of the usual handler values: no PASS, resource, stream or generator to look at.
SETTLED = frozenset({str, dict, list, bytes, int, float, bool, type(None)})


def _materialise(value: Any) -> Any:
    """Generators become lists (JSON arrays), as xio rendered them."""
    if isinstance(value, (types.GeneratorType, map, filter)):
        return list(value)
    return value


class Resource(_Verbs):
    """A node of the tree: a static ``content`` or a ``handler``, and named children.

    ``put(path, content_or_handler)`` and ``bind(path, handler)`` (or ``@bind(path)``) create
    the nodes on the way; ``request(method, path, ...)`` and the verbs answer a ``Result``.
    """

    dynamic_methods = True  # res.mymethod() is a MYMETHOD request (not on apps: typos hide)

    def __init__(
        self,
        handler: Handler | None = None,
        content: Any = None,
        *,
        name: str = "",
        parent: Resource | None = None,
        about: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.parent = parent
        self.children: dict[str, Resource] = {}
        self.content = content
        self.status = 200
        self.headers: dict[str, str] = {}
        self.content_type: str | None = None
        self.handler: Handler | None = None
        self.about_info: dict[str, Any] = dict(about or {})
        if handler is not None:
            self._set_handler(handler)

    # the tree ---------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        names: list[str] = []
        node: Resource | None = self
        while node is not None and node.parent is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))

    def root(self) -> Resource:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def _set_handler(self, handler: Handler) -> None:
        if not callable(handler):
            raise ConfigurationError(f"an xio handler must be callable, got {handler!r}")
        if inspect.iscoroutinefunction(handler):
            raise ConfigurationError(
                f"{getattr(handler, '__qualname__', handler)!r} is async: xio handlers are "
                "plain functions (they run in the app's worker threads by default)"
            )
        self.handler = handler
        self.about_info = {**about_of(handler), **self.about_info}

    def _child(self, name: str, create: bool) -> Resource | None:
        child = self.children.get(name)
        if child is not None or not create:
            return child
        if name.startswith(":"):
            other = self._param_child()
            if other is not None:
                raise ConfigurationError(
                    f"{self._where(name)}: {other.name!r} is already the parameter at this "
                    f"position; a path segment has one parameter name, use {other.name!r}"
                )
        if "{" in name or "}" in name:
            raise ConfigurationError(f"{self._where(name)}: braces are not allowed in xio paths")
        child = type(self)._node_class()(name=name, parent=self)
        self.children[name] = child
        return child

    @classmethod
    def _node_class(cls) -> type[Resource]:
        return Resource

    def _param_child(self) -> Resource | None:
        for child in self.children.values():
            if child.name.startswith(":"):
                return child
        return None

    def _where(self, name: str) -> str:
        return "/".join(part for part in (self.path, name) if part) or "/"

    def _node(self, path: str) -> Resource:
        node: Resource = self
        for segment in split_path(path):
            found = node._child(segment, create=True)
            assert found is not None
            node = found
        return node

    def put(self, path: Any = "", content: Any = None) -> Any:
        """Register ``content`` at ``path`` (a value, a handler or a resource); returns the node."""
        if not isinstance(path, str):
            path, content = "", path
        node = self._node(path)
        if content is None:
            return node
        node._assign(content)
        self._changed(node)
        return node

    def bind(self, path: str, handler: Any = None) -> Any:
        """``bind(path, handler)`` or ``@bind(path)``: the handler answers ``path`` and what
        lies below it that no child takes."""
        if handler is None:

            def decorator(func: Handler) -> Handler:
                self.bind(path, func)
                return func

            return decorator
        node = self._node(path)
        node._assign(handler)
        self._changed(node)
        return node

    def _assign(self, content: Any) -> None:
        if isinstance(content, Resource):
            if content.handler is not None:
                self._set_handler(content.handler)
            if content.content is not None:
                self.content = content.content
            self.about_info.update(content.about_info)
            for name, child in content.children.items():
                child.parent = self  # the subtree moves here: registered once, served here
                self.children[name] = child
        elif callable(content) and not isinstance(content, (str, bytes, dict, list)):
            self._set_handler(content)
        else:
            self.content = content

    def _changed(self, node: Resource) -> None:
        """Tell the root a node got content: an app publishes what lands under ``www``."""
        root = self.root()
        publish = getattr(root, "_publish", None)
        if publish is not None:
            publish(node)

    def walk(self) -> Iterator[Resource]:
        """This node and every node below it, parents first."""
        yield self
        for child in self.children.values():
            yield from child.walk()

    # requests ---------------------------------------------------------------------------------

    def request(self, method: str, *args: Any, **kwargs: Any) -> Result:
        """An in-process request: ``request('GET', 'www/a', {'q': 1})``, ``query=``, ``data=``,
        ``headers=``, ``context=``. Unknown methods are POST with ``xmethod``."""
        path, kwargs = _request_args(method, args, kwargs)
        req = Request(
            method,
            xmethod=kwargs.pop("xmethod", None),
            query=kwargs.pop("query", None),
            data=kwargs.pop("data", None),
            headers=kwargs.pop("headers", None),
            context=kwargs.pop("context", None),
            verify=self._verifier(),
        )
        result = self.dispatch(req, path)
        if method.upper() == "HEAD":
            result.content = None  # answered as GET; like the wire, HEAD keeps no body
        return result

    def _verifier(self) -> Any:
        return getattr(self.root(), "verify_token", None)

    def dispatch(self, req: Request, path: str) -> Result:
        """Walk the tree from here for ``path`` and answer ``req``: the one way in for every
        caller (in-process verbs, clients, nodes forwarding)."""
        segments = split_path(path)
        req.fullpath = "/".join(segments)
        target, rest, captured = self.resolve(segments, req.xmethod in ("ABOUT", "API"))
        req.context.update(captured)
        if target is None:
            return Result(404, None, origin=self, path=req.fullpath)
        req.path = "/".join(rest)
        result = target.handle(req)
        result._origin = self
        result.path = req.fullpath
        return result

    def resolve(
        self, segments: list[str], describing: bool = False
    ) -> tuple[Resource | None, list[str], dict[str, str]]:
        """The resource that answers ``segments`` from here, the unmatched rest, the captures.

        The deepest match with content or a handler wins; a handler on the way takes what its
        children do not (the same choice the compiled HTTP routes make)."""
        node: Resource = self
        captured: dict[str, str] = {}
        fallback: tuple[Resource, int, dict[str, str]] | None = None
        for index, segment in enumerate(segments):
            if node.handler is not None:
                fallback = (node, index, dict(captured))
            child = node.children.get(segment)
            if child is None:
                child = node._param_child()
                if child is not None:
                    captured[child.name] = segment
            if child is None:
                node = None  # type: ignore[assignment]
                break
            node = child
        else:
            if node.handler is not None or node.content is not None or describing or not segments:
                return node, [], captured
        if fallback is None:
            return None, [], {}
        holder, index, early = fallback
        return holder, segments[index:], early

    def handle(self, req: Request) -> Result:
        """Answer ``req`` at this resource (``req.path`` is what lies below it). Shared by
        in-process calls and the HTTP endpoints; never raises for a handler's exception."""
        value = self.respond(req)
        return value if isinstance(value, Result) else Result(200, value)

    def respond(self, req: Request) -> Any:
        """``handle`` without the ``Result`` in the common case: the handler's bare value when
        it set nothing on ``req.response`` (a 200 with that content), else the ``Result``.

        The HTTP endpoints call this (or ``call_handler``, its shortcut): they send a bare
        text or JSON value straight to the wire, with no ``Result`` made for nothing (part of
        the endpoint rework that took an inline plaintext request from 83.8k to 67.9k
        instructions under callgrind)."""
        try:
            value = self._answer(req)
        except Exception as exc:
            return self._failed(req, exc)
        return shaped(req, value)

    def _failed(self, req: Request, exc: Exception) -> Result:
        """The answer to a handler's exception: its status when it carries one, else a 500."""
        error = error_of(exc)
        if error is None:
            error_logger.error(
                "xio handler failed: %s %s",
                req.xmethod or req.method,
                req.fullpath,
                exc_info=exc,
            )
            return Result(500, None)
        headers = req._response.headers if req._response is not None else None
        return Result(error.status, error.body, headers=headers)

    def _answer(self, req: Request) -> Any:
        method = req.xmethod or req.method
        own = not req.path
        if own and method in ("ABOUT", "API"):
            return self.describe() if method == "ABOUT" else self.api_map()
        if own and method == "OPTIONS":
            options = allowed_methods(self.about_info)
            if options is not None and "OPTIONS" not in options:
                req.response.status = 204
                req.response.headers["Allow"] = allow_header(options)
                return None
        if self.handler is None:
            if own and self.content is not None:
                if req.method in ("GET", "HEAD"):
                    req.response.status = self.status
                    req.response.headers.update(self.headers)
                    req.response.content_type = self.content_type
                    return self.content
                raise XioError(405)
            raise XioError(404)
        if own and self.about_info:
            try:
                check_request(self.about_info, _checked_method(req), req.input)
            except XioError as error:
                if error.status == 405:
                    options = allowed_methods(self.about_info) or frozenset()
                    req.response.headers["Allow"] = allow_header(options)
                raise
        value = self.handler(req)
        if type(value) in SETTLED:
            # Nothing below applies to text, JSON values, bytes or None. Measured (callgrind,
            # plaintext to a small app, PYTHONHASHSEED=0): 50.2k -> 48.6k instructions.
            return value
        return self._unsettled(req, value)

    def _unsettled(self, req: Request, value: Any) -> Any:
        """A handler's value that is not plain data: PASS, a resource, a generator..."""
        if value is PASS:
            return self._default(req)
        if isinstance(value, Resource):
            return value.dispatch(
                Request(
                    req.method,
                    xmethod=req.xmethod,
                    query=req.query,
                    data=req.data,
                    headers=req.headers,
                    context=req.context,
                ),
                req.path,
            )
        if "websocket" in req.context:
            return value  # the websocket service streams a generator as fragments
        return _materialise(value)

    def _default(self, req: Request) -> Any:
        if not req.path and req.method in ("GET", "HEAD") and self.content is not None:
            return self.content
        raise XioError(404)

    def describe(self) -> dict[str, Any]:
        """The ABOUT document: the docstring's about plus the names of the children."""
        about = dict(self.about_info)
        if self.children:
            about["resources"] = {
                name: child.about_info.get("description", "")
                for name, child in self.children.items()
            }
        if self.name == "www" and self.parent is not None and self.parent.parent is None:
            identity = getattr(self.parent, "identity_about", None)
            if identity is not None:
                about.update(identity())
        return about

    def api_map(self) -> dict[str, Any]:
        """The API document: every resource below with a handler or content, by path."""
        base = self.path
        out: dict[str, Any] = {}
        for node in self.walk():
            if node.handler is None and node.content is None:
                continue
            relative = node.path[len(base) :].strip("/") if base else node.path
            options = allowed_methods(node.about_info)
            out[relative] = {
                "description": node.about_info.get("description", ""),
                "methods": sorted(options) if options is not None else ["*"],
            }
        return out

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not type(self).dynamic_methods:
            raise AttributeError(name)
        return lambda *args, **kwargs: self.request(name.upper(), *args, **kwargs)

    def __repr__(self) -> str:
        return f"<xio resource {self.path or '/'!r}>"


def _checked_method(req: Request) -> str:
    return req.xmethod or req.method


def shaped(req: Request, value: Any) -> Any:
    """The handler's value, or a ``Result`` when the handler set something on ``req.response``."""
    response = req._response
    if response is None or isinstance(value, Result):
        return value  # the handler set nothing: the common case, no object made
    if value is None:
        value = response.content
    return Result(
        response.status,
        value,
        response.headers,
        response.content_type,
        cookies=response.cookies,
    )


def call_handler(node: Resource, handler: Handler, req: Request) -> Any:
    """``node.respond(req)`` for a request that ``_answer`` hands straight to ``handler`` (the
    node's): no ABOUT/API, no OPTIONS answer and no docstring check applies to it.

    The HTTP endpoints decide that from the route and the node's state and call this instead
    of ``respond``: one frame fewer, and none of ``_answer``'s attribute reads of the node
    (``Resource`` defines ``__getattr__``, which puts every attribute read of one on CPython's
    slow generic path, about 0.2k instructions each)."""
    try:
        value = handler(req)
        if type(value) not in SETTLED:
            value = node._unsettled(req, value)
    except Exception as exc:
        return node._failed(req, exc)
    return shaped(req, value)
