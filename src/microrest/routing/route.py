"""The route record: what the table holds for one registration."""

from __future__ import annotations

import contextlib
import inspect
import os
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigurationError
from ..limits import Limits
from .templates import Template, parse_template

if TYPE_CHECKING:
    from ..app import App
    from ..requests import Request

__all__ = [
    "HTTP_METHODS",
    "REGEX_SYNTAX",
    "Route",
    "RouteInfo",
    "TrailingSlash",
    "literal_path",
    "qualname_of",
    "refused_signature",
    "source_of",
]

TrailingSlash = Literal["strict", "redirect", "ignore"]
TRAILING_SLASH_POLICIES = ("strict", "redirect", "ignore")
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


REGEX_SYNTAX = frozenset(".^$*+?{}[]|()\\")


def literal_path(pattern: str) -> str | None:
    """``pattern`` when, as a regex, it can only ever match that exact path, else None.

    A literal path can be served as a static route (a dict lookup instead of a regex scan).
    ``/`` stays a regex: mounted under a prefix, the core serves a static ``/`` at the bare
    prefix, while a style's ``/`` regex is the prefix plus a slash.
    """
    if len(pattern) > 1 and pattern[0] == "/" and not REGEX_SYNTAX.intersection(pattern):
        return pattern
    return None


def source_of(obj: object) -> str:
    """``file.py:line`` of a function or class, for route tables and conflict messages."""
    target: Any = inspect.unwrap(obj) if callable(obj) else obj
    target = getattr(target, "__func__", target)
    try:
        filename = inspect.getsourcefile(target)
        _, line = inspect.getsourcelines(target)
    except (TypeError, OSError):
        code = getattr(target, "__code__", None)
        if code is None:
            return "<unknown>"
        filename, line = code.co_filename, code.co_firstlineno
    if filename is None:
        return "<unknown>"
    with contextlib.suppress(ValueError):  # another drive on Windows
        filename = os.path.relpath(filename)
    return f"{filename}:{line}"


def qualname_of(obj: object) -> str:
    target = getattr(obj, "__func__", obj)
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}.{name}" if module else name


def _normalise_methods(methods: Iterable[str] | None, where: str) -> frozenset[str]:
    if methods is None:
        return frozenset({"GET"})
    if isinstance(methods, str):
        methods = [methods]
    result = set()
    for method in methods:
        upper = method.upper()
        if upper != "*" and not _TOKEN.fullmatch(upper):
            raise ConfigurationError(f"route {where!r}: {method!r} is not an HTTP method token")
        result.add(upper)
    if not result:
        raise ConfigurationError(f"route {where!r}: methods must not be empty")
    return frozenset(result)


def refused_signature(func: Callable[..., Any], positional: int) -> inspect.Signature | None:
    """``func``'s signature when it cannot be called with ``positional`` positional arguments;
    None when it can, or when it cannot be inspected (builtins, some C callables)."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*(None,) * positional)
    except TypeError:
        return signature
    return None


def _check_arity(pattern: str | re.Pattern[str], endpoint: Callable[..., Any], raw: bool) -> None:
    """The core calls a handler with the request alone, a raw endpoint with (scope, receive,
    send): say so now rather than with a TypeError on the first request."""
    signature = refused_signature(endpoint, 3 if raw else 1)
    if signature is None:
        return
    where = pattern if isinstance(pattern, str) else pattern.pattern
    name = qualname_of(endpoint)
    if raw:
        raise ConfigurationError(
            f"route {where!r}: the raw endpoint {name} must take (scope, receive, send), "
            f"as an ASGI app does; its signature is {signature}"
        )
    raise ConfigurationError(
        f"route {where!r}: the handler {name} must take the request as its one positional "
        f"parameter (def {getattr(endpoint, '__name__', 'handler')}(request): ...); "
        f"its signature is {signature}"
    )


def _check_prepared(
    pattern: str | re.Pattern[str], endpoint: Callable[..., Any], raw: bool
) -> None:
    """A prepared endpoint is called with ``(scope, receive)``."""
    where = pattern if isinstance(pattern, str) else pattern.pattern
    if raw:
        raise ConfigurationError(f"route {where!r}: a route is raw or prepared, not both")
    signature = refused_signature(endpoint, 2)
    if signature is not None:
        raise ConfigurationError(
            f"route {where!r}: the prepared endpoint {qualname_of(endpoint)} must take "
            f"(scope, receive); its signature is {signature}"
        )


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One row of ``App.routes()``: a method on a path, who handles it and where it is."""

    method: str
    path: str
    style: str
    handler: str
    source: str
    name: str | None = None


