"""The exception tree: one root, HTTP errors by status, and configuration errors.

``MicrorestError`` is the root of everything microrest raises on purpose, so ``except
MicrorestError`` catches the framework's own errors and nothing else::

    Exception
    └── MicrorestError                    raised on purpose by microrest or a style
        ├── ConfigurationError            a wrong set-up, met at registration or startup
        │   └── RouteConflict             one method on one path registered twice
        ├── ClientDisconnect              the client left; never answered, never logged as error
        ├── InvalidHeader (ValueError)    a response header that cannot go on the wire
        ├── StreamConsumed (RuntimeError) the body was already streamed and not kept
        └── HTTPError                     becomes an answer: status_code, detail, headers
            ├── StatusError               one class per status, (detail, headers):
            │   ├── BadRequest            400
            │   ├── Unauthorized          401
            │   ├── Forbidden             403
            │   ├── NotFound              404
            │   ├── NotAcceptable         406
            │   ├── Conflict              409
            │   ├── Gone                  410
            │   ├── PayloadTooLarge       413
            │   ├── UnsupportedMediaType  415
            │   ├── UnprocessableEntity   422
            │   ├── TooManyRequests       429
            │   ├── InternalServerError   500
            │   ├── NotImplementedHTTP    501
            │   └── ServiceUnavailable    503
            ├── MethodNotAllowed          405, (allowed, detail, headers): sets Allow
            └── the styles' own errors, answered in their style's format:
                corepost.RESTException (NotFoundException, ConflictException, ...),
                vestespy.HTTPError, webpy.HTTPError

So ``app.add_exception_handler(HTTPError, handler)`` on the root app also catches every style's
errors, under the precedence rule of ``pipeline``. The styles' classes keep their own
constructors (and may carry a status the core's own classes refuse, such as web.py's 102).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus

__all__ = [
    "BadRequest",
    "ClientDisconnect",
    "ConfigurationError",
    "Conflict",
    "Forbidden",
    "Gone",
    "HTTPError",
    "InternalServerError",
    "InvalidHeader",
    "MethodNotAllowed",
    "MicrorestError",
    "NotAcceptable",
    "NotFound",
    "NotImplementedHTTP",
    "PayloadTooLarge",
    "RouteConflict",
    "ServiceUnavailable",
    "StatusError",
    "StreamConsumed",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsupportedMediaType",
]


class MicrorestError(Exception):
    """Root of every exception microrest raises deliberately."""


class ConfigurationError(MicrorestError):
    """An app, route or option was set up wrongly; raised at registration or startup."""


class RouteConflict(ConfigurationError):
    """Two registrations claim the same method on the same path."""


class ClientDisconnect(MicrorestError):
    """The client went away before the request body was complete.

    Handlers may catch it; the error pipeline never logs it as an application error and never
    answers it, since nobody is listening.
    """


class InvalidHeader(MicrorestError, ValueError):
    """A response header name or value cannot go on the wire (CR/LF, NUL, not latin-1)."""


class StreamConsumed(MicrorestError, RuntimeError):
    """The body was already read as a stream and was not kept."""


_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _reason(status_code: int) -> str:
    return _REASONS.get(status_code, "Error")


class HTTPError(MicrorestError):
    """An error that becomes an HTTP response with ``status_code``.

    ``detail`` is the message the client sees (the reason phrase when omitted); ``headers``
    are added to the error response (``Allow`` on 405, ``WWW-Authenticate`` on 401...).
    """

    status_code: int = 500

    def __init__(
        self,
        status_code: int | None = None,
        detail: str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        if status_code is not None:
            self.status_code = status_code
        if not 400 <= self.status_code <= 599:
            raise ConfigurationError(
                f"HTTPError status must be 4xx or 5xx, got {self.status_code}; "
                "return a Response for other statuses"
            )
        self.detail = detail if detail is not None else _reason(self.status_code)
        if headers is None:
            self.headers: list[tuple[str, str]] = []
        elif isinstance(headers, Mapping):
            self.headers = list(headers.items())
        else:
            self.headers = list(headers)
        super().__init__(self.status_code, self.detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class StatusError(HTTPError):
    """Base of the one-status classes: ``(detail, headers)``, the status fixed by the class.

    Siblings, not subclasses of each other: ``except BadRequest`` must not catch a 404 or 500.
    """

    def __init__(
        self,
        detail: str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(self.status_code, detail, headers)


class BadRequest(StatusError):
    """400 Bad Request."""

    status_code = 400


class Unauthorized(StatusError):
    """401 Unauthorized."""

    status_code = 401


class Forbidden(StatusError):
    """403 Forbidden."""

    status_code = 403


class NotFound(StatusError):
    """404 Not Found: no route matches the path."""

    status_code = 404


class MethodNotAllowed(HTTPError):
    """405 Method Not Allowed: the path exists, the method does not; ``allowed`` lists them."""

    status_code = 405

    def __init__(
        self,
        allowed: Iterable[str] = (),
        detail: str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        self.allowed = sorted(set(allowed))
        extra = [("Allow", ", ".join(self.allowed))]
        if headers is not None:
            extra += list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        super().__init__(405, detail, extra)


class NotAcceptable(StatusError):
    """406 Not Acceptable."""

    status_code = 406


class Conflict(StatusError):
    """409 Conflict."""

    status_code = 409


class Gone(StatusError):
    """410 Gone."""

    status_code = 410


class PayloadTooLarge(StatusError):
    """413 Content Too Large: the body exceeds the route's ``Limits``."""

    status_code = 413


class UnsupportedMediaType(StatusError):
    """415 Unsupported Media Type."""

    status_code = 415


class UnprocessableEntity(StatusError):
    """422 Unprocessable Content."""

    status_code = 422


class TooManyRequests(StatusError):
    """429 Too Many Requests."""

    status_code = 429


class InternalServerError(StatusError):
    """500 Internal Server Error."""

    status_code = 500


class NotImplementedHTTP(StatusError):
    """501 Not Implemented (named so it does not shadow the ``NotImplemented`` builtin)."""

    status_code = 501


class ServiceUnavailable(StatusError):
    """503 Service Unavailable."""

    status_code = 503
