"""A script that serves a VestesPy server with ``serve_forever`` (the serving tests run it).

    VESTESPY_PORT=PORT python -m tests.adapters.vestespy.serving_script WORKERS MODE

(The port is in the environment: uvicorn's workers import this module with their own argv.)

``MODE`` ``stdin``: serve, and call ``server.shutdown()`` from another thread when a line
arrives on stdin. ``early``: call ``shutdown()`` first, then ``serve_forever()``. Prints
``returned`` once ``serve_forever()`` has returned.
"""

from __future__ import annotations

import os
import sys
import threading

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event

server = vestespy.Server(("127.0.0.1", int(os.environ.get("VESTESPY_PORT", "8080"))))


def whoami(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
    res.send_all(str(os.getpid()))


server.on("request", whoami)


def stop_on_a_line() -> None:
    sys.stdin.readline()
    server.shutdown()


if __name__ == "__main__":
    workers, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "early":
        server.shutdown()
    else:
        threading.Thread(target=stop_on_a_line, daemon=True).start()
    server.serve_forever(workers=workers, log_level="warning")
    print("returned", flush=True)
