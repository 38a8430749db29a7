"""The auth extension: 401 with challenges, 403 from ``forbidden()``, malformed input is 401."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from microrest.adapters.webpy import auth
from microrest.testing import Client

Serve = Callable[..., Client]


class Basic(auth.BasicAuthHandler):
    realm = "test"

    def login(self, user: str, password: str) -> Any:
        return user if (user, password) == ("alice", "secret") else None

    def forbidden(self) -> bool:
        return self.method == "delete" and self.auth != "root"

    def do_get(self) -> Any:
        return 200, f"hello {self.auth}"

    def do_delete(self) -> Any:
        return 204, ""


class Token(auth.TokenAuthHandler):
    def token(self, token: str) -> Any:
        return {"user": "bob"} if token == "t0ken" else None

    def do_get(self) -> Any:
        return 200, self.auth["user"]


def basic(user: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def test_missing_credentials_are_401_with_a_challenge(serve: Serve) -> None:
    response = serve({"/": Basic}).get("/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="test"'


def test_good_basic_credentials(serve: Serve) -> None:
    response = serve({"/": Basic}).get("/", headers=basic("alice", "secret"))
    assert (response.status_code, response.text) == (200, "hello alice")


def test_wrong_password_is_401(serve: Serve) -> None:
    assert serve({"/": Basic}).get("/", headers=basic("alice", "nope")).status_code == 401


def test_malformed_credentials_are_401_never_500(serve: Serve) -> None:
    client = serve({"/": Basic})
    for value in [
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"nocolon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Bogus abc",
        "   ",
        "Basic a b c",
    ]:
        response = client.get("/", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert "WWW-Authenticate" in response.headers


def test_forbidden_is_403(serve: Serve) -> None:
    assert serve({"/": Basic}).delete("/", headers=basic("alice", "secret")).status_code == 403


def test_token_auth(serve: Serve) -> None:
    client = serve({"/": Token})
    assert client.get("/", headers={"Authorization": "Token t0ken"}).text == "bob"
    response = client.get("/", headers={"Authorization": "Token wrong"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Token realm="Unknown"'


def test_several_schemes_give_one_challenge_each(serve: Serve) -> None:
    class Both(auth.BasicAuthMixIn, auth.TokenAuthMixIn, auth.AuthHandler):
        def do_get(self) -> Any:
            return 200, "ok"

    response = serve({"/": Both}).get("/")
    assert response.status_code == 401
    assert response.headers.get_list("www-authenticate") == [
        'Basic realm="Unknown"',
        'Token realm="Unknown"',
    ]


def test_options_needs_no_credentials(serve: Serve) -> None:
    assert serve({"/": Basic}).options("/").status_code == 204
