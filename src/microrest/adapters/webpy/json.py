"""``web.json``: handlers whose return values and request bodies are JSON.

``JSONHandler`` encodes whatever ``do_*`` returns as JSON (``application/json``) and decodes
``application/json`` request bodies into ``self.request.body`` through the core's
``toolkit.json_loads`` (400 when unparsable or nested past ``Limits.max_json_depth``). Bodies
that are already bytes or streams pass through. ``JSONErrorHandler`` answers errors with
``{"error": <code>, "status": "<reason>"}``; ``new_error()`` builds its ``error_routes`` entry.
HEAD and OPTIONS are right: the body is encoded once, and 204/304 responses have none.
"""

from __future__ import annotations

import io
from typing import Any

from ...errors import BadRequest
from ...toolkit import json_dumps, json_loads
from .constants import status_messages
from .dispatch import inline_respond, json_encoder
from .errors import HTTPError
from .handler import HTTPErrorHandler, HTTPHandler

_CONTAINERS = (dict, list)

__all__ = ["JSONErrorHandler", "JSONErrorMixIn", "JSONHandler", "JSONMixIn", "new_error"]


class JSONMixIn:
    """``encode``/``decode`` hooks for JSON."""

    response: Any
    request: Any

    @json_encoder
    def encode(self, body: Any) -> Any:
        if type(body) not in _CONTAINERS and isinstance(body, bytes | bytearray | io.IOBase):
            return body
        self.response.media_type = "application/json"
        return json_dumps(body)

    def decode(self, body: bytes) -> Any:
        """An ``application/json`` body as data, through the core's JSON reading: anything
        unparsable or nested deeper than the route's ``max_json_depth`` is a 400 (with or
        without orjson), never a ``RecursionError``."""
        core = self.request.microrest
        # The core request's media type: one pass over the raw header pairs, the exact
        # ``application/json`` compared as bytes (no Headers mapping built for one look).
        if core.content_type != "application/json":
            return body
        if not body:
            return None
        try:
            return json_loads(body, core.limits.max_json_depth)
        except BadRequest as exc:
            raise HTTPError(400, message=f"400 - Bad Request: {exc.detail}\n") from None


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
