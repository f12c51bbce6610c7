"""The two servers under test, each a subprocess on 127.0.0.1: the app as `catalog serve` runs it, and the ceiling."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.settings import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with code {process.returncode} (see reports/bench-logs/)")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:g}s")


@contextmanager
def serving(kind: str, database_url: str, logs: Path, env_extra: dict[str, str] | None = None) -> Iterator[str]:
    """Run the app (`catalog serve --no-seed`, with `env_extra` in its environment), the ceiling or the old
    service (kind "peer") on a free port; yield its base URL."""
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), **(env_extra or {})}
    if kind == "app":
        env["DATABASE_URL"] = database_url
        command = [str(Path(sys.executable).with_name("catalog")), "serve", "--no-seed"]
        probe = "/health"
    elif kind == "peer":  # the old service (app/bench/peer.py); PEER_DIR in env_extra
        env["PEER_DATABASE_URL"] = database_url
        command = [sys.executable, str(ROOT / "app" / "bench" / "peer_server.py")]
        probe = "/docs"
    else:
        env["BENCH_DATABASE_URL"] = database_url
        command = [sys.executable, "-m", "app.bench.ceiling"]
        probe = "/missing"
    logs.mkdir(parents=True, exist_ok=True)
    suffix = "".join(f"-{name.lower()}-{Path(value).name[:40]}" for name, value in (env_extra or {}).items())
    with open(logs / f"{kind}{suffix}.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base + probe, process)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
