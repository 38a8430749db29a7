"""The compiled route table.

Static paths live in a dict, templates in a segment trie, regexes in a list tried after both
in registration order. ``lookup`` is the hot path and answers only the common case (first
candidate has the method) with a ``Hit``, else says which ``Miss`` it was; ``resolve`` is the
complete answer used for everything else: 405 with the union of methods, automatic
HEAD/OPTIONS, trailing slashes, black-box mounts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..errors import RouteConflict
from .route import REGEX_SYNTAX, Route, qualname_of, source_of
from .templates import Segment

if TYPE_CHECKING:
    from ..app import App
    from ..types import ASGIApp

__all__ = ["Hit", "Miss", "Resolution", "ResolutionKind", "Router"]

_NO_GROUPS: tuple[Any, ...] = ()

Hit: TypeAlias = tuple[Route, dict[str, Any], tuple[Any, ...]]
"""``lookup``'s answer when the first route on the path takes the method:
``(route, path_params, regex_groups)``. A plain tuple, not a NamedTuple: building one per request
is measurably slower on the hot path, and callers unpack it anyway."""


class Miss(enum.Enum):
    """Why ``lookup`` found no route to call. Falsy, as the ``None``/``False`` it replaces were,
    so ``if not hit`` still tells a miss from a ``Hit`` (dispatch uses a cheaper type test)."""

    WRONG_METHOD = "wrong_method"
    """A route matches the path but not the method: ``resolve`` decides (405, automatic HEAD or
    OPTIONS, a later candidate that has the method)."""
    NO_ROUTE = "no_route"
    """No route matches the path: a 404, unless ``plain_miss`` says a mount or the
    trailing-slash twin may still answer."""

    def __bool__(self) -> Literal[False]:
        return False


WRONG_METHOD = Miss.WRONG_METHOD
NO_ROUTE = Miss.NO_ROUTE

ResolutionKind = Literal["route", "options", "not_allowed", "not_found", "redirect", "mount"]


class Leaf:
    """The routes registered on one pattern, by method (``any`` for ``"*"``)."""

    __slots__ = ("by_method", "any", "renames")

    def __init__(self) -> None:
        self.by_method: dict[str, Route] = {}
        self.any: Route | None = None
        self.renames: dict[Route, dict[str, str]] | None = None
        """For a route whose placeholders are named otherwise than the trie nodes it shares
        with an earlier template (``/users/{user_id}/posts``, then ``/users/{id}``): the walk
        fills the nodes' names, the route gets its own. None, the common case, costs a trie hit
        one attribute test (core param 58.11k -> 58.21k instructions, callgrind)."""

    def params_for(self, route: Route, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` (as the walk named them) under ``route``'s own names."""
        renames = self.renames.get(route) if self.renames is not None else None
        if renames is None:
            return params
        return {renames.get(name, name): value for name, value in params.items()}

    def get(self, method: str) -> Route | None:
        route = self.by_method.get(method)
        return route if route is not None else self.any

    def routes(self) -> Iterator[Route]:
        yield from self.by_method.values()
        if self.any is not None:
            yield self.any


class Node:
    """One trie node. ``single`` and ``branches`` say, decided at registration (``settle``),
    how ``_first_matching_leaf`` leaves it without testing its lists per request."""

    __slots__ = ("static", "dynamic", "rest", "leaf", "single", "branches")

    def __init__(self) -> None:
        self.static: dict[str, Node] = {}
        self.dynamic: list[tuple[Segment, Node]] = []
        self.rest: list[tuple[Segment, Leaf]] = []
        self.leaf: Leaf | None = None
        self.single: tuple[str, Callable[[str], Any], Node] | None = None
        """``(name, parse, child)`` when the only way on is one single-placeholder segment
        (no static child, no rest): the walk parses it and goes on, nothing to backtrack to."""
        self.branches = False
        """True when the next segment has alternatives (static and dynamic children, several
        dynamic ones, a mixed segment or a rest): the walk must try them in order."""

    def settle(self) -> None:
        """Decide ``single`` and ``branches`` again after the lists changed."""
        self.single = None
        self.branches = False
        if self.rest or len(self.dynamic) > 1 or (self.dynamic and self.static):
            self.branches = True
        elif self.dynamic:
            segment, child = self.dynamic[0]
            if segment.parse is not None and segment.name is not None:
                self.single = (segment.name, segment.parse, child)
            else:
                self.branches = True  # a mixed segment: Segment.match, in _branch


