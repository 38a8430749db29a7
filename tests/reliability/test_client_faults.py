"""Client faults over raw sockets: a precise 4xx, no traceback in the log, the server stays up.

Framing the server's parser refuses (bad lengths, conflicting Transfer-Encoding, bad chunks,
bad request lines) never reaches the app; what the parser lets through and the core must refuse
(oversized headers, unsupported versions, unknown transfer codings) is answered before routing,
in every style alike.
"""

from __future__ import annotations

import pytest

from .conftest import Server
from .target import ECHO, STREAMING, STYLES

pytestmark = pytest.mark.e2e


def request(head: str, body: bytes = b"", *, close: bool = True) -> bytes:
    extra = "Connection: close\r\n" if close else ""
    return f"{head}\r\nHost: t\r\n{extra}".encode() + b"\r\n" + body


FRAMING = {
    "non-numeric Content-Length": request("{m} {p} HTTP/1.1\r\nContent-Length: abc"),
    "negative Content-Length": request("{m} {p} HTTP/1.1\r\nContent-Length: -1"),
    "two Content-Lengths": request(
        "{m} {p} HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3", b"{}"
    ),
    "Content-Length with chunked": request(
        "{m} {p} HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked",
        b"2\r\n{}\r\n0\r\n\r\n",
    ),
    "bad chunk size": request(
        "{m} {p} HTTP/1.1\r\nTransfer-Encoding: chunked", b"zz\r\n{}\r\n0\r\n\r\n"
    ),
    "unknown transfer coding": request(
        "{m} {p} HTTP/1.1\r\nTransfer-Encoding: xchunked", b"2\r\n{}\r\n0\r\n\r\n"
    ),
    "a coding before chunked": request(
        "{m} {p} HTTP/1.1\r\nTransfer-Encoding: gzip, chunked", b"2\r\n{}\r\n0\r\n\r\n"
    ),
    "a method that is not a token": request("G(T {p} HTTP/1.1"),
    "space in a header name": request("GET {p} HTTP/1.1\r\nX Y: z"),
    "obsolete line folding": request("GET {p} HTTP/1.1\r\nX-Y: z\r\n  folded"),
    "NUL in a header value": request("GET {p} HTTP/1.1\r\nX-Y: a\x00b"),
    "a 1 MiB header": request("GET {p} HTTP/1.1\r\nX-Big: " + "a" * 1024 * 1024),
    "5000 headers": request("GET {p} HTTP/1.1\r\n" + "\r\n".join(f"X-{i}: v" for i in range(5000))),
    "a 100 KB URL": request("GET {p}?" + "a" * 100_000 + " HTTP/1.1"),
    "HTTP/2.0 on an HTTP/1 connection": request("GET {p} HTTP/2.0"),
}


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", sorted(FRAMING))
def test_malformed_framing_is_refused_before_the_app(server: Server, style: str, case: str) -> None:
    method, path = ECHO[style]
    data = FRAMING[case].replace(b"{m}", method.encode()).replace(b"{p}", path.encode())
    answer = server.raw(data)
    # Refused with a 4xx/5xx status line, or (for input the parser cannot even frame) a closed
    # connection; never a 2xx, never a 500.
    if answer:
        status = int(answer[9:12])
        assert 400 <= status < 500 or status in (501, 505), (case, answer[:200])
    server.assert_healthy()


@pytest.mark.parametrize("style", STREAMING)
def test_oversized_headers_and_urls_get_431_and_414(server: Server, style: str) -> None:
    big = request(f"GET /{style}/stream/0 HTTP/1.1\r\nX-Big: " + "a" * 200_000)
    many = request(
        f"GET /{style}/stream/0 HTTP/1.1\r\n" + "\r\n".join(f"X-{i}: v" for i in range(500))
    )
    assert server.status_of(big) == 431
    assert server.status_of(many) == 431
    assert server.status_of(request(f"GET /{style}/stream/0?{'a' * 60_000} HTTP/1.1")) == 414
    server.assert_healthy()


@pytest.mark.parametrize("style", STYLES)
def test_malformed_json_is_a_400_in_every_style(server: Server, style: str) -> None:
    for body in (b'{"a":', b"[" * 100_000, b"\xff\xfe", b"{'single': 1}"):
        method, path = ECHO[style]
        data = request(
            f"{method} {path} HTTP/1.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}",
            body,
        )
        assert server.status_of(data) == 400, (style, body[:20])
    server.assert_healthy()


@pytest.mark.parametrize("style", STREAMING)
def test_bad_paths_are_4xx(server: Server, style: str) -> None:
    for path in (f"/{style}/stream/%00", f"/{style}/stream/" + "9" * 5000, f"/{style}/%ff%fe"):
        assert 400 <= server.status_of(request(f"GET {path} HTTP/1.1")) < 500, path
    server.assert_healthy()
