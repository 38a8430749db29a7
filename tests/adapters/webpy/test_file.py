"""The file extension (the original's W-F* cases) and its safety by construction."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest.adapters.webpy import file
from microrest.testing import Client

Serve = Callable[..., Client]
SECRET = b"secret test message"
is_root = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def root(tmp_path: Path) -> Path:
    served = tmp_path / "served"
    served.mkdir()
    (served / "test").write_bytes(SECRET)
    (served / "test.txt").write_bytes(SECRET)
    (served / "forbidden").write_bytes(SECRET)
    (served / "forbidden").chmod(0)
    (served / "testdir").mkdir()
    (served / "testdir" / "magic").write_bytes(b"")
    (served / "indexdir").mkdir()
    (served / "indexdir" / "index.html").write_bytes(SECRET)
    (tmp_path / "outside.txt").write_bytes(b"outside")
    (served / "escape").symlink_to(tmp_path / "outside.txt")
    (served / "inside").symlink_to(served / "test")
    return served


def test_new_returns_one_route(root: Path) -> None:
    routes = file.new(str(root) + "/", "/")
    [(pattern, handler)] = routes.items()
    assert pattern == "(|/.*)"
    assert handler.local == str(root)  # type: ignore[attr-defined]
    assert handler.remote == ""  # type: ignore[attr-defined]


def test_get_a_file(serve: Serve, root: Path) -> None:
    response = serve(file.new(str(root))).get("/test")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "19"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "Content-Range" not in response.headers
    assert response.content == SECRET


def test_ranges(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root)))
    response = client.get("/test", headers={"Range": "bytes=2-6"})
    assert response.status_code == 206
    assert response.headers["Content-Length"] == "5"
    assert response.headers["Content-Range"] == "bytes 2-6/19"
    assert response.content == b"cret "
    response = client.get("/test", headers={"Range": "bytes=2-"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 2-18/19"
    assert response.headers["Content-Length"] == "17"
    response = client.get("/test", headers={"Range": "bytes=100-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */19"


def test_mime_types(serve: Serve, root: Path) -> None:
    assert (
        serve(file.new(str(root))).get("/test.txt").headers["Content-Type"].startswith("text/plain")
    )


def test_missing_files_are_404(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root)))
    for path in ("/nonexistent", "/test/", "/test/nonexistent"):
        assert client.get(path).status_code == 404, path


@pytest.mark.skipif(is_root, reason="root can read a mode-000 file")
def test_unreadable_file_is_403(serve: Serve, root: Path) -> None:
    assert serve(file.new(str(root))).get("/forbidden").status_code == 403


def test_directory_without_slash_redirects(serve: Serve, root: Path) -> None:
    response = serve(file.new(str(root), "/files")).get("/files/testdir")
    assert response.status_code == 307
    assert response.headers["Location"] == "/files/testdir/"
    assert response.content == b""
    response = serve(file.new(str(root), "/other")).get("/other")
    assert response.headers["Location"] == "/other/"


def test_directory_listing_only_when_enabled(serve: Serve, root: Path) -> None:
    listed = serve(file.new(str(root), dir_index=True)).get("/testdir/")
    assert (listed.status_code, listed.text) == (200, "magic\n")
    assert serve(file.new(str(root))).get("/testdir/").status_code == 403


def test_index_html_wins(serve: Serve, root: Path) -> None:
    response = serve(file.new(str(root), dir_index=True)).get("/indexdir/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Length"] == "19"
    assert response.content == SECRET


def test_non_canonical_paths_redirect(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root)))
    response = client.get("/testdir/%2e%2e/test")
    assert response.status_code == 307
    assert response.headers["Location"] == "/test"
    assert client.get("/testdir//magic").headers["Location"] == "/testdir/magic"
    other = serve(file.new(str(root), "/test2"))
    assert other.get("/test2/testdir/%2e%2e/%2e%2e/").headers["Location"] == "/test2/"


def test_new_strips_slashes_and_serves_subdirectories(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root / "testdir") + "/", "/test2/"))
    response = client.get("/test2/magic")
    assert (response.status_code, response.content) == (200, b"")


def test_fixed_filename_subclass(serve: Serve, root: Path) -> None:
    class Fixed(file.FileHandler):
        filename = str(root / "test")

    class Listing(file.FileHandler):
        filename = str(root / "testdir") + "/"
        dir_index = True

    class Custom(Listing):
        def index(self) -> str:
            return "custom listing"

    client = serve({"/": Fixed, "/list": Listing, "/custom": Custom})
    assert client.get("/").content == SECRET
    assert client.get("/list").text == "magic\n"
    assert client.get("/custom").text == "custom listing"
    assert client.put("/", content=b"x").status_code == 405


# writing -------------------------------------------------------------------------------------


def test_put_and_delete_with_modify(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root), dir_index=True, modify=True))
    assert client.get("/new").status_code == 404
    assert client.put("/new", content=b"fresh").status_code == 204
    assert client.get("/new").content == b"fresh"
    assert client.put("/new", content=b"over").status_code == 204
    assert client.get("/new").content == b"over"
    assert client.put("/sub/deeper/file", content=b"x").status_code == 204
    assert (root / "sub" / "deeper" / "file").read_bytes() == b"x"
    assert client.put("/madedir/").status_code == 204
    assert (client.get("/madedir/").status_code, client.get("/madedir/").text) == (200, "")
    response = client.delete("/new")
    assert (response.status_code, response.content) == (204, b"")
    assert client.get("/new").status_code == 404
    assert client.delete("/nonexistent").status_code == 404
    assert client.delete("/testdir").status_code == 204
    assert not (root / "testdir").exists()
    allow = client.options("/test").headers["Allow"]
    assert allow == "DELETE, GET, HEAD, OPTIONS, PUT"


def test_read_only_refuses_writes(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root)))
    response = client.put("/test", content=b"x")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert client.delete("/test").status_code == 405
    assert (root / "test").read_bytes() == SECRET


@pytest.mark.skipif(is_root, reason="root may write anywhere")
def test_unwritable_targets_are_403(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root), modify=True))
    (root / "test").chmod(0o444)
    assert client.put("/test", content=b"x").status_code == 403
    assert (root / "test").read_bytes() == SECRET
    locked = root / "locked"
    locked.mkdir()
    (locked / "f").write_bytes(b"")
    locked.chmod(0o555)
    try:
        assert client.delete("/locked/f").status_code == 403
    finally:
        locked.chmod(0o755)


def test_the_root_is_never_deleted(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root), "/files", modify=True))
    assert client.delete("/files/").status_code == 403
    assert client.delete("/files").status_code == 403
    assert (root / "test").exists()


def test_uploads_are_bounded(serve: Serve, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Small(file.ModifyFileHandler):
        max_request_size = 10

    routes: dict[str, Any] = {"/small": Small}
    Small.filename = str(root / "small")
    client = serve(routes)
    assert client.put("/small", content=b"x" * 11).status_code == 413
    assert not (root / "small").exists()
    assert client.put("/small", content=b"x" * 10).status_code == 204
    default = serve(file.new(str(root), modify=True))
    too_big = default.put("/big", content=b"x" * (file.max_file_size + 1))
    assert too_big.status_code == 413
    assert not (root / "big").exists()
    assert [p.name for p in root.iterdir() if p.name.startswith(".upload-")] == []


# safety ----------------------------------------------------------------------------------------


def test_traversal_is_refused(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root), "/f"))
    for path in ("/f/%2e%2e/outside.txt", "/f/..%2foutside.txt", "/f/%2E%2E%2Foutside.txt"):
        response = client.get(path)
        assert response.content != b"outside", path
        assert response.status_code in (307, 400, 403, 404), path
        if response.status_code == 307:
            assert response.headers["Location"] == "/f/outside.txt"
            assert client.get(response.headers["Location"]).status_code == 404


def test_symlinks_out_of_the_root_are_refused(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root)))
    assert client.get("/escape").status_code == 404
    assert client.get("/inside").content == SECRET


def test_nul_bytes_are_400(serve: Serve, root: Path) -> None:
    assert serve(file.new(str(root))).get("/test%00.txt").status_code == 400


def test_compat_mode_decodes_and_ignores_the_query(serve: Serve, root: Path) -> None:
    client = serve(file.new(str(root), "/f"), compat=True)
    assert client.get("/f/test?x=1").content == SECRET
    assert client.get("/f/%2e%2e/outside.txt").content != b"outside"
    assert client.get("/f/test%00").status_code == 400


def test_normpath_table() -> None:
    table = {
        "/A/B/C/": "/A/B/C/",
        "A/B/C/": "A/B/C/",
        "/A/B/C": "/A/B/C",
        "/A//B": "/A/B",
        "/A/./B/": "/A/B/",
        "/A/../B/": "/B/",
        "/A/../../../../../B/": "/B/",
        "A/../../../../../B/": "B/",
        "/A/./B//C/../../D": "/A/D",
    }
    for given, expected in table.items():
        assert file.normpath(given) == expected, given


def test_used_next_to_other_routes(serve: Serve, root: Path) -> None:
    class Hello(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, "hello"

    client = serve({"/hello": Hello, **file.new(str(root), "/static")})
    assert client.get("/hello").text == "hello"
    assert client.get("/static/test").content == SECRET


# issue 10: index files confined, same-origin redirects, DELETE of "name/" -----------------------


def test_a_symlinked_index_file_out_of_the_root_is_not_served(
    serve: Serve, root: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_bytes(b"the secret")
    sub = root / "sub"
    sub.mkdir()
    (sub / "index.html").symlink_to("../../secret.txt")
    for dir_index in (False, True):
        client = serve(file.new(str(root), "/static", dir_index=dir_index))
        response = client.get("/static/sub/")
        assert b"the secret" not in response.content
        assert response.status_code == (200 if dir_index else 403)
    # listings leave out what they could not serve
    assert "index.html" not in serve(file.new(str(root), dir_index=True)).get("/sub/").text
    assert "escape" not in serve(file.new(str(root), dir_index=True)).get("/").text


def test_a_symlinked_index_file_inside_the_root_is_served(serve: Serve, root: Path) -> None:
    sub = root / "sub"
    sub.mkdir()
    (sub / "index.html").symlink_to("../test")
    response = serve(file.new(str(root))).get("/sub/")
    assert (response.status_code, response.content) == (200, SECRET)


def test_a_fixed_directory_confines_its_index_file(
    serve: Serve, root: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_bytes(b"the secret")
    (root / "testdir" / "index.html").symlink_to(tmp_path / "secret.txt")

    class Fixed(file.FileHandler):
        filename = str(root / "testdir") + "/"

    assert b"the secret" not in serve({"/": Fixed}).get("/").content


@pytest.mark.parametrize("compat", [False, True])
@pytest.mark.parametrize(
    "path", ["//evil.example", "///evil.example", "//evil.example/x/..", "/%2fevil.example"]
)
def test_redirects_stay_on_the_same_origin(
    serve: Serve, root: Path, path: str, compat: bool
) -> None:
    (root / "evil.example").mkdir()

    class Fixed(file.FileHandler):  # a fixed directory on a catch-all route
        filename = str(root / "testdir")

    for routes in (file.new(str(root)), {"/.*": Fixed}):
        client = serve(routes, compat=compat)
        response = client.get("http://testserver" + path)  # the path as sent, not a new host
        assert response.status_code == 307, path
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), location


def test_a_directory_redirect_under_a_remote_stays_local(serve: Serve, root: Path) -> None:
    (root / "evil.example").mkdir()
    response = serve(file.new(str(root), "/f")).get("/f//evil.example")
    assert response.status_code == 307
    assert response.headers["Location"] == "/f/evil.example"


def test_delete_of_a_plain_file_with_a_trailing_slash_deletes_nothing(
    serve: Serve, root: Path
) -> None:
    client = serve(file.new(str(root), "/files", modify=True))
    assert client.get("/files/test/").status_code == 404
    response = client.delete("/files/test/")
    assert response.status_code == 403
    assert (root / "test").read_bytes() == SECRET
    assert client.delete("/files/nothing/").status_code == 404
    assert client.delete("/files/testdir/").status_code == 204
    assert not (root / "testdir").exists()
