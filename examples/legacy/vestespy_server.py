# ruff: noqa
# fmt: off
"""VestesPy README: the first example (a server answering TEST to everything)."""
import vestespy

def onend(ev, req, res):
  res.send_all("TEST")

def onrequest(ev, req, res):
  req.on("end", onend)

server = vestespy.Server(("localhost", 8080))
server.on("request", onrequest)

server.serve_forever()