@dataclass(slots=True)
class Resolution:
    """The complete answer for one request line."""

    kind: ResolutionKind
    route: Route | None = None
    params: dict[str, Any] = field(default_factory=dict)
    groups: tuple[Any, ...] = ()
    allowed: list[str] = field(default_factory=list)
    location: str = ""
    mount: ASGIApp | None = None
    prefix: str = ""
    head: bool = False
    owner: App | None = None
    policy: str | None = None
    """The trailing-slash policy of the first route on the path (for misses on its twin)."""


def _weight(entry: tuple[Segment, Any]) -> int:
    segment = entry[0]
    if segment.converter is not None:
        return segment.converter.weight
    return 5  # mixed segments carry literal text: more specific than a bare placeholder


def _describe(route: Route) -> str:
    return f"{qualname_of(route.source)} ({source_of(route.source)}, style {route.style})"


class Router:
    """Holds the table and answers ``(method, path)``."""

    def __init__(self) -> None:
        self.static: dict[str, Leaf] = {}
        self.root = Node()
        # The regexes a path can match, by its first segment: those whose pattern fixes that
        # segment plus every one that does not (``_regex_any``), each list in registration order.
        self._regex_by_segment: dict[str, list[tuple[Route, Leaf]]] = {}
        self._regex_any: list[tuple[Route, Leaf]] = []
        self._regex_index: dict[str, Leaf] = {}
        # Decided at registration, so a request skips what cannot match: the trie walk in an
        # app of regex routes alone, the regex lists in an app without any regex route.
        self._templated = False
        self._regexes = False
        # The first segments a matching path can have ("users" for /users/...), or None once
        # some route matches whatever the first segment is (a placeholder or a regex that does
        # not fix it): plain_miss answers most 404s from it without a walk. A superset: a route
        # that failed to register may leave its segment here, which only costs that walk.
        self._heads: set[str] | None = set()
        self.mounts: list[tuple[str, ASGIApp]] = []
        self.scopes: list[tuple[str, App]] = []
        self._scope_tests: list[tuple[str, str, App]] = []
        self.by_name: dict[str, Route] = {}
        self.all_routes: list[Route] = []

    # registration -----------------------------------------------------------------------

    def add(self, route: Route) -> None:
        leaf, names = self._leaf_for(route)
        for method in route.methods:
            existing = leaf.any if method == "*" else leaf.by_method.get(method)
            if existing is not None:
                raise RouteConflict(
                    f"{method} {route.path} is registered twice: by {_describe(existing)} and "
                    f"by {_describe(route)}. Remove one, or give them different paths or methods."
                )
        for method in route.methods:
            if method == "*":
                leaf.any = route
            else:
                leaf.by_method[method] = route
        own = route.template.param_names if route.template is not None else ()
        if names != own:
            if leaf.renames is None:
                leaf.renames = {}
            pairs = zip(names, own, strict=True)  # one shape: as many names on both sides
            leaf.renames[route] = {node: mine for node, mine in pairs if node != mine}
        if route.name is not None:
            self.by_name.setdefault(route.name, route)
        self.all_routes.append(route)

    def _leaf_for(self, route: Route) -> tuple[Leaf, tuple[str, ...]]:
        """The leaf for ``route``'s pattern, made if new, and the placeholder names the walk
        fills on the way there: the trie nodes', which an earlier template sharing a node may
        have named otherwise than ``route`` does (``Leaf.renames`` maps them back)."""
        template = route.template
        if template is None:
            key = route.shape
            leaf = self._regex_index.get(key)
            if leaf is None:
                leaf = self._regex_index[key] = Leaf()
                self._add_regex((route, leaf))
            return leaf, ()
        if template.is_static:
            self._add_head(template.text.split("/", 2)[1])
            return self.static.setdefault(template.text, Leaf()), ()
        node = self.root
        self._templated = True
        self._add_head(template.segments[0].static)
        segments = template.segments
        names: list[str] = []
        for index, segment in enumerate(segments):
            if segment.static is not None:
                child = node.static.get(segment.static)
                if child is None:
                    child = node.static[segment.static] = Node()
                    node.settle()
                node = child
                continue
            if segment.converter is not None and segment.converter.consumes_rest:
                assert index == len(segments) - 1
                for existing, leaf in node.rest:
                    if existing.shape == segment.shape:
                        return leaf, (*names, *_names_of(existing))
                segment = _unclashing(segment, names)
                leaf = Leaf()
                node.rest.append((segment, leaf))
                node.settle()
                return leaf, (*names, *_names_of(segment))
            for existing, child in node.dynamic:
                if existing.shape == segment.shape:
                    node = child
                    names += _names_of(existing)
                    break
            else:
                segment = _unclashing(segment, names)
                child = Node()
                node.dynamic.append((segment, child))
                node.dynamic.sort(key=_weight)
                node.settle()
                node = child
                names += _names_of(segment)
        if node.leaf is None:
            node.leaf = Leaf()
        return node.leaf, tuple(names)

    def _add_regex(self, entry: tuple[Route, Leaf]) -> None:
        self._regexes = True
        segment = _first_segment(entry[0])
        self._add_head(segment)
        if segment is None:
            self._regex_any.append(entry)
            for entries in self._regex_by_segment.values():
                entries.append(entry)
            return
        bucket = self._regex_by_segment.get(segment)
        if bucket is None:
            bucket = self._regex_by_segment[segment] = list(self._regex_any)
        bucket.append(entry)

    def _add_head(self, segment: str | None) -> None:
        if segment is None:
            self._heads = None
        elif self._heads is not None:
            self._heads.add(segment)

    def _regexes_for(self, parts: list[str]) -> list[tuple[Route, Leaf]]:
        """The regex routes worth trying for a path split on "/", in registration order."""
        if len(parts) > 1 and not parts[0]:
            return self._regex_by_segment.get(parts[1], self._regex_any)
        return self._regex_any

    def add_mount(self, prefix: str, app: ASGIApp) -> None:
        self.mounts.append((prefix, app))
        self.mounts.sort(key=lambda item: len(item[0]), reverse=True)

    def add_scope(self, prefix: str, app: App) -> None:
        self.scopes.append((prefix, app))
        self.scopes.sort(key=lambda item: len(item[0]), reverse=True)
        self._scope_tests = [(prefix, prefix + "/", app) for prefix, app in self.scopes]

    # matching ---------------------------------------------------------------------------

    def lookup(self, method: str, path: str) -> Hit | Miss:
        """The hot path: the first candidate, if it takes ``method`` (a ``Hit``).

        ``Miss.WRONG_METHOD`` when a route matches the path but not the method (``resolve``
        says what then); ``Miss.NO_ROUTE`` when no route matches the path at all.
        """
        leaf = self.static.get(path)
        # Leaf.get inlined in both places: a call less per request (about 0.5k instructions).
        if leaf is not None:
            route = leaf.by_method.get(method)
            if route is None:
                route = leaf.any
            if route is not None:
                return route, {}, _NO_GROUPS
            return WRONG_METHOD
        parts = path.split("/")
        # The trie walked only when it holds templates: an app of regex routes alone (web.py,
        # VestesPy) skips a call that could only miss.
        if self._templated:
            params: dict[str, Any] = {}
            leaf = _first_matching_leaf(self.root, parts, 1, len(parts), params)
            if leaf is not None:
                route = leaf.by_method.get(method)
                if route is None:
                    route = leaf.any
                if route is not None:
                    if leaf.renames is not None:
                        params = leaf.params_for(route, params)
                    return route, params, _NO_GROUPS
                return WRONG_METHOD
        # No regex route at all: no list to look up (lookup on the core's 404: 65 -> 40
        # bytecodes, settrace).
        if not self._regexes:
            return NO_ROUTE
        # _regexes_for, _regex_match (for a route without a mount prefix) and Leaf.get
        # inlined: three calls less on a regex route, and the empty trie's walk skipped above
        # (VestesPy param 85.9k -> 83.5k, web.py param 70.1k -> 67.6k instructions, callgrind).
        # ``not parts[0] and path``: the path starts with "/", so parts[1] is there (the
        # same test as ``len(parts) > 1 and not parts[0]``, 5 bytecodes and a len() call
        # less: VestesPy notfound 34.98k -> 34.94k with the exchange's one method lookup,
        # callgrind, 2,000 requests).
        if not parts[0] and path:
            regexes = self._regex_by_segment.get(parts[1], self._regex_any)
        else:
            regexes = self._regex_any
        for first, leaf in regexes:
            regex = first.regex
            assert regex is not None  # (regex routes only in these lists)
            found = _regex_match(first, path) if first.prefix else regex.fullmatch(path)
            if found is not None:
                route = leaf.by_method.get(method)
                if route is None:
                    route = leaf.any
                if route is not None:
                    return route, found.groupdict(), found.groups()
                return WRONG_METHOD
        return NO_ROUTE

    def candidates(self, path: str) -> Iterator[tuple[Leaf, dict[str, Any], tuple[Any, ...]]]:
        """Every leaf matching ``path``, in priority order."""
        leaf = self.static.get(path)
        if leaf is not None:
            yield leaf, {}, _NO_GROUPS
        parts = path.split("/")
        templated = _every_matching_leaf(self.root, parts, 1, {})
        yield from ((leaf, params, _NO_GROUPS) for leaf, params in templated)
        for first, leaf in self._regexes_for(parts):
            found = _regex_match(first, path)
            if found is not None:
                yield leaf, found.groupdict(), found.groups()

    def resolve(self, method: str, path: str, query: bytes = b"") -> Resolution:
        """The complete answer; used when ``lookup`` missed and ``plain_miss`` is not sure."""
        resolution = self._resolve_exact(method, path)
        if resolution.kind != "not_found" or path == "/":
            return resolution
        alternative = path[:-1] if path.endswith("/") else path + "/"
        if not self._exists(alternative):
            return resolution
        other = self._resolve_exact(method, alternative)
        if other.kind in ("route", "options", "not_allowed"):
            policy = _policy(other)
            if policy == "ignore":
                return other
            if policy == "redirect" and not alternative.startswith("//"):
                # "//host/" would be a scheme-relative Location: another site, not a slash
                location = alternative + ("?" + query.decode("latin-1") if query else "")
                return Resolution("redirect", location=location, owner=self.owner_of(path))
        return resolution

    def _resolve_exact(self, method: str, path: str) -> Resolution:
        allowed: set[str] = set()
        matched = False
        policy: str | None = None
        for leaf, params, groups in self.candidates(path):
            if not matched:
                policy = next(leaf.routes()).trailing_slash
            matched = True
            route = leaf.get(method)
            if route is not None:
                return Resolution("route", route, leaf.params_for(route, params), groups)
            if method == "HEAD":
                get = leaf.get("GET")
                if get is not None and get.auto_head:
                    params = leaf.params_for(get, params)
                    return Resolution("route", get, params, groups, head=True)
            for candidate in leaf.routes():
                allowed.update(candidate.methods)
                if "GET" in candidate.methods and candidate.auto_head:
                    allowed.add("HEAD")
                if candidate.auto_options:
                    allowed.add("OPTIONS")
        if matched:
            allowed.discard("*")
            kind: ResolutionKind = (
                "options" if method == "OPTIONS" and "OPTIONS" in allowed else "not_allowed"
            )
            return Resolution(
                kind, allowed=sorted(allowed), owner=self.owner_of(path), policy=policy
            )
        for prefix, app in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return Resolution("mount", mount=app, prefix=prefix)
        return Resolution("not_found", owner=self.owner_of(path))

    def _exists(self, path: str) -> bool:
        """Whether any route matches ``path``: the cheap test before a full resolution."""
        if path in self.static:
            return True
        parts = path.split("/")
        if self._templated and _first_matching_leaf(self.root, parts, 1, len(parts), {}):
            return True
        # No generator when there is no regex route (the common case; 1k instructions a 404).
        if not self._regexes:
            return False
        regexes = self._regexes_for(parts)
        return bool(regexes) and any(_regex_match(route, path) is not None for route, _ in regexes)

    def plain_miss(self, path: str) -> bool:
        """After ``lookup`` missed with ``Miss.NO_ROUTE``: a 404 with nothing else to try?

        True when no black-box mount covers ``path`` and its trailing-slash twin matches no
        route either, so neither a mount, a redirect nor an 'ignore' policy can apply.
        """
        if self.mounts:
            return False
        if path == "/":
            return True
        # The twin's first segment is the path's (the two differ by a trailing slash only): when
        # no route starts with it, neither a static path, a template nor a regex can match.
        # The common 404 then walks nothing twice: plain_miss, _exists, the walk and
        # _regexes_for 103 -> 33 bytecodes (settrace); with the rest, core notfound 56.3k ->
        # 51.3k instructions, web.py 60.3k -> 54.4k, xio 59.1k -> 53.8k (callgrind).
        heads = self._heads
        if heads is not None and path[:1] == "/" and path.split("/", 2)[1] not in heads:
            return True
        # _exists inlined, up to the regex routes when there is any (a call less a 404).
        twin = path[:-1] if path[-1:] == "/" else path + "/"
        if twin in self.static:
            return False
        parts = twin.split("/")
        if self._templated and _first_matching_leaf(self.root, parts, 1, len(parts), {}):
            return False
        return not self._regexes or not self._exists(twin)

    def owner_of(self, path: str) -> App | None:
        """The mounted app whose prefix covers ``path``, for its error handlers."""
        # (prefix, prefix + "/", app) built once in add_scope: no concatenation per call (core
        # 404: 27 -> 24 bytecodes, xio's two scopes 48 -> 42, settrace).
        for prefix, below, app in self._scope_tests:
            if path.startswith(below) or path == prefix or not prefix:
                return app
        return None


