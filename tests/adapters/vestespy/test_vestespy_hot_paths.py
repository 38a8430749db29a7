"""The VestesPy hot paths' shortcuts answer exactly what the general paths answer.

Each shortcut in ``exchange.py``, ``events.py`` and ``response.py`` (the catch-all's 404 sent
without the event objects, a one-message body read and its events fired in the exchange,
``on()``'s plain-function entry, the Content-Length checked in C, the remembered header sets)
is compared with the same request taken through the general path, so a shortcut cannot
drift from what it stands in for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.core.asgi import Answer, call

from microrest.adapters import vestespy
from microrest.adapters.vestespy.events import _async_entry
from microrest.adapters.vestespy.tools import Dispatcher, Event

Req = vestespy.Request
Res = vestespy.Response


class PlainRequest(vestespy.Request):
    """A Request subclass: it turns the 404 shortcut off (its __init__ could do anything)."""


class PlainDispatcher(Dispatcher):
    """A Dispatcher subclass: the exchange asks it, never decides for it."""


async def _home(ev: Event, req: Req, res: Res) -> None:
    res.send_all("home")


async def _item(ev: Event, req: Req, res: Res, id: str) -> None:  # noqa: A002
    res.send_all("item " + id)


def _dispatching(
    dispatcher_class: type[Dispatcher] = Dispatcher, **options: Any
) -> vestespy.Server:
    server = vestespy.Server(("127.0.0.1", 8080), **options)
    dispatcher = dispatcher_class()
    dispatcher.register("/", _home)
    dispatcher.register("/item/:id", _item)
    server.on("request", dispatcher.as_handler())
    return server


def _same(fast: Answer, general: Answer) -> None:
    assert fast.status == general.status
    assert fast.headers == general.headers
    assert fast.body == general.body


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE", "FOO"])
@pytest.mark.parametrize("path", ["/nowhere", "/item/a/b", "/item/%41", "/%25", "/item/a-b"])
async def test_the_404_shortcut_sends_the_dispatchers_bytes(method: str, path: str) -> None:
    fast = await call(_dispatching(), method, path)
    by_request = await call(_dispatching(handler=PlainRequest), method, path)
    by_dispatcher = await call(_dispatching(PlainDispatcher), method, path)
    _same(fast, by_request)
    _same(fast, by_dispatcher)
    if method != "FOO" and path != "/item/%41":
        assert fast.status == 404
        assert (fast.body == b"") is (method == "HEAD")


@pytest.mark.anyio
async def test_the_404_shortcut_steps_aside_for_other_request_handlers() -> None:
    server = _dispatching()
    seen: list[str] = []

    def watch(ev: Event, req: Req, res: Res) -> None:
        seen.append(req.url)

    server.on("request", watch)
    answer = await call(server, "GET", "/nowhere")
    assert answer.status == 404
    assert seen == ["/nowhere"]


@pytest.mark.anyio
async def test_the_404_shortcut_keeps_a_late_pattern_reachable() -> None:
    server = _dispatching()
    assert (await call(server, "GET", "/late")).status == 404  # sealed: catch-all in place
    dispatcher = server.listeners("request")[0].dispatcher

    async def late(ev: Event, req: Req, res: Res) -> None:
        res.send_all("late")

    dispatcher.register("/late", late)
    answer = await call(server, "GET", "/late")
    assert (answer.status, answer.body) == (200, b"late")


def _echo_server(**options: Any) -> tuple[vestespy.Server, list[str]]:
    """``data`` collects, ``end`` answers; the order of events is recorded."""
    server = vestespy.Server(("127.0.0.1", 8080), **options)
    seen: list[str] = []

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        parts: list[bytes] = []

        async def ondata(ev: Event, req: Req, res: Res, chunk: bytes) -> None:
            seen.append("data")
            parts.append(chunk)

        async def onend(ev: Event, req: Req, res: Res) -> None:
            seen.append("end")
            res.headers["Content-Type"] = "application/json"
            res.send_all(b"".join(parts))

        req.on("data", ondata)
        req.on("end", onend)

    server.on("request", onrequest)
    return server, seen


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [b"", b"x", b'{"a":1}', b"y" * 100, b"z" * 101],
    ids=["empty", "1", "json", "100", "101"],
)
@pytest.mark.parametrize("declared", [True, False])
async def test_a_body_in_one_message_answers_as_a_body_in_parts(
    body: bytes, declared: bool
) -> None:
    headers = [(b"content-length", str(len(body)).encode())] if declared else []
    one, one_seen = _echo_server(max_body_size=100)
    parts, parts_seen = _echo_server(max_body_size=100)
    fast = await call(one, "POST", "/", headers=headers, chunks=[body])
    pieces = [body[:1], body[1:]] if body else [b"", b""]
    general = await call(parts, "POST", "/", headers=headers, chunks=pieces)
    _same(fast, general)
    assert fast.status == (413 if len(body) > 100 else 200)
    if fast.status == 200:
        assert fast.body == body
        assert one_seen[-1] == "end"
        assert one_seen.count("data") == (1 if body else 0)


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["data", "end"])
@pytest.mark.parametrize("how", ["send", "raise", "http_error", "send_then_raise", "stream"])
async def test_one_message_events_that_send_or_fail_answer_as_the_general_path(
    where: str, how: str
) -> None:
    def build() -> tuple[vestespy.Server, list[str]]:
        server = vestespy.Server(("127.0.0.1", 8080))
        seen: list[str] = []

        def act(res: Res) -> None:
            if how in ("send", "send_then_raise"):
                res.send_all("sent by " + where, buffer=False)
            if how == "stream":
                res.send_chunked(["a", "b"])
            if how in ("raise", "send_then_raise"):
                raise ValueError("boom")
            if how == "http_error":
                raise vestespy.HTTPError(418, "teapot")

        async def onrequest(ev: Event, req: Req, res: Res) -> None:
            async def ondata(ev: Event, req: Req, res: Res, chunk: bytes) -> None:
                seen.append("data")
                if where == "data" and seen.count("data") == 1:  # the first chunk only
                    act(res)

            async def onend(ev: Event, req: Req, res: Res) -> None:
                seen.append("end")
                if where == "end":
                    act(res)
                elif not res.sent:
                    res.send_all("end")

            req.on("data", ondata)
            req.on("end", onend)

        server.on("request", onrequest)
        return server, seen

    one, one_seen = build()
    parts, parts_seen = build()
    fast = await call(one, "POST", "/", chunks=[b"abc"])
    general = await call(parts, "POST", "/", chunks=[b"a", b"bc"])
    _same(fast, general)
    raised_in_data = where == "data" and how in ("raise", "http_error", "send_then_raise")
    assert one_seen == (["data"] if raised_in_data else ["data", "end"])
    assert ("end" in parts_seen) is not raised_in_data


@pytest.mark.anyio
async def test_sync_listeners_on_a_one_message_body() -> None:
    def build() -> vestespy.Server:
        server = vestespy.Server(("127.0.0.1", 8080), sync_handlers="inline")

        def onrequest(ev: Event, req: Req, res: Res) -> None:
            parts: list[bytes] = []
            req.on("data", lambda ev, req, res, chunk: parts.append(chunk))
            req.on("data", lambda ev, req, res, chunk: parts.append(chunk.upper()))
            req.on("end", lambda ev, req, res: res.send_all(b"|".join(parts)))

        server.on("request", onrequest)
        return server

    fast = await call(build(), "POST", "/", chunks=[b"ab"])
    general = await call(build(), "POST", "/", chunks=[b"a", b"b"])
    assert fast.body == b"ab|AB"
    assert general.body == b"a|A|b|B"  # one data event per part: the same events, per chunk


@pytest.mark.anyio
async def test_a_disconnect_before_the_body_is_the_general_paths() -> None:
    fast, _ = _echo_server()
    answer = await call(fast, "POST", "/", chunks=[], disconnect=True)
    assert answer.status in (0, 500)  # nothing to answer: the client is gone


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["inline", "thread"])
@pytest.mark.parametrize("counts", [(1, 1), (2, 1), (1, 2), (3, 3)])
async def test_a_one_message_body_fires_every_listener_in_order(
    counts: tuple[int, int], mode: Any
) -> None:
    """One async listener per event is called by the exchange itself; several (and a sync
    one) go to trigger_async: the same events, in the same order, either way."""
    server = vestespy.Server(("127.0.0.1", 8080), sync_handlers=mode)
    seen: list[str] = []

    def listener(event: str, index: int, sync: bool) -> Callable[..., Any]:
        def record(ev: Event, req: Req, res: Res, *chunk: bytes) -> None:
            assert (ev.name, ev.source) == (event, req)
            seen.append(f"{event}{index}:{b''.join(chunk).decode()}")
            if event == "end" and index == counts[1] - 1:
                res.send_all("|".join(seen))

        async def record_async(ev: Event, req: Req, res: Res, *chunk: bytes) -> None:
            record(ev, req, res, *chunk)

        return record if sync else record_async

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        for event, count in zip(("data", "end"), counts, strict=True):
            for index in range(count):
                req.on(event, listener(event, index, sync=index == 1))

    server.on("request", onrequest)
    answer = await call(server, "POST", "/", headers=[(b"content-length", b"2")], chunks=[b"hi"])
    expected = [f"data{i}:hi" for i in range(counts[0])] + [f"end{i}:" for i in range(counts[1])]
    assert (answer.status, answer.body) == (200, "|".join(expected).encode())


@pytest.mark.anyio
@pytest.mark.parametrize(
    "values",
    [
        [b"5"],
        [b"5", b"5"],
        [b"5", b"7"],
        [b"101", b"5"],
        [b"5", b"101"],
        [b"5", b"5", b"5"],
        [b"x"],
        [b"-1"],
        [b"1" * 19],
        [b"101"],
        [b""],
        [b" 5"],
    ],
    ids=repr,
)
async def test_the_content_length_check_in_c_refuses_what_declared_length_refuses(
    values: list[bytes],
) -> None:
    headers = [(b"content-length", value) for value in values]
    checked, _ = _echo_server(max_body_size=100)
    unbounded, _ = _echo_server(max_body_size=None)  # never checks: the handler's answer
    answer = await call(checked, "POST", "/", headers=headers, chunks=[b"hello"])
    from microrest.toolkit import declared_length

    try:
        declared_length({"headers": headers}, 100)
    except Exception as exc:  # the status the core gives that refusal
        expected = exc.status_code  # type: ignore[attr-defined]
    else:
        expected = (await call(unbounded, "POST", "/", headers=headers, chunks=[b"hello"])).status
    assert answer.status == expected


@pytest.mark.parametrize(
    "handler",
    [
        lambda *args: None,
        _home,
        Dispatcher().as_handler(),
        type("Async", (), {"__call__": _home})(),
        type("Sync", (), {"__call__": lambda self, *args: None})(),
    ],
    ids=["function", "async_function", "dispatch_handler", "async_object", "sync_object"],
)
def test_on_decides_the_entry_as_async_entry_does(handler: Callable[..., Any]) -> None:
    req = vestespy.Request.__new__(vestespy.Request)
    req.on("data", handler)
    [(registered, entry)] = req._events["data"]
    assert registered is handler
    assert entry == _async_entry(handler)


def test_on_keeps_order_and_refuses_what_is_not_callable() -> None:
    req = vestespy.Request.__new__(vestespy.Request)
    first, second = (lambda *args: 1), (lambda *args: 2)
    req.on("end", first)
    req.on("end", second)
    assert req.listeners("end") == [first, second]
    with pytest.raises(TypeError, match="callables"):
        req.on("end", "nope")  # type: ignore[arg-type]


@pytest.mark.anyio
@pytest.mark.parametrize("status", [200, 204, 304, 404, 299])
@pytest.mark.parametrize("chunked", [False, True])
async def test_a_remembered_header_set_sends_what_the_first_one_sent(
    status: int, chunked: bool
) -> None:
    server = vestespy.Server(("127.0.0.1", 8080))

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        res.status = status
        res.headers["X-One"] = "1"
        res.headers["Content-Length"] = "999"  # replaced by the real one
        if chunked:
            res.headers["Transfer-Encoding"] = "chunked"
        res.send_all(req.url)

    server.on("request", onrequest)
    first = await call(server, "GET", "/a")
    again = await call(server, "GET", "/bb")
    for answer, body in ((first, b"/a"), (again, b"/bb")):
        names = [name for name, _ in answer.headers]
        sized = status not in (204, 304) and not chunked
        assert (b"content-length" in names) is sized
        if sized:
            assert answer.header("content-length") == str(len(body))
        assert answer.header("x-one") == "1"
        assert answer.headers.count((b"content-length", b"999")) == 0


@pytest.mark.anyio
async def test_the_exchange_builds_request_response_and_event_as_their_classes_do() -> None:
    server = vestespy.Server(("127.0.0.1", 8080))
    seen: dict[str, Any] = {}

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        async def onend(ev: Event, req: Req, res: Res) -> None:
            seen["end"] = ev
            res.send_all("ok")

        seen.update(request=req, response=res, event=ev)
        req.on("end", onend)

    server.on("request", onrequest)
    await call(server, "GET", "/a%20b/c")
    req, res = seen["request"], seen["response"]
    built = vestespy.Request(req.scope, server)
    assert req.url == built.url == "/a%20b/c"
    assert {k: v for k, v in vars(req).items() if k not in ("_events", "_route", "url")} == {
        k: v for k, v in vars(built).items() if k != "url"
    }
    fresh = vestespy.Response(req, server)
    assert type(res.headers) is type(fresh.headers)
    assert set(vars(res)) - {"_buffer", "alive", "_pending", "status"} == set(vars(fresh))
    assert (res.request, res.server) == (fresh.request, fresh.server)
    for ev, source, name in ((seen["event"], server, "request"), (seen["end"], req, "end")):
        assert vars(ev) == vars(Event(source, name))
        assert ev.propagate and ev.get("x", None) is None


def _in_order(ev: Event, req: Req, res: Res, id: str, slug: str) -> None:  # noqa: A002
    res.send_all(f"{id}|{slug}")


def _swapped(ev: Event, req: Req, res: Res, slug: str, id: str) -> None:  # noqa: A002
    res.send_all(f"{id}|{slug}")


def _keywords(ev: Event, req: Req, res: Res, **params: str) -> None:
    res.send_all(f"{params['id']}|{params['slug']}")


async def _in_order_async(ev: Event, req: Req, res: Res, id: str, slug: str) -> None:  # noqa: A002
    res.send_all(f"{id}|{slug}")


@pytest.mark.anyio
@pytest.mark.parametrize("handler", [_in_order, _swapped, _keywords, _in_order_async])
@pytest.mark.parametrize("mode", ["inline", "thread"])
async def test_groups_passed_by_position_are_the_keywords_values(
    handler: Callable[..., Any], mode: Any
) -> None:
    from microrest.adapters.vestespy.exchange import POSITIONAL, _passing

    server = vestespy.Server(("127.0.0.1", 8080), sync_handlers=mode)
    dispatcher = Dispatcher()
    dispatcher.register("/u/:id/p/(?P<slug>[^/]+)", handler)
    server.on("request", dispatcher.as_handler())
    answer = await call(server, "GET", "/u/42/p/hello-world")
    assert (answer.status, answer.body) == (200, b"42|hello-world")
    positional = _passing(dispatcher.patterns[0]) == POSITIONAL
    assert positional is (handler in (_in_order, _in_order_async))


@pytest.mark.anyio
async def test_an_optional_group_that_took_no_part_is_none_either_way() -> None:
    from microrest.adapters.vestespy.exchange import POSITIONAL, _passing

    got: list[Any] = []

    def by_position(ev: Event, req: Req, res: Res, x: Any) -> None:
        got.append(x)
        res.send_all("ok")

    def by_keyword(ev: Event, req: Req, res: Res, **params: Any) -> None:
        got.append(params["x"])
        res.send_all("ok")

    for handler in (by_position, by_keyword):
        server = vestespy.Server(("127.0.0.1", 8080))
        dispatcher = Dispatcher()
        dispatcher.register("/o(?P<x>a)?", handler)
        server.on("request", dispatcher.as_handler())
        assert (await call(server, "GET", "/o")).status == 200
        assert (await call(server, "GET", "/oa")).status == 200
        assert (_passing(dispatcher.patterns[0]) == POSITIONAL) is (handler is by_position)
    assert got == [None, "a", None, "a"]


def _one(ev: Event, req: Req, res: Res, a: str) -> None:
    res.send_all(a)


def _two(ev: Event, req: Req, res: Res, a: str, b: str) -> None:
    res.send_all(f"{a}|{b}")


def _three(ev: Event, req: Req, res: Res, a: str, b: str, c: str) -> None:
    res.send_all(f"{a}|{b}|{c}")


async def _two_async(ev: Event, req: Req, res: Res, a: str, b: str) -> None:
    res.send_all(f"{a}|{b}")


def _by_keyword(ev: Event, req: Req, res: Res, **params: str) -> None:
    res.send_all("|".join(params[name] for name in sorted(params)))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("pattern", "handler", "passing"),
    [
        ("/g/(?P<a>[^/]+)", _one, "ONE_GROUP"),
        ("/g/(?P<a>[^/]+)/(?P<b>[^/]+)", _two, "TWO_GROUPS"),
        ("/g/(?P<a>[^/]+)/(?P<b>[^/]+)", _two_async, "TWO_GROUPS"),
        ("/g/(?P<a>[^/]+)/(?P<b>[^/]+)/(?P<c>[^/]+)", _three, "POSITIONAL"),
    ],
)
@pytest.mark.parametrize("mode", ["inline", "thread"])
async def test_groups_unpacked_by_count_are_the_keywords_values(
    pattern: str, handler: Callable[..., Any], passing: str, mode: Any
) -> None:
    from microrest.adapters.vestespy import exchange as module

    answers = []
    for how in (handler, _by_keyword):
        server = vestespy.Server(("127.0.0.1", 8080), sync_handlers=mode)
        dispatcher = Dispatcher()
        dispatcher.register(pattern, how)
        server.on("request", dispatcher.as_handler())
        answers.append(await call(server, "GET", "/g/x/y/z"[: 2 + 2 * pattern.count("(?P")]))
        route = next(r for r in server.app.router.all_routes if r.prefix == "" and r.prepared)
        exchange = route.endpoint.__self__
        expected = getattr(module, passing) if how is handler else module.KEYWORDS
        assert exchange.passing == expected
    _same(*answers)
    assert answers[0].status == 200
    assert answers[0].body == "|".join("xyz"[: pattern.count("(?P")]).encode()


class _OwnResponse(vestespy.Response):
    """A Response subclass, set on a server after it was built."""


@pytest.mark.anyio
async def test_the_default_classes_flag_follows_every_change_of_the_classes() -> None:
    """``Server._defaults`` (the exchange builds Request and Response itself) is True exactly
    when both classes are the defaults, however they were set."""

    class OwnServer(vestespy.Server):
        response_class = _OwnResponse

    seen: list[tuple[type, type]] = []

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        seen.append((type(req), type(res)))
        res.send_all("ok")

    server = vestespy.Server(("127.0.0.1", 8080))
    server.on("request", onrequest)
    own = OwnServer(("127.0.0.1", 8080), handler=PlainRequest)
    own.on("request", onrequest)
    assert server._defaults and not own._defaults
    steps: list[tuple[vestespy.Server, str, Any, bool]] = [
        (server, "response_class", _OwnResponse, False),
        (server, "response_class", Res, True),
        (server, "handler_class", PlainRequest, False),
        (server, "handler_class", Req, True),
        (own, "handler_class", Req, False),
        (own, "response_class", Res, True),
        (own, "response_class", None, False),  # deleted: the subclass's own class again
    ]
    for target, name, value, expected in steps:
        if value is None:
            delattr(target, name)
        else:
            setattr(target, name, value)
        assert target._defaults is expected
        seen.clear()
        assert (await call(target, "GET", "/")).body == b"ok"
        assert seen == [(target.handler_class, target.response_class)]


@pytest.mark.parametrize("name", ["Content-Type", " X-Padded ", "x-lower", "ÄÖ-Name"])
def test_a_remembered_header_name_stores_what_the_first_set_stored(name: str) -> None:
    from microrest.adapters.vestespy.headers import Headers

    first, again = Headers(), Headers()
    first[name] = " value "
    again[name] = "other"
    key = name.strip().lower()
    assert first._data == {key: ("value", name.strip())}
    assert again._data == {key: ("other", name.strip())}
    assert first[name.strip().upper()] == "value"


def test_the_servers_routes_are_prepared() -> None:
    from microrest.adapters.vestespy.exchange import Exchange
    from microrest.adapters.vestespy.routes import EventsRoute, PatternRoute

    server = _dispatching()
    assert PatternRoute("/x", Exchange(server)).prepared
    assert EventsRoute(Exchange(server)).prepared


def _answer_as(how: str, res: Res) -> None:
    """The answer ``how`` names, as a handler gives it (the kinds both comparisons use)."""
    if how == "buffered":
        res.send_all("hello")
    elif how == "unbuffered":
        res.send_all("hello", buffer=False)
    elif how == "send_error":
        res.send_error(404, "gone", {"X-Why": "test"})
    elif how == "stream":
        res.send_chunked(["a", "b"])
    elif how == "http_error":
        raise vestespy.HTTPError(418, "teapot")
    elif how == "raise":
        raise ValueError("boom")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "how", ["buffered", "unbuffered", "send_error", "stream", "http_error", "raise", "nothing"]
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_prepared_answer_is_what_the_send_path_sends(how: str, method: str) -> None:
    """A request without a body is answered as ``(status, headers, body)``; with a declared
    empty body the exchange goes on through ``_Rest`` (send, then read): same bytes."""

    async def handler(ev: Event, req: Req, res: Res) -> None:
        res.headers["X-Kind"] = how
        _answer_as(how, res)

    def build() -> vestespy.Server:
        server = vestespy.Server(("127.0.0.1", 8080))
        dispatcher = Dispatcher()
        dispatcher.register("/", handler)
        server.on("request", dispatcher.as_handler())
        return server

    fast = await call(build(), method, "/")
    general = await call(build(), method, "/", headers=[(b"content-length", b"0")])
    _same(fast, general)
    expected = {"send_error": 404, "http_error": 418, "raise": 500, "nothing": 500}
    assert fast.status == expected.get(how, 200)


@pytest.mark.parametrize(
    "sets",
    [
        [("Content-Type", "text/plain")],
        [("Content-Type", " text/plain "), ("Content-Type", " text/plain ")],
        [("X-A", "1"), ("x-a", "2"), ("X-A", "1")],
        [(" X-Padded ", "v"), ("X-Padded", "w"), (" X-Padded ", "v")],
        [("X-B", "b"), ("X-C", b"bytes"), ("X-B", "b")],
    ],
    ids=repr,
)
def test_a_remembered_header_pair_stores_what_the_general_set_stores(
    sets: list[tuple[str, Any]],
) -> None:
    from microrest.adapters.vestespy.headers import Headers

    for _ in range(2):  # the second round finds every str pair remembered
        shortcut, general = Headers(), Headers()
        for name, value in sets:
            shortcut[name] = value
            general._set(name, value)
        assert list(shortcut.items()) == list(general.items())


def test_a_header_pair_that_cannot_be_remembered_is_set_the_general_way() -> None:
    from microrest.adapters.vestespy.headers import Headers

    headers = Headers()
    headers["X-List"] = ["a"]  # unhashable: stored as is, as before
    headers["X-Int"] = 5
    assert list(headers.items()) == [
        ("x-list", (["a"], "X-List")),
        ("x-int", (5, "X-Int")),
    ]
    with pytest.raises(KeyError):
        headers[5] = "x"  # type: ignore[index]


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/item/a", "/item/%61", "/item/a%2Fb", "/item/%"])
async def test_the_percent_test_on_the_raw_path_is_the_urls(path: str) -> None:
    # A "%" in the raw path sends the request through the dispatcher's own matching of
    # req.url (escapes kept), as the str test on the decoded raw path did.
    from microrest.adapters.vestespy.exchange import _PERCENT

    raw = path.encode()
    assert (_PERCENT not in raw) is ("%" not in raw.decode("latin-1"))
    server = vestespy.Server(("127.0.0.1", 8080))
    dispatcher = Dispatcher()

    async def item(ev: Event, req: Req, res: Res, name: str) -> None:
        res.send_all(f"{name}|{req.url}")

    dispatcher.register("/item/(?P<name>.+)", item)
    server.on("request", dispatcher.as_handler())
    answer = await call(server, "GET", path)
    assert answer.status == 200
    name = path.removeprefix("/item/")
    assert answer.body == f"{name}|{path}".encode()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "how",
    [
        "buffered",
        "unbuffered",
        "send_error",
        "stream",
        "http_error",
        "raise",
        "nothing",
        "listeners",
        "listener_sends",
    ],
)
@pytest.mark.parametrize("path", ["/item/7", "/plain", "/item/%37"])
async def test_a_sync_handler_run_inline_answers_as_the_coroutine_does(
    how: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``answer_sync`` (no coroutine) against ``answer`` for the same sync handler."""
    from microrest.adapters.vestespy.exchange import Exchange

    def handler(ev: Event, req: Req, res: Res, **params: str) -> None:
        res.headers["X-Kind"] = how
        res.headers["X-Params"] = repr(sorted(params.items()))
        _answer_as(how, res)
        if how.startswith("listener"):

            def onend(ev: Event, req: Req, res: Res) -> None:
                res.send_all("ended", buffer=how == "listeners")

            req.on("end", onend)

    def item(ev: Event, req: Req, res: Res, id: str) -> None:  # noqa: A002 - by position
        handler(ev, req, res, id=id)

    def build() -> vestespy.Server:
        server = vestespy.Server(("127.0.0.1", 8080), sync_handlers="inline")
        dispatcher = Dispatcher()
        dispatcher.register("/item/:id", item)
        dispatcher.register("/plain", handler)
        server.on("request", dispatcher.as_handler())
        return server

    fast_server = build()
    dispatcher = fast_server._sole
    assert dispatcher is not None
    for entry in dispatcher.patterns:
        exchange = Exchange(fast_server, entry, "", dispatcher)
        assert exchange.endpoint == exchange.answer_sync
    fast = await call(fast_server, "GET", path)
    with monkeypatch.context() as patch:
        patch.setattr(Exchange, "answer_sync", lambda self, scope, rcv: self.answer(scope, rcv))
        general = await call(build(), "GET", path)
    _same(fast, general)
    assert fast.body == general.body
    for headers in ([(b"content-length", b"0")], [(b"x-other", b"1")]):
        assert (await call(build(), "GET", path, headers=headers)).status == fast.status


