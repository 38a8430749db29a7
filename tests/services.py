"""Services the tests run for real: Debian packages installed by the test set-up, and a
throwaway PostgreSQL server (a temporary data directory, a free port on 127.0.0.1, stopped by
PID). Where a package cannot be installed, the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import free_port

STOP_TIMEOUT = 20.0
START_TIMEOUT = 60.0


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _install(packages: list[str]) -> str | None:
    """``apt-get install`` as root; the reason it could not, or None."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"cannot install {' '.join(packages)}: not root, or no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Packages like nginx and postgresql start a system service on install (nginx on port 80
    # of every interface): policy-rc.d forbids that while we install.
    policy = Path("/usr/sbin/policy-rc.d")
    added = not policy.exists()
    if added:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        for command in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        ):
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
            if result.returncode != 0:
                return f"{' '.join(command)} failed: {result.stderr.strip()[-500:]}"
    finally:
        if added:
            policy.unlink()
    return None


def ensure_packages(binaries: dict[str, str]) -> str | None:
    """Install the Debian packages of any missing binary (``{binary: package}``).

    Returns why it could not, or None once every binary is there.
    """
    missing = [package for binary, package in binaries.items() if _find(binary) is None]
    if not missing:
        return None
    return _install(sorted(set(missing)))


def _find(binary: str) -> str | None:
    if binary == "initdb":
        bin_dir = _bin_dir()
        return str(bin_dir / "initdb") if bin_dir else None
    return shutil.which(binary) or (binary if os.path.exists(binary) else None)


def _as_postgres() -> dict[str, object]:
    """Popen options that run as the ``postgres`` user when root (the server refuses to run
    as root); the PID stays the server's own, so it is stopped by PID."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A running server; yields its URL. Raises ``RuntimeError`` with the reason when it
    cannot be had (callers turn that into a visible skip)."""
    reason = ensure_packages({"initdb": "postgresql"})
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError(reason or "PostgreSQL's initdb not found")
    base = Path(tempfile.mkdtemp(prefix="microrest-pg-"))
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
    data = base / "data"
    port = free_port()
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "microrest"]
    initdb += ["-E", "UTF8", "--locale=C", "--no-sync"]
    subprocess.run(initdb, check=True, capture_output=True, timeout=120, **_as_postgres())  # type: ignore[call-overload]
    log = base / "server.log"
    server = [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(base)]
    server += ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"]
    with open(log, "wb") as output:
        process = subprocess.Popen(server, stdout=output, stderr=output, **_as_postgres())  # type: ignore[call-overload]
    url = f"postgresql://microrest@127.0.0.1:{port}/postgres"
    try:
        _wait_ready(url, process, log)
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: roll back, stop now
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"postgres exited with {process.returncode}:\n{log.read_text()}")
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres not ready in {START_TIMEOUT}s") from None
            time.sleep(0.05)  # another process: no event to await
