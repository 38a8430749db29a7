"""``Client(**api)`` and ``AsyncClient(**api)``: generated methods, exceptions by name, errors
as ``RequestException``, timeouts, client plugins; in-process and over the network (§8, P-C*)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.adapters.pyservice.conftest import README_API, readme_service
from tests.helpers import free_port

from microrest import ConfigurationError
from microrest.adapters import pyservice
from microrest.server import Server


@pytest.fixture
def client(service: pyservice.Service, api: dict[str, Any]) -> Iterator[pyservice.Client]:
    with pyservice.Client(**api, app=service) as client:
        yield client


def test_readme_flow_in_process(client: pyservice.Client) -> None:  # P-E1..P-E3
    item = "some string"
    result = client.put_item(item=item)
    assert isinstance(result, pyservice.Container) and result == {"id": "1"}
    same = client.get_item(id=result.id)
    assert same.item == item
    with pytest.raises(client.exceptions.DoesNotExist) as caught:
        client.get_item(id="nope")
    assert caught.value.args == ("No item with id nope",)
    with pytest.raises(client.exceptions.ItemRequired, match="Need an item to put"):
        client.put_item()


def test_calling_by_name_and_the_cached_methods(client: pyservice.Client) -> None:  # P-C9
    assert client("put_item", item=1) == {"id": "1"}
    assert client.put_item is client.put_item  # made once, then a plain attribute
    assert client.put_item.__name__ == "put_item"
    with pytest.raises(TypeError):
        client.put_item("positional")  # keyword arguments only
    with pytest.raises(ValueError, match="Unknown operation 'nope'"):
        client("nope")


def test_undeclared_names_are_attribute_errors(client: pyservice.Client) -> None:  # P-C7
    assert hasattr(client, "get_item") and not hasattr(client, "delete_item")
    with pytest.raises(AttributeError, match="no operation 'delete_item'"):
        client.delete_item  # noqa: B018
    assert copy.copy(client).api == client.api  # dunder probes do not become operations


def test_defaults_and_uri() -> None:  # P-C1, P-C2
    endpoint = {"scheme": "http", "host": "localhost", "port": 8080, "path": "/test/{operation}"}
    client = pyservice.Client(endpoint=endpoint, operations=["foo"])
    assert client.api["uri"] == "http://localhost:8080/test/{operation}"
    assert client.plugins == {"request": [], "operation": []}  # P-C3
    assert client.exceptions.ValueError is ValueError  # P-C4
    default = pyservice.Client()
    assert default.uri == "https://localhost:8080/api/0/{operation}"  # 0.8.0's defaults
    assert default.timeout == 60
    with pytest.raises(ConfigurationError, match="must specify 'host'"):
        pyservice.Client(endpoint={"scheme": "http", "port": 1, "path": "/{operation}"})


def test_undeclared_exception_is_a_request_exception(client: pyservice.Client) -> None:
    with pytest.raises(client.exceptions.RequestException, match="500 Internal Server Error") as c:
        client("boom")  # P-E8: not debugging
    assert c.value.status_code == 500
    assert isinstance(c.value.__cause__, httpx.HTTPStatusError)


def test_debug_re_raises_builtins(api: dict[str, Any]) -> None:  # P-E8: debugging
    api["debug"] = True
    client = pyservice.Client(**api, app=readme_service(debug=True))
    with client, pytest.raises(RuntimeError) as caught:
        client("boom")
    assert caught.value.args == ("secret", 1)


def scripted(answer: httpx.Response) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: answer)


def envelope(name: str, *args: Any, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"__exception__": {"cls": name, "args": list(args)}, **extra})


@pytest.mark.parametrize("name", ["SystemExit", "KeyboardInterrupt", "GeneratorExit", "dict",
                                  "Undeclared", "not a name", "RequestException"])  # fmt: skip
def test_a_service_cannot_make_the_client_raise_what_it_did_not_declare(name: str) -> None:
    client = pyservice.Client(**README_API, transport=scripted(envelope(name, "x")))
    with pytest.raises(client.exceptions.RequestException, match="does not declare"):
        client.get_item(id="1")


def test_a_declared_name_that_is_not_an_exception_class_is_refused() -> None:
    api = dict(README_API, exceptions=["SystemExit", "KeyError"])
    client = pyservice.Client(**api, transport=scripted(envelope("SystemExit", 0)))
    with pytest.raises(client.exceptions.RequestException):
        client.get_item(id="1")
    client = pyservice.Client(**api, transport=scripted(envelope("KeyError", "k")))
    with pytest.raises(KeyError):  # a declared builtin is the builtin
        client.get_item(id="1")


def test_debug_keeps_the_rest_of_the_answer_for_plugins() -> None:  # P-P5, P-P6
    answer = envelope("FooExceptionClass", "text", 1, False, extra={"k": "v"})
    seen: list[Any] = []
    for debug in (False, True):
        api = dict(README_API, debug=debug, exceptions=["FooExceptionClass"])
        client = pyservice.Client(**api, transport=scripted(answer))
        expected = client.exceptions.FooExceptionClass

        @client.plugin
        def look(request: Any, response: Any, context: Any, expected: Any = expected) -> None:
            try:
                context.process_request()
            except expected as exc:
                seen.append((exc.args, response.extra))
                raise

        with pytest.raises(client.exceptions.FooExceptionClass):
            client.get_item(id="1")
    assert seen == [(("text", 1, False), None), (("text", 1, False), {"k": "v"})]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (httpx.Response(404), "404 Not Found"),  # P-P4
        (httpx.Response(413), "413 Request Entity Too Large"),
        (httpx.Response(200, content=b"<html>"), "not JSON"),
        (httpx.Response(200, json=[1]), "not an object"),
        (httpx.Response(200, json={"__exception__": "odd"}), "malformed"),
    ],
)
def test_http_errors_and_unusable_answers(answer: httpx.Response, message: str) -> None:
    client = pyservice.Client(**README_API, transport=scripted(answer))
    with pytest.raises(client.exceptions.RequestException, match=message) as caught:
        client.get_item(id="1")
    assert caught.value.status_code == answer.status_code
    if answer.status_code >= 400:
        assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)


def test_the_request_on_the_wire() -> None:  # P-P3
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"greeting": ["Hello", "World!"]})

    api = dict(README_API, timeout=7, endpoint={"scheme": "http", "host": "h", "port": 1,
                                                "path": "/test/{operation}"})  # fmt: skip
    client = pyservice.Client(**api, transport=httpx.MockTransport(record))
    result = client.get_item(key="value")
    assert result.greeting == ["Hello", "World!"]
    (request,) = sent
    assert (request.method, str(request.url)) == ("POST", "http://h:1/test/get_item")
    assert request.read() == b'{"key":"value"}'
    assert request.extensions["timeout"] == {"connect": 7, "read": 7, "write": 7, "pool": 7}


def test_transport_failures_are_request_exceptions() -> None:
    api = dict(README_API, timeout=2)
    api["endpoint"] = dict(api["endpoint"], host="127.0.0.1", port=free_port())
    client = pyservice.Client(**api)
    with pytest.raises(client.exceptions.RequestException, match="ConnectError") as caught:
        client.get_item(id="1")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.status_code is None


@pytest.fixture
def network() -> Iterator[tuple[pyservice.Service, dict[str, Any], threading.Event]]:
    """The README service (plus a ``slow`` operation) on a real uvicorn, 127.0.0.1, port 0."""
    release = threading.Event()
    api = copy.deepcopy(README_API)
    api["operations"].append("slow")
    service = readme_service(operations=api["operations"])

    @service.operation("slow")
    def slow(request: Any, response: Any, context: Any) -> None:
        release.wait(10)  # held until the test releases it (a worker thread, not the loop)

    server = Server(service, "127.0.0.1", 0, log_level="warning")
    server.start()
    host, port = server.server_address
    api["endpoint"] = dict(api["endpoint"], host=host, port=port)
    try:
        yield service, api, release
    finally:
        release.set()
        server.stop()


def test_over_the_network(network: tuple[pyservice.Service, dict[str, Any], Any]) -> None:
    _, api, _ = network
    with pyservice.Client(**api) as client:
        id = client.put_item(item={"nested": [1, "ü"]}).id
        assert client.get_item(id=id).item == {"nested": [1, "ü"]}
        with pytest.raises(client.exceptions.IDRequired):
            client.get_item()
        with pytest.raises(client.exceptions.RequestException, match="500"):
            client.boom()


def test_timeouts_come_from_the_api_dict(
    network: tuple[pyservice.Service, dict[str, Any], threading.Event],
) -> None:
    _, api, release = network
    api["timeout"] = 0.3
    client = pyservice.Client(**api)
    with client, pytest.raises(client.exceptions.RequestException, match="ReadTimeout") as caught:
        client.slow()
    release.set()
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


@pytest.mark.anyio
async def test_async_client_over_the_network(
    network: tuple[pyservice.Service, dict[str, Any], Any],
) -> None:
    _, api, _ = network
    async with pyservice.AsyncClient(**api) as client:
        id = (await client.put_item(item="x")).id
        assert (await client.get_item(id=id)) == {"item": "x"}
        with pytest.raises(client.exceptions.DoesNotExist):
            await client.get_item(id="nope")


@pytest.mark.anyio
async def test_async_client_in_process(service: pyservice.Service, api: dict[str, Any]) -> None:
    async with pyservice.AsyncClient(**api, app=service) as client:
        assert hasattr(client, "put_item") and not hasattr(client, "nope")
        result = await client.put_item(item=[1])
        assert (await client("get_item", id=result.id)).item == [1]
        with pytest.raises(client.exceptions.ItemRequired):
            await client.put_item()
        with pytest.raises(client.exceptions.RequestException, match="500"):
            await client.boom()


def test_client_plugins_scopes_order_and_caching(
    client: pyservice.Client, service: pyservice.Service
) -> None:
    log: list[str] = []
    cache: dict[str, Any] = {}

    @client.plugin("request")
    def timing(context: Any) -> None:
        log.append(f"request before {context.operation}")
        context.process_request()
        log.append("request after")

    @client.plugin(scope="operation")
    def cached(request: Any, response: Any, context: Any) -> None:
        log.append(f"operation before {dict(request)}")
        key = repr(sorted(request.items()))
        if context.operation == "get_item" and key in cache:
            response.update(cache[key])
            return  # short-circuit: no HTTP call
        context.process_request()
        cache[key] = dict(response)
        log.append(f"operation after {dict(response)}")

    assert client.put_item(item="x") == {"id": "1"}
    assert client.get_item(id="1") == {"item": "x"}
    service.items["1"] = "changed on the server"  # type: ignore[attr-defined]
    assert client.get_item(id="1") == {"item": "x"}  # from the plugin's cache
    assert log[:3] == ["request before put_item", "operation before {'item': 'x'}",
                       "operation after {'id': '1'}"]  # fmt: skip
    assert log[-2:] == ["operation before {'id': '1'}", "request after"]
    assert client.plugins["operation"] == [cached]


def test_a_sync_client_refuses_async_plugins(client: pyservice.Client) -> None:
    async def plugin(context: Any) -> None:
        await context.process_request()

    with pytest.raises(ConfigurationError, match="use AsyncClient"):
        client.plugin("request", func=plugin)
    with pytest.raises(ValueError, match="Unknown scope"):
        client.plugin("everything")  # P-C5


@pytest.mark.anyio
async def test_async_client_plugins_sync_and_async(
    service: pyservice.Service, api: dict[str, Any]
) -> None:
    log: list[str] = []
    async with pyservice.AsyncClient(**api, app=service) as client:

        @client.plugin("request")
        async def outer(context: Any) -> None:
            log.append("outer before")
            await context.process_request()
            log.append("outer after")

        @client.plugin("operation")
        def inner(request: Any, response: Any, context: Any) -> None:  # runs in a thread
            log.append(f"inner before {dict(request)}")
            context.process_request()
            log.append(f"inner after {dict(response)}")

        assert (await client.put_item(item=1)) == {"id": "1"}
    assert log == ["outer before", "inner before {'item': 1}", "inner after {'id': '1'}",
                   "outer after"]  # fmt: skip


def test_protocol_errors_in_process(client: pyservice.Client) -> None:  # P-E4, P-E9
    with pytest.raises(client.exceptions.RequestException, match="^404 Not Found$") as caught:
        client.unimplemented()  # declared, never registered on the service
    assert caught.value.status_code == 404
    with pytest.raises(client.exceptions.RequestException, match="413 Request Entity Too Large"):
        client.put_item(item="x" * 102400)
    assert client.put_item(item="x" * 102380).id == "1"  # the whole call is at most 102400
