"""``Container`` (the request and response of a call) and ``Context`` (per-call state).

A ``Container`` is a ``dict`` whose keys are also attributes, as in pyservice 0.8.0: ``c.x`` and
``c["x"]`` read the same field, a missing one reads ``None`` both ways without being stored,
and ``c.x = 1`` stores ``"x"``. A field named like a dict method (``items``, ``keys``, ``get``...)
is stored and serialised, but ``c.items`` still reads the method: read it as ``c["items"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chain import Call

__all__ = ["Container", "Context"]


class Container(dict[str, Any]):
    """A dict with attribute access; missing fields read ``None``."""

    __slots__ = ()

    def __missing__(self, key: str) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and friends probe for dunders
        return self.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"Container({dict.__repr__(self)})"


class Context:
    """One call's context: ``operation``, ``service`` (or ``client``), and whatever plugins
    store on it (``context.db = ...``); a fresh one per call, never shared."""

    def __init__(self, operation: str, **owner: Any) -> None:
        self.operation = operation
        self.__dict__.update(owner)
        self._call: Call | None = None

    def process_request(self) -> Any:
        """Continue the chain: exactly once per plugin, before its own "after" part.

        In an ``async def`` plugin, ``await context.process_request()``.
        """
        call = self._call
        if call is None:
            from .chain import PluginError

            raise PluginError(
                "context.process_request() is for plugins; this call has none running"
            )
        return call.proceed()

    def __repr__(self) -> str:
        return f"<Context operation={self.operation!r}>"
