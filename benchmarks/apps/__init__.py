"""One module per framework, each exposing ``build(extra_routes: int) -> ASGI app``.

See ``benchmarks/README.md`` for the interface every module implements.
"""
