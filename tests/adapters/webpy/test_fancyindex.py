"""``web.fancyindex``: the original's sorted HTML listing, its options, escaped and confined."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from microrest.adapters.webpy import fancyindex
from microrest.testing import Client

Serve = Callable[..., Client]

# A template whose output parses as JSON, so the tests read the listing back as data.
JSON_TEMPLATE = (
    '{{"dirname": "{dirname}", "head": "{head}", "precontent": "{precontent}", '
    '"preindex": "{preindex}", "postindex": "{postindex}", "postcontent": "{postcontent}", '
    '"entries": [{entries}]}}'
)
JSON_ENTRY = '{{"name": "{name}", "size": "{size}", "modified": "{modified}"}}'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    root.mkdir()
    (root / "test").write_bytes(b"x" * 2000)
    (root / "Test").write_bytes(b"y")
    for name in ("testdir", "tmp", "Tmp", "tëst"):
        (root / name).mkdir()
    (root / "testdir" / "magic").write_bytes(b"")
    (tmp_path / "outside").write_bytes(b"outside")
    (root / "testdir" / "out").symlink_to(tmp_path / "outside")
    return root


def listing(client: Client, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = json.loads(response.text)
    return data


def json_routes(root: Path, **options: Any) -> dict[str, Any]:
    return fancyindex.new(
        str(root),
        "/fancy",
        index_template=JSON_TEMPLATE,
        index_entry=JSON_ENTRY,
        index_entry_join=",",
        index_content_type="application/json",
        **options,
    )


def test_the_root_listing_is_sorted_with_sizes_and_dates(serve: Serve, tree: Path) -> None:
    client = serve(json_routes(tree))
    response = client.get("/fancy/")
    assert response.headers["Content-Type"] == "application/json"
    data = listing(client, "/fancy/")
    assert data["dirname"] == "/fancy/"
    names = [entry["name"] for entry in data["entries"]]
    assert names == ["testdir/", "Tmp/", "tmp/", "tëst/", "Test", "test"]  # no ".." at the root
    sizes = {entry["name"]: entry["size"] for entry in data["entries"]}
    assert sizes == {
        "testdir/": "-",
        "Tmp/": "-",
        "tmp/": "-",
        "tëst/": "-",
        "Test": "1.00 B",
        "test": "1.95 KiB",
    }
    mtime = time.localtime(os.stat(tree / "test").st_mtime)
    assert sizes and {e["modified"] for e in data["entries"] if e["name"] == "test"} == {
        fancyindex.human_readable_time(mtime)
    }


def test_subdirectories_list_the_parent_and_stay_confined(serve: Serve, tree: Path) -> None:
    client = serve(json_routes(tree))
    data = listing(client, "/fancy/testdir/")
    assert data["dirname"] == "/fancy/testdir/"
    assert [entry["name"] for entry in data["entries"]] == ["../", "magic"]  # not "out"
    encoded = listing(client, "/fancy/t%C3%ABst/")
    assert encoded["dirname"] == "/fancy/tëst/"
    assert client.get("/fancy/testdir/out").status_code == 404
    assert client.get("/fancy/testdir").status_code == 307


def test_the_fragments_go_where_they_are_configured(serve: Serve, tree: Path) -> None:
    fragments = {
        "head": "H",
        "precontent": "PC",
        "preindex": "PI",
        "postindex": "QI",
        "postcontent": "QC",
    }
    data = listing(serve(json_routes(tree, **fragments)), "/fancy/")
    assert {key: data[key] for key in fragments} == fragments
    plain = listing(serve(json_routes(tree)), "/fancy/")
    assert {key: plain[key] for key in fragments} == dict.fromkeys(fragments, "")


def test_the_default_page_escapes_names_and_quotes_links(serve: Serve, tree: Path) -> None:
    (tree / '<script>alert("x")').write_bytes(b"")
    (tree / "a#b c").write_bytes(b"")
    response = serve(fancyindex.new(str(tree), "/fancy")).get("/fancy/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.text
    assert "<title>Index of /fancy/</title>" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)</a>" in page
    assert 'href="a%23b%20c">a#b c</a>' in page
    assert page.index(">testdir/<") < page.index(">Test<")


def test_files_and_the_index_file_are_served_as_by_web_file(serve: Serve, tree: Path) -> None:
    (tree / "tmp" / "index.html").write_text("<p>own index</p>")
    client = serve(fancyindex.new(str(tree), "/fancy"))
    assert client.get("/fancy/test").content == b"x" * 2000
    assert client.get("/fancy/tmp/").text == "<p>own index</p>"
    assert client.put("/fancy/test", content=b"z").status_code == 405
    writable = serve(fancyindex.new(str(tree), "/w", modify=True))
    assert writable.put("/w/new", content=b"z").status_code == 204
    assert (tree / "new").read_bytes() == b"z"


def test_listdir_order_and_sortclass(tree: Path) -> None:
    names = [str(entry) for entry in fancyindex.listdir(str(tree))]
    assert names == ["../", "testdir/", "Tmp/", "tmp/", "tëst/", "Test", "test"]
    assert len(fancyindex.listdir(str(tree), root=True)) == 6

    class ByPath(fancyindex.DirEntry):
        def __lt__(self, other: fancyindex.DirEntry) -> bool:
            return self.path < other.path

    raw = [str(entry) for entry in fancyindex.listdir(str(tree), sortclass=ByPath)]
    assert raw == ["../", "Test", "Tmp/", "test", "testdir/", "tmp/", "tëst/"]


def test_dir_entry_rules(tree: Path) -> None:
    directory = fancyindex.DirEntry(str(tree), "testdir")
    regular = fancyindex.DirEntry(str(tree), "test")
    assert (str(directory), directory.is_dir, directory.size) == ("testdir/", True, None)
    assert (str(regular), regular.is_dir, regular.size) == ("test", False, 2000)
    assert directory < regular and not regular < directory
    assert fancyindex.DirEntry(str(tree), "test") == regular
    assert fancyindex.DirEntry(str(tree), "Test") < regular
    assert "testdir/" in repr(directory)


def test_human_readable_sizes_and_times() -> None:
    units = ["B", "KiB"]
    cases = {1: "1.00 B", 1024: "1.00 KiB", 1048576: "1024.00 KiB", 895: "895.00 B"}
    for size, text in cases.items():
        assert fancyindex.human_readable_size(size, units=units) == text
    assert fancyindex.human_readable_size(896, units=units) == "0.88 KiB"
    assert fancyindex.human_readable_size(None) == "-"
    assert fancyindex.human_readable_time(time.gmtime(0)) == "01-Jan-1970 00:00 GMT"
