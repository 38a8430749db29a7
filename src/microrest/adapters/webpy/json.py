"""``web.json``: handlers whose return values and request bodies are JSON.

``JSONHandler`` encodes whatever ``do_*`` returns as JSON (``application/json``) and decodes
``application/json`` request bodies into ``self.request.body`` (400 when unparsable). Bodies
that are already bytes or streams pass through. ``JSONErrorHandler`` answers errors with
``{"error": <code>, "status": "<reason>"}``; ``new_error()`` builds its ``error_routes`` entry.
HEAD and OPTIONS are right: the body is encoded once, and 204/304 responses have none.
"""

from __future__ import annotations

import io
import json
from typing import Any

from .constants import status_messages

try:  # orjson is optional (the "speed" extra) and several times faster
    import orjson

    def _dumps(value: Any) -> bytes:
        encoded: bytes = orjson.dumps(value)  # typed whether or not orjson is installed
        return encoded

    _loads: Any = orjson.loads
    _DecodeError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)

except ImportError:  # pragma: no cover - depends on the environment

    def _dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode("utf-8")

    _loads = json.loads
    _DecodeError = (ValueError, UnicodeDecodeError)


from .dispatch import inline_respond, simple_encoder
from .errors import HTTPError
from .handler import HTTPErrorHandler, HTTPHandler

_CONTAINERS = (dict, list)

__all__ = ["JSONErrorHandler", "JSONErrorMixIn", "JSONHandler", "JSONMixIn", "new_error"]


class JSONMixIn:
    """``encode``/``decode`` hooks for JSON."""

    response: Any
    request: Any

    @simple_encoder
    def encode(self, body: Any) -> Any:
        if type(body) not in _CONTAINERS and isinstance(body, bytes | bytearray | io.IOBase):
            return body
        self.response.media_type = "application/json"
        return _dumps(body)

    def decode(self, body: bytes) -> Any:
        content_type = self.request.microrest.headers.get("content-type") or ""
        if content_type.split(";", 1)[0].strip().lower() != "application/json":
            return body
        if not body:
            return None
        try:
            return _loads(body)
        except _DecodeError:
            raise HTTPError(400, message="400 - Bad Request: invalid JSON body\n") from None


class JSONHandler(JSONMixIn, HTTPHandler):
    """An ``HTTPHandler`` speaking JSON."""


class JSONErrorMixIn:
    """Error bodies as JSON: ``error.message`` if given, else code and reason."""

    error: HTTPError

    @inline_respond
    def respond(self) -> Any:
        error = self.error
        reason = error.status_message or status_messages.get(error.code, "Unknown")
        body = error.message if error.message else {"error": error.code, "status": reason}
        return error.code, reason, body


class JSONErrorHandler(JSONErrorMixIn, JSONMixIn, HTTPErrorHandler):
    """An ``HTTPErrorHandler`` answering in JSON."""


def new_error(
    error: str = "[0-9]{3}", handler: type[HTTPErrorHandler] = JSONErrorHandler
) -> dict[str, type[HTTPErrorHandler]]:
    """``{error: handler}`` to merge into ``error_routes``."""
    return {error: handler}
