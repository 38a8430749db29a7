"""Handler results -> bytes: objects become plain data, then JSON, YAML or XML by ``Accept``.

Objects are converted as the original did (dicts recursively, instances by their public
attributes, other iterables as lists) and the format is chosen with real q-values among the
three the original offered, JSON first when the client does not care.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from ...toolkit import best_match
from .optional import load_yaml_module

__all__ = ["JSON", "XML", "YAML", "negotiate", "to_plain", "to_xml"]

JSON = "application/json"
YAML = "text/yaml"
XML = "application/xml"

# Media types a client may ask for, and the format each one selects.
_FORMAT_OF = {
    JSON: JSON,
    YAML: YAML,
    "application/yaml": YAML,
    "application/x-yaml": YAML,
    XML: XML,
    "text/xml": XML,
}
_ALL_OFFERS = tuple(_FORMAT_OF)
_NO_XML_OFFERS = tuple(media for media, fmt in _FORMAT_OF.items() if fmt != XML)
_MAX_DEPTH = 100
_XML_NAME = re.compile(r"[A-Za-z_][\w.\-]*\Z")


def to_plain(value: Any, depth: int = 0) -> Any:
    """Dicts, lists, str, numbers, bools and None only: what every format can carry."""
    if depth > _MAX_DEPTH:
        raise ValueError("result nested too deeply (or cyclic) to serialise")
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {key: to_plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, Iterable):
        return [to_plain(item, depth + 1) for item in value]
    attributes = getattr(value, "__dict__", None)
    if attributes is not None:
        return {
            key: to_plain(item, depth + 1)
            for key, item in attributes.items()
            if not key.startswith("_")
        }
    return str(value)


def _xml_value(tag: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "".join(_xml_value(tag, item) for item in value)
    if _XML_NAME.match(tag) and not tag.lower().startswith("xml"):
        open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    else:  # a key that is no XML name still round-trips, as an attribute
        open_tag, close_tag = f'<entry key="{escape(tag, {chr(34): "&quot;"})}">', "</entry>"
    if isinstance(value, dict):
        return open_tag + _xml_fields(value) + close_tag
    return open_tag + escape(_scalar(value)) + close_tag


def _xml_fields(data: dict[Any, Any]) -> str:
    return "".join(_xml_value(str(key), item) for key, item in data.items())


def _scalar(value: Any) -> str:
    return str(value)


def to_xml(data: Any) -> str:
    """``<item>`` for a dict, ``<list>`` of ``<item>`` for a list; ``None`` fields omitted."""
    if isinstance(data, dict):
        return "<item>" + _xml_fields(data) + "</item>"
    if isinstance(data, list):
        return "<list>" + "".join(_xml_value("item", item) for item in data) + "</list>"
    raise ValueError(f"Unable to convert to XML: {data!r}")


def negotiate(accept: str | None, data: Any) -> tuple[bytes, str]:
    """Serialise plain ``data`` in the format ``accept`` prefers; returns (body, media type)."""
    offers = _ALL_OFFERS if isinstance(data, (dict, list)) else _NO_XML_OFFERS
    chosen = _FORMAT_OF[best_match(accept, offers, default=JSON) or JSON]
    if chosen == YAML:
        yaml = load_yaml_module("YAML responses")
        text = yaml.safe_dump(data, default_flow_style=None, allow_unicode=True)
        return text.encode("utf-8"), "text/yaml; charset=utf-8"
    if chosen == XML:
        return to_xml(data).encode("utf-8"), XML
    return json.dumps(data, default=str).encode("utf-8"), JSON