class Route:
    """A pattern, its methods and endpoint, and the app that owns its policies.

    ``pattern`` is a template string or a compiled ``re.Pattern`` that must match the whole
    path (after ``prefix``, which mounting adds). ``raw`` endpoints are ASGI callables.
    ``prepared`` endpoints take ``(scope, receive)`` and answer a ``(status, headers, body)``
    triple or a core ``Response``, or an awaitable of one (see ``App._call_prepared``); they
    are served on the raw-route branch, so ``raw`` is true for them too.
    """

    __slots__ = (
        "pattern",
        "endpoint",
        "methods",
        "name",
        "raw",
        "style",
        "limits",
        "trailing_slash",
        "source",
        "prefix",
        "template",
        "regex",
        "app",
        "call",
        "auto_head",
        "auto_options",
        "openapi",
        "prepared",
    )

    def __init__(
        self,
        pattern: str | re.Pattern[str],
        endpoint: Callable[..., Any],
        methods: Iterable[str] | None = None,
        *,
        name: str | None = None,
        raw: bool = False,
        style: str | None = None,
        limits: Limits | None = None,
        trailing_slash: TrailingSlash | None = None,
        source: object = None,
        prepared: bool = False,
    ) -> None:
        if not isinstance(pattern, (str, re.Pattern)):
            raise ConfigurationError(
                f"route pattern must be a str template or a compiled regex, got {pattern!r}"
            )
        if not callable(endpoint):
            raise ConfigurationError(f"route {pattern!r}: endpoint {endpoint!r} is not callable")
        if prepared:
            _check_prepared(pattern, endpoint, raw)
        else:
            self.check_endpoint(pattern, endpoint, raw)
        if trailing_slash is not None and trailing_slash not in TRAILING_SLASH_POLICIES:
            raise ConfigurationError(
                f"trailing_slash must be one of {TRAILING_SLASH_POLICIES}, got {trailing_slash!r}"
            )
        self.pattern = pattern
        self.endpoint = endpoint
        where = pattern if isinstance(pattern, str) else pattern.pattern
        self.methods = _normalise_methods(methods, where)
        self.name = name
        # A prepared route takes the raw-route branch of dispatch (App._call_raw tells it
        # apart), so ordinary routes pay nothing for the kind.
        self.raw = raw or prepared
        self.prepared = prepared
        self.style: str | None = style
        self.limits: Limits | None = limits
        self.trailing_slash: TrailingSlash | None = trailing_slash
        self.source: object = source if source is not None else endpoint
        self.prefix = ""
        self.template: Template | None = None
        self.regex: re.Pattern[str] | None = None
        if isinstance(pattern, str):
            self.template = parse_template(pattern)
        else:
            self.regex = pattern
        self.app: App | None = None
        self.call: Callable[[Request], Awaitable[Any]] | None = None
        self.auto_head = True
        self.auto_options = True
        # OpenAPI data an adapter knows about this route (see microrest.openapi); mounted
        # copies share the dict, so what is added after mounting shows everywhere.
        self.openapi: dict[str, Any] = {}

    @property
    def path(self) -> str:
        """The full pattern as shown in tables: the template, or prefix + regex source."""
        if self.template is not None:
            return self.template.text
        assert self.regex is not None
        return self.prefix + self.regex.pattern

    @property
    def shape(self) -> str:
        """Equal shapes on one method are a conflict."""
        if self.template is not None:
            return self.template.shape
        assert self.regex is not None
        return f"re:{self.prefix}{self.regex.pattern}"

    def bind(self, app: App) -> None:
        """Adopt ``app``'s policies for whatever the route did not set itself."""
        if self.app is not None:
            return
        self.app = app
        if self.style is None:
            self.style = app.style
        if self.limits is None:
            self.limits = app.limits
        if self.trailing_slash is None:
            self.trailing_slash = app.trailing_slash
        self.auto_head = app.auto_head
        self.auto_options = app.auto_options
        if not self.raw:
            self.call = app.concurrency.wrap(self.endpoint)

    def check_endpoint(
        self, pattern: str | re.Pattern[str], endpoint: Callable[..., Any], raw: bool
    ) -> None:
        """Refuse, at registration, an endpoint the core could not call (a route kind that
        calls its endpoint differently says so here)."""
        _check_arity(pattern, endpoint, raw)

    def with_prefix(self, prefix: str) -> Route:
        """A copy mounted under ``prefix``, keeping owner and policies."""
        clone = Route.__new__(Route)
        for slot in Route.__slots__:
            setattr(clone, slot, getattr(self, slot))
        if self.template is not None:
            text = prefix + self.template.text if self.template.text != "/" else prefix or "/"
            clone.pattern = text
            clone.template = parse_template(text)
        else:
            clone.prefix = prefix + self.prefix
        return clone

    def info(self) -> list[RouteInfo]:
        handler = qualname_of(self.source)
        where = source_of(self.source)
        return [
            RouteInfo(method, self.path, self.style or "core", handler, where, self.name)
            for method in sorted(self.methods)
        ]

    def __repr__(self) -> str:
        methods = ",".join(sorted(self.methods))
        return f"Route({self.path!r}, methods=[{methods}], style={self.style!r})"
