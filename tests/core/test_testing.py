"""The test clients run the lifespan; the pytest plugin exposes them as fixtures."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from microrest import App, PlainTextResponse, Request
from microrest.testing import AsyncClient, Client, lifespan
from microrest.types import Receive, Scope, Send


def lifespan_app(events: list[str]) -> App:
    @contextlib.asynccontextmanager
    async def span(app: App) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"token": "t-1"}
        events.append("shutdown")

    app = App(lifespan=span)

    @app.get("/token")
    def token(request: Request) -> dict[str, Any]:
        return {"token": request.state.token}

    @app.get("/redirect")
    def redirect(request: Request) -> Any:
        from microrest import RedirectResponse

        return RedirectResponse("/token")

    return app


def test_client_runs_the_lifespan() -> None:
    events: list[str] = []
    client = Client(lifespan_app(events))
    assert isinstance(client, httpx.Client)
    with client:
        assert events == ["startup"]
        response = client.get("/token")
        assert response.json() == {"token": "t-1"}
        assert str(response.url) == "http://testserver/token"
    assert events == ["startup", "shutdown"]


def test_client_without_context_manager_skips_the_lifespan() -> None:
    events: list[str] = []
    app = App()
    app.add_route("/", lambda request: "plain")
    app.on_startup(lambda: events.append("startup"))
    client = Client(app)
    try:
        assert client.get("/").text == "plain"
    finally:
        client.close()
    assert events == []


def test_client_options() -> None:
    with Client(lifespan_app([]), base_url="https://api.example") as client:
        response = client.get("/redirect")
        assert response.status_code == 307  # redirects are not followed by default
        assert str(response.url) == "https://api.example/redirect"
    with Client(lifespan_app([]), follow_redirects=True) as client:
        assert client.get("/redirect").json() == {"token": "t-1"}


@pytest.mark.anyio
async def test_async_client_runs_the_lifespan() -> None:
    events: list[str] = []
    client = AsyncClient(lifespan_app(events))
    assert isinstance(client, httpx.AsyncClient)
    async with client:
        assert events == ["startup"]
        assert (await client.get("/token")).json() == {"token": "t-1"}
    assert events == ["startup", "shutdown"]


@pytest.mark.anyio
async def test_lifespan_helper_yields_state() -> None:
    events: list[str] = []
    async with lifespan(lifespan_app(events)) as state:
        assert state == {"token": "t-1"}
    assert events == ["startup", "shutdown"]


def failing(where: str) -> App:
    @contextlib.asynccontextmanager
    async def span(app: App) -> AsyncIterator[None]:
        if where == "startup":
            raise RuntimeError("cannot start")
        yield
        raise RuntimeError("cannot stop")

    return App(lifespan=span)


def test_client_reports_startup_and_shutdown_failures() -> None:
    with (
        pytest.raises(RuntimeError, match="(?s)lifespan startup failed.*cannot start"),
        Client(failing("startup")),
    ):
        pass
    with (
        pytest.raises(RuntimeError, match="(?s)lifespan shutdown failed.*cannot stop"),
        Client(failing("shutdown")),
    ):
        pass


@pytest.mark.anyio
async def test_async_client_reports_startup_and_shutdown_failures() -> None:
    with pytest.raises(RuntimeError, match="(?s)lifespan startup failed.*cannot start"):
        async with AsyncClient(failing("startup")):
            pass
    with pytest.raises(RuntimeError, match="(?s)lifespan shutdown failed.*cannot stop"):
        async with AsyncClient(failing("shutdown")):
            pass


def test_client_against_a_foreign_asgi_app_and_raise_server_exceptions() -> None:
    async def foreign(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            return
        if scope["path"] == "/raise":
            raise ValueError("foreign failure")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"foreign"})

    with Client(foreign, raise_server_exceptions=False) as client:
        assert client.get("/").text == "foreign"
        assert client.get("/raise").status_code == 500
    with Client(foreign) as client, pytest.raises(ValueError, match="foreign failure"):
        client.get("/raise")


def test_raise_server_exceptions_reraises_what_the_pipeline_answered_with_500() -> None:
    app = App()

    @app.get("/crash")
    async def crash(request: Request) -> None:
        raise KeyError("boom")

    with Client(app, raise_server_exceptions=False) as client:
        assert client.get("/crash").status_code == 500
    # the default, as Starlette's: the exception reaches the test
    with Client(app) as client, pytest.raises(KeyError, match="boom"):
        client.get("/crash")


@pytest.mark.anyio
async def test_async_client_raises_server_exceptions_by_default() -> None:
    app = App()

    @app.get("/crash")
    async def crash(request: Request) -> None:
        raise RuntimeError("boom")

    @app.get("/handled")
    async def handled(request: Request) -> None:
        raise LookupError("handled")

    app.add_exception_handler(LookupError, lambda request, exc: PlainTextResponse("ok", 409))
    async with AsyncClient(app) as client:
        with pytest.raises(RuntimeError, match="boom"):
            await client.get("/crash")
        # an exception a handler answered is no server error: the answer comes back
        assert (await client.get("/handled")).status_code == 409
    async with AsyncClient(app, raise_server_exceptions=False) as client:
        assert (await client.get("/crash")).status_code == 500


def test_one_transport_per_client_and_state_from_the_lifespan() -> None:
    events: list[str] = []
    app = lifespan_app(events)
    client = Client(app)
    transport = client._transport
    with client:
        assert client.get("/token").json() == {"token": "t-1"}  # the state entered later
        assert client.get("/token").status_code == 200
        assert client._transport is transport
    assert isinstance(transport, httpx.BaseTransport)
    asgi = getattr(transport, "asgi", None)
    assert isinstance(asgi, httpx.ASGITransport)  # built once, with the client


def test_the_clients_import_without_pytest() -> None:
    code = (
        "import sys\n"
        "class NoPytest:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pytest' or name.startswith(('pytest.', '_pytest')):\n"
        "            raise ImportError('pytest is not installed here')\n"
        "sys.meta_path.insert(0, NoPytest())\n"
        "from microrest import App\n"
        "from microrest.testing import AsyncClient, Client\n"
        "app = App()\n"
        "app.add_route('/', lambda request: 'hi')\n"
        "with Client(app) as client:\n"
        "    assert client.get('/').text == 'hi'\n"
        "assert 'pytest' not in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_compressed_responses_are_decoded_once() -> None:
    from starlette.middleware.gzip import GZipMiddleware

    app = App()
    app.add_middleware(GZipMiddleware, minimum_size=10)

    @app.get("/big")
    async def big(request: Request) -> str:
        return "x" * 1000

    with Client(app) as client:
        response = client.get("/big")
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == "x" * 1000


def test_failed_startup_raises_and_leaves_no_thread_behind() -> None:
    @contextlib.asynccontextmanager
    async def broken(app: App) -> AsyncIterator[None]:
        raise RuntimeError("db down")
        yield

    before = {thread.ident for thread in threading.enumerate()}
    with pytest.raises(RuntimeError, match="db down"), Client(App(lifespan=broken)):
        pass
    # The portal's event-loop thread must be gone, or the process could never exit.
    assert {thread.ident for thread in threading.enumerate()} <= before


# the pytest plugin --------------------------------------------------------------------------


def test_microrest_client_fixture(microrest_client: Callable[..., Client]) -> None:
    events: list[str] = []
    client = microrest_client(lifespan_app(events))
    assert events == ["startup"]  # entered already
    assert client.get("/token").json() == {"token": "t-1"}
    second = microrest_client(lifespan_app(events), base_url="http://other")
    assert str(second.get("/token").url) == "http://other/token"


@pytest.mark.anyio
async def test_microrest_async_client_fixture(
    microrest_async_client: Callable[..., AsyncClient],
) -> None:
    events: list[str] = []
    async with microrest_async_client(lifespan_app(events)) as client:
        assert events == ["startup"]
        assert (await client.get("/token")).json() == {"token": "t-1"}
    assert events == ["startup", "shutdown"]


def test_plugin_is_registered(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("microrest")
    assert plugin is not None
    assert plugin.__name__ == "microrest.pytest_plugin"
