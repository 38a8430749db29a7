"""``web.file``: serve a local directory under a remote prefix, optionally writable.

``new(local, remote, dir_index=False, modify=False)`` returns a one-entry routes dict to merge
into the server's routes. Unlike the original, paths are safe by construction: the captured
path is percent-decoded once (by the server; in compat mode here), normalised (non-canonical
paths get a 307 to the canonical one), confined to the root with ``realpath`` through the core's
``safe_join`` (so ``..`` and symlinks out of the root are refused), NUL bytes are a 400, the
root itself is never deleted, and uploads are bounded (``max_file_size``, 20 MiB).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from typing import Any
from urllib.parse import quote, unquote

import anyio
import anyio.to_thread

from ...responses import FileResponse
from ...toolkit import safe_join
from .errors import HTTPError
from .handler import HTTPHandler

__all__ = ["FileHandler", "ModifyFileHandler", "ModifyMixIn", "new", "normpath"]

max_file_size = 20 * 1024 * 1024


def normpath(path: str) -> str:
    """Drop empty and ``.`` segments, resolve ``..`` without ever rising above the root, and
    keep the leading and trailing slashes the input had."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    result = "/".join(segments)
    if path.startswith("/"):
        result = "/" + result
    if path.endswith("/") and not result.endswith("/"):
        result += "/"
    return result


class FileHandler(HTTPHandler):
    """Serves ``filename`` (set per request from the route, or fixed by a subclass)."""

    filename: str | None = None
    path = ""
    local: str | None = None
    remote: str = ""
    dir_index = False

    def get_body(self) -> bool:
        return False

    def respond(self) -> Any:
        if self.local is not None:
            captured = self.groups[0] or ""
            if self.server.compat:
                captured = unquote(re.split("[?#]", captured, maxsplit=1)[0])
            if "\x00" in captured:
                raise HTTPError(400)
            self.path = normpath(captured)
            if self.path != captured:
                location = quote(self.remote + self.path)
                query = self.request.microrest.scope.get("query_string", b"")
                if query and not self.server.compat:
                    location += "?" + query.decode("latin-1")
                self.response.headers.set("Location", location)
                return 307, ""
            self.filename = self._resolve(self.path)
        return super().respond()

    def _resolve(self, canonical: str) -> str:
        """The filesystem path of a canonical URL path, confined to ``local`` (404 outside)."""
        assert self.local is not None
        full = safe_join(self.local, canonical)
        if full is None:
            raise HTTPError(404)
        if canonical.endswith("/") and not full.endswith("/"):
            full += "/"
        return full

    def index(self) -> str:
        """Plain-text listing: one entry per line, directories with a trailing slash."""
        assert self.filename is not None
        entries = []
        for entry in sorted(os.listdir(self.filename)):
            suffix = "/" if os.path.isdir(os.path.join(self.filename, entry)) else ""
            entries.append(entry + suffix + "\n")
        return "".join(entries)

    def do_get(self) -> Any:
        filename = self.filename
        if filename is None:
            raise HTTPError(404)
        try:
            info = os.stat(filename)
        except (FileNotFoundError, NotADirectoryError):
            raise HTTPError(404) from None
        except OSError:
            raise HTTPError(403) from None
        if stat.S_ISDIR(info.st_mode):
            return self._directory(filename)
        try:
            with open(filename, "rb"):
                pass
        except OSError:
            raise HTTPError(403) from None
        return FileResponse(filename, stat_result=info)

    def _directory(self, filename: str) -> Any:
        if not filename.endswith("/"):
            location = quote(self.request.microrest.scope["path"] + "/")
            if self.local is not None:
                location = quote(self.remote + self.path + "/")
            self.response.headers.set("Location", location)
            return 307, ""
        index = os.path.join(filename, "index.html")
        if os.path.isfile(index):
            return FileResponse(index, media_type="text/html")
        if self.dir_index:
            try:
                return 200, self.index()
            except OSError:
                raise HTTPError(403) from None
        raise HTTPError(403)


class ModifyMixIn:
    """``PUT`` writes (atomically, bounded), ``DELETE`` removes; the root is never removed."""

    max_request_size: int | None = max_file_size
    filename: str | None
    local: str | None
    request: Any

    async def do_put(self) -> Any:
        filename = self.filename
        if filename is None:
            raise HTTPError(405)
        core = self.request.microrest
        if filename.endswith("/") or os.path.isdir(filename):
            async for _ in core.stream():
                pass
            try:
                await anyio.to_thread.run_sync(lambda: os.makedirs(filename, exist_ok=True))
            except OSError:
                raise HTTPError(403) from None
            return 204, ""
        directory = os.path.dirname(filename)
        try:
            await anyio.to_thread.run_sync(lambda: os.makedirs(directory, exist_ok=True))
            if os.path.exists(filename) and not os.access(filename, os.W_OK):
                raise PermissionError(filename)
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        except OSError:
            raise HTTPError(403) from None
        try:
            async with await anyio.open_file(fd, "wb") as out:
                async for chunk in core.stream():
                    await out.write(chunk)
            mode = os.stat(filename).st_mode & 0o777 if os.path.exists(filename) else 0o644
            os.chmod(temporary, mode)
            os.replace(temporary, filename)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise
        return 204, ""

    def do_delete(self) -> Any:
        filename = self.filename
        if filename is None:
            raise HTTPError(405)
        if self.local is not None and os.path.realpath(filename) == os.path.realpath(self.local):
            raise HTTPError(403, message="403 - Forbidden: the served root is never deleted\n")
        try:
            if os.path.isdir(filename) and not os.path.islink(filename):
                shutil.rmtree(filename)
            else:
                os.remove(filename.rstrip("/"))
        except (FileNotFoundError, NotADirectoryError):
            raise HTTPError(404) from None
        except OSError:
            raise HTTPError(403) from None
        return 204, ""


class ModifyFileHandler(ModifyMixIn, FileHandler):
    """A ``FileHandler`` that also takes ``PUT`` and ``DELETE``."""


def new(
    local: str,
    remote: str = "",
    dir_index: bool = False,
    modify: bool = False,
    handler: type[FileHandler] = FileHandler,
) -> dict[str, type[HTTPHandler]]:
    """``{remote + '(|/.*)': <generated handler>}`` serving ``local`` at ``remote``."""
    local = local.rstrip("/") or "/"
    remote = remote.rstrip("/")
    bases: tuple[type, ...] = (ModifyMixIn, handler) if modify else (handler,)
    generated = type(
        "GenFileHandler",
        bases,
        {"local": local, "remote": remote, "dir_index": dir_index, "__module__": __name__},
    )
    return {re.escape(remote) + "(|/.*)": generated}
