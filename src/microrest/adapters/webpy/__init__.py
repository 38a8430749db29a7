"""fkmclane's web.py on microrest: ``import microrest.adapters.webpy as web``.

The original ``web`` package's names: ``HTTPServer`` (an ASGI app with ``start()``/``stop()``),
``HTTPHandler`` classes with ``do_<method>`` methods, ``HTTPError``, ``HTTPErrorHandler``,
``HTTPHeaders``, ``HTTPLog`` and the module constants. Extensions: ``webpy.file`` (static
directories), ``webpy.fancyindex`` (the same with an HTML listing), ``webpy.json`` (JSON
bodies) and ``webpy.auth`` (Basic/Token authentication). ``python -m
microrest.adapters.webpy.file DIR`` (or ``.fancyindex``) serves a directory.
"""

from __future__ import annotations

from .constants import (
    default_encoding,
    http_encoding,
    http_version,
    max_headers,
    max_line_size,
    max_request_size,
    name,
    server_version,
    status_messages,
    stream_chunk_size,
    version,
)
from .errors import HTTPError
from .handler import DummyHandler, Groups, HTTPErrorHandler, HTTPHandler, HTTPRequest, HTTPResponse
from .headers import HTTPHeaders
from .log import HTTPLog
from .server import HTTPServer

__all__ = [
    "DummyHandler",
    "Groups",
    "HTTPError",
    "HTTPErrorHandler",
    "HTTPHandler",
    "HTTPHeaders",
    "HTTPLog",
    "HTTPRequest",
    "HTTPResponse",
    "HTTPServer",
    "default_encoding",
    "http_encoding",
    "http_version",
    "max_headers",
    "max_line_size",
    "max_request_size",
    "name",
    "server_version",
    "status_messages",
    "stream_chunk_size",
    "version",
]