def _names_of(segment: Segment) -> list[str]:
    """The params a trie segment fills, in order."""
    if segment.name is not None:
        return [segment.name]
    return [name for name, _ in segment.mixed_converters]


def _unclashing(segment: Segment, above: list[str]) -> Segment:
    """``segment`` for a new trie node, its names changed where an ancestor node (named by an
    earlier template) already fills them: one walk never fills a name twice, so no value is
    lost, and ``Leaf.renames`` gives each route its own names back."""
    clashing = [name for name in _names_of(segment) if name in above]
    if not clashing:
        return segment
    taken = set(above) | set(_names_of(segment))
    renamed: dict[str, str] = {}
    for name in clashing:
        new, number = name, 1
        while new in taken:
            new, number = f"{name}_{number}", number + 1
        taken.add(new)
        renamed[name] = new
    if segment.name is not None:
        return replace(segment, name=renamed[segment.name])
    assert segment.mixed is not None
    pattern = segment.mixed.pattern
    for old, new in renamed.items():  # re.escape'd literal text never holds "(?P<"
        pattern = pattern.replace(f"(?P<{old}>", f"(?P<{new}>")
    converters = tuple((renamed.get(name, name), conv) for name, conv in segment.mixed_converters)
    return replace(segment, mixed=re.compile(pattern), mixed_converters=converters)


