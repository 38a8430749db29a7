# fmt: off
#-*- coding: utf-8 -*--
# The xio README's first example, verbatim but for the import line (and the indentation the
# README page lost). ``python examples/xio_hello.py run -p 8080`` serves it on all interfaces;
# ``uvicorn examples.xio_hello:app --workers 2`` serves the same object.
# ruff: noqa: UP009

from microrest.adapters import xio

app = xio.app(__name__)

@app.bind('www')
def _(req):
    return 'Hello World'

if __name__=='__main__':

    app.main()