@pytest.mark.anyio
async def test_the_state_the_exchange_stores_is_the_classes_defaults() -> None:
    from microrest.adapters.vestespy.events import EventManager

    server = vestespy.Server(("127.0.0.1", 8080))
    seen: dict[str, Any] = {}

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        seen.update(
            events=req._events,
            alive=res.alive,
            pending=res._pending,
            buffer=res._buffer,
            status=res.status,
        )
        res.send_all("ok")

    server.on("request", onrequest)
    assert (await call(server, "GET", "/")).body == b"ok"
    assert seen == {
        "events": EventManager._events,
        "alive": Res.alive,
        "pending": Res._pending,
        "buffer": Res._buffer,
        "status": Res.status,
    }


@pytest.mark.anyio
@pytest.mark.parametrize("via", ["exchange", "finish"])
async def test_an_unhashable_header_value_and_a_new_length_are_encoded_each_time(via: str) -> None:
    """The remembered sets' misses: a value a handler stored that cannot be a key, and a
    body length not seen before, answer what the general encoding gives, every time."""
    server = vestespy.Server(("127.0.0.1", 8080))
    sizes = iter([77_771, 77_772, 77_771])

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        res.headers["Content-Type"] = "text/plain"
        res.headers["X-List"] = ["a", "b"]
        res.send_all("x" * next(sizes), buffer=via == "exchange")

    server.on("request", onrequest)
    for size in (77_771, 77_772, 77_771):
        answer = await call(server, "GET", "/")
        assert answer.status == 200 and len(answer.body) == size
        assert answer.header("x-list") == "['a', 'b']"
        assert answer.header("content-length") == str(size)
        assert answer.headers.count((b"content-length", str(size).encode())) == 1


