"""The CorePost README's "Multi-module REST application", verbatim but for the import lines
(the Twisted imports become the adapter's shims).

``python -m examples.corepost_multi_module`` serves the eight README URLs on 0.0.0.0:8080.
The README builds the root resource under ``__main__`` only; the block after it (not in the
README) builds the same tree at import time so ``uvicorn examples.corepost_multi_module:site
--workers 2`` can serve it too.
"""

# ruff: noqa: UP031 - the README uses %-formatting
# fmt: off
from microrest.adapters.corepost.web import CorePost  # noqa: I001 - the README's import order
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost import Resource
from microrest.adapters.corepost import reactor
from microrest.adapters.corepost import Site

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

# fmt: on

# Not in the README: the same tree at import time, for ASGI servers and tests.
root = Resource()
root.putChild(home.path, home)
root.putChild(module1.path, module1)
root.putChild(module2.path, module2)
site = Site(root)
