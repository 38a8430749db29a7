"""``microrest run | routes | openapi``: serve an app, print its route table (every style in
one), or print its OpenAPI 3.1 document."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from .errors import ConfigurationError

__all__ = ["load_app", "main"]


def load_app(target: str) -> Any:
    """Import ``"module:attribute"`` (dots allowed in the attribute) relative to the cwd."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"expected 'module:attribute', got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    previous = os.environ.get("MICROREST_NO_SERVE")
    os.environ["MICROREST_NO_SERVE"] = "1"  # importing must not start a legacy server
    try:
        value: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not f"{module_name}.".startswith(f"{exc.name}."):
            raise  # a dependency of the module is missing: show the real traceback
        raise ConfigurationError(
            f"cannot import module {module_name!r} from {os.getcwd()!r}: {exc}"
        ) from None
    finally:
        if previous is None:
            os.environ.pop("MICROREST_NO_SERVE", None)
        else:
            os.environ["MICROREST_NO_SERVE"] = previous
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise ConfigurationError(f"{target!r}: no attribute {part!r} in {value!r}") from None
    return value


def _core_app(obj: Any) -> Any:
    from .app import App

    if isinstance(obj, App):
        return obj
    inner = getattr(obj, "__microrest_app__", None)
    if isinstance(inner, App):
        return inner
    raise ConfigurationError(f"{obj!r} is not a microrest app")


def _print_routes(target: str) -> None:
    rows = _core_app(load_app(target)).routes()
    header = ("METHOD", "PATH", "STYLE", "HANDLER", "SOURCE")
    table = [header] + [(r.method, r.path, r.style, r.handler, r.source) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _print_openapi(args: argparse.Namespace) -> None:
    from .openapi import openapi_document, render

    document = openapi_document(_core_app(load_app(args.target)), title=args.title)
    text = render(document, as_yaml=args.yaml)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


def _install_compat(target: str, override: bool, workers: int) -> str:
    """Install the legacy-import hook here, and in each worker through its own entry."""
    from .compat import OVERRIDE_ENV, TARGET_ENV, install

    install(override=override)
    if workers == 1:
        return target
    os.environ[TARGET_ENV] = target
    os.environ[OVERRIDE_ENV] = "1" if override else "0"
    return "microrest.compat.workers:app"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="microrest", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve module:app on uvicorn")
    run.add_argument("target", help="module:attribute of the app")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--ssl-keyfile")
    run.add_argument("--ssl-certfile")
    run.add_argument("--log-level", default="info")
    run.add_argument(
        "--compat", action="store_true", help="legacy imports (corepost, web...) are the adapters"
    )
    run.add_argument(
        "--compat-override", action="store_true", help="--compat even over installed packages"
    )
    routes = commands.add_parser("routes", help="print the route table of module:app")
    routes.add_argument("target")
    openapi = commands.add_parser("openapi", help="print the OpenAPI 3.1 document of module:app")
    openapi.add_argument("target")
    openapi.add_argument("--yaml", action="store_true", help="YAML instead of JSON")
    openapi.add_argument("--output", "-o", help="write to this file instead of stdout")
    openapi.add_argument("--title", default="microrest API", help="info.title")
    args = parser.parse_args(argv)
    try:
        if args.command == "routes":
            _print_routes(args.target)
            return 0
        if args.command == "openapi":
            _print_openapi(args)
            return 0
        from .server import run as serve

        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        target = args.target
        if args.compat or args.compat_override:
            target = _install_compat(target, args.compat_override, args.workers)
        app: Any = target if args.workers > 1 else load_app(target)
        serve(
            app,
            args.host,
            args.port,
            workers=args.workers,
            ssl_keyfile=args.ssl_keyfile,
            ssl_certfile=args.ssl_certfile,
            log_level=args.log_level,
        )
    except ConfigurationError as exc:
        print(f"microrest: {exc}", file=sys.stderr)
        return 2
    return 0
