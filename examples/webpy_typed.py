"""Typed, bounded path values in web.py's style: declare the shape in the route's regex.

A route such as ``/orders/([0-9]+)`` hands ``do_get`` any run of digits, and ``int()`` on a
5,000-digit one raises (Python refuses to convert more than 4,300 digits): a 500 for what is
a bad URL. Bounding the group, ``(?P<id>[0-9]{1,18})``, makes such a path match no route, so
it is a 404 before the handler runs, and every value that does reach it fits a 64-bit integer.

``python -m examples.webpy_typed`` serves it on http://localhost:8080.
"""

from __future__ import annotations

from typing import Any

import microrest.adapters.webpy as web
import microrest.adapters.webpy.json  # noqa: F401 - the web.json extension, as web.json

ORDERS: dict[int, dict[str, Any]] = {7: {"id": 7, "item": "tea", "quantity": 2}}


class Order(web.json.JSONHandler):
    def do_get(self) -> Any:
        order = ORDERS.get(int(self.groups["id"]))  # at most 18 digits: always converts
        if order is None:
            raise web.HTTPError(404)
        return 200, order


class OrderLine(web.json.JSONHandler):
    def do_get(self) -> Any:
        order_id, line = int(self.groups["id"]), int(self.groups["line"])
        return 200, {"order": order_id, "line": line}


routes = {
    "/orders/(?P<id>[0-9]{1,18})": Order,
    "/orders/(?P<id>[0-9]{1,18})/lines/(?P<line>[0-9]{1,4})": OrderLine,
}

httpd = web.HTTPServer(("localhost", 8080), routes, web.json.new_error())

if __name__ == "__main__":
    httpd.start()
