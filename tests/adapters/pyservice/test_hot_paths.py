"""The service's per-call shortcuts answer exactly what the general paths answer.

A ``Container`` reads a learnt field name without the class lookup first; the service builds
each call's ``Context`` without ``Context.__init__``; the package imports its clients (and
httpx) on first use. Each is checked against the path it stands in for.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from microrest.adapters import pyservice
from microrest.adapters.pyservice import containers
from microrest.testing import Client

NAMES = [
    "name",  # a field
    "count",
    "absent",  # a missing field
    "items",  # dict methods: a field of that name is stored, the method is read
    "get",
    "keys",
    "update",
    "copy",
    "_private",  # one underscore: a field like any other
    "__deepcopy__",  # dunders: never fields
    "__html__",
    "__class__",
    "__missing__",  # the class's own
    "__getattr__",
]


def _general(container: Any, name: str) -> Any:
    """0.8.0's rule, as the class lookup and ``__getattr__`` give it without a shortcut."""
    try:
        return object.__getattribute__(container, name)
    except AttributeError:
        if name.startswith("__") and name.endswith("__"):
            raise
        return dict.get(container, name)


def _read(container: Any, name: str) -> Any:
    try:
        return getattr(container, name)
    except AttributeError as exc:
        return AttributeError, exc.args


def _expected(container: Any, name: str) -> Any:
    try:
        return _general(container, name)
    except AttributeError:
        return AttributeError, (name,)


@pytest.mark.parametrize("name", NAMES)
def test_a_read_equals_the_general_lookup_before_and_after_the_name_is_learnt(name: str) -> None:
    fields = {"name": "x", "count": 3, "items": [1], "get": 2, "_private": 4, "__html__": 5}
    full, empty = pyservice.Container(fields), pyservice.Container()
    for _ in range(3):  # the first read may learn the name; later ones take the shortcut
        assert _read(full, name) == _expected(full, name)
        assert _read(empty, name) == _expected(empty, name)


def test_only_plain_field_names_are_learnt() -> None:
    container = pyservice.Container(items=[1])
    for name in NAMES:
        _read(container, name)
    container.__getattr__("keys")  # a direct call cannot teach a dict method's name either
    assert {"name", "count", "absent", "_private"} <= containers._FIELD_NAMES
    assert not {"items", "get", "keys", "update", "copy"} & containers._FIELD_NAMES
    assert not {name for name in containers._FIELD_NAMES if name.startswith("__")}
    assert callable(container.items) and callable(container.keys)
    assert container["items"] == [1]


def test_the_learnt_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(containers, "_FIELD_NAMES", set())
    monkeypatch.setattr(containers, "_FIELD_NAMES_MAX", 3)
    container = pyservice.Container(f5=5)
    for i in range(10):
        assert getattr(container, f"f{i}") == (5 if i == 5 else None)
    assert sorted(containers._FIELD_NAMES) == ["f0", "f1", "f2"]


def test_a_subclass_takes_the_general_lookup() -> None:
    pyservice.Container(name=1).name  # noqa: B018  ("name" is learnt for Container)

    class Named(pyservice.Container):
        def name(self) -> str:
            return "method"

    class Fallback(pyservice.Container):
        def __getattr__(self, name: str) -> Any:
            return f"fallback {name}"

    named = Named(name="field", other=2)
    assert named.name() == "method" and named["name"] == "field"
    assert named.other == 2 and named.missing is None
    with pytest.raises(AttributeError):
        named.__html__  # noqa: B018
    assert Fallback(name="field").name == "fallback name"  # its own __getattr__ still runs
    assert Fallback().count == "fallback count"


def test_writes_and_deletes_are_unchanged() -> None:
    container = pyservice.Container()
    container.name = "x"
    container.items = [1]
    container.__weird__ = 1
    assert container == {"name": "x", "items": [1], "__weird__": 1}
    del container.name
    with pytest.raises(AttributeError):
        del container.name
    assert container.name is None


def test_the_services_context_is_the_one_context_init_builds() -> None:
    service = pyservice.Service(operations=["op"])
    seen: list[Any] = []

    @service.operation("op")
    async def op(request: Any, response: Any, context: Any) -> None:
        seen.append(context)
        context.db = 1  # "a dumping ground for plugins"

    with Client(service) as http:
        assert http.post("/api/0/op", content=b"{}").json() == {}
    built = pyservice.Context("op", service=service)
    built.db = 1
    (context,) = seen
    assert type(context) is pyservice.Context
    assert vars(context) == vars(built) == {"operation": "op", "service": service, "db": 1}
    assert repr(context) == repr(built) == "<Context operation='op'>"
    with pytest.raises(pyservice.PluginError):  # no chain is running: the same error
        context.process_request()
    with pytest.raises(pyservice.PluginError):
        built.process_request()


def test_the_clients_and_httpx_are_imported_on_first_use() -> None:
    code = (
        "import sys\n"
        "from microrest.adapters import pyservice\n"
        "assert 'httpx' not in sys.modules, 'a service alone imported httpx'\n"
        "from microrest.adapters.pyservice import Client\n"
        "from microrest.adapters.pyservice.client import AsyncClient, Client as Direct\n"
        "assert Client is Direct and pyservice.AsyncClient is AsyncClient\n"
        "assert 'httpx' in sys.modules\n"
        "try:\n"
        "    pyservice.Nothing\n"
        "except AttributeError as exc:\n"
        "    assert 'Nothing' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('pyservice.Nothing')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
