"""Exception classes by name: ``service.exceptions.X`` and ``client.exceptions.X``.

Both ends name exceptions by bare class name on the wire. A factory returns the builtin
exception of that name when there is one (``exceptions.KeyError is KeyError``), otherwise a
subclass of ``Exception`` made once per factory and cached (``f.NotFound is f.NotFound``).
Only exception classes are taken from builtins: ``exceptions.dict`` is a new exception class,
never the ``dict`` type.
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = ["ExceptionFactory", "RequestException", "builtin_exception"]

_MODULE = "microrest.adapters.pyservice.exceptions"


def builtin_exception(name: str) -> type[BaseException] | None:
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return None


class RequestException(Exception):
    """A call that failed as HTTP or on the network, or an answer the client cannot use.

    ``client.exceptions.RequestException`` is this class; ``__cause__`` holds the httpx error
    when there is one, ``status_code`` the HTTP status when there was an answer.
    """

    status_code: int | None = None


class ExceptionFactory:
    """``factory.AnyName`` -> an exception class of that name (builtin, else made and cached)."""

    def __init__(self) -> None:
        self.classes: dict[str, type[BaseException]] = {"RequestException": RequestException}

    def get_class(self, name: str) -> type[BaseException]:
        found = self.classes.get(name)
        if found is None:
            found = builtin_exception(name) or self.build_exception_class(name)
            self.classes[name] = found
        return found

    def build_exception_class(self, name: str) -> type[Exception]:
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not a valid exception class name")
        return type(name, (Exception,), {"__module__": _MODULE, "__qualname__": name})

    def exception(self, name: str, *args: Any) -> BaseException:
        """An instance: ``factory.exception("NotFound", "no item")``."""
        return self.get_class(name)(*args)

    def __getattr__(self, name: str) -> type[BaseException]:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self.get_class(name)

    def __repr__(self) -> str:
        return f"<ExceptionFactory {sorted(self.classes)}>"
