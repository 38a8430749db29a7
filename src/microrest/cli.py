"""The microrest command: serve an app (run), print its route table (routes) or its OpenAPI
document (openapi), or check it (check).

Every option of ``microrest run`` can also come from a ``MICROREST_*`` environment variable
(``MICROREST_APP``, ``MICROREST_PORT``, ``MICROREST_RELOAD=1``...); a flag wins over the variable.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__
from .errors import ConfigurationError, MicrorestError

__all__ = ["load_app", "main"]

ENV_PREFIX = "MICROREST_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_app(target: str, app_dir: str | None = None) -> Any:
    """Import ``"module:attribute"`` (dots allowed in the attribute) relative to the cwd,
    or to ``app_dir`` when given.
    """
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"expected 'module:attribute', got {target!r}")
    where = os.path.abspath(app_dir) if app_dir else os.getcwd()
    if where not in sys.path:
        sys.path.insert(0, where)
    previous = os.environ.get("MICROREST_NO_SERVE")
    os.environ["MICROREST_NO_SERVE"] = "1"  # importing must not start a legacy server
    try:
        value: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not f"{module_name}.".startswith(f"{exc.name}."):
            raise  # a dependency of the module is missing: show the real traceback
        raise ConfigurationError(
            f"cannot import module {module_name!r} from {where!r}: {exc}"
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


def _loaded_core_app(args: argparse.Namespace) -> Any:
    loaded = load_app(_require_target(args), args.app_dir)
    from .app import app_of

    return app_of(loaded() if args.factory else loaded, "microrest")


# -- environment defaults -----------------------------------------------------------------------


def _env_name(dest: str) -> str:
    return ENV_PREFIX + dest.upper()


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected one of 1/0, true/false, yes/no, on/off, got {text!r}")


def _env_default(dest: str, convert: Callable[[str], Any], default: Any) -> Any:
    raw = os.environ.get(_env_name(dest))
    if raw is None:
        return default
    try:
        return convert(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{_env_name(dest)}={raw!r}: {exc}") from None


def _option(
    parser: argparse.ArgumentParser,
    flag: str,
    help_text: str,
    *,
    convert: Callable[[str], Any] = str,
    default: Any = None,
    choices: Sequence[str] | None = None,
    boolean: bool = False,
) -> None:
    """A flag whose default comes from ``MICROREST_<NAME>`` when that variable is set."""
    dest = flag.lstrip("-").replace("-", "_")
    env_convert = _boolean if boolean else convert
    value = _env_default(dest, env_convert, default)
    if choices is not None and value is not None and value not in choices:
        raise ConfigurationError(
            f"{_env_name(dest)}={value!r}: expected one of {', '.join(choices)}"
        )
    help_text += f" [env {_env_name(dest)}; default {value if value is not None else 'none'}]"
    if boolean:
        parser.add_argument(
            flag, dest=dest, default=value, action=argparse.BooleanOptionalAction, help=help_text
        )
    else:
        parser.add_argument(
            flag, dest=dest, default=value, type=convert, choices=choices, help=help_text
        )


def _target_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        nargs="?",
        default=os.environ.get(_env_name("app")),
        help=f"the app as module:attribute [env {_env_name('app')}]",
    )


# -- the parser ---------------------------------------------------------------------------------


def _run_parser(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="serve module:app on uvicorn",
        description="Serve module:app on uvicorn. Every option can also be set with its "
        "MICROREST_* environment variable.",
    )
    _target_argument(run)
    _option(run, "--host", "address to bind", default="127.0.0.1")
    _option(
        run,
        "--compat",
        "legacy imports (corepost, vestespy, xio, web, pyservice, twisted) are the adapters",
        boolean=True,
        default=False,
    )
    _option(
        run,
        "--compat-override",
        "--compat even where a package of the same name is installed",
        boolean=True,
        default=False,
    )
    _option(run, "--port", "port to bind (0: any free port)", convert=int, default=8000)
    _option(run, "--workers", "worker processes", convert=int, default=1)
    _option(run, "--reload", "restart when a source file changes (development)", boolean=True)
    _option(run, "--reload-dir", "directory to watch with --reload (default: the cwd)")
    _option(run, "--factory", "call module:attribute to build the app", boolean=True)
    _option(run, "--app-dir", "directory to import the app module from (default: the cwd)")
    _option(run, "--root-path", "path prefix the app is published under, behind a proxy")
    _option(
        run,
        "--proxy-headers",
        "trust X-Forwarded-For/-Proto from --forwarded-allow-ips",
        boolean=True,
        default=True,
    )
    _option(
        run,
        "--forwarded-allow-ips",
        "comma-separated proxy addresses to trust (uvicorn's default: 127.0.0.1)",
    )
    _option(run, "--log-level", "log level", default="info", choices=LOG_LEVELS)
    _option(run, "--log-config", "logging config file: dictConfig JSON or YAML, or an .ini file")
    _option(run, "--log-format", "log line format", default="text", choices=("text", "json"))
    _option(run, "--access-log", "log one line per request", boolean=True, default=True)
    _option(run, "--ssl-keyfile", "TLS private key (PEM)")
    _option(run, "--ssl-certfile", "TLS certificate chain (PEM)")
    _option(run, "--ssl-keyfile-password", "password of the TLS private key")
    _option(run, "--http", "HTTP parser", default="auto", choices=("auto", "h11", "httptools"))
    _option(run, "--loop", "event loop", default="auto", choices=("auto", "asyncio", "uvloop"))
    _option(run, "--timeout-keep-alive", "seconds an idle keep-alive connection stays", convert=int)
    _option(
        run,
        "--timeout-graceful-shutdown",
        "seconds in-flight requests get to finish on shutdown",
        convert=int,
    )
    _option(run, "--limit-concurrency", "connections and tasks before answering 503", convert=int)
    _option(run, "--limit-max-requests", "requests before a worker restarts", convert=int)
    _option(run, "--backlog", "pending connections the kernel queues", convert=int)
    _option(
        run,
        "--h11-max-incomplete-event-size",
        "bytes of request line and headers the h11 parser buffers",
        convert=int,
    )


LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microrest",
        description="Serve a microrest app, print its route table, or check it.",
        epilog="Every option of 'microrest run' can also come from a MICROREST_* environment "
        "variable (MICROREST_APP, MICROREST_PORT, MICROREST_RELOAD=1...); a flag wins.",
    )
    parser.add_argument("--version", action="version", version=f"microrest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run_parser(commands)
    routes = commands.add_parser(
        "routes",
        help="print the route table of module:app",
        description="Print the route table of module:app: every style, one row per method.",
    )
    _target_argument(routes)
    routes.add_argument(
        "--style", action="append", help="only this style (repeatable, case-insensitive)"
    )
    routes.add_argument("--method", action="append", help="only this HTTP method (repeatable)")
    routes.add_argument("--json", action="store_true", help="print a JSON array")
    check = commands.add_parser(
        "check",
        help="import module:app, build its route table and report mistakes (exit 1)",
        description="Import module:app and build its route table and middleware: exit 0 when "
        "it is sound, 1 with the mistakes (route conflicts, bad registrations, duplicate route "
        "names) otherwise. Meant for CI.",
    )
    _target_argument(check)
    openapi = commands.add_parser(
        "openapi",
        help="print the OpenAPI 3.1 document of module:app",
        description="Print the OpenAPI 3.1 document of module:app: every style's routes.",
    )
    _target_argument(openapi)
    openapi.add_argument("--yaml", action="store_true", help="YAML instead of JSON")
    openapi.add_argument("--output", "-o", help="write to this file instead of stdout")
    openapi.add_argument("--title", default="microrest API", help="info.title")
    for sub in (routes, check, openapi):
        sub.add_argument(
            "--app-dir",
            default=os.environ.get(_env_name("app_dir")),
            help="directory to import the app module from (default: the cwd)",
        )
        sub.add_argument(
            "--factory", action="store_true", help="call module:attribute to build the app"
        )
    return parser


# -- commands -----------------------------------------------------------------------------------


def _require_target(args: argparse.Namespace) -> str:
    if not args.target:
        raise ConfigurationError(
            f"no app given: pass module:attribute or set {_env_name('app')}=module:attribute"
        )
    return str(args.target)


def _routes(args: argparse.Namespace) -> int:
    rows = _loaded_core_app(args).routes()
    if args.style:
        styles = {style.lower() for style in args.style}
        rows = [row for row in rows if row.style.lower() in styles]
    if args.method:
        methods = {method.upper() for method in args.method}
        rows = [row for row in rows if row.method in methods or row.method == "*"]
    if args.json:
        print(json.dumps([dataclasses.asdict(row) for row in rows], indent=2))
        return 0
    header = ("METHOD", "PATH", "STYLE", "HANDLER", "SOURCE")
    table = [header] + [(r.method, r.path, r.style, r.handler, r.source) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _check(args: argparse.Namespace) -> int:
    target = _require_target(args)
    try:
        app = _loaded_core_app(args)
        rows = app.routes()
        app.build_middleware_stack()  # a middleware that cannot be built fails here, not live
    except MicrorestError as exc:
        print(f"microrest check: {target}: {exc}", file=sys.stderr)
        return 1
    problems = []
    names = Counter(route.name for route in app.router.all_routes if route.name)
    for name, count in sorted(names.items()):
        if count > 1:
            problems.append(
                f"route name {name!r} is given to {count} routes; url_path_for() would pick one"
            )
    for problem in problems:
        print(f"microrest check: {target}: {problem}", file=sys.stderr)
    if problems:
        return 1
    styles = Counter(row.style for row in rows)
    summary = ", ".join(f"{style} {count}" for style, count in sorted(styles.items()))
    print(f"{target}: ok, {len(rows)} routes ({summary or 'none'})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from .logconfig import load_log_config, logging_config
    from .server import Server

    target = _require_target(args)
    if args.log_config:
        log_config: dict[str, Any] | str = load_log_config(args.log_config)
    else:
        log_config = logging_config(args.log_level, json_lines=args.log_format == "json")
    options: dict[str, Any] = {
        "proxy_headers": args.proxy_headers,
        "access_log": args.access_log,
        "http": args.http,
        "loop": args.loop,
    }
    optional = (
        "root_path",
        "forwarded_allow_ips",
        "ssl_keyfile_password",
        "timeout_keep_alive",
        "timeout_graceful_shutdown",
        "limit_concurrency",
        "limit_max_requests",
        "backlog",
        "h11_max_incomplete_event_size",
    )
    for name in optional:
        value = getattr(args, name)
        if value is not None:
            options[name] = value
    if args.reload_dir:
        options["reload_dirs"] = [args.reload_dir]
    supervised = args.workers > 1 or args.reload
    if args.compat or args.compat_override:
        target = _install_compat(target, args.compat_override, 2 if supervised else 1)
    # One process: import here, so a wrong target is one clear line; the supervisor's workers
    # import the string themselves.
    app: Any = target if supervised else load_app(target, args.app_dir)
    Server(
        app,
        args.host,
        args.port,
        workers=args.workers,
        ssl_keyfile=args.ssl_keyfile,
        ssl_certfile=args.ssl_certfile,
        log_level=args.log_level,
        log_config=log_config,
        reload=bool(args.reload),
        factory=bool(args.factory),
        app_dir=os.path.abspath(args.app_dir) if args.app_dir else os.getcwd(),
        **options,
    ).serve()
    return 0


def _print_openapi(args: argparse.Namespace) -> None:
    from .openapi import openapi_document, render

    document = openapi_document(_loaded_core_app(args), title=args.title)
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
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        if args.command == "routes":
            return _routes(args)
        if args.command == "check":
            return _check(args)
        if args.command == "openapi":
            _print_openapi(args)
            return 0
        return _run(args)
    except ConfigurationError as exc:
        print(f"microrest: {exc}", file=sys.stderr)
        return 2
