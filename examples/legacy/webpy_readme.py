# ruff: noqa
# fmt: off
"""web.py (fkmclane) README: "Usage"."""
import web

saved = {}

class Handler(web.HTTPHandler):
	def do_get(self):
		try:
			return 200, saved[self.groups[0]]
		except KeyError:
			raise web.HTTPError(404)

	def do_put(self):
		saved[self.groups[0]] = self.request.body

		return 200, 'Accepted'

	def do_delete(self):
		try:
			del saved[self.groups[0]]
		except KeyError:
			raise web.HTTPError(404)

		return 200, 'Deleted'

routes = { '/(.*)': Handler }

httpd = web.HTTPServer(('localhost', 8080), routes)
httpd.start()
