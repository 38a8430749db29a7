"""The VestesPy README's first example, verbatim but for the import line.

``server.serve_forever()`` runs unguarded at module level, as in the README: it serves on
localhost:8080 when run as a script, and returns at once when uvicorn workers import the module
(``uvicorn examples.vestespy_server:server --workers 2``) or MICROREST_NO_SERVE=1 is set.
"""

# fmt: off
from microrest.adapters import vestespy


def onend(ev, req, res):
  res.send_all("TEST")

def onrequest(ev, req, res):
  req.on("end", onend)

server = vestespy.Server(("localhost", 8080))
server.on("request", onrequest)

server.serve_forever()
# fmt: on
