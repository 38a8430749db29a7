# ruff: noqa
# fmt: off
"""CorePost README: "Single REST module example"."""
from corepost.web import CorePost
from corepost.enums import Http

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
