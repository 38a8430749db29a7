"""Serving on uvicorn: the one implementation behind every style's start call.

``run()`` blocks like the originals' ``serve_forever()``/``run()``; ``Server.start()`` serves in
the background like web.py's ``start()``. Several workers need an import string, which is found
from the app object itself, so legacy scripts need not change their start call.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import logging.config
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from .errors import ConfigurationError
from .logconfig import logging_config

__all__ = [
    "AddressInUse",
    "SERVER_BOUNDS",
    "Server",
    "find_import_string",
    "on_stop_signals",
    "run",
    "serving_disabled",
]

WORKER_ENV = "MICROREST_WORKER"
NO_SERVE_ENV = "MICROREST_NO_SERVE"
START_TIMEOUT = 15.0
KiB = 1024

#: The bounds uvicorn offers, as microrest sets them (any of them can be passed to override).
#: h11's incomplete-event size bounds the request line plus headers the h11 parser buffers
#: (httptools has no such bound: the app's ``Limits`` answer 414/431 there); it is larger than
#: ``Limits``' default URL and header bounds so that the app's precise answer comes first.
SERVER_BOUNDS: dict[str, Any] = {
    "h11_max_incomplete_event_size": 64 * KiB,
    "timeout_keep_alive": 5,  # seconds an idle keep-alive connection stays open
    "timeout_graceful_shutdown": 30,  # seconds in-flight requests get on SIGTERM/Ctrl-C
    "limit_concurrency": None,  # connections + tasks before 503; None: unbounded
    "limit_max_requests": None,  # requests before a worker restarts; None: never
    "backlog": 2048,  # pending connections the kernel queues
    "ws_max_size": 1024 * KiB,  # largest websocket message
}

logger = logging.getLogger("microrest.server")


class AddressInUse(ConfigurationError, OSError):
    """The address to serve on is taken by another process."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"cannot listen on {host}:{port}: the address is already in use")


def _called_while_importing() -> bool:
    """Whether the start call comes from module level of a module still being imported.

    That is how uvicorn (or any worker, or ``microrest routes``) loads an app whose module ends
    in a legacy ``app.run()``: the module is imported for its app object, not to serve it.
    A script run directly (``python app.py``, ``python -m app``) is not being imported.
    """
    frame = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("microrest."):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None or frame.f_code.co_name != "<module>":
        return False
    spec = frame.f_globals.get("__spec__")
    return bool(getattr(spec, "_initializing", False))


