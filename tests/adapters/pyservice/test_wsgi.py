"""``service.wsgi_application``: a real WSGI callable (P-W1..P-W3, the README's wsgiref)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.util import setup_testing_defaults

import pytest

from microrest.adapters import pyservice


def wsgi_call(
    service: pyservice.Service, path: str, body: bytes = b"", **environ: Any
) -> tuple[str, dict[str, str], bytes]:
    env: dict[str, Any] = {}
    setup_testing_defaults(env)
    env.update(REQUEST_METHOD="POST", PATH_INFO=path, CONTENT_LENGTH=str(len(body)))
    env["wsgi.input"] = io.BytesIO(body)
    env.update(environ)
    started: list[tuple[str, list[tuple[str, str]]]] = []
    chunks = service.wsgi_application(
        env, lambda status, headers: started.append((status, headers))
    )
    (status, headers), = started  # fmt: skip
    return status, dict(headers), b"".join(chunks)


def test_a_call(service: pyservice.Service) -> None:  # P-W1
    status, headers, body = wsgi_call(service, "/api/0/put_item", b'{"item": "x"}')
    assert status == "200 OK"
    assert headers == {"content-length": str(len(body)), "content-type": "application/json"}
    assert json.loads(body) == {"id": "1"}
    assert service.items == {"1": "x"}  # type: ignore[attr-defined]


def test_unknown_operation(service: pyservice.Service) -> None:  # P-W2
    status, _, _ = wsgi_call(service, "/test/not_an_operation")
    assert status == "404 Not Found"


def test_undeclared_exception(service: pyservice.Service) -> None:  # P-W3
    status, _, body = wsgi_call(service, "/api/0/boom", b"{}")
    assert status == "500 Internal Server Error"
    assert b"secret" not in body


def test_declared_exception(service: pyservice.Service) -> None:
    status, _, body = wsgi_call(service, "/api/0/put_item", b"{}")
    assert status == "200 OK"
    assert json.loads(body) == {
        "__exception__": {"cls": "ItemRequired", "args": ["Need an item to put"]}
    }


def test_content_length_bounds_the_read(service: pyservice.Service) -> None:  # P-R6
    status, _, body = wsgi_call(service, "/api/0/put_item", b'{"item": 1}|None of this',
                                CONTENT_LENGTH="11")  # fmt: skip
    assert (status, json.loads(body)) == ("200 OK", {"id": "1"})
    status, _, _ = wsgi_call(service, "/api/0/put_item", b"{}", CONTENT_LENGTH="102401")
    assert status == "413 Request Entity Too Large"
    status, _, _ = wsgi_call(service, "/api/0/put_item", b"{}", CONTENT_LENGTH="")
    assert status == "400 Bad Request"  # no length, no chunks: an empty body
    status, _, _ = wsgi_call(service, "/api/0/put_item", b"{}", CONTENT_LENGTH="ten")
    assert status == "400 Bad Request"
    env_without_input = {"wsgi.input": None}
    status, _, _ = wsgi_call(service, "/api/0/put_item", **env_without_input)
    assert status == "400 Bad Request"


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_chunked_bodies_are_decoded(service: pyservice.Service) -> None:
    body = chunked(b'{"item"', b': "chunked"}')
    status, _, answer = wsgi_call(service, "/api/0/put_item", body, CONTENT_LENGTH="",
                                  HTTP_TRANSFER_ENCODING="chunked")  # fmt: skip
    assert (status, json.loads(answer)) == ("200 OK", {"id": "1"})
    big = chunked(b'{"item": "', b"x" * 102400, b'"}')
    status, _, _ = wsgi_call(service, "/api/0/put_item", big, CONTENT_LENGTH="",
                             HTTP_TRANSFER_ENCODING="chunked")  # fmt: skip
    assert status == "413 Request Entity Too Large"


@pytest.mark.parametrize(
    "body", [b"zz\r\n{}\r\n0\r\n\r\n", b"5\r\n{}\r\n0\r\n\r\n", b"2\r\n{}XX0\r\n\r\n", b"2"]
)
def test_malformed_chunks_are_400(service: pyservice.Service, body: bytes) -> None:
    status, _, _ = wsgi_call(service, "/api/0/put_item", body, CONTENT_LENGTH="",
                             HTTP_TRANSFER_ENCODING="chunked")  # fmt: skip
    assert status == "400 Bad Request"


def test_script_name_is_the_mount_point(service: pyservice.Service) -> None:
    status, _, body = wsgi_call(service, "/api/0/put_item", b'{"item": 2}', SCRIPT_NAME="/svc")
    assert (status, json.loads(body)) == ("200 OK", {"id": "1"})


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def wsgiref_server(service: pyservice.Service) -> Iterator[int]:
    """The README's ``make_server(host, port, service.wsgi_application)``, on 127.0.0.1."""
    httpd = make_server("127.0.0.1", 0, service.wsgi_application, handler_class=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_the_readme_wsgiref_server_with_a_client(wsgiref_server: int, api: dict[str, Any]) -> None:
    api["endpoint"] = dict(api["endpoint"], host="127.0.0.1", port=wsgiref_server)
    with pyservice.Client(**api) as client:
        id = client.put_item(item="over wsgiref").id
        assert client.get_item(id=id).item == "over wsgiref"
        with pytest.raises(client.exceptions.DoesNotExist):
            client.get_item(id="missing")
        with pytest.raises(client.exceptions.RequestException, match="500"):
            client.boom()
