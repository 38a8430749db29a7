"""The app the websocket e2e tests serve (one worker: ``/events`` reports what happened)."""

from __future__ import annotations

import logging

from microrest import App, Limits, Request, WebSocket, WebSocketDisconnect

events: list[str] = []


class Recorder(logging.Handler):
    """Every log record at WARNING or above, from microrest and uvicorn, for the tests."""

    def emit(self, record: logging.LogRecord) -> None:
        traceback = " with traceback" if record.exc_info else ""
        events.append(f"log {record.levelname} {record.name}: {record.getMessage()}{traceback}")


for name in ("microrest", "uvicorn.error"):
    handler = Recorder(logging.WARNING)
    logging.getLogger(name).addHandler(handler)

app = App()


@app.get("/events")
async def list_events(request: Request) -> list[str]:
    return events


@app.websocket("/echo/{n:int}", subprotocols=["chat.v2", "chat.v1"])
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"n": websocket.path_params["n"], "proto": websocket.subprotocol})
    async for text in websocket.iter_text():
        await websocket.send_text(text)


@app.websocket("/small", limits=Limits(websocket_max_message_size=1000))
async def small(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        async for text in websocket.iter_text():
            await websocket.send_text(str(len(text)))
    finally:
        events.append(f"small ended {websocket.close_code}")


@app.websocket("/boom")
async def boom(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.receive_text()
    raise RuntimeError("handler bug")


@app.websocket("/count")
async def count(websocket: WebSocket) -> None:
    await websocket.accept()
    received = 0
    async for text in websocket.iter_text():
        received += 1
        if text == "end":
            await websocket.send_text(str(received))


@app.websocket("/firehose", limits=Limits(websocket_send_timeout=0.5))
async def firehose(websocket: WebSocket) -> None:
    await websocket.accept()
    block = "x" * 16384
    sent = 0
    try:
        while True:
            await websocket.send_text(block)
            sent += 1
    except WebSocketDisconnect as exc:
        events.append(f"firehose ended {exc.code} after {sent}")
        raise


@app.websocket("/stream")
async def stream(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_bytes(b"y" * 4096)
    except WebSocketDisconnect as exc:
        events.append(f"stream ended {exc.code}")
        raise
