"""fkmclane's web.py README example, verbatim but for the import line.

``python -m examples.webpy_readme`` serves it on http://localhost:8080: ``httpd.start()``
returns at once, as in the original, and the process keeps serving until Ctrl-C.
``uvicorn examples.webpy_readme:httpd`` serves the same object (``start()`` is a no-op inside
a server's import). The ``saved`` dict lives in one process: with several workers use
``examples.webpy_sqlite``.
"""

from __future__ import annotations

import microrest.adapters.webpy as web

saved = {}


class Handler(web.HTTPHandler):
    def do_get(self):
        try:
            return 200, saved[self.groups[0]]
        except KeyError:
            raise web.HTTPError(404)  # noqa: B904 - the README's own line

    def do_put(self):
        saved[self.groups[0]] = self.request.body

        return 200, "Accepted"

    def do_delete(self):
        try:
            del saved[self.groups[0]]
        except KeyError:
            raise web.HTTPError(404)  # noqa: B904 - the README's own line

        return 200, "Deleted"


routes = {"/(.*)": Handler}

httpd = web.HTTPServer(("localhost", 8080), routes)
httpd.start()
