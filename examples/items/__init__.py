"""The same items service written once per style, for side-by-side reading and one test suite.

Each module (``core``, ``corepost``, ``vestespy``, ``webpy``) exposes ``make_app(store)``, which
builds the style's main object over an ``ItemStore``, and a module-level ``app`` built over the
store named by ``MICROREST_DB`` (``uvicorn examples.items.webpy:app --workers 2``):

- ``GET /items``: 200, JSON list of keys (``?prefix=ap``: only the keys starting with it)
- ``GET /items/{key}``: 200 ``{"key": ..., "value": ...}`` or 404
- ``PUT /items/{key}`` with a JSON body: 201 when new, 200 when replaced, the same JSON;
  400 for malformed or empty JSON, 415 for another Content-Type, 413 over ``MAX_BODY``
- ``DELETE /items/{key}``: 204 or 404
- HEAD like GET without a body, OPTIONS 204 with ``Allow``, other methods 405 with ``Allow``

``pyservice`` is RPC: the same service as operations (``list_items``, ``get_item``,
``put_item``, ``delete_item``); ``tests/conformance/rpc.py`` maps this contract onto them, one
call per request, and names what has no RPC counterpart (HEAD, OPTIONS, 405).

Success answers are identical in every style; error bodies follow each style's own format
(see each module's docstring). Adding a style is one more module and one entry in ``STYLES``:
the conformance suite (tests/conformance) and the showcase pick it up from there.
"""

from __future__ import annotations

__all__ = ["MAX_BODY", "STYLES"]

# The module names, in the order docs show them; "core" is microrest's own style.
STYLES = ("core", "corepost", "vestespy", "webpy", "xio", "pyservice")

# The largest PUT body accepted (bytes); beyond it every style answers 413.
MAX_BODY = 64 * 1024
