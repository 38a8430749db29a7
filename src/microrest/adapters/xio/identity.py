"""Who an app, a node or a caller is: a pluggable strategy, stdlib only.

xio derived every peer's id from a secp256k1 key (bitcoin/web3 libraries). Here identity is a
strategy object: ``new_id(seed)`` names a new peer, ``verify(token)`` turns a caller's token
into an id (or None). ``RandomIdentity`` (the default) gives ``0x`` + 40 hex digits, derived
from ``seed`` when one is given, and verifies nothing; ``SignedTokens(secret)`` also issues and
checks HMAC-signed tokens (``token_for(id)``), for apps that want ``req.client.id``. A strategy
backed by real key pairs plugs in the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Protocol

__all__ = ["IdentityStrategy", "RandomIdentity", "SignedTokens"]


class IdentityStrategy(Protocol):
    def new_id(self, seed: str | None = None) -> str: ...

    def verify(self, token: str) -> str | None: ...


class RandomIdentity:
    """Random ids (``0x`` + 40 hex), reproducible from a seed; tokens prove nothing."""

    def new_id(self, seed: str | None = None) -> str:
        if seed is None:
            return "0x" + secrets.token_hex(20)
        return "0x" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:40]

    def verify(self, token: str) -> str | None:
        return None


class SignedTokens(RandomIdentity):
    """Tokens ``<id>.<hmac-sha256 of id>`` under a shared secret: ``verify`` gives the id back
    for a token this secret signed, None for anything else (compared in constant time)."""

    def __init__(self, secret: str | bytes) -> None:
        self._secret = secret.encode("utf-8") if isinstance(secret, str) else secret

    def _sign(self, peer_id: str) -> str:
        return hmac.new(self._secret, peer_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def token_for(self, peer_id: str) -> str:
        return f"{peer_id}.{self._sign(peer_id)}"

    def verify(self, token: str) -> str | None:
        peer_id, _, signature = token.rpartition(".")
        if peer_id and hmac.compare_digest(signature, self._sign(peer_id)):
            return peer_id
        return None
