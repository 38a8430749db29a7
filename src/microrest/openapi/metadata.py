"""What a handler or an adapter says about an operation beyond the route table.

``describe(...)`` puts it on a handler (the core style's way); an adapter puts the same keys in
``route.openapi``, the per-route dict every ``Route`` carries (shared by its mounted copies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["ATTRIBUTE", "describe"]

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__openapi__"


def describe(
    *,
    summary: str | None = None,
    description: str | None = None,
    body: object = None,
    body_required: bool = True,
    media_type: str = "application/json",
    responses: Mapping[int | str, object] | None = None,
    query: Mapping[str, object] | None = None,
    parameters: Sequence[Mapping[str, Any]] | None = None,
    tags: Sequence[str] | None = None,
    operation_id: str | None = None,
    deprecated: bool = False,
    include: bool = True,
    methods: Sequence[str] | None = None,
) -> Callable[[F], F]:
    """Describe a handler's operation; returns the handler unchanged.

    ``body`` and each value of ``responses`` (keyed by status) are schema sources: a dataclass,
    a ``TypedDict``, a type such as ``list[str]``, a JSON Schema dict, or ``None`` for an answer
    without a body. A response value may also be a complete OpenAPI Response Object: a dict
    with a ``description``. ``query`` maps optional query parameters to schema sources;
    ``parameters`` adds complete OpenAPI Parameter Objects (a required query parameter, a
    header). ``include=False`` leaves the route out of the document. ``methods`` names the
    methods a handler of an any-method route (VestesPy's) really answers; without it, such a
    route is described with every method.
    """
    meta: dict[str, Any] = {"include": include}
    if summary is not None:
        meta["summary"] = summary
    if description is not None:
        meta["description"] = description
    if body is not None:
        meta["body"] = body
        meta["body_required"] = body_required
        meta["media_type"] = media_type
    if responses is not None:
        meta["responses"] = dict(responses)
    if query is not None:
        meta["query"] = dict(query)
    if parameters is not None:
        meta["parameters"] = [dict(parameter) for parameter in parameters]
    if tags is not None:
        meta["tags"] = list(tags)
    if operation_id is not None:
        meta["operationId"] = operation_id
    if methods is not None:
        meta["methods"] = [method.upper() for method in methods]
    if deprecated:
        meta["deprecated"] = True

    def mark(func: F) -> F:
        existing = getattr(func, ATTRIBUTE, None)
        merged = {**existing, **meta} if isinstance(existing, dict) else meta
        setattr(func, ATTRIBUTE, merged)
        return func

    return mark
