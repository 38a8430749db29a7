"""``web.fancyindex``: ``web.file`` with an HTML directory index (names, sizes, dates).

``new(local, remote='', modify=False, head='', precontent='', preindex='', postindex='',
postcontent='', sortclass=DirEntry, index_template=..., index_entry=..., index_entry_join='',
index_content_type='text/html; charset=utf-8', handler=FancyIndexHandler)`` returns the same
one-entry routes dict as ``file.new(..., dir_index=True)``: files are served, confined and
redirected exactly as ``web.file`` does; a directory without ``index.html`` gets the listing.

The listing is sorted as the original sorted it (``..`` first, directories before files, then
by name without and with case). Unlike the original, every name is HTML-escaped and every link
percent-encoded (a file called ``<script>`` or ``a#b`` is shown and linked as itself), and an
entry whose real path leaves the served root (a symlink out) is not listed, since it cannot be
served either. The ``head``/``precontent``/... fragments are HTML the application supplies and
are inserted as given.
"""

from __future__ import annotations

import functools
import html
import os
import stat
import time
from typing import Any
from urllib.parse import quote, unquote

from .file import FileHandler, serve_directory
from .file import new as file_new
from .handler import HTTPHandler

__all__ = [
    "DirEntry",
    "FancyIndexHandler",
    "human_readable_size",
    "human_readable_time",
    "index_entry",
    "index_template",
    "listdir",
    "main",
    "new",
]

index_template = """<!DOCTYPE html>
<html>
	<head>
		<meta charset="utf-8">
		<title>Index of {dirname}</title>
		<style>
			#content, #index {{ width: 100%; text-align: left; }}
			.filename {{ width: 55%; }}
			.size {{ width: 20%; }}
			.modified {{ width: 25%; }}
		</style>{head}
	</head>
	<body>{precontent}
		<div id="content">{preindex}
			<h1>Index of {dirname}</h1>
			<table id="index">
				<thead>
					<tr><th class="filename">Filename</th><th class="size">Size</th><th class="modified">Last Modified</th></tr>
				</thead>
				<tbody>{entries}
				</tbody>
			</table>{postindex}
		</div>{postcontent}
	</body>
</html>
"""  # noqa: E501 - one table row reads best on one line

index_entry = """
					<tr><td class="filename"><a href="{url}">{name}</a></td><td class="size">{size}</td><td class="modified">{modified}</td></tr>"""  # noqa: E501


@functools.total_ordering
class DirEntry:
    """One entry of a listing: ``filename`` (directories end in ``/``), ``size`` (None for
    directories), ``modified`` (a local ``time.struct_time``), ``is_dir``, ``path``, ``stat``.

    Ordering: entries of the same directory sort directories first, then by name ignoring
    case, then by name with case (``Tmp/`` before ``tmp/``); ``..`` sorts first.
    """

    def __init__(self, dirname: str, filename: str) -> None:
        self.dirname = dirname
        self.filename = filename
        self.dirname_l = dirname.lower()
        self.filename_l = filename.lower()
        self.path = os.path.join(dirname, filename)
        try:
            self.stat = os.stat(self.path)
        except OSError:  # a dangling symlink: describe the link itself
            self.stat = os.lstat(self.path)
        self.mode = self.stat.st_mode
        self.modified = time.localtime(self.stat.st_mtime)
        self.is_dir = stat.S_ISDIR(self.mode)
        self.size: int | None = None if self.is_dir else self.stat.st_size
        if self.is_dir:
            self.filename += "/"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({self.dirname}) {self.filename!r}>"

    def __str__(self) -> str:
        return self.filename

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DirEntry) and self.path == other.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __lt__(self, other: DirEntry) -> bool:
        if self.dirname != other.dirname:
            if self.dirname_l != other.dirname_l:
                return self.dirname_l < other.dirname_l
            return self.dirname < other.dirname
        if self.filename == "../" or other.filename == "../":
            return self.filename == "../" and other.filename != "../"
        if self.is_dir != other.is_dir:
            return self.is_dir
        if self.filename_l != other.filename_l:
            return self.filename_l < other.filename_l
        return self.filename < other.filename