def _policy(resolution: Resolution) -> str | None:
    if resolution.route is not None:
        return resolution.route.trailing_slash
    return resolution.policy


_QUANTIFIERS = frozenset("*+?{")


def _first_segment(route: Route) -> str | None:
    """The first path segment of every path ``route`` can match, when its pattern fixes it.

    From the mount prefix, else from the pattern's leading literal text (up to the first regex
    syntax, minus a character a quantifier makes optional). None, meaning "try it on every
    path", whenever that is not certain: an alternation anywhere, case-insensitive or verbose
    flags, or no literal "/segment/" at the start.
    """
    if route.prefix:
        return route.prefix.split("/", 2)[1]
    regex = route.regex
    assert regex is not None
    pattern = regex.pattern
    if "|" in pattern or regex.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    end = 0
    while end < len(pattern) and pattern[end] not in REGEX_SYNTAX:
        end += 1
    if end < len(pattern) and pattern[end] in _QUANTIFIERS:
        end -= 1
    literal = pattern[:end]
    slash = literal.find("/", 1)
    if not literal.startswith("/") or slash == -1:
        return None
    return literal[1:slash]


def _regex_match(route: Route, path: str) -> Any:
    prefix = route.prefix
    assert route.regex is not None
    if not prefix:
        return route.regex.fullmatch(path)
    # the prefix matches whole segments only: "/p" mounts "/p" and "/p/..." but not "/pizza"
    if path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in ("", "/"):
        return route.regex.fullmatch(path[len(prefix) :])
    return None


