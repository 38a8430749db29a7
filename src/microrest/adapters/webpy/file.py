"""``web.file``: serve a local directory under a remote prefix, optionally writable.

``new(local, remote, dir_index=False, modify=False)`` returns a one-entry routes dict to merge
into the server's routes. Unlike the original, paths are safe by construction: the captured
path is percent-decoded once (by the server; in compat mode here), normalised (non-canonical
paths get a 307 to the canonical one), confined to the root with ``realpath`` through the core's
``safe_join`` (so ``..`` and symlinks out of the root are refused), NUL bytes are a 400, the
root itself is never deleted, and uploads are bounded (``max_file_size``, 20 MiB).
"""

from __future__ import annotations

import mimetypes
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

__all__ = [
    "FileHandler",
    "ModifyFileHandler",
    "ModifyMixIn",
    "main",
    "new",
    "normpath",
    "same_origin",
]

max_file_size = 20 * 1024 * 1024


def same_origin(path: str) -> str:
    """A redirect target built from a request path, quoted, that cannot leave the origin.

    ``//evil.example`` (or ``/\\evil.example``, which browsers read the same way) would be a
    scheme-relative URL: another host. Leading slashes collapse to one and backslashes are
    percent-encoded, so the Location is always a path on this server."""
    location = quote(path)
    if location.startswith("//"):
        location = "/" + location.lstrip("/")
    return location


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
                location = same_origin(self.remote + self.path)
                query = self.request.microrest.scope.get("query_string", b"")
                if query and not self.server.compat:
                    location += "?" + query.decode("latin-1")
                self.response.headers.set("Location", location)
                return 307, ""
            self.filename = self._resolve(self.path)
        return super().respond()

    @property
    def root(self) -> str | None:
        """The directory nothing may be opened outside of: ``local``, or for a subclass with a
        fixed ``filename`` that is a directory, that directory."""
        if self.local is not None:
            return self.local
        if self.filename is not None and os.path.isdir(self.filename):
            return self.filename
        return None

    def confined(self, relative: str) -> str | None:
        """The real path of ``relative`` (a URL path below the served directory) inside the
        root, or None when it would leave it: every file the handler opens goes through here."""
        root = self.root
        if root is None:
            return None
        base = self.path if self.local is not None else ""
        return safe_join(root, base.rstrip("/") + "/" + relative)

    def _resolve(self, canonical: str) -> str:
        """The filesystem path of a canonical URL path, confined to ``local`` (404 outside)."""
        assert self.local is not None
        full = safe_join(self.local, canonical)
        if full is None:
            raise HTTPError(404)
        if canonical.endswith("/") and not full.endswith("/"):
            full += "/"
        return full

    def listing(self) -> list[str]:
        """The names in the requested directory, sorted, leaving out any entry (a symlink)
        whose real path is outside the root: it could not be served, so it is not shown."""
        assert self.filename is not None
        names = sorted(os.listdir(self.filename))
        if self.root is None:
            return names
        return [name for name in names if self.confined(name) is not None]

    def index(self) -> str:
        """Plain-text listing: one entry per line, directories with a trailing slash."""
        assert self.filename is not None
        entries = []
        for entry in self.listing():
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
        return self.file_response(filename, info)

    def file_response(
        self, filename: str, info: os.stat_result, media_type: str | None = None
    ) -> FileResponse:
        """The core ``FileResponse``; under ``compat=True`` with the original's bare types
        (``text/plain``, ``text/html``: no charset), and none when the type is unknown."""
        if not self.server.compat:
            return FileResponse(filename, stat_result=info, media_type=media_type)
        bare = media_type or mimetypes.guess_type(filename)[0]
        response = FileResponse(filename, stat_result=info, media_type=bare or "x/x")
        response.raw_headers = [pair for pair in response.raw_headers if pair[0] != b"content-type"]
        if bare is not None:
            response.raw_headers.append((b"content-type", bare.encode("latin-1")))
        return response

    def _directory(self, filename: str) -> Any:
        if not filename.endswith("/"):
            location = self.request.microrest.scope["path"] + "/"
            if self.local is not None:
                location = self.remote + self.path + "/"
            self.response.headers.set("Location", same_origin(location))
            return 307, ""
        # The index file is confined like any other file: a symlinked index.html leading
        # out of the root is not served (it is as if there were none).
        index = self.confined("index.html") if self.root is not None else None
        if index is None and self.root is None:
            index = os.path.join(filename, "index.html")
        if index is not None:
            try:
                info = os.stat(index)
            except OSError:
                info = None
            if info is not None and stat.S_ISREG(info.st_mode):
                return self.file_response(index, info, "text/html")
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
        bound = self.max_request_size or None  # the handler's own bound, in every mode
        if filename.endswith("/") or os.path.isdir(filename):
            async for _ in core.stream(bound):
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
                async for chunk in core.stream(bound):
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
            elif filename.endswith("/"):
                # "name/" names a directory; on a plain file it deletes nothing (as the
                # original's os.remove('name/') failed), whether or not "name" exists.
                if os.path.lexists(filename.rstrip("/")):
                    raise HTTPError(403)
                raise HTTPError(404)
            else:
                os.remove(filename)
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


def serve_directory(
    description: str, routes_for: Any, argv: list[str] | None, *, listings_flag: bool
) -> None:
    """The original's command line: serve a directory until Ctrl-C or SIGTERM."""
    import argparse
    import signal
    import threading

    from .server import HTTPServer

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "-a", "--address", default="", help="address to serve HTTP on (default: every interface)"
    )
    parser.add_argument(
        "-p", "--port", type=int, default=8000, help="port to serve HTTP on (default: 8000)"
    )
    if listings_flag:
        parser.add_argument(
            "--no-index",
            action="store_false",
            dest="indexing",
            help="no directory listings (403 for a directory without index.html)",
        )
    parser.add_argument(
        "--allow-modify",
        action="store_true",
        dest="modify",
        help="allow PUT and DELETE of files and directories",
    )
    parser.add_argument("local_dir", help="the directory to serve")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.local_dir):
        parser.error(f"{args.local_dir!r} is not a directory")

    httpd = HTTPServer((args.address, args.port), routes_for(args))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    httpd.start()
    host, port = httpd.server_address
    print(f"Serving {args.local_dir} on http://{host or '0.0.0.0'}:{port}/", flush=True)
    try:
        stopping.wait()
    finally:
        httpd.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m microrest.adapters.webpy.file [-a ADDRESS] [-p PORT] [--no-index]
    [--allow-modify] DIR``."""
    serve_directory(
        "quickly serve up local files over HTTP",
        lambda args: new(args.local_dir, dir_index=args.indexing, modify=args.modify),
        argv,
        listings_flag=True,
    )


if __name__ == "__main__":
    main()
