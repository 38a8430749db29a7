"""One registered handler, introspected once: which keyword arguments it needs and accepts.

The checks the original made on every call (``Missing mandatory argument``, unexpected
keywords) are answered from sets computed at registration, so the per-request cost is a few
set operations.
"""

from __future__ import annotations

import dis
import inspect
from collections.abc import Callable
from types import CodeType, FunctionType, MethodType
from typing import Any

from ...errors import BadRequest, ConfigurationError
from ...toolkit import is_async_callable

__all__ = ["ArgumentError", "HandlerSpec", "ignores_keywords", "may_stream"]


class ArgumentError(BadRequest):
    """400 raised by the framework itself: missing or unexpected arguments, failed validation."""


def _copies_keywords(func: Callable[..., Any]) -> bool:
    """Whether ``func(**kwargs)`` is a Python function's call (a C callable could keep or
    change the very dict it is given)."""
    if isinstance(func, MethodType):
        func = func.__func__
    return isinstance(func, FunctionType)


# What a handler can reach the wire through while it runs: the request's streaming API (and its
# private parts). Any other attribute of the request is read, set or called in place.
_STREAMING_NAMES = frozenset({"write", "finish", "stream_send", "streamer", "stream_filters"})
# Names through which code can reach a frame's locals (and so the request) behind the reads
# below: a handler naming one of them is taken to stream.
_INTROSPECTION_NAMES = frozenset(
    {"locals", "vars", "eval", "exec", "_getframe", "currentframe", "f_locals", "f_back"}
)
_ATTRIBUTE_OPS = frozenset({"LOAD_ATTR", "LOAD_METHOD", "STORE_ATTR", "DELETE_ATTR"})


def may_stream(func: Callable[..., Any], request_name: str) -> bool:
    """Whether the async handler ``func`` may call ``request.write()`` (or ``finish()``) while
    it runs, so that its request needs the ASGI ``send`` before it returns.

    False only when ``func`` is a plain Python function (or a bound method of one) whose code
    uses its request parameter for nothing but reading, setting or calling attributes outside
    the streaming API: every load of the parameter is immediately followed by an attribute
    operation on another name, the parameter is not captured by a closure, and the code names
    no frame introspection. Then no other code gets hold of the request while the handler runs
    (the dispatcher keeps it nowhere else), and nothing can write through it. Anything else
    (a decorated function, a callable object, a partial, a request handed to a helper) is
    taken to stream.
    """
    target = func.__func__ if isinstance(func, MethodType) else func
    if type(target) is not FunctionType or hasattr(target, "__wrapped__"):
        return True
    code: CodeType = target.__code__
    position = 1 if isinstance(func, MethodType) else 0
    if code.co_argcount <= position or code.co_varnames[position] != request_name:
        return True  # the request is not the parameter the signature named (a wrapper)
    if request_name in code.co_cellvars or not _INTROSPECTION_NAMES.isdisjoint(code.co_names):
        return True
    instructions = list(dis.get_instructions(code))
    for index, instruction in enumerate(instructions):
        argval = instruction.argval
        if not instruction.opname.startswith("LOAD_FAST"):
            continue
        if isinstance(argval, tuple):  # a superinstruction loading two locals
            if request_name in argval:
                return True
            continue
        if argval != request_name:
            continue
        following = instructions[index + 1] if index + 1 < len(instructions) else None
        if (
            following is None
            or following.opname not in _ATTRIBUTE_OPS
            or not isinstance(following.argval, str)
            or following.argval.startswith("_")
            or following.argval in _STREAMING_NAMES
        ):
            return True
    return False


def _reads_local(code: CodeType, name: str) -> bool:
    """Whether ``code`` may use its local ``name``: loads, stores or deletes it, captures it
    in a closure, or names frame introspection."""
    if name in code.co_cellvars or not _INTROSPECTION_NAMES.isdisjoint(code.co_names):
        return True
    for instruction in dis.get_instructions(code):
        if "FAST" in instruction.opname:
            argval = instruction.argval
            if argval == name or (isinstance(argval, tuple) and name in argval):
                return True
    return False


