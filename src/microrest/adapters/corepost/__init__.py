"""CorePost on microrest: ``corepost.X`` is ``microrest.adapters.corepost.X``.

The package root carries what ``corepost`` itself exported (``Response``, the REST
exceptions) plus the Twisted shims the README examples import (``Resource``, ``Site``,
``reactor``, ``defer``).
"""

from __future__ import annotations

from . import defer, enums, filters, reactor, web
from .documents import DocumentLimits
from .enums import Http, HttpHeader, MediaType
from .exceptions import (
    AlreadyExistsException,
    ConflictException,
    InternalServerException,
    NotFoundException,
    RESTException,
)
from .filters import IRequestFilter, IResponseFilter
from .request import CorePostRequest
from .resource import Resource
from .response import Response
from .site import Site
from .web import CorePost, RESTResource, route, validate

IRESTResource = RESTResource  # the zope interface's name: isinstance checks keep working

__all__ = [
    "AlreadyExistsException",
    "ConflictException",
    "CorePost",
    "CorePostRequest",
    "DocumentLimits",
    "Http",
    "HttpHeader",
    "IRESTResource",
    "IRequestFilter",
    "IResponseFilter",
    "InternalServerException",
    "MediaType",
    "NotFoundException",
    "RESTException",
    "RESTResource",
    "Resource",
    "Response",
    "Site",
    "defer",
    "enums",
    "filters",
    "reactor",
    "route",
    "validate",
    "web",
]
