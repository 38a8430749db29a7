# The xio README's request example, verbatim but for the import line (and the indentation the
# README page lost): handlers branch on ``req.GET`` and ``req.method``.
# ruff: noqa: UP031
# fmt: off
from microrest.adapters import xio

app = xio.app()

@app.bind('www')
def _(req):
    if req.GET:
        return 'it is a GET request'
    else:
        return 'it is a %s request' % req.method
