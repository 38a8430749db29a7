"""The VestesPy README's Dispatcher example, verbatim but for the import line.

The patterns ``/`` and ``/test/:id`` become core routes (``microrest routes
examples.vestespy_dispatcher:server`` lists them). ``serve_forever()`` is unguarded, as in the
README; see examples/vestespy_server.py for when it serves.
"""

# ruff: noqa: UP031 - the README uses %-formatting
# fmt: off
from microrest.adapters import vestespy

server = vestespy.Server(("localhost", 8080), debug=True)

dispatcher = vestespy.tools.Dispatcher()

def home(ev, req, res):
  res.send_all("test")
dispatcher.register("/", home)

def test(ev, req, res, id=None):
  res.send_all("ID: %s" % id)
dispatcher.register("/test/:id", test)

server.on("request", dispatcher.as_handler())

server.serve_forever()
# fmt: on