def _first_matching_leaf(
    node: Node, parts: list[str], start: int, end: int, params: dict[str, Any]
) -> Leaf | None:
    """The first leaf matching ``parts[start:end]``, depth first: static, then converters by
    weight, then a rest. ``params`` gets the matched placeholders; on None it may hold those of
    the abandoned walk, which the caller drops (``_branch``) or throws away (a miss)."""
    # A loop, not a recursion, wherever the node leaves no alternative to come back to: a node
    # of static children only, or one whose only way on is a single placeholder (``Node.single``,
    # decided at registration). Only a node with alternatives recurses, through _branch. Core
    # param (GET /users/123/posts/hello, route /users/{id:int}/posts/{slug}): three recursion
    # levels before, none now: 193 -> 116 bytecodes (settrace); with lookup's flags, core param
    # 60.7k -> 58.1k instructions, xio param 68.6k -> 66.0k (callgrind).
    for index in range(start, end):  # (a range: cheaper per segment than a while and a +=)
        part = parts[index]
        single = node.single
        if single is not None:
            name, parse, node = single
            try:
                params[name] = parse(part)
            except ValueError:
                return None  # nothing else to try here: the caller backtracks, if it can
            continue
        if node.branches:
            return _branch(node, part, parts, index + 1, end, params)
        child = node.static.get(part)
        if child is None:
            return None
        node = child
    return node.leaf


