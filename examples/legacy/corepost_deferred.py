# ruff: noqa
# fmt: off
"""CorePost README: "@defer.inlineCallbacks support". The README shows the handler only;
the lines around it (marked) give it the imports, the app and the ``db`` it assumes."""
from corepost.web import CorePost  # around the README: its imports, app and db
from corepost.enums import Http
from twisted.internet import defer

app = CorePost()


class db:
    @staticmethod
    def query(sql):
        return defer.succeed("rows for " + sql)
# the README's handler, as written:

@app.route("/",Http.GET)
@defer.inlineCallbacks
def root(request,**kwargs):
	val = yield db.query("SELECT ....")
	request.write(val)
	request.finish()

if __name__ == '__main__':  # around the README again
    app.run()
