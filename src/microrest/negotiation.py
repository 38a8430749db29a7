"""Content negotiation: pick the best of the server's media types for an ``Accept`` header.

A general RFC 9110 reading (q-values, ``type/*`` and ``*/*`` ranges, the most specific range
decides an offer's quality) shared by every style that serialises by ``Accept``, so no adapter
grows its own substring test.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

__all__ = ["best_match", "parse_accept"]


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return min(max(q, 0.0), 1.0)
    return 1.0


@lru_cache(maxsize=256)
def parse_accept(header: str) -> tuple[tuple[str, float], ...]:
    """Return ``(media_range, q)`` pairs, lower-cased, parameters other than ``q`` dropped.

    Malformed ranges (no ``/``) are skipped rather than failing the request.
    """
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if media.count("/") != 1:
            continue
        ranges.append((media, _quality(params)))
    return tuple(ranges)


def _specificity(media_range: str, offer: str) -> int:
    """How precisely ``media_range`` covers ``offer``: 3 exact, 2 ``type/*``, 1 ``*/*``, 0 not."""
    if media_range == offer:
        return 3
    if media_range == "*/*":
        return 1
    main, _, sub = media_range.partition("/")
    if sub == "*" and offer.partition("/")[0] == main:
        return 2
    return 0


def best_match(header: str | None, offers: Sequence[str], default: str | None = None) -> str | None:
    """The offer the client prefers most, ties going to the earlier offer (server preference).

    A missing or blank header accepts anything: the first offer wins. When every offer has
    q=0 or no range covers it, ``default`` is returned (``None`` lets the caller answer 406).
    """
    if not offers:
        return default
    if header is None or not header.strip():
        return offers[0]
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    best: str | None = None
    best_rank = (0.0, 0)
    for offer in offers:
        lowered = offer.lower()
        specificity, q = 0, 0.0
        for media_range, range_q in ranges:
            s = _specificity(media_range, lowered)
            if s > specificity:
                specificity, q = s, range_q
        # Equal quality: a type the client named beats one it only accepts through a wildcard
        # ("application/json, */*" means JSON); full ties keep the server's order.
        if q > 0 and (q, specificity) > best_rank:
            best, best_rank = offer, (q, specificity)
    return best if best is not None else default
