"""xio nodes: an app and a gateway node, to serve as separate processes.

    uvicorn examples.xio_nodes:app --port 8001
    XIO_NODE_DB=node1.sqlite3 uvicorn examples.xio_nodes:node --port 8002 --workers 2
    curl -X POST localhost:8002/ -H 'XIO-method: REGISTER' \\
         -H 'content-type: application/json' -d '{"endpoint": "http://127.0.0.1:8001"}'
    curl localhost:8002/                 # the peer records, with the app's id
    curl localhost:8002/<app id>/hello   # forwarded to the app's /hello

A second node linked to the first (``REGISTER`` the first node's URL on it, then send it
``SYNC``) reaches the app through the first node. The registry is in the SQLite file named by
``XIO_NODE_DB``, so every worker of a node sees the same peers.
"""

from __future__ import annotations

import os
from typing import Any

from microrest.adapters import xio

app = xio.app("examples.xio_nodes.app")


@app.bind("www")
def hello(req: Any) -> Any:
    return {
        "app": app.id,
        "method": req.xmethod or req.method,
        "path": req.path,
        "pid": os.getpid(),
    }


node = xio.node("examples.xio_nodes.node")
