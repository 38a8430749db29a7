"""WebSocket echo: messages per second, microrest against Starlette, on the same echo app.

Both apps accept, then send back every text message until the client closes, written the way
each framework documents it (``async for text in websocket.iter_text()``). Two measurements:

* **in-process**: the ASGI callable driven directly (no sockets): the server's ``receive``
  hands out ``--messages`` prepared text messages then a disconnect, ``send`` counts. What is
  left is the framework's own cost per message. Interleaved repeats, median reported.
* **end-to-end**: each app under ``uvicorn`` (one worker, uvloop, httptools, the ``websockets``
  protocol implementation) on 127.0.0.1, and one client connection from the ``websockets``
  library keeping ``--window`` messages in flight: echoes received per second.

    .venv/bin/python benchmarks/websocket_echo.py                 # both, a few seconds each
    .venv/bin/python benchmarks/websocket_echo.py --quick         # smoke run
    .venv/bin/python benchmarks/websocket_echo.py --no-e2e --json ws.json
    .venv/bin/python benchmarks/websocket_echo.py --instructions --no-e2e   # callgrind counts
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute as StarletteRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from microrest import App, WebSocket

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = '{"message": "Hello, World!", "n": 12345}'


# the two apps -------------------------------------------------------------------------------


def build_microrest() -> Any:
    app = App()

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    return app


def build_starlette() -> Any:
    async def echo(websocket: StarletteWebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    return Starlette(routes=[StarletteRoute("/echo", echo)])


APPS: dict[str, Callable[[], Any]] = {"microrest": build_microrest, "starlette": build_starlette}
# What uvicorn imports for the end-to-end run.
microrest_app = build_microrest()
starlette_app = build_starlette()


# in-process ---------------------------------------------------------------------------------


def _scope() -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": "/echo",
        "raw_path": b"/echo",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
        "state": {},
    }


async def one_connection(app: Any, messages: int) -> float:
    """Seconds per echoed message over one connection of ``messages`` messages."""
    inbox: list[dict[str, Any]] = [{"type": "websocket.connect"}]
    inbox += [{"type": "websocket.receive", "text": PAYLOAD} for _ in range(messages)]
    inbox.append({"type": "websocket.disconnect", "code": 1000})
    inbox.reverse()
    echoed = 0

    async def receive() -> dict[str, Any]:
        return inbox.pop()

    async def send(message: dict[str, Any]) -> None:
        nonlocal echoed
        if message["type"] == "websocket.send":
            if message.get("text") != PAYLOAD:
                raise AssertionError(f"wrong echo: {message!r}")
            echoed += 1

    started = time.perf_counter()
    await app(_scope(), receive, send)
    elapsed = time.perf_counter() - started
    if echoed != messages:
        raise AssertionError(f"{echoed} echoes for {messages} messages")
    return elapsed / messages


async def inprocess(messages: int, repeats: int) -> dict[str, float]:
    apps = {name: build() for name, build in APPS.items()}
    for app in apps.values():
        await one_connection(app, 200)  # warm-up, and a check that it echoes right
    samples: dict[str, list[float]] = {name: [] for name in apps}
    for repeat in range(repeats):
        order = list(apps.items())
        if repeat % 2:  # alternate who goes first
            order.reverse()
        for name, app in order:  # interleaved: a noisy neighbour hits both
            samples[name].append(await one_connection(app, messages))
    return {name: 1.0 / statistics.median(values) for name, values in samples.items()}


# end to end ---------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _client_run(url: str, messages: int, window: int) -> float:
    import websockets

    async with websockets.connect(url, max_queue=None) as connection:
        free = asyncio.Semaphore(window)

        async def produce() -> None:
            for _ in range(messages):
                await free.acquire()
                await connection.send(PAYLOAD)

        started = time.perf_counter()
        producer = asyncio.create_task(produce())
        for _ in range(messages):
            echo = await connection.recv()
            if echo != PAYLOAD:
                raise AssertionError(f"wrong echo {echo!r}")
            free.release()
        await producer
        return messages / (time.perf_counter() - started)


def _serve(target: str, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "httptools"]
    command += ["--ws", "websockets", "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listened on {port}") from None
            time.sleep(0.05)


def end_to_end(messages: int, window: int, repeats: int) -> dict[str, float]:
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for name in APPS:
            port = _free_port()
            servers[name] = (_serve(f"benchmarks.websocket_echo:{name}_app", port), port)
        for process, port in servers.values():
            _wait_listening(port, process)
        samples: dict[str, list[float]] = {name: [] for name in APPS}
        for _, port in servers.values():  # warm-up
            asyncio.run(_client_run(f"ws://127.0.0.1:{port}/echo", 500, window))
        for repeat in range(repeats):
            order = list(servers.items())
            if repeat % 2:  # alternate who goes first: neither always meets a warmer machine
                order.reverse()
            for name, (_, port) in order:
                url = f"ws://127.0.0.1:{port}/echo"
                samples[name].append(asyncio.run(_client_run(url, messages, window)))
        return {name: statistics.median(values) for name, values in samples.items()}
    finally:
        for process, _ in servers.values():
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# instructions (callgrind) ------------------------------------------------------------------

_COLLECTED = re.compile(rb"Collected\s*:\s*(\d+)")


def _count(name: str, messages: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    command += [__file__, "--child", name, str(messages)]
    done = subprocess.run(command, capture_output=True, timeout=900, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind run of {name} failed:\n{done.stderr[-2000:]!r}")
    return int(found.group(1))


def instructions(messages: int) -> dict[str, float]:
    """Instructions per echoed message: the difference of two runs, start-up cancelled out.

    A busy machine cannot skew it (callgrind simulates the CPU); it counts work, not time.
    """
    from concurrent.futures import ThreadPoolExecutor

    def measure(name: str) -> float:
        return (_count(name, 200 + messages) - _count(name, 200)) / messages

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(APPS, pool.map(measure, APPS), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000, help="per in-process connection")
    parser.add_argument("--e2e-messages", type=int, default=20000)
    parser.add_argument("--window", type=int, default=64, help="messages in flight (e2e)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-e2e", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions/message (valgrind)"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one callgrind run: one connection of that many messages
        asyncio.run(one_connection(APPS[args.child[0]](), int(args.child[1])))
        return 0
    if args.quick:
        args.messages, args.e2e_messages, args.repeats = 2000, 2000, 2
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    results: dict[str, dict[str, float]] = {}
    if args.instructions:
        counts = instructions(args.messages // 10)
        results["instructions"] = counts
        print("instructions per echoed message (callgrind)")
        for name, value in counts.items():
            print(f"  {name:<10} {value:>12,.0f}  x{value / counts['starlette']:.2f} vs starlette")
    results["inprocess"] = runner(inprocess(args.messages, args.repeats))
    _show("in-process echo", results["inprocess"])
    if not args.no_e2e:
        results["e2e"] = end_to_end(args.e2e_messages, args.window, max(1, args.repeats // 2))
        _show(f"end-to-end echo (uvicorn, 1 connection, window {args.window})", results["e2e"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def _show(title: str, rates: dict[str, float]) -> None:
    print(title)
    base = rates.get("starlette")
    for name, rate in rates.items():
        ratio = f"  x{rate / base:.2f} vs starlette" if base else ""
        print(f"  {name:<10} {rate:>12,.0f} messages/s{ratio}")


if __name__ == "__main__":
    sys.exit(main())
