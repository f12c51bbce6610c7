"""`catalog serve` as a user runs it: a child process on a free loopback port, its output kept in a file."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[psutil.Process]:
        """The worker processes uvicorn's supervisor runs (not multiprocessing's resource tracker, nor the
        embedded server's watcher that the master starts)."""
        helpers = ("resource_tracker", "app.embedded_watch")
        children = psutil.Process(self.process.pid).children()
        return [child for child in children if not any(name in " ".join(child.cmdline()) for name in helpers)]

    def wait_until(self, what: str, ready: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"catalog serve exited ({self.process.returncode}) before {what}:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"catalog serve: no {what} within {timeout:g}s:\n{self.output()}")
            time.sleep(0.1)

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


@contextmanager
def catalog_serve(tmp_path: Path, *args: str, env: dict[str, str], workers: int) -> Iterator[Served]:
    """Run `catalog serve --no-seed <args>` with `env` on top of ours, until every worker answers; SIGTERM at the end."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    environment = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "CATALOG_DOMAINS": "bookstore", **env}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--no-seed", *args],
            cwd=ROOT,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    try:
        served.wait_until("answer on /health", served.answers)
        if workers > 1:
            served.wait_until(
                f"{workers} started workers", lambda: served.output().count("startup complete") >= workers
            )
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
