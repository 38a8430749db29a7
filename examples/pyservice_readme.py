"""The pyservice 0.8.0 README on microrest, with its items in SQLite.

The README's code with the import line prefixed and its own typos fixed (string keys in the
``in`` checks, a JSON-serialisable id, a message that does not concatenate ``None``); its
``items = {}`` dict became the SQLite ``ItemStore`` so several workers share the items
(``MICROREST_DB`` names the file).

    uvicorn examples.pyservice_readme:service --workers 2      # the service is an ASGI app
    python -m examples.pyservice_readme                        # the README's wsgiref server

``call_service(api)`` is the README's client part; ``examples/pyservice_client.py`` runs it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from microrest.adapters import pyservice

from .store import ItemStore

log = logging.getLogger(__name__)

# Service/Client just use a dict for specifying an api
api = {
    "debug": True,
    "endpoint": {
        "scheme": "http",
        "host": "localhost",
        "port": 8080,
        "path": "/api/{version}/{operation}",
    },
    "operations": ["get_item", "put_item"],
    "exceptions": ["IDRequired", "DoesNotExist", "ItemRequired"],
}

service = pyservice.Service(**api)
items = ItemStore()  # the README's `items = {}`, shared by every worker


@service.operation(name="put_item")
def put_item(request: Any, response: Any, context: Any) -> None:
    if "item" not in request:
        raise service.exceptions.ItemRequired("Need an item to put")
    id = uuid.uuid4().hex  # a string: uuid.UUID is not JSON
    items.put(id, request.item)
    response.id = id


@service.operation(name="get_item")
def get_item(request: Any, response: Any, context: Any) -> None:
    if "id" not in request:
        raise service.exceptions.IDRequired("Can't get an item without an ID")
    item = items.get(str(request.id))
    if item is None:
        raise service.exceptions.DoesNotExist("No item with id " + str(request.id))
    response.item = item


# The README's two plugins, logging instead of printing (workers' stdout is not a console).
@service.plugin(scope="request")
def request_plugin(context: Any) -> None:
    log.debug("Before request '%s'", context.operation)
    context.process_request()
    log.debug("After request '%s'", context.operation)


@service.plugin(scope="operation")
def operation_plugin(request: Any, response: Any, context: Any) -> None:
    log.debug("Before operation '%s'", context.operation)
    log.debug("Request: %s", request)
    context.process_request()
    log.debug("Response: %s", response)
    log.debug("After operation '%s'", context.operation)


def run_server() -> None:
    from wsgiref.simple_server import make_server

    print("Starting Server...")
    host, port = api["endpoint"]["host"], api["endpoint"]["port"]  # type: ignore[index]
    httpd = make_server(host, port, service.wsgi_application)
    httpd.serve_forever()


def call_service(client: pyservice.Client) -> None:
    """The README's client part; the response is a container, so ``.id`` and ``.item``."""
    # put
    item = "some string"
    id = client.put_item(item=item).id

    # get
    same_item = client.get_item(id=id).item

    assert item == same_item


if __name__ == "__main__":
    run_server()