@pytest.mark.parametrize("length", [0, 5, 13, 10**6])
def test_a_remembered_length_header_is_the_encoded_length(length: int) -> None:
    from microrest.adapters.vestespy.response import _LENGTHS, length_header

    assert length_header(length) == (b"content-length", str(length).encode())
    assert _LENGTHS.get(length, length_header(length)) == length_header(length)


@pytest.mark.parametrize(
    "value", [b"0", b"5", b"100", b"101", b"1" * 18, b"1" * 19, b"", b"x", b"-1", b" 5", b"5 "]
)
def test_a_remembered_content_length_size_is_what_the_checks_compute(value: bytes) -> None:
    from microrest.adapters.vestespy.exchange import _SIZES, _size_of

    expected = int(value) if len(value) < 19 and value.isdigit() else -1
    assert _size_of(value) == expected
    assert _SIZES.get(value, expected) == expected


@pytest.mark.anyio
@pytest.mark.parametrize("via", ["exchange", "finish"])
async def test_a_one_header_set_is_remembered_under_the_general_key(via: str) -> None:
    from microrest.adapters.vestespy.response import _RAW

    server = vestespy.Server(("127.0.0.1", 8080))
    value = f"text/x-one-{via}"

    async def onrequest(ev: Event, req: Req, res: Res) -> None:
        res.headers["Content-Type"] = value
        if via == "finish":  # Response.finish, through an unbuffered send
            res.send_all("ok", buffer=False)
        else:  # the exchange's inline copy of it
            res.send_all("ok")

    server.on("request", onrequest)
    answer = await call(server, "GET", "/")
    assert answer.body == b"ok" and answer.header("content-type") == value
    probe = vestespy.Response(None, server)  # type: ignore[arg-type]
    probe.headers["Content-Type"] = value
    assert (200, *probe.headers._data.values()) in _RAW
