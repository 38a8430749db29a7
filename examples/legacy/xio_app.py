# ruff: noqa
# fmt: off
"""xio README: "Create first app" (app.py)."""
#-*- coding: utf-8 -*--

import xio

app = xio.app(__name__)

@app.bind('www')
def _(req):
    return 'Hello World'

if __name__=='__main__':

    app.main()
