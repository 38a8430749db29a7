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


#: Names known to read a field on a ``Container``: neither an attribute of the class (its
#: methods, dict's, object's) nor a dunder. Learnt from ``__getattr__``, which only runs once
#: the class lookup has failed; bounded, since ``getattr(c, name)`` may take any string.
_FIELD_NAMES: set[str] = set()
_FIELD_NAMES_MAX = 4096
_dict_get = dict.get
_object_getattribute = object.__getattribute__


class Container(dict[str, Any]):
    """A dict with attribute access; missing fields read ``None``."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        # A field read without the failed class lookup first: in Python 3.11 that failure
        # builds (and drops) an AttributeError before __getattr__ runs. A read cost about 6.5k
        # instructions that way, 1.6k once its name is learnt (callgrind); the benchmark's
        # operation reads two fields. Any other name takes the class lookup, then
        # __getattr__, exactly as before (a dict method's name is never learnt). Learnt names
        # hold for Container itself, whose attributes are fixed: a subclass reads the plain
        # way (see __init_subclass__).
        if name in _FIELD_NAMES:
            return _dict_get(self, name)
        return _object_getattribute(self, name)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__getattribute__ is Container.__getattribute__:
            # A subclass may add attributes or an instance __dict__ of its own: its reads take
            # the plain class lookup and __getattr__ (0.8.0's rules), no learnt names.
            cls.__getattribute__ = _object_getattribute  # type: ignore[method-assign]

    def __missing__(self, key: str) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and friends probe for dunders
        if (
            type(self) is Container
            and len(_FIELD_NAMES) < _FIELD_NAMES_MAX
            and not hasattr(Container, name)  # (a direct c.__getattr__("items") call)
        ):
            _FIELD_NAMES.add(name)  # not an attribute of the class: a field from now on
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

    _call: Call | None = None  # the running plugin chain, set by it

    def __init__(self, operation: str, **owner: Any) -> None:
        self.operation = operation
        self.__dict__.update(owner)

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