def on_stop_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """While a thread waits on a background server (``Server.start()``), make Ctrl-C (SIGINT)
    and SIGTERM call ``stop``; returns what puts the previous handlers back.

    This is what uvicorn does when it serves from the main thread, so a style's start call
    stops the same way with one worker (a thread) as with several (uvicorn's supervisor),
    gracefully, even in a process that inherited SIGINT ignored (a job a shell started with
    ``&``), where Python's own KeyboardInterrupt is never raised. A second Ctrl-C during the
    graceful stop raises KeyboardInterrupt, as uvicorn's forces the exit. Outside the main
    thread, where handlers cannot be set, it sets nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return _nothing

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the next one interrupts
        stop()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stop()

    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, on_sigint),
        signal.SIGTERM: signal.signal(signal.SIGTERM, on_sigterm),
    }

    def restore() -> None:
        for signum, handler in previous.items():
            # None: a handler set outside Python, which Python cannot put back
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)

    return restore


def _nothing() -> None:
    """Nothing to put back."""


def serving_disabled() -> bool:
    """True where a legacy start call must return at once instead of serving.

    Inside a worker process (``MICROREST_WORKER=1``, set for the workers microrest spawns), when
    asked (``MICROREST_NO_SERVE=1``), and at module level of a module being imported: each
    worker imports the module of a script that ends in ``app.run()``, and there the call must
    let the import finish so the worker serves the app it just imported.
    """
    if os.environ.get(WORKER_ENV) == "1" or os.environ.get(NO_SERVE_ENV) == "1":
        return True
    if _called_while_importing():
        logging.getLogger("microrest").info("not serving: the app's module is being imported")
        return True
    return False


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _module_name_of_main() -> tuple[str, str | None]:
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        return spec.name, os.getcwd()
    filename = getattr(main, "__file__", None)
    if filename is None:
        raise ConfigurationError(
            "cannot serve several workers from an interactive session: put the app in a module "
            "and pass 'module:attribute'"
        )
    path = os.path.abspath(filename)
    return os.path.splitext(os.path.basename(path))[0], os.path.dirname(path)


def find_import_string(app: Any) -> tuple[str, str | None]:
    """``("module:attribute", app_dir)`` naming ``app``, so worker processes can import it."""
    if isinstance(app, str):
        return app, None
    found: list[tuple[str, str]] = []
    main = sys.modules.get("__main__")
    for module_name, module in list(sys.modules.items()):
        if module is main and module_name != "__main__":
            continue  # multiprocessing's "__mp_main__" alias: workers cannot import that name
        namespace = getattr(module, "__dict__", None)
        if not namespace:
            continue
        for attribute, value in list(namespace.items()):
            if value is app and not attribute.startswith("__"):
                found.append((module_name, attribute))
    found.sort(key=lambda item: item[0] == "__main__")
    if not found:
        raise ConfigurationError(
            "cannot find a module-level name bound to this app, which worker processes need "
            "to import it; assign it to a global (app = ...) or pass 'module:attribute'"
        )
    module_name, attribute = found[0]
    if module_name == "__main__":
        module_name, app_dir = _module_name_of_main()
        return f"{module_name}:{attribute}", app_dir
    return f"{module_name}:{attribute}", None


class Server:
    """One serving of ``app`` on ``host:port`` with uvicorn; ``port=0`` picks a free port.

    ``app`` is an ASGI app or an import string (``"module:attribute"``); ``factory=True`` calls
    it to build the app. Other keyword arguments go to ``uvicorn.Config`` (``root_path``,
    ``proxy_headers``, ``forwarded_allow_ips``, ``http``, ``loop``...), over ``SERVER_BOUNDS``.
    Logging uses ``microrest.logconfig.logging_config(log_level)`` unless ``log_config`` is
    given (a dictConfig dict or a file path, as uvicorn takes it).
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        workers: int = 1,
        ssl_keyfile: str | None = None,
        ssl_certfile: str | None = None,
        log_level: str = "info",
        log_config: dict[str, Any] | str | None = None,
        reload: bool = False,
        factory: bool = False,
        app_dir: str | None = None,
        **options: Any,
    ) -> None:
        if workers < 1:
            raise ConfigurationError(f"workers must be at least 1, got {workers}")
        self.app = app
        self.host = host
        self.port = port
        self.workers = workers
        self.ssl_keyfile = ssl_keyfile
        self.ssl_certfile = ssl_certfile
        self.log_level = log_level
        # None: microrest's configuration (logconfig.logging_config), unless this process has
        # set up logging itself (a handler on the root logger), which is then left alone.
        self.log_config = log_config
        self.reload = reload
        self.factory = factory
        self.app_dir = app_dir
        self.options = {**SERVER_BOUNDS, **options}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._address: tuple[str, int] | None = None

    @property
    def server_address(self) -> tuple[str, int]:
        """The bound address: the real port once serving, even when 0 was asked for."""
        return self._address or (self.host, self.port)

    def _bind(self) -> socket.socket:
        fd = self.options.pop("fd", None)
        if fd is not None:  # uvicorn's ``fd`` option: serve a socket bound by the caller
            sock = socket.socket(fileno=os.dup(fd))  # the caller keeps (and closes) theirs
            self._socket = sock
            self._address = (self.host, sock.getsockname()[1])
            return sock
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise AddressInUse(self.host, self.port) from None
            raise ConfigurationError(f"cannot listen on {self.host}:{self.port}: {exc}") from None
        sock.set_inheritable(True)
        self._socket = sock
        self._address = (self.host, sock.getsockname()[1])
        return sock

    def _uvicorn_options(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "ssl_keyfile": self.ssl_keyfile,
            "ssl_certfile": self.ssl_certfile,
            "log_level": self.log_level,
            "log_config": self._logging(),
            "factory": self.factory,
            **self.options,
        }

    def _logging(self) -> dict[str, Any] | str | None:
        if self.log_config is not None:
            return self.log_config
        if logging.getLogger().handlers:
            return None  # configured by the application (or a test run): leave it alone
        return logging_config(self.log_level)

    def _config(self, app: Any) -> uvicorn.Config:
        if self.app_dir is not None and self.app_dir not in sys.path:
            sys.path.insert(0, self.app_dir)
        return uvicorn.Config(app, **self._uvicorn_options())

    def serve(self) -> None:
        """Serve until stopped (Ctrl-C, SIGTERM, or ``stop()`` from another thread).

        Under a running event loop (a server already serving this process) it returns at once.
        Ctrl-C ends it quietly; an address in use is one logged line and ``SystemExit(1)``.
        """
        if serving_disabled() or _loop_running():
            return
        try:
            self._serve()
        except KeyboardInterrupt:
            pass  # uvicorn has already shut down gracefully: Ctrl-C is a normal way out
        except AddressInUse as exc:
            configured = self._logging()
            if isinstance(configured, dict):
                logging.config.dictConfig(configured)  # one formatted line
            logger.error("%s", exc)
            raise SystemExit(1) from None

    def _serve(self) -> None:
        if self.workers > 1 or self.reload:
            self._serve_supervised()
            return
        sock = self._bind()
        self._server = uvicorn.Server(self._config(self.app))
        scheme = "https" if self.ssl_certfile else "http"
        host, port = self.server_address
        shown = f"[{host}]" if ":" in host else host
        logger.info("serving on %s://%s:%d (press Ctrl-C to stop)", scheme, shown, port)
        try:
            self._server.run(sockets=[sock])
        finally:
            sock.close()

    def _serve_supervised(self) -> None:
        """Several workers or auto-reload: uvicorn's supervisor, which needs an import string."""
        target, app_dir = find_import_string(self.app)
        self._bind().close()  # an address in use is found here, once, with a clear message
        self._socket = None
        options = self._uvicorn_options()
        if self.reload:
            options["reload"] = True
        else:
            options["workers"] = self.workers
        os.environ[WORKER_ENV] = "1"  # inherited by the workers, read by serving_disabled()
        try:
            uvicorn.run(target, app_dir=self.app_dir or app_dir or "", **options)
        finally:
            os.environ.pop(WORKER_ENV, None)

    def start(self) -> None:
        """Serve in the background and return once the socket is listening.

        Like ``serve()``, a no-op inside a worker's import of the app module, where a legacy
        script's module-level ``start()`` must not start a second server. An address in use
        raises ``AddressInUse``.
        """
        if self.is_running() or serving_disabled():
            return
        if self.workers > 1 or self.reload:
            self._start_process()
            return
        sock = self._bind()
        server = self._server = uvicorn.Server(self._config(self.app))
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="microrest-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start on {self.host}:{self.port}")
            time.sleep(0.005)

    def _start_process(self) -> None:
        target, app_dir = find_import_string(self.app)
        if self.port == 0:
            probe = socket.socket()
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
            probe.close()
        else:
            self._bind().close()
            self._socket = None
        spec = {
            "app": target,
            "host": self.host,
            "port": self.port,
            "workers": self.workers,
            "ssl_keyfile": self.ssl_keyfile,
            "ssl_certfile": self.ssl_certfile,
            "log_level": self.log_level,
            "log_config": self._logging(),
            "reload": self.reload,
            "factory": self.factory,
            "app_dir": self.app_dir or app_dir,
            **self.options,
        }
        command = [sys.executable, "-m", "microrest.server", json.dumps(spec)]
        self._process = subprocess.Popen(command, env={**os.environ, WORKER_ENV: "1"})
        self._address = (self.host, self.port)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self._process.returncode}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"the server did not start on {self.host}:{self.port}"
                    ) from None
                time.sleep(0.02)

    def stop(self, timeout: float | None = None) -> None:
        """Stop serving; safe from any thread, and a no-op when not running."""
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None and self._thread is not threading.current_thread():
                self._thread.join(timeout)
            self._thread = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout if timeout is not None else 10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def is_running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return self._thread is not None and self._thread.is_alive()


def run(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    ssl_keyfile: str | None = None,
    ssl_certfile: str | None = None,
    log_level: str = "info",
    **options: Any,
) -> None:
    """Serve ``app`` until interrupted; a no-op inside a worker import (``serving_disabled``).

    Keyword arguments are ``Server``'s: ``log_config``, ``reload``, ``factory``, ``app_dir``
    and any ``uvicorn.Config`` option.
    """
    Server(
        app,
        host,
        port,
        workers=workers,
        ssl_keyfile=ssl_keyfile,
        ssl_certfile=ssl_certfile,
        log_level=log_level,
        **options,
    ).serve()


def _serve_spec(text: str) -> None:
    """The background process of ``Server.start()`` with several workers (``-m`` entry)."""
    spec = json.loads(text)
    target = spec.pop("app")
    server = Server(target, **spec)
    with contextlib.suppress(KeyboardInterrupt):
        server._serve()


if __name__ == "__main__":
    _serve_spec(sys.argv[1])