def listdir(
    dirname: str,
    root: bool = False,
    sortclass: type[DirEntry] = DirEntry,
    names: list[str] | None = None,
) -> list[DirEntry]:
    """The sorted entries of ``dirname`` (``names`` if given), with ``..`` unless ``root``."""
    entries = [] if root else [sortclass(dirname, "..")]
    listed = os.listdir(dirname) if names is None else names
    entries.extend(sortclass(dirname, name) for name in listed)
    entries.sort()
    return entries


def human_readable_size(
    size: float | None,
    fmt: str = "{size:.2f} {unit}",
    units: tuple[str, ...] | list[str] = ("B", "KiB", "MiB", "GiB", "TiB"),
) -> str:
    """``1.00 KiB``...: the next unit as soon as the value reaches 896; ``-`` for None."""
    if size is None:
        return "-"
    for unit in units[:-1]:
        if size < 896:
            return fmt.format(size=size, unit=unit)
        size /= 1024
    return fmt.format(size=size, unit=units[-1])


def human_readable_time(moment: time.struct_time, fmt: str = "%d-%b-%Y %H:%M %Z") -> str:
    return time.strftime(fmt, moment)


class FancyIndexHandler(FileHandler):
    """A ``FileHandler`` whose directory listing is the HTML page above."""

    dir_index = True
    head = ""
    precontent = ""
    preindex = ""
    postindex = ""
    postcontent = ""
    sortclass: type[DirEntry] = DirEntry
    index_template = index_template
    index_entry = index_entry
    index_entry_join = ""
    index_content_type = "text/html; charset=utf-8"

    def index(self) -> str:
        assert self.filename is not None
        self.response.headers.set("Content-Type", self.index_content_type)
        # The directory as the client asked for it, decoded for reading (and escaped).
        dirname = unquote(self.request.microrest.scope.get("raw_path", b"").decode("latin-1"))
        dirname = dirname or self.request.microrest.scope["path"]
        at_root = self.local is None or self.path in ("", "/")
        names = [name for name in self.listing() if name != ".."]
        rows = []
        for entry in listdir(self.filename, at_root, self.sortclass, names):
            name = str(entry)
            rows.append(
                self.index_entry.format(
                    name=html.escape(name),
                    url=html.escape(quote(name)),
                    size=human_readable_size(entry.size),
                    modified=human_readable_time(entry.modified),
                )
            )
        return self.index_template.format(
            dirname=html.escape(dirname),
            head=self.head,
            precontent=self.precontent,
            preindex=self.preindex,
            postindex=self.postindex,
            postcontent=self.postcontent,
            entries=self.index_entry_join.join(rows),
        )


def new(
    local: str,
    remote: str = "",
    modify: bool = False,
    head: str = "",
    precontent: str = "",
    preindex: str = "",
    postindex: str = "",
    postcontent: str = "",
    sortclass: type[DirEntry] = DirEntry,
    index_template: str = index_template,
    index_entry: str = index_entry,
    index_entry_join: str = "",
    index_content_type: str = "text/html; charset=utf-8",
    handler: type[FancyIndexHandler] = FancyIndexHandler,
) -> dict[str, type[HTTPHandler]]:
    """``file.new(local, remote, dir_index=True, modify=modify)`` with the fancy listing."""
    options: dict[str, Any] = {
        "head": head,
        "precontent": precontent,
        "preindex": preindex,
        "postindex": postindex,
        "postcontent": postcontent,
        "sortclass": sortclass,
        "index_template": index_template,
        "index_entry": index_entry,
        "index_entry_join": index_entry_join,
        "index_content_type": index_content_type,
        "__module__": __name__,
    }
    generated = type("GenFancyIndexHandler", (handler,), options)
    return file_new(local, remote, dir_index=True, modify=modify, handler=generated)


def main(argv: list[str] | None = None) -> None:
    """``python -m microrest.adapters.webpy.fancyindex [-a ADDRESS] [-p PORT]
    [--allow-modify] DIR``."""
    serve_directory(
        "quickly serve up local files over HTTP with a fancy directory index",
        lambda args: new(args.local_dir, modify=args.modify),
        argv,
        listings_flag=False,
    )


if __name__ == "__main__":
    main()
