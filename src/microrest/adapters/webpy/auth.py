"""``web.auth``: authentication before ``do_*`` runs.

``AuthMixIn`` reads ``Authorization: <Scheme> <credentials>`` and calls ``auth_<scheme>``;
missing, malformed or unknown credentials are a 401 with one ``WWW-Authenticate`` challenge per
supported scheme (never a 500), ``forbidden()`` returning true is a 403. ``BasicAuthHandler``
checks ``login(user, password)``, ``TokenAuthHandler`` checks ``token(token)``; what they
return is kept in ``self.auth``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import HTTPError
from .handler import HTTPHandler
from .headers import HTTPHeaders

__all__ = [
    "AuthError",
    "AuthHandler",
    "AuthMixIn",
    "BasicAuthHandler",
    "BasicAuthMixIn",
    "TokenAuthHandler",
    "TokenAuthMixIn",
]


class AuthError(HTTPError):
    """An ``HTTPError`` (401 by default) carrying ``WWW-Authenticate: <scheme> realm="..."``."""

    def __init__(
        self,
        scheme: str | Iterable[str],
        realm: str,
        code: int = 401,
        message: str | bytes | None = None,
        headers: HTTPHeaders | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        status_message: str | None = None,
    ) -> None:
        challenge = HTTPHeaders(headers)
        schemes = [scheme] if isinstance(scheme, str) else list(scheme)
        realm_text = realm.replace("\\", "\\\\").replace('"', '\\"')
        for name in schemes:
            challenge.append("WWW-Authenticate", f'{name} realm="{realm_text}"')
        super().__init__(code, message, challenge, status_message)
        self.scheme = ", ".join(schemes)
        self.realm = realm


class AuthMixIn:
    """Checks credentials in ``respond()``, then carries on with the handler's pipeline."""

    realm = "Unknown"
    request: Any
    method: str
    auth: Any = None

    def schemes(self) -> list[str]:
        return [name[5:].title() for name in dir(self) if name.startswith("auth_")]

    def respond(self) -> Any:
        if self.method == "options" and type(self).do_options is HTTPHandler.do_options:  # type: ignore[attr-defined]
            # OPTIONS only tells which methods exist (and is what a CORS preflight sends,
            # without credentials): answered without them. Override do_options to change it.
            return super().respond()  # type: ignore[misc]
        header = self.request.headers.get("Authorization")
        if not header:
            raise AuthError(self.schemes(), self.realm)
        scheme, _, credentials = header.strip().partition(" ")
        check = getattr(self, "auth_" + scheme.lower(), None) if scheme.isalnum() else None
        if check is None or not credentials.strip():
            raise AuthError(self.schemes(), self.realm)
        self.auth = check(credentials.strip())
        if self.forbidden():
            raise HTTPError(403)
        return super().respond()  # type: ignore[misc]

    def forbidden(self) -> bool:
        """Override: true when the authenticated ``self.auth`` may not do this request."""
        return False


class BasicAuthMixIn(AuthMixIn):
    """``Authorization: Basic base64(user:password)`` checked by ``login()``."""

    def auth_basic(self, credentials: str) -> Any:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise AuthError("Basic", self.realm) from None
        user, colon, password = decoded.partition(":")
        if not colon:
            raise AuthError("Basic", self.realm)
        result = self.login(user, password)
        if not result:
            raise AuthError("Basic", self.realm)
        return result

    def login(self, user: str, password: str) -> Any:
        """Override: a truthy value (kept in ``self.auth``) when the credentials are good."""
        return None


class TokenAuthMixIn(AuthMixIn):
    """``Authorization: Token <token>`` checked by ``token()``."""

    def auth_token(self, credentials: str) -> Any:
        result = self.token(credentials)
        if not result:
            raise AuthError("Token", self.realm)
        return result

    def token(self, token: str) -> Any:
        """Override: a truthy value (kept in ``self.auth``) when the token is good."""
        return None


class AuthHandler(AuthMixIn, HTTPHandler):
    """Add your own ``auth_<scheme>`` methods."""


class BasicAuthHandler(BasicAuthMixIn, HTTPHandler):
    """Override ``login(user, password)``."""


class TokenAuthHandler(TokenAuthMixIn, HTTPHandler):
    """Override ``token(token)``."""
