"""The original ``web`` module's constants, with the reason-phrase bugs fixed.

The adapter reads ``max_request_size`` from this module when an ``HTTPServer`` is built, like
the original read its globals from ``web.web``: patch ``constants.max_request_size`` (not the
package attribute) before constructing a server to change the default body bound.
"""

from __future__ import annotations

__all__ = [
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

name = "web.py"
version = "0.1rc3"
server_version = f"{name}/{version}"
http_version = "HTTP/1.1"
http_encoding = "iso-8859-1"
default_encoding = "utf-8"
max_line_size = 4096
max_headers = 64
max_request_size = 1048576
stream_chunk_size = 8192

# The original table, minus its bugs: no trailing space on 503, modern 413/414/416 phrases.
status_messages: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "Switch Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}
