"""Serving the document and the API page: ``/openapi.json`` and ``/docs`` (Swagger UI 5).

Swagger UI is the copy shipped in this package (``static/swagger-ui``, from the npm package
``swagger-ui-dist``; its LICENSE is beside it), so the page works offline: no CDN, and no call
to the online validator. Every URL in the page is relative, so it works mounted under a prefix.
"""

from __future__ import annotations

import functools
import html
import json
import posixpath
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..requests import Request
from ..responses import HTMLResponse, JSONResponse, Response
from .document import openapi_document
from .metadata import describe

if TYPE_CHECKING:
    from ..app import App

__all__ = ["ASSETS", "docs_page", "enable_docs"]

# The files the page needs, and their media types.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: {spec},
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
</script>
</body>
</html>
"""


@functools.cache
def asset(name: str) -> bytes:
    return (resources.files(__package__) / "static" / "swagger-ui" / name).read_bytes()


def docs_page(title: str, docs_url: str, openapi_url: str) -> str:
    """The page's HTML; URLs are relative to ``docs_url`` so a mount prefix carries over."""
    base = posixpath.dirname(docs_url) or "/"
    spec = posixpath.relpath(openapi_url, base)
    assets = posixpath.basename(docs_url)
    # json.dumps leaves '<' alone; escaped, no URL can close the inline <script>.
    spec_literal = json.dumps(spec).replace("<", "\\u003c")
    return _PAGE.format(title=html.escape(title), assets=html.escape(assets), spec=spec_literal)


def enable_docs(
    app: App,
    *,
    openapi_url: str = "/openapi.json",
    docs_url: str | None = "/docs",
    **info: Any,
) -> None:
    """Serve ``app``'s document at ``openapi_url`` and Swagger UI at ``docs_url`` (None: none).

    ``info`` goes to ``openapi_document`` (``title``, ``version``, ``description``). These
    routes are left out of the document they serve.
    """
    for url in (openapi_url, docs_url):
        if url is not None and (not url.startswith("/") or url == "/" or "{" in url):
            raise ConfigurationError(
                f"docs URL {url!r} must be a fixed path starting with '/', like '/docs'"
            )
    hidden = describe(include=False)

    cache: dict[str, Any] = {}

    @hidden
    async def openapi_json(request: Request) -> Response:
        # Built once per shape of the route table: a route added later shows up.
        routes = len(app.router.all_routes)
        if cache.get("routes") != routes:
            cache["document"] = openapi_document(app, **info)
            cache["routes"] = routes
        return JSONResponse(cache["document"])

    app.add_route(openapi_url, openapi_json, ["GET"], name="openapi")
    if docs_url is None:
        return
    page = docs_page(str(info.get("title", "microrest API")), docs_url, openapi_url)

    @hidden
    async def swagger_ui(request: Request) -> Response:
        return HTMLResponse(page)

    app.add_route(docs_url, swagger_ui, ["GET"], name="docs")
    for name, media_type in ASSETS.items():

        @hidden
        async def static(request: Request, name: str = name, media: str = media_type) -> Response:
            return Response(
                asset(name), media_type=media, headers={"Cache-Control": "public, max-age=86400"}
            )

        app.add_route(f"{docs_url.rstrip('/')}/{name}", static, ["GET"])
