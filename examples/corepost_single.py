"""The CorePost README's "Single REST module example", verbatim but for the import prefix.

Serve it with ``python -m examples.corepost_single`` (0.0.0.0:8080, like the original) or
``uvicorn examples.corepost_single:app --workers 2``.
"""

# ruff: noqa: UP031 - the README uses %-formatting
# fmt: off
from microrest.adapters.corepost.web import CorePost  # noqa: I001 - the README's import order
from microrest.adapters.corepost.enums import Http

app = CorePost()

@app.route("/",Http.GET)
def root(request,**kwargs):
    return request.path

@app.route("/test",Http.GET)
def test(request,**kwargs):
    return request.path

@app.route("/test/<int:numericid>/test2/<stringid>",Http.GET)
def test_get_resources(request,numericid,stringid,**kwargs):
    return "%s - %s" % (numericid,stringid)

if __name__ == '__main__':
    # shortcut method to run a CorePost Resource as a single site
    app.run()
# fmt: on
