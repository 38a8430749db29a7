"""CorePost's constants: HTTP methods, header names and media types (``corepost.enums``)."""

from __future__ import annotations

__all__ = ["Http", "HttpHeader", "MediaType"]


class Http:
    """HTTP method names as plain upper-case strings, usable in ``methods=`` arguments."""

    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    DELETE = "DELETE"
    OPTIONS = "OPTIONS"
    HEAD = "HEAD"
    PATCH = "PATCH"


class HttpHeader:
    """Lower-case header names CorePost looks at."""

    CONTENT_TYPE = "content-type"
    ACCEPT = "accept"


class MediaType:
    """Media types for ``@route(accepts=...)``; ``WILDCARD`` is the fallback handler's key."""

    WILDCARD = "*/*"
    APPLICATION_XML = "application/xml"
    APPLICATION_ATOM_XML = "application/atom+xml"
    APPLICATION_XHTML_XML = "application/xhtml+xml"
    APPLICATION_SVG_XML = "application/svg+xml"
    APPLICATION_JSON = "application/json"
    APPLICATION_FORM_URLENCODED = "application/x-www-form-urlencoded"
    MULTIPART_FORM_DATA = "multipart/form-data"
    APPLICATION_OCTET_STREAM = "application/octet-stream"
    TEXT_PLAIN = "text/plain"
    TEXT_XML = "text/xml"
    TEXT_HTML = "text/html"
    TEXT_YAML = "text/yaml"
