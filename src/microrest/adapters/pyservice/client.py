"""``Client(**api)`` and ``AsyncClient(**api)``: call a pyservice service over httpx.

``client.get_item(id="1")`` POSTs ``{"id": "1"}`` to the operation's URL and returns the
response ``Container``. Methods exist for the declared operations only: any other name is an
``AttributeError``, so ``hasattr(client, name)`` tells. A declared exception the service raised
is raised again by name (``client.exceptions.DoesNotExist``), but only a name the api dict
declares (or any ``Exception`` subclass when ``debug`` is on): a service can never make a
client raise ``SystemExit``. Everything else that goes wrong (an HTTP error status, a
transport failure or timeout, an answer that is not a JSON object) is
``client.exceptions.RequestException``, with the httpx error as ``__cause__``.

``app=`` calls an ASGI app in-process (a ``Service``, or an ``App`` it is mounted in) instead
of the network (no socket, no lifespan).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ...concurrency import Concurrency
from ...errors import ConfigurationError
from ...toolkit import is_async_callable, json_dumps
from .api import OPERATION, load_api, uri_template
from .chain import Call, Hooks, Plan
from .containers import Container, Context
from .errors import UnknownOperation, check_scope
from .exceptions import ExceptionFactory, RequestException
from .inprocess import AsyncInProcess, InProcess
from .wire import ENVELOPE

__all__ = ["AsyncClient", "Client"]

F = TypeVar("F", bound=Callable[..., Any])
_HEADERS = {"content-type": "application/json"}


class _Arguments(Hooks):
    """The client's part between the scopes: the call's keyword arguments become the request."""

    __slots__ = ("arguments",)

    def __init__(self, arguments: dict[str, Any]) -> None:
        self.arguments = arguments

    def enter_operation(self, call: Call) -> None:
        call.request.update(self.arguments)


class _Base:
    """What both clients share: the api, URLs, plugins, and reading an answer."""

    http: httpx.Client | httpx.AsyncClient

    def __init__(self, **api: Any) -> None:
        self.api = load_api(api)
        self.uri = uri_template(self.api)
        self.api["uri"] = self.uri
        self.debug = bool(self.api["debug"])
        self.timeout = self.api["timeout"]
        self.exceptions = ExceptionFactory()
        self.plugins: dict[str, list[Callable[..., Any]]] = {"request": [], "operation": []}
        self._plan: Plan | None = None

    # generated methods ----------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not real attributes.
        if name.startswith("_") or name not in self.__dict__.get("api", {}).get("operations", ()):
            raise AttributeError(
                f"{type(self).__name__} has no operation {name!r}; declare it in api['operations']"
            )
        method = self._method(name)
        method.__name__ = method.__qualname__ = name
        self.__dict__[name] = method  # later lookups skip __getattr__
        return method

    def _method(self, operation: str) -> Callable[..., Any]:
        raise NotImplementedError

    def _check(self, operation: str) -> None:
        if operation not in self.api["operations"]:
            raise UnknownOperation(
                f"Unknown operation {operation!r}: declare it in api['operations']"
            )

    # plugins --------------------------------------------------------------------------------

    def plugin(self, scope: Any = "operation", *, func: F | None = None) -> Any:
        """``client.plugin("request")`` / ``client.plugin("operation", func=f)``, or 0.8.0's
        ``client.plugin(f)`` (an operation plugin); a decorator without ``func``."""
        if callable(scope) and func is None:
            scope, func = "operation", scope
        check_scope(scope)
        if func is None:
            return lambda f: self.plugin(scope, func=f)
        if not callable(func):
            raise TypeError(f"a plugin must be callable, got {func!r}")
        self._accepts(func)
        self.plugins[scope].append(func)
        self._plan = None
        return func

    def _accepts(self, func: Callable[..., Any]) -> None:
        pass

    def _current_plan(self, terminal: Callable[..., Any]) -> Plan:
        plan = self._plan
        if plan is None:
            plan = Plan(self.plugins["request"], self.plugins["operation"], terminal)
            self._plan = plan
        return plan

    # the wire -------------------------------------------------------------------------------

    def _url(self, operation: str) -> str:
        return self.uri.replace(OPERATION, quote(operation, safe=""))

    def _read(self, answer: httpx.Response, response: Container) -> None:
        """Fill ``response`` from the answer, or raise what the answer means."""
        status = answer.status_code
        if status >= 400:
            cause = httpx.HTTPStatusError(
                f"{status} {answer.reason_phrase}", request=answer.request, response=answer
            )
            error = RequestException(f"{status} {answer.reason_phrase}")
            error.status_code = status
            raise error from cause
        try:
            data = json.loads(answer.content)
        except ValueError as exc:
            error = RequestException(f"the service answered {status} with a body that is not JSON")
            error.status_code = status
            raise error from exc
        if not isinstance(data, dict):
            error = RequestException(
                f"the service answered {status} with JSON that is not an object"
            )
            error.status_code = status
            raise error
        response.update(data)
        envelope = data.get(ENVELOPE)
        if envelope is None:
            return
        if not self.debug:
            response.clear()
        remote = self._remote_exception(envelope)
        if isinstance(remote, RequestException):
            remote.status_code = status
        raise remote

    def _remote_exception(self, envelope: Any) -> Exception:
        if not isinstance(envelope, dict) or not isinstance(envelope.get("cls"), str):
            return RequestException(f"malformed {ENVELOPE} in the answer: {envelope!r}")
        name: str = envelope["cls"]
        args = envelope.get("args", [])
        if not isinstance(args, list):
            args = [args]
        if name in self.api["exceptions"] or self.debug:
            try:
                cls = self.exceptions.get_class(name)
            except ValueError:
                cls = RequestException
            if issubclass(cls, Exception) and cls is not RequestException:
                try:
                    return cls(*args)
                except Exception:  # a builtin refusing these args (e.g. UnicodeError's)
                    pass
        return RequestException(
            f"the service raised {name!r}, which api['exceptions'] does not declare", *args
        )

    def __repr__(self) -> str:
        return f"<pyservice.{type(self).__name__} {self.uri!r}>"


class Client(_Base):
    """``Client(**api)``: synchronous; plugins are plain functions."""

    http: httpx.Client

    def __init__(
        self, *, app: Any = None, transport: httpx.BaseTransport | None = None, **api: Any
    ) -> None:
        super().__init__(**api)
        if app is not None:
            transport = InProcess(app)
        self.http = httpx.Client(timeout=self.timeout, transport=transport)

    def _method(self, operation: str) -> Callable[..., Container]:
        def call(**arguments: Any) -> Container:
            return self(operation, **arguments)

        return call

    def _accepts(self, func: Callable[..., Any]) -> None:
        if is_async_callable(func):
            raise ConfigurationError(
                f"{func!r} is async: a sync Client takes plain functions as plugins; "
                "use AsyncClient for async def plugins"
            )

    def __call__(self, operation: str, /, **arguments: Any) -> Container:
        """Call ``operation`` with keyword arguments; returns the response container."""
        self._check(operation)
        request, response = Container(), Container()
        context = Context(operation, client=self)
        plan = self._current_plan(self._send)
        if plan.plain:
            request.update(arguments)
            self._send(request, response, context)
        else:
            Call(plan, request, response, context, _Arguments(arguments)).run_sync()
        return response

    def _send(self, request: Container, response: Container, context: Context) -> None:
        try:
            answer = self.http.post(
                self._url(context.operation), content=json_dumps(request), headers=_HEADERS
            )
        except httpx.HTTPError as exc:
            raise RequestException(f"{context.operation}: {type(exc).__name__}: {exc}") from exc
        self._read(answer, response)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        self.http.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.http.__exit__(exc_type, exc_value, traceback)


class AsyncClient(_Base):
    """``AsyncClient(**api)``: ``await client.op(...)``; plugins may be sync or ``async def``
    (a sync plugin runs in a worker thread, since the call it continues is async)."""

    http: httpx.AsyncClient

    def __init__(
        self, *, app: Any = None, transport: httpx.AsyncBaseTransport | None = None, **api: Any
    ) -> None:
        super().__init__(**api)
        if app is not None:
            transport = AsyncInProcess(app=app)
        self.http = httpx.AsyncClient(timeout=self.timeout, transport=transport)
        self._concurrency = Concurrency("thread")

    def _method(self, operation: str) -> Callable[..., Awaitable[Container]]:
        async def call(**arguments: Any) -> Container:
            return await self(operation, **arguments)

        return call

    async def __call__(self, operation: str, /, **arguments: Any) -> Container:
        self._check(operation)
        request, response = Container(), Container()
        context = Context(operation, client=self)
        plan = self._current_plan(self._send)
        if plan.plain:
            request.update(arguments)
            await self._send(request, response, context)
        else:
            call = Call(plan, request, response, context, _Arguments(arguments), self._concurrency)
            await call.run()
        return response

    async def _send(self, request: Container, response: Container, context: Context) -> None:
        try:
            answer = await self.http.post(
                self._url(context.operation), content=json_dumps(request), headers=_HEADERS
            )
        except httpx.HTTPError as exc:
            raise RequestException(f"{context.operation}: {type(exc).__name__}: {exc}") from exc
        self._read(answer, response)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        await self.http.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.http.__aexit__(exc_type, exc_value, traceback)