def ignores_keywords(func: Callable[..., Any]) -> bool:
    """Whether ``func(request, **anything)`` can never tell what keywords it was given: a
    plain Python function (or a bound method of one) whose only parameters besides the
    request are positional or ``*args`` and a ``**`` parameter that its code never uses."""
    target = func.__func__ if isinstance(func, MethodType) else func
    if type(target) is not FunctionType or hasattr(target, "__wrapped__"):
        return False
    code: CodeType = target.__code__
    if not code.co_flags & inspect.CO_VARKEYWORDS:
        return False
    if code.co_kwonlyargcount or target.__defaults__:
        return False  # a keyword-only or defaulted parameter could take a keyword
    position = 1 if isinstance(func, MethodType) else 0
    if code.co_argcount != position + 1:
        return False  # named parameters besides the request: they take keywords
    varargs = 1 if code.co_flags & inspect.CO_VARARGS else 0
    return not _reads_local(code, code.co_varnames[code.co_argcount + varargs])


class HandlerSpec:
    """A handler plus what its signature says about keyword arguments."""

    __slots__ = (
        "func",
        "name",
        "is_async",
        "required",
        "accepted",
        "var_keyword",
        "request_name",
        "source",
        "post_code",
        "fits_path",
        "takes_any",
        "streams",
        "ignores_keywords",
    )

    def __init__(
        self, func: Callable[..., Any], source: object = None, post_code: int = 201
    ) -> None:
        self.func = func
        self.post_code = post_code  # a POST's status when the handler sets none
        self.source = source if source is not None else func
        self.name: str = getattr(func, "__name__", type(func).__name__)
        self.is_async = is_async_callable(func) or is_async_callable(inspect.unwrap(func))
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"cannot read the signature of handler {func!r}") from exc
        params = list(signature.parameters.values())
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if not params or (
            params[0].kind not in positional
            and params[0].kind is not inspect.Parameter.VAR_POSITIONAL
        ):
            raise ConfigurationError(
                f"handler {self.name} must take the request as its first argument: "
                f"def {self.name}(request, **kwargs)"
            )
        self.request_name = params[0].name if params else "request"
        required: list[str] = []
        accepted: set[str] = set()
        var_keyword = False
        for param in params[1:]:
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                var_keyword = True
            elif param.kind is inspect.Parameter.VAR_POSITIONAL:
                continue
            elif param.kind is inspect.Parameter.POSITIONAL_ONLY:
                if param.default is inspect.Parameter.empty:
                    raise ConfigurationError(
                        f"handler {self.name}: positional-only parameter {param.name!r} "
                        "cannot receive a keyword argument; remove the '/'"
                    )
            else:
                accepted.add(param.name)
                if param.default is inspect.Parameter.empty:
                    required.append(param.name)
        self.required = tuple(required)
        self.accepted = frozenset(accepted)
        self.var_keyword = var_keyword
        # ``check`` passes any keywords but one named like the request parameter (it drops that
        # one), and calling the handler with ``**kwargs`` cannot change the dict passed: a
        # Python function's ``**`` (or named parameters) take copies.
        self.takes_any = var_keyword and not required and _copies_keywords(func)
        self.fits_path = False  # set by the dispatcher: fits(its path's argument names)
        # Whether the handler may stream while it runs (an async one that may reach
        # request.write()): the dispatcher runs only those with the ASGI send at hand. Request
        # filters can keep the request where a handler finds it, so the owner decides too.
        self.streams = self.is_async and may_stream(func, self.request_name)
        # A handler whose ``**kwargs`` is never used is called without keywords: nothing to
        # merge, copy or check (the check cannot fail for it either).
        self.ignores_keywords = ignores_keywords(func)

    def fits(self, names: frozenset[str]) -> bool:
        """Whether ``check`` always passes, unchanged, for keyword arguments named ``names``
        exactly: then a request with nothing but path arguments needs no check at all."""
        return (
            all(name in names for name in self.required)
            and self.request_name not in names
            and (self.var_keyword or names <= self.accepted)
        )

    def check(self, kwargs: dict[str, Any]) -> None:
        """400 for a missing mandatory argument or one the handler cannot take."""
        for name in self.required:
            if name not in kwargs:
                raise ArgumentError(f"Missing mandatory argument '{name}'")
        kwargs.pop(self.request_name, None)
        if not self.var_keyword:
            for name in kwargs:
                if name not in self.accepted:
                    raise ArgumentError(
                        f"{self.name}() got an unexpected keyword argument '{name}'"
                    )
