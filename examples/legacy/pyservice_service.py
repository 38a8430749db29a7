# ruff: noqa
# fmt: off
"""pyservice 0.8.0 README: the api, the service and its wsgiref server, in the README's order
(its own bugs kept: ``item``/``id`` unquoted in the ``in`` checks raise NameError)."""
# Service/Client just use a dict for specifying an api
api = {
    "debug": True,
    "endpoint": {
        "scheme": "http",
        "host": "localhost",
        "port": 8080,
        "path": "/api/{version}/{operation}"
    },
    "operations": ["get_item", "put_item"],
    "exceptions": ["IDRequired", "DoesNotExist", "ItemRequired"]
}

import uuid
import pyservice

service = pyservice.Service(**api)
items = {}


@service.operation(name="put_item")
def put_item(request, response, context):
    if item not in request:
        raise service.exceptions.ItemRequired("Need an item to put")
    id = uuid.uuid4()
    items[id] = request.item
    response.id = id


@service.operation(name="get_item")
def get_item(request, response, context):
    if id not in request:
        raise service.exceptions.IDRequired("Can't get an item without an ID")
    try:
        item = items[request.id]
    except KeyError:
        raise service.exceptions.DoesNotExist("No item with id " + response.id)
    else:
        response.item = item

from wsgiref.simple_server import make_server

def run_server():
    print("Starting Server...")
    host, port = api["endpoint"]["host"], api["endpoint"]["port"]
    httpd = make_server(host, port, service.wsgi_application)
    httpd.serve_forever()

if __name__ == "__main__":
    run_server()
