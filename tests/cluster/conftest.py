"""A cluster on loopback: PostgreSQL, two showcase instances, nginx in front (deploy/).

Every process is started here and stopped by PID (an instance by its process group, which
holds its worker processes), even when a step fails; every server binds 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from tests.helpers import ROOT, free_port
from tests.services import ensure_packages, postgres_server

DEPLOY = ROOT / "deploy" / "nginx" / "microrest.conf"
READY_TIMEOUT = 60.0


def wait_healthy(url: str, timeout: float = READY_TIMEOUT) -> None:
    """Until ``url`` answers 200 (a process on another port: poll, there is no event)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not healthy within {timeout}s")
        time.sleep(0.05)


@dataclass
class Instance:
    """One ``microrest run examples.showcase:app --workers 2`` on its own port."""

    port: int
    db: str
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MICROREST_DB": self.db}
        command = [sys.executable, "-m", "microrest", "run", "examples.showcase:app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "2"]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True
            )
        self.starts += 1
        wait_healthy(self.url + "/healthz")

    def signal(self, number: int) -> None:
        """Signal the whole instance: its supervisor and worker processes."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, number)

    def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            with contextlib.suppress(ProcessLookupError, AttributeError):
                os.killpg(self.process.pid, signal.SIGKILL)  # orphaned workers, if any
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait()


@dataclass
class Cluster:
    db: str
    balancer: str
    instances: list[Instance]

    def upstream_of(self, response: httpx.Response) -> int:
        """Which instance answered (nginx's X-Upstream: the last address it tried)."""
        return int(response.headers["x-upstream"].rsplit(":", 1)[1])


def nginx_config(base: Path, listen: int, upstreams: list[int]) -> Path:
    """deploy/nginx/microrest.conf with this run's ports, inside a minimal main config."""
    site = DEPLOY.read_text()
    site = site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
    site = site.replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
    site, count = re.subn(r"listen 8080;", f"listen 127.0.0.1:{listen};", site)
    assert count == 1, "deploy/nginx/microrest.conf must listen on 8080 exactly once"
    (base / "microrest.conf").write_text(site)
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (base / temp).mkdir(mode=0o777)
    main = base / "nginx.conf"
    main.write_text(
        f"""daemon off;
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {base}/body;
    proxy_temp_path {base}/proxy;
    fastcgi_temp_path {base}/fastcgi;
    uwsgi_temp_path {base}/uwsgi;
    scgi_temp_path {base}/scgi;
    include {base}/microrest.conf;
}}
"""
    )
    return main


@contextlib.contextmanager
def nginx(listen: int, upstreams: list[int]) -> Iterator[str]:
    base = Path(tempfile.mkdtemp(prefix="microrest-nginx-"))
    os.chmod(base, 0o755)
    config = nginx_config(base, listen, upstreams)
    binary = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else "nginx"
    check = subprocess.run([binary, "-t", "-c", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{listen}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((base / "error.log").read_text()) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{listen}"
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: finish requests, then exit
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    missing = ensure_packages({"/usr/sbin/nginx": "nginx-light"})
    if missing:
        pytest.skip(f"nginx cannot be installed here: {missing}")
    base = tmp_path_factory.mktemp("cluster")
    with contextlib.ExitStack() as stack:
        try:
            db = stack.enter_context(postgres_server())
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"PostgreSQL cannot be run here: {exc}")
        instances = [
            Instance(free_port(), db, base / f"instance-{index}.log") for index in range(2)
        ]
        for instance in instances:
            stack.callback(instance.stop)
            instance.start()
        balancer = stack.enter_context(nginx(free_port(), [i.port for i in instances]))
        yield Cluster(db, balancer, instances)
