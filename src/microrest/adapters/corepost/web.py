"""``corepost.web``: the ``CorePost`` app (seed README dialect), ``RESTResource`` (final dialect),
and the ``@route``/``@validate`` decorators.

Both main objects are ASGI apps wrapping a core ``App`` (``uvicorn module:app`` serves them)
and can be mounted in any microrest app or under the ``Resource`` shim with ``putChild``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ...errors import ConfigurationError
from .base import CorePostApp, register_service
from .enums import Http, HttpHeader, MediaType
from .routing import accepts_tuple, methods_tuple, route, translate
from .validate import validate

__all__ = ["CorePost", "Http", "HttpHeader", "MediaType", "RESTResource", "route", "validate"]

F = TypeVar("F", bound=Callable[..., Any])


class CorePost(CorePostApp):
    """``app = CorePost()`` then ``@app.route(url, methods)``; ``path`` names it for ``putChild``.

    Subclasses may also declare ``@route`` methods (the 0.0.6-0.0.11 style); they are
    registered when the instance is created.
    """

    def __init__(
        self,
        path: str = "",
        schema: Any = None,
        filters: Iterable[Any] = (),
        **options: Any,
    ) -> None:
        super().__init__(filters=filters, **options)
        self.path = path
        self.schema = schema
        register_service(self, self)

    def route(
        self,
        url: str,
        methods: str | Iterable[str] = (Http.GET,),
        accepts: str | Iterable[str] = MediaType.WILDCARD,
        produces: Any = None,
        cache: bool = True,
    ) -> Callable[[F], F]:
        """Register the decorated ``handler(request, **kwargs)``; the function is unchanged."""
        method_names = methods_tuple(methods)
        media_types = accepts_tuple(accepts)
        translate(url)  # a bad pattern fails here, not when the function is decorated

        # CorePost 0.0.3, the seed README's release, answered POST with 200; 201 came in 0.0.4
        post_code = 200 if self.compat else 201

        def register(func: F) -> F:
            self.add_handler(url, method_names, media_types, func, post_code=post_code)
            return func

        return register

    def __repr__(self) -> str:
        return f"<CorePost path={self.path!r}>"


class RESTResource(CorePostApp):
    """Serves service objects whose ``@route`` methods (under the class's ``path``) handle URLs."""

    def __init__(
        self,
        services: Iterable[Any] = (),
        schema: Any = None,
        filters: Iterable[Any] = (),
        **options: Any,
    ) -> None:
        super().__init__(filters=filters, **options)
        self.schema = schema
        instances = []
        for service in services:
            if isinstance(service, type):  # the 0.0.12 README passed a class: make the instance
                service = service()
            prefix = getattr(type(service), "path", "") or ""
            if not isinstance(prefix, str):
                raise ConfigurationError(
                    f"{type(service).__name__}.path must be a URL string, got {prefix!r}"
                )
            register_service(self, service, prefix)
            instances.append(service)
        self.services = tuple(instances)

    def __repr__(self) -> str:
        names = ", ".join(type(service).__name__ for service in self.services)
        return f"<RESTResource services=({names})>"
