# ruff: noqa
# fmt: off
"""xio README: "the request object" example."""
import xio

app = xio.app()

@app.bind('www')
def _(req):
    if req.GET:
        return 'it is a GET request'
    else:
        return 'it is a %s request' % req.method
