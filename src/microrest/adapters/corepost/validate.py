"""``@validate(schema=..., **field_validators)``: FormEncode checks before the handler runs.

Validation only, as in the original: the handler still receives the raw values. Failures are
a 400 listing one ``<field>: <message> ('<value>')`` line per problem. FormEncode is an
optional extra, imported when a decorator with validators is created.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from ...toolkit import is_async_callable
from .handler import ArgumentError
from .optional import load_formencode

__all__ = ["validate"]

F = TypeVar("F", bound=Callable[..., Any])


def _checker(schema: Any, field_validators: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    formencode = load_formencode("@validate")
    invalid = formencode.Invalid

    def check(kwargs: dict[str, Any]) -> None:
        errors: list[str] = []
        if schema is not None:
            try:
                schema.to_python(kwargs)
            except invalid as exc:
                if exc.error_dict:
                    for name, error in exc.error_dict.items():
                        errors.append(f"{name}: {error.msg} ('{error.value}')")
                else:
                    errors.append(str(exc))
        for name, validator in field_validators.items():
            if name in kwargs:
                try:
                    validator.to_python(kwargs[name])
                except invalid as exc:
                    errors.append(f"{name}: {exc} ('{kwargs[name]}')")
            elif getattr(validator, "not_empty", False):
                raise ArgumentError(f"Missing mandatory argument '{name}'")
        if errors:
            raise ArgumentError("\n".join(errors))

    return check


def validate(schema: Any = None, **field_validators: Any) -> Callable[[F], F]:
    """Check a handler's keyword arguments with a FormEncode ``Schema`` and/or validators."""
    if schema is None and not field_validators:
        return lambda func: func
    check = _checker(schema, field_validators)

    def decorate(func: F) -> F:
        if is_async_callable(func):

            @functools.wraps(func)
            async def async_checked(*args: Any, **kwargs: Any) -> Any:
                check(kwargs)
                return await func(*args, **kwargs)

            return cast(F, async_checked)

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check(kwargs)
            return func(*args, **kwargs)

        return cast(F, checked)

    return decorate
