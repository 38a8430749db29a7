# ruff: noqa
# fmt: off
"""VestesPy README: "class vestespy.tools.Dispatcher"."""
import vestespy

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
