"""Request and response filters (``corepost.filters``).

A filter is any object with ``filterRequest(request)`` and/or ``filterResponse(request,
response)``; subclassing these bases documents the intent (the original used zope interfaces,
whose ``implements()`` class advice does not exist on Python 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .request import CorePostRequest
    from .response import Response

__all__ = ["IRequestFilter", "IResponseFilter", "split_filters"]


class IRequestFilter:
    """Runs before routing on every request; may edit ``request.received_headers``."""

    def filterRequest(self, request: CorePostRequest) -> None:  # noqa: N802
        """Override to edit the request; the base does nothing."""


class IResponseFilter:
    """Runs on every response before it is sent; may edit code, headers and entity."""

    def filterResponse(self, request: CorePostRequest, response: Response) -> None:  # noqa: N802
        """Override to edit the response; the base does nothing."""


def split_filters(filters: Iterable[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Sort filters into (request filters, response filters), refusing objects that are neither."""
    request_filters: list[Any] = []
    response_filters: list[Any] = []
    for item in filters:
        is_request = callable(getattr(item, "filterRequest", None))
        is_response = callable(getattr(item, "filterResponse", None))
        if not (is_request or is_response):
            raise RuntimeError(f"filter {item!r} must implement IRequestFilter or IResponseFilter")
        if is_request:
            request_filters.append(item)
        if is_response:
            response_filters.append(item)
    return tuple(request_filters), tuple(response_filters)
