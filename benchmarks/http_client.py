"""A minimal HTTP/1.1 keep-alive client for the end-to-end benchmark, and its paced mode.

wrk measures throughput; latency is measured here instead, at a fixed request rate below
saturation (Debian has wrk but not wrk2). The client is open-loop: request k is due at
``start + k / rate`` whether or not earlier answers came back, and its latency counts from that
due time, so a stalled server cannot hide its stall by slowing the client down (no coordinated
omission). Pacing spins on the event loop near each due time, which is why this client must
run on its own core.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from benchmarks.scenarios import Scenario


def request_bytes(scenario: Scenario, i: int, host: str, port: int) -> bytes:
    """The raw bytes of request number ``i`` of ``scenario``."""
    lines = [f"{scenario.method} {scenario.path(i)} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k.decode()}: {v.decode()}" for k, v in scenario.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + scenario.body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one response (Content-Length or chunked) from a keep-alive connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length) if length else b""
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def fetch(host: str, port: int, scenario: Scenario, i: int) -> tuple[int, bytes]:
    """One request on a fresh connection (used to check answers before loading a server)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request_bytes(scenario, i, host, port))
        return await read_response(reader)
    finally:
        writer.close()


@dataclass
class PacedResult:
    latencies_us: list[float]
    errors: int
    sent: int
    elapsed_s: float

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies_us)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q / 100.0 * len(values)))]


async def paced(
    host: str, port: int, scenario: Scenario, rate: float, duration: float, connections: int
) -> PacedResult:
    """Send ``rate`` requests/s for ``duration`` s over ``connections`` keep-alive connections."""
    total = max(1, int(rate * duration))
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                i, due = item
                writer.write(request_bytes(scenario, i, host, port))
                status, _ = await read_response(reader)
                latencies.append((time.perf_counter() - due) * 1e6)
                if status != scenario.status:
                    errors += 1
        finally:
            writer.close()

    workers = [asyncio.ensure_future(worker()) for _ in range(connections)]
    await asyncio.sleep(0.05)  # let the connections open
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        while True:
            ahead = due - time.perf_counter()
            if ahead <= 0:
                break
            # Coarse sleep far from the due time, then spin (the loop keeps serving answers).
            await asyncio.sleep(ahead - 0.002 if ahead > 0.003 else 0)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.wait_for(asyncio.gather(*workers), timeout=duration + 30)
    return PacedResult(latencies, errors, total, time.perf_counter() - start)
