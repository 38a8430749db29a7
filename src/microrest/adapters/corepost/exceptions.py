"""CorePost's REST exceptions: raise one and its ``response`` is sent as is.

The ``x-corepost-resource``/``x-corepost-value`` headers tell a client which resource and
which identifier were at fault, as the original did. ``RESTException`` is a core ``HTTPError``,
so a handler for ``HTTPError`` (or a status) on an app above catches it before CorePost's own
answer does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...errors import HTTPError
from .response import Response

__all__ = [
    "AlreadyExistsException",
    "header_safe",
    "ConflictException",
    "InternalServerException",
    "NotFoundException",
    "RESTException",
]


class RESTException(HTTPError):
    """Carries a complete :class:`Response` that replaces the handler's result."""

    def __init__(self, response: Response) -> None:
        # Not HTTPError.__init__: CorePost lets a REST exception carry any status.
        Exception.__init__(self, response.entity)
        self.response = response
        self.status_code = response.code
        self.detail = str(response.entity)
        self.headers = list(response.headers.items())


_PRINTABLE_ASCII = frozenset(chr(code) for code in range(0x20, 0x7F))
_SAFE_WHEN_QUOTED = "".join(sorted(_PRINTABLE_ASCII - {"%"}))


def header_safe(value: Any) -> str:
    """``value`` as a header can carry it: verbatim when it is printable ASCII, else
    percent-encoded UTF-8 (``%`` included), so a key with CR/LF, NUL or any non-ASCII
    character the client sent keeps its 404 instead of breaking the answer."""
    text = str(value)
    if _PRINTABLE_ASCII.issuperset(text):
        return text
    return quote(text, safe=_SAFE_WHEN_QUOTED)


def _resource_headers(resource_name: str, invalid_value: Any) -> dict[str, str]:
    return {
        "x-corepost-resource": header_safe(resource_name),
        "x-corepost-value": header_safe(invalid_value),
    }


class NotFoundException(RESTException):
    """404 ``Unable to find <resource> identified by '<value>'``."""

    def __init__(self, resourceName: str, invalidValue: Any) -> None:  # noqa: N803
        super().__init__(
            Response(
                404,
                f"Unable to find {resourceName} identified by '{invalidValue}'",
                _resource_headers(resourceName, invalidValue),
            )
        )


class ConflictException(RESTException):
    """409 ``Conflict for <resource> identified by '<value>': <message>``."""

    def __init__(self, resourceName: str, invalidValue: Any, message: str) -> None:  # noqa: N803
        super().__init__(
            Response(
                409,
                f"Conflict for {resourceName} identified by '{invalidValue}': {message}",
                _resource_headers(resourceName, invalidValue),
            )
        )


class AlreadyExistsException(ConflictException):
    """409 whose message is always ``<resource> already exists`` (``message`` is ignored)."""

    def __init__(
        self,
        resourceName: str,  # noqa: N803
        invalidValue: Any,  # noqa: N803
        message: str | None = None,
    ) -> None:
        super().__init__(resourceName, invalidValue, f"{resourceName} already exists")


class InternalServerException(RESTException):
    """500 with a message that is safe to show the client."""

    def __init__(self, safeErrorMessage: str) -> None:  # noqa: N803
        super().__init__(Response(500, safeErrorMessage))
