"""Serving a directory, and the one path-confinement check every file-serving style uses."""

from __future__ import annotations

import os
import stat

import anyio.to_thread

from .errors import BadRequest, MethodNotAllowed, NotFound
from .responses import FileResponse, RedirectResponse, Response
from .types import Receive, Scope, Send

__all__ = ["StaticFiles", "route_path", "safe_join"]


def route_path(scope: Scope) -> str:
    """The path below the app's mount point (``path`` minus ``root_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def safe_join(root: str, relative: str) -> str | None:
    """The real path of ``relative`` inside ``root``, or None when it would leave ``root``.

    ``relative`` is an already percent-decoded URL path (ASGI decodes once; a second decoding
    would let ``%252e%252e`` through). NUL bytes are a 400. ``..`` segments, absolute parts and
    symlinks pointing outside ``root`` are all refused by comparing real paths.
    """
    if "\x00" in relative:
        raise BadRequest("NUL byte in path")
    real_root = os.path.realpath(root)
    candidate = os.path.realpath(os.path.join(real_root, relative.lstrip("/")))
    if candidate != real_root and not candidate.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    return candidate


class StaticFiles:
    """An ASGI app serving files under ``directory``; mount it with ``app.mount(prefix, ...)``.

    ``html=True`` serves ``index.html`` for directories and ``404.html`` for misses.
    """

    def __init__(self, directory: str | os.PathLike[str], *, html: bool = False) -> None:
        self.directory = os.path.realpath(os.fspath(directory))
        if not os.path.isdir(self.directory):
            from .errors import ConfigurationError

            raise ConfigurationError(f"StaticFiles directory {self.directory!r} does not exist")
        self.html = html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.get_response(scope)
        await response(scope, receive, send)

    async def get_response(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            raise MethodNotAllowed(["GET", "HEAD"])
        relative = route_path(scope)
        full = safe_join(self.directory, relative)
        if full is None:
            raise NotFound()
        try:
            st = await anyio.to_thread.run_sync(os.stat, full)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return await self._not_found()
        if stat.S_ISDIR(st.st_mode):
            if not self.html:
                raise NotFound()
            if not scope["path"].endswith("/"):
                query = scope.get("query_string", b"").decode("latin-1")
                # One leading slash: "//host/dir" as a Location is another origin.
                location = "/" + scope["path"].lstrip("/\\") + "/"
                return RedirectResponse(location + ("?" + query if query else ""), 307)
            # Every file opened goes through the confinement: an index.html symlinked out of
            # the root is refused like any other escape.
            index = safe_join(self.directory, os.path.join(relative, "index.html"))
            if index is not None and os.path.isfile(index):
                return FileResponse(index)
            return await self._not_found()
        if stat.S_ISREG(st.st_mode):
            return FileResponse(full, stat_result=st)
        return await self._not_found()

    async def _not_found(self) -> Response:
        if self.html:
            page = safe_join(self.directory, "404.html")
            if page is not None and os.path.isfile(page):
                return FileResponse(page, status_code=404)
        raise NotFound()
