"""XML and YAML request documents, parsed safely: a size cap, a depth limit, no DTDs.

Both parsers are pure Python and slow next to the network, so the dispatcher runs them in a
worker thread (``anyio.to_thread``) and caps the document size below the body limit: a large
or deeply nested document costs one thread a bounded time and never the event loop. Past the
size cap the answer is 413, past the depth limit or for a DTD or entity declaration it is 400;
never a ``RecursionError`` and never an expanded entity.

XML goes through expat directly with handlers that refuse any DOCTYPE and entity declaration
as the parser meets them, so the refusal holds whatever the encoding (UTF-16 included).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from ...errors import ConfigurationError, PayloadTooLarge, UnsupportedMediaType
from .handler import ArgumentError
from .optional import load_yaml_module

__all__ = ["DocumentLimits", "parse_xml", "parse_yaml"]

KiB = 1024


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """Bounds for XML and YAML request bodies (JSON uses the core's ``Limits``).

    ``max_size`` bytes (default 256 KiB, well under the core's 10 MiB body limit: these
    parsers run at a few MB/s) and ``max_depth`` levels of nesting (default 100).
    """

    max_size: int = 256 * KiB
    max_depth: int = 100

    def __post_init__(self) -> None:
        for name in ("max_size", "max_depth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(
                    f"DocumentLimits({name}={value!r}): give a positive whole number"
                )

    def check_size(self, body: bytes, kind: str) -> None:
        if len(body) > self.max_size:
            raise PayloadTooLarge(
                f"{kind} body is larger than {self.max_size} bytes, the limit for XML and "
                "YAML documents"
            )


class _Refused(Exception):
    """Raised from an expat handler; carries the 400 text."""


def _refuse_dtd(*_: Any) -> Any:
    raise _Refused("DTDs and entity declarations are not accepted")


def _name(raw: str) -> str:
    # expat reports "uri}local" with namespace_separator="}"; ElementTree spells it "{uri}local"
    return "{" + raw if "}" in raw else raw


def parse_xml(body: bytes, limits: DocumentLimits) -> ElementTree.Element:
    """The document's root element; 413 past the size cap, 400 for anything refused."""
    limits.check_size(body, "XML")
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    max_depth = limits.max_depth

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _Refused(f"nested deeper than {max_depth} levels")
        builder.start(_name(tag), {_name(key): value for key, value in attributes.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_name(tag))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.NotationDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    try:
        parser.Parse(body, True)
        return builder.close()
    except _Refused as exc:
        raise ArgumentError(f"Unable to parse XML body: {exc}") from None
    except expat.ExpatError as exc:
        raise ArgumentError(
            f"Unable to parse XML body: {expat.ErrorString(exc.code)}: "
            f"line {exc.lineno}, column {exc.offset}"
        ) from None
    except (AssertionError, ValueError) as exc:  # TreeBuilder: unbalanced or empty document
        raise ArgumentError(f"Unable to parse XML body: {exc or 'no element found'}") from None


@functools.cache
def _bounded_loader() -> type[Any]:
    yaml = load_yaml_module("YAML request bodies")

    class BoundedSafeLoader(yaml.SafeLoader):  # type: ignore[name-defined,misc]
        """``safe_load`` that counts nesting while composing and stops past ``max_depth``."""

        max_depth = 100
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.ScalarEvent, yaml.AliasEvent):
                return super().compose_node(parent, index)  # leaves do not nest
            self.depth += 1
            if self.depth > self.max_depth:
                raise _Refused(f"nested deeper than {self.max_depth} levels")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return BoundedSafeLoader


def parse_yaml(body: bytes, limits: DocumentLimits) -> Any:
    """``yaml.safe_load(body)`` within the limits; 413 past the size cap, 400 if unparsable."""
    limits.check_size(body, "YAML")
    try:
        loader_class = _bounded_loader()
    except ConfigurationError as exc:
        raise UnsupportedMediaType(str(exc)) from None
    yaml = load_yaml_module("YAML request bodies")
    loader = loader_class(body)
    loader.max_depth = limits.max_depth
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise ArgumentError(f"Unable to parse YAML body: {exc}") from None
    except yaml.YAMLError as exc:
        raise ArgumentError(f"Unable to parse YAML body: {exc}") from None
    except RecursionError:  # a backstop: the depth limit should always come first
        raise ArgumentError("Unable to parse YAML body: nested too deeply") from None
    finally:
        loader.dispose()
