# ruff: noqa
# fmt: off
"""CorePost README: "Multi-module REST application"."""
from corepost.web import CorePost
from corepost.enums import Http
from twisted.web.resource import Resource
from twisted.internet import reactor
from twisted.web.server import Site

# Home module    
home = CorePost()

@home.route("/")
def home_root(request,**kwargs):
    return "HOME %s" % kwargs

# First module
module1 = CorePost('module1')

@module1.route("/",Http.GET)
def module1_get(request,**kwargs):
    return request.path

@module1.route("/sub",Http.GET)
def module1e_sub(request,**kwargs):
    return request.path

# Second module
module2 = CorePost('module2')

@module2.route("/",Http.GET)
def module2_get(request,**kwargs):
    return request.path

@module2.route("/sub",Http.GET)
def module2_sub(request,**kwargs):
    return request.path

if __name__ == '__main__':
    app = Resource()
    app.putChild(home.path, home)
    app.putChild(module1.path,module1)
    app.putChild(module2.path,module2)

    factory = Site(app)
    reactor.listenTCP(8080, factory) 
    reactor.run()
