"""The embedded server over 127.0.0.1 TCP (app/tcp_forward.py): what a GUI tool needs from it."""

import asyncio
import socket
from pathlib import Path

import asyncpg
import pytest

from app import tcp_forward
from app.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def socket_file(admin_url: str) -> Path:
    if Settings().database_url:
        pytest.skip("the test server is DATABASE_URL, not the embedded one")
    return tcp_forward.socket_path(admin_url)


async def test_clients_over_tcp_reach_the_embedded_server(socket_file: Path) -> None:
    port = free_port()
    tcp_forward.start_in_background(socket_file, "127.0.0.1", port)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    async def session(n: int) -> tuple[int, str]:
        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch("select g from generate_series(1, $1::int) as g", 20_000 + n)
            return len(rows), str(await conn.fetchval("select inet_client_addr() is null"))
        finally:
            await conn.close()

    # Several clients at once, each with a result larger than one relayed chunk.
    results = await asyncio.gather(*(session(n) for n in range(4)))
    assert [count for count, _ in results] == [20_000, 20_001, 20_002, 20_003]
    assert {local for _, local in results} == {"True"}  # arrives over the socket: the server's local rules apply


async def test_a_taken_port_is_reported(socket_file: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="cannot listen on 127.0.0.1"):
            tcp_forward.start_in_background(socket_file, "127.0.0.1", taken.getsockname()[1])


def test_socket_path_from_urls() -> None:
    assert str(tcp_forward.socket_path("postgresql://postgres:@/postgres?host=/d/pg18")) == "/d/pg18/.s.PGSQL.5432"
    assert str(tcp_forward.socket_path("postgresql://u@/db?host=/s&port=6000")) == "/s/.s.PGSQL.6000"
    with pytest.raises(ValueError, match="not a Unix-socket URL"):
        tcp_forward.socket_path("postgresql://u@db.example:5432/db")
