"""Request bodies -> ``request.json``/``.xml``/``.yaml``/``.args`` and handler keyword arguments.

The media type is compared without its parameters (``application/json; charset=utf-8`` is
JSON), and a body's document keys are merged under the path and query arguments instead of
being dropped when a query string is present.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from typing import Any

from starlette.datastructures import FormData

from ...errors import UnsupportedMediaType
from .handler import ArgumentError
from .optional import load_yaml_module
from .request import CorePostRequest

__all__ = ["FORM_TYPES", "JSON_TYPES", "XML_TYPES", "YAML_TYPES", "read_body"]

JSON_TYPES = frozenset({"application/json"})
XML_TYPES = frozenset({"application/xml", "text/xml"})
YAML_TYPES = frozenset({"text/yaml", "application/yaml", "application/x-yaml"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ArgumentError(f"Unable to parse JSON body: {exc}") from None


def _parse_xml(body: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ArgumentError("Unable to parse XML body: DTDs and entities are not accepted")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ArgumentError(f"Unable to parse XML body: {exc}") from None


def _parse_yaml(body: bytes) -> Any:
    try:
        yaml = load_yaml_module("YAML request bodies")
    except Exception as exc:
        raise UnsupportedMediaType(str(exc)) from None
    try:
        return yaml.safe_load(body)
    except yaml.YAMLError as exc:
        raise ArgumentError(f"Unable to parse YAML body: {exc}") from None


def _xml_arguments(root: ElementTree.Element) -> dict[str, Any]:
    found: dict[str, Any] = dict(root.attrib)
    for child in root:
        found.setdefault(child.tag, child.text)
    return found


def _add_form(facade: CorePostRequest, form: FormData) -> dict[str, Any]:
    args = facade.args
    for key, value in form.multi_items():
        args.setdefault(key, []).append(value)  # type: ignore[arg-type]
    return {}


async def read_body(facade: CorePostRequest, media_type: str) -> dict[str, Any]:
    """Parse the body by ``media_type`` onto ``facade``; return the document's root keys."""
    request = facade.request
    if media_type == "multipart/form-data":  # files stream to disk, not into request.data
        return _add_form(facade, await request.form())
    body = await request.body()
    facade.data = body
    if media_type in FORM_TYPES:
        return _add_form(facade, await request.form())
    if media_type in JSON_TYPES or (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        facade.json = _parse_json(body)
        return facade.json if isinstance(facade.json, dict) else {}
    if media_type in XML_TYPES:
        facade.xml = _parse_xml(body)
        return _xml_arguments(facade.xml)
    if media_type in YAML_TYPES:
        facade.yaml = _parse_yaml(body)
        return facade.yaml if isinstance(facade.yaml, dict) else {}
    return {}
