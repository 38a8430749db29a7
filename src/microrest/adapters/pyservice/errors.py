"""Registration errors: ``ValueError`` as in pyservice, and the core's ``ConfigurationError``."""

from __future__ import annotations

from ...errors import ConfigurationError

__all__ = ["UnknownOperation", "UnknownScope"]


class UnknownOperation(ConfigurationError, ValueError):
    """An operation name that ``api["operations"]`` does not declare."""


class UnknownScope(ConfigurationError, ValueError):
    """A plugin scope other than ``"request"`` and ``"operation"``."""


SCOPES = ("request", "operation")


def check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise UnknownScope(f"Unknown scope {scope!r}: a plugin's scope is 'request' or 'operation'")
