"""microrest's benchmark suite: the same small app on several ASGI frameworks.

A package so that ``benchmarks.apps.<framework>`` can be imported without the app modules
(named after the frameworks they wrap) shadowing the frameworks themselves.
"""
