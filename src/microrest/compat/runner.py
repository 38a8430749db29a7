"""``python -m microrest.compat [options] script.py [args...]``: run a legacy script as it is.

The import hook is installed first, then the script runs as ``__main__`` with its own
``sys.argv``. ``--port``/``--host`` move whatever address the script's start call names
(``app.run()``, ``reactor.listenTCP(8080, ...)``, ``server.serve_forever()``, ``httpd.start()``,
wsgiref's ``make_server``) to the one given, for a machine where 8080 is taken.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from collections.abc import Sequence
from typing import Any

from . import install

__all__ = ["main", "redirect_address"]


def redirect_address(host: str | None, port: int | None) -> None:
    """Make every server the legacy code starts listen on ``host``/``port`` instead."""
    from wsgiref import simple_server

    from .. import server

    original = server.Server

    class Redirected(original):  # type: ignore[misc, valid-type]
        def __init__(self, app: Any, *args: Any, **kw: Any) -> None:
            given = list(args)
            for index, key, value in ((0, "host", host), (1, "port", port)):
                if value is None:
                    continue
                if len(given) > index:
                    given[index] = value
                else:
                    kw[key] = value
            super().__init__(app, *given, **kw)

    Redirected.__name__ = Redirected.__qualname__ = original.__name__
    server.Server = Redirected  # type: ignore[misc]
    make_server = simple_server.make_server

    def redirected_make_server(host_: str, port_: int, app: Any, *args: Any, **kw: Any) -> Any:
        return make_server(host or host_, port if port is not None else port_, app, *args, **kw)

    simple_server.make_server = redirected_make_server  # type: ignore[assignment]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m microrest.compat",
        description="Run a legacy CorePost, VestesPy, xio, web.py or pyservice script unmodified.",
    )
    parser.add_argument("--override", action="store_true", help="alias even installed packages")
    parser.add_argument("--host", help="listen here, whatever the script says")
    parser.add_argument("--port", type=int, help="listen on this port, whatever the script says")
    parser.add_argument("-m", dest="module", help="run a module as __main__ instead of a file")
    parser.add_argument("script", nargs="?", help="the script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    options = parser.parse_args(argv)
    if (options.module is None) == (options.script is None):
        parser.error("give a script path or -m module")
    install(override=options.override)
    if options.host is not None or options.port is not None:
        redirect_address(options.host, options.port)
    if options.module is not None:
        rest = [options.script, *options.args] if options.script else options.args
        sys.argv = [options.module, *rest]
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        runpy.run_module(options.module, run_name="__main__", alter_sys=True)
        return 0
    path = os.path.abspath(options.script)
    if not os.path.isfile(path):
        parser.error(f"no such script: {options.script}")
    sys.argv = [options.script, *options.args]
    sys.path.insert(0, os.path.dirname(path))  # as python script.py does
    runpy.run_path(path, run_name="__main__")
    return 0