def _branch(
    node: Node, part: str, parts: list[str], index: int, end: int, params: dict[str, Any]
) -> Leaf | None:
    """``node``'s alternatives for ``part`` (= ``parts[index - 1]``) in priority order, each
    walked on from ``parts[index:]``; what a failed try added to ``params`` is dropped (the
    walk adds in order, so ``popitem`` removes exactly that), so no abandoned branch's
    placeholder reaches the answer."""
    size = len(params)
    child = node.static.get(part)
    if child is not None:
        found = _first_matching_leaf(child, parts, index, end, params)
        if found is not None:
            return found
        while len(params) > size:
            params.popitem()
    for segment, child in node.dynamic:
        parse = segment.parse
        if parse is not None:  # one placeholder: parse inline, the common case
            try:
                params[segment.name] = parse(part)  # type: ignore[index]
            except ValueError:
                continue
        elif not segment.match(part, params):
            while len(params) > size:  # a mixed segment may fill a name before refusing
                params.popitem()
            continue
        found = _first_matching_leaf(child, parts, index, end, params)
        if found is not None:
            return found
        while len(params) > size:
            params.popitem()
    for segment, leaf in node.rest:
        params[segment.name] = "/".join(parts[index - 1 :])  # type: ignore[index]
        return leaf
    return None


def _every_matching_leaf(
    node: Node, parts: list[str], index: int, params: dict[str, Any]
) -> Iterator[tuple[Leaf, dict[str, Any]]]:
    """Every leaf matching ``parts[index:]`` with its params, in priority order (for resolve)."""
    if index == len(parts):
        if node.leaf is not None:
            yield node.leaf, dict(params)
        return
    part = parts[index]
    child = node.static.get(part)
    if child is not None:
        yield from _every_matching_leaf(child, parts, index + 1, params)
    for segment, child in node.dynamic:
        scratch = dict(params)
        if segment.match(part, scratch):
            yield from _every_matching_leaf(child, parts, index + 1, scratch)
    for segment, leaf in node.rest:
        assert segment.name is not None
        yield leaf, {**params, segment.name: "/".join(parts[index:])}
