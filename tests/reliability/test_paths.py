"""Nothing outside a served root is ever read: traversal in every encoding, and symlinks.

Two file servers share one root: the core's ``StaticFiles`` at ``/static`` and web.py's ``file``
extension at ``/files``. Beside the root lies a secret; inside it, symlinks to the secret (a
file, a directory, and a directory's ``index.html``). Raw request targets go over a socket so
no client normalises them first.
"""

from __future__ import annotations

import pytest

from .conftest import SECRET, Server

pytestmark = pytest.mark.e2e

TRAVERSALS = [
    "/../secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%252e%252e%252fsecret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/%c0%ae%c0%ae%c0%afsecret.txt",
    "/%u002e%u002e/secret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/./.././secret.txt",
    "//..//secret.txt",
    "/....//secret.txt",
    "/..;/secret.txt",
    "/%00../secret.txt",
    "/public.txt%00/../../secret.txt",
    "/link.txt",
    "/linkdir/secret.txt",
    "/linkdir/",
    "/sub/",
    "/sub/index.html",
    "/" + "../" * 20 + "etc/passwd",
    "/%2e%2e/" * 20 + "etc/passwd",
]


@pytest.mark.parametrize("mount", ["/static", "/files"])
@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_request_reads_outside_the_root(server: Server, mount: str, target: str) -> None:
    answer = server.raw(
        f"GET {mount}{target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()
    )
    assert SECRET.encode() not in answer, (mount, target)
    assert b"root:" not in answer, (mount, target)
    if answer:
        status = int(answer[9:12])
        assert status != 200 and status < 500, (mount, target, answer[:200])


@pytest.mark.parametrize("mount", ["/static", "/files"])
def test_files_inside_the_root_are_served(server: Server, mount: str) -> None:
    answer = server.raw(
        f"GET {mount}/public.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"public")


@pytest.mark.parametrize("mount", ["/static", "/files"])
def test_redirects_stay_on_the_same_origin(server: Server, mount: str) -> None:
    for target in ("//evil.example", "//evil.example/", "/\\evil.example", "//evil.example/sub"):
        answer = server.raw(
            f"GET {mount}{target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()
        )
        for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            if line.lower().startswith(b"location:"):
                location = line.split(b":", 1)[1].strip()
                assert not location.startswith((b"//", b"/\\")), (mount, target, location)
                assert b"://" not in location, (mount, target, location)
