"""Plugins: scopes, onion order, ``process_request()`` exactly once, short-circuits, sync and
async, in both concurrency modes (§4 of the reference note, P-P2, P-E10)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from microrest import Unauthorized
from microrest.adapters import pyservice
from microrest.testing import Client

MODES = ["thread", "inline"]


def make(mode: str = "thread", **api: Any) -> pyservice.Service:
    api.setdefault("operations", ["op"])
    return pyservice.Service(sync_handlers=mode, **api)  # type: ignore[arg-type]


def call(service: pyservice.Service, body: bytes = b'{"k": 1}') -> Any:
    with Client(service, raise_server_exceptions=False) as http:
        return http.post("/api/0/op", content=body)


def onion(service: pyservice.Service, log: list[str], kinds: str) -> None:
    """Two request plugins and one operation plugin; ``kinds`` says which are async
    (``"s"``/``"a"`` for r1, r2, o1, then the function)."""
    r1, r2, o1, fn = kinds

    def request_plugin(name: str, is_async: bool) -> Any:
        if is_async:

            async def plugin(context: Any) -> None:
                log.append(f"{name} before")
                await context.process_request()
                log.append(f"{name} after")

        else:

            def plugin(context: Any) -> None:
                log.append(f"{name} before")
                context.process_request()
                log.append(f"{name} after")

        return plugin

    service.plugin("request", func=request_plugin("r1", r1 == "a"))
    service.plugin("request", func=request_plugin("r2", r2 == "a"))

    if o1 == "a":

        async def o(request: Any, response: Any, context: Any) -> None:
            log.append(f"o1 before {dict(request)}")
            await context.process_request()
            log.append(f"o1 after {dict(response)}")

    else:

        def o(request: Any, response: Any, context: Any) -> None:
            log.append(f"o1 before {dict(request)}")
            context.process_request()
            log.append(f"o1 after {dict(response)}")

    service.plugin("operation", func=o)

    if fn == "a":

        async def op(request: Any, response: Any, context: Any) -> None:
            log.append("function")
            response.out = request.k + 1

    else:

        def op(request: Any, response: Any, context: Any) -> None:
            log.append("function")
            response.out = request.k + 1

    service.operation("op", func=op)


EXPECTED = [
    "r1 before",
    "r2 before",
    "o1 before {'k': 1}",  # the body was parsed into request before operation plugins
    "function",
    "o1 after {'out': 2}",
    "r2 after",
    "r1 after",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kinds", ["ssss", "aaaa", "sass", "asas", "ssas", "sssa", "aass"])
def test_onion_order_in_every_mix(mode: str, kinds: str) -> None:
    log: list[str] = []
    service = make(mode)
    onion(service, log, kinds)
    response = call(service)
    assert (response.status_code, response.json()) == (200, {"out": 2})
    assert log == EXPECTED


def test_request_plugins_run_before_parsing_and_after_serialising() -> None:
    service = make()
    seen: dict[str, Any] = {}

    @service.plugin("request")
    def watch(context: Any) -> None:
        call = context._call
        seen["request before"] = dict(call.request)
        context.process_request()
        call.response.late = "not sent: the response was serialised already"

    service.operation("op", func=lambda request, response, context: response.update(v=1))
    assert call(service).json() == {"v": 1}
    assert seen["request before"] == {}


def test_sync_chains_run_in_one_worker_thread_by_default() -> None:
    service = make()
    threads: list[str] = []

    @service.plugin("request")
    def r(context: Any) -> None:
        threads.append(threading.current_thread().name)
        context.process_request()

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        threads.append(threading.current_thread().name)

    call(service)
    assert len(set(threads)) == 1 and threads[0] != threading.main_thread().name


@pytest.mark.parametrize("is_async", [False, True])
def test_operation_plugin_short_circuit_skips_the_function(is_async: bool) -> None:  # caching
    service = make()
    calls: list[str] = []
    cache: dict[Any, Any] = {}

    if is_async:

        async def cached(request: Any, response: Any, context: Any) -> None:
            if request.k in cache:
                response.update(cache[request.k], cached=True)
                return
            await context.process_request()
            cache[request.k] = dict(response)

    else:

        def cached(request: Any, response: Any, context: Any) -> None:
            if request.k in cache:
                response.update(cache[request.k], cached=True)
                return
            context.process_request()
            cache[request.k] = dict(response)

    service.plugin("operation", func=cached)

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        calls.append("function")
        response.value = request.k * 10

    assert call(service).json() == {"value": 10}
    assert call(service).json() == {"value": 10, "cached": True}
    assert calls == ["function"]


@pytest.mark.parametrize("is_async", [False, True])
def test_a_request_plugin_that_never_continues_is_a_clear_500(
    is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:  # P-E10
    service = make()
    if is_async:

        async def lazy(context: Any) -> None:
            pass

    else:

        def lazy(context: Any) -> None:
            pass

    service.plugin("request", func=lazy)
    service.operation("op", func=lambda request, response, context: None)
    with caplog.at_level(logging.ERROR, "microrest.error"):
        response = call(service)
    assert response.status_code == 500
    assert b"PluginError" not in response.content
    assert "request plugin" in caplog.text and "lazy returned without calling" in caplog.text
    debug = make(debug=True)
    debug.plugin("request", func=lazy)
    debug.operation("op", func=lambda request, response, context: None)
    answer = call(debug).json()["__exception__"]
    assert answer["cls"] == "PluginError" and "exactly once" in answer["args"][0]


@pytest.mark.parametrize("scope", ["request", "operation"])
@pytest.mark.parametrize("is_async", [False, True])
def test_calling_process_request_twice_is_an_error(scope: str, is_async: bool) -> None:
    service = make(debug=True)
    ran: list[str] = []
    if is_async:

        async def twice(*args: Any) -> None:
            context = args[-1]
            await context.process_request()
            await context.process_request()

    else:

        def twice(*args: Any) -> None:
            context = args[-1]
            context.process_request()
            context.process_request()

    service.plugin(scope, func=twice)
    service.operation("op", func=lambda request, response, context: ran.append("fn"))
    answer = call(service).json()["__exception__"]
    assert answer["cls"] == "PluginError"
    assert "more than once" in answer["args"][0] and "twice" in answer["args"][0]
    assert ran == ["fn"]  # the chain ran once


def test_an_async_plugin_that_forgets_await_is_told_so() -> None:
    service = make(debug=True)

    @service.plugin("operation")
    async def forgetful(request: Any, response: Any, context: Any) -> None:
        context.process_request()

    service.operation("op", func=lambda request, response, context: None)
    answer = call(service).json()["__exception__"]
    assert "await context.process_request()" in answer["args"][0]


def test_process_request_from_the_operation_itself_is_an_error() -> None:
    service = make(debug=True)

    @service.plugin("operation")
    def passthrough(request: Any, response: Any, context: Any) -> None:
        context.process_request()

    service.operation("op", func=lambda request, response, context: context.process_request())
    assert "nothing to continue" in call(service).json()["__exception__"]["args"][0]
    plain = make(debug=True)
    plain.operation("op", func=lambda request, response, context: context.process_request())
    assert "has none running" in call(plain).json()["__exception__"]["args"][0]


def test_operation_plugin_sees_declared_exceptions_and_can_translate_them() -> None:
    service = make(exceptions=["Missing", "Translated"])

    @service.plugin("operation")
    def translate(request: Any, response: Any, context: Any) -> None:
        try:
            context.process_request()
        except service.exceptions.Missing as exc:
            raise service.exceptions.Translated(*exc.args) from exc

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        raise service.exceptions.Missing("gone")

    answer = call(service).json()
    assert answer == {"__exception__": {"cls": "Translated", "args": ["gone"]}}


def test_exception_after_serialisation_replaces_the_answer() -> None:
    service = make(exceptions=["Late"])

    @service.plugin("request")
    def late(context: Any) -> None:
        context.process_request()
        raise service.exceptions.Late("after the response was built")

    service.operation("op", func=lambda request, response, context: response.update(v=1))
    assert call(service).json() == {
        "__exception__": {"cls": "Late", "args": ["after the response was built"]}
    }


def test_bad_json_reaches_request_plugins_as_a_400() -> None:
    service = make()
    seen: list[str] = []

    @service.plugin("request")
    def watch(context: Any) -> None:
        try:
            context.process_request()
        except Exception as exc:
            seen.append(type(exc).__name__)
            raise

    service.operation("op", func=lambda request, response, context: None)
    assert call(service, b"{nope").status_code == 400
    assert seen == ["BadRequest"]


def test_a_plugin_may_answer_with_an_http_error() -> None:  # authentication
    service = make()

    @service.plugin("request")
    async def authenticate(context: Any) -> None:
        raise Unauthorized("token required", headers={"WWW-Authenticate": "Bearer"})

    service.operation("op", func=lambda request, response, context: None)
    response = call(service)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_plugins_added_after_the_first_call_apply() -> None:
    service = make()
    service.operation("op", func=lambda request, response, context: response.update(v=1))
    assert call(service).json() == {"v": 1}

    @service.plugin("operation")
    def tag(request: Any, response: Any, context: Any) -> None:
        context.process_request()
        response.tagged = True

    assert call(service).json() == {"v": 1, "tagged": True}
