"""`catalog serve --workers N`: accepted connections have TCP_NODELAY, pools fit the server, and workers
that die (SIGTERM, SIGKILL) are replaced and leave nothing that keeps the embedded server running."""

import asyncio
import ctypes
import http.client
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from app.serving import ServeError, listening_socket, plan_pools
from app.settings import Settings
from tests.serving_process import Served, catalog_serve

PIDFD_GETFD = 438  # the same syscall number on every Linux architecture (since 5.6)


def nodelay_of_accepted(listener: socket.socket, loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> int:
    """Serve `listener` as uvicorn does (loop.create_server(sock=...)), connect once, and return the
    TCP_NODELAY the event loop left on the accepted socket."""
    seen: list[int] = []

    class Report(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Report, sock=listener)
        port = listener.getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await reader.read()  # the server closes at once
        writer.close()
        server.close()
        await server.wait_closed()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())
    assert len(seen) == 1
    return seen[0]


def event_loops() -> list[object]:
    loops: list[object] = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    try:
        import uvloop

        loops.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    except ImportError:
        pass
    return loops


@pytest.mark.parametrize("loop_factory", event_loops())
def test_connections_accepted_on_our_socket_have_nodelay(loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> None:
    assert nodelay_of_accepted(listening_socket("127.0.0.1", 0), loop_factory) == 1


def test_a_socket_bound_as_uvicorn_binds_it_for_workers_loses_nodelay() -> None:
    """The problem the socket above solves: proto 0 (uvicorn's Config.bind_socket) and asyncio leaves Nagle on."""
    plain = socket.socket(socket.AF_INET)
    plain.bind(("127.0.0.1", 0))
    assert nodelay_of_accepted(plain, asyncio.new_event_loop) == 0


def server_side_nodelay(served: Served, client: socket.socket) -> int:
    """TCP_NODELAY of the worker's end of `client`'s connection, read from that worker (pidfd_getfd)."""
    client_port = client.getsockname()[1]
    for worker in served.workers():
        for conn in worker.net_connections(kind="tcp"):
            if conn.raddr and conn.raddr.port == client_port:
                libc = ctypes.CDLL(None, use_errno=True)
                pidfd = os.pidfd_open(worker.pid)
                try:
                    fd = libc.syscall(PIDFD_GETFD, pidfd, conn.fd, 0)
                    if fd < 0:
                        pytest.skip(f"pidfd_getfd refused: {os.strerror(ctypes.get_errno())}")
                    with socket.socket(fileno=fd) as copy:
                        return copy.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                finally:
                    os.close(pidfd)
    raise AssertionError(f"no worker holds the connection from port {client_port}")


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="reading a worker's socket needs Linux pidfds")
def test_served_keep_alive_connections_have_nodelay(tmp_path: Path, database_url: str) -> None:
    with catalog_serve(tmp_path, env={"DATABASE_URL": database_url, "WEB_CONCURRENCY": "2"}, workers=2) as served:
        assert len(served.workers()) == 2
        host, port = served.base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        for _ in range(3):  # keep-alive: one connection, several answers
            connection.request("GET", "/bookstore/books?page_size=5")
            answer = connection.getresponse()
            assert answer.status == 200
            answer.read()
        assert connection.sock is not None
        assert server_side_nodelay(served, connection.sock) == 1
        connection.close()


def test_both_workers_take_connections_from_a_burst(tmp_path: Path, database_url: str) -> None:
    """With one shared socket the first worker to wake accepted a whole burst; each worker has its own
    SO_REUSEPORT socket, so 16 connections opened at once reach both (all 16 on one: odds 1 in 32,768)."""
    with catalog_serve(tmp_path, "--workers", "2", env={"DATABASE_URL": database_url}, workers=2) as served:
        host, port = served.base_url.removeprefix("http://").split(":")
        connections = [http.client.HTTPConnection(host, int(port), timeout=10) for _ in range(16)]
        for connection in connections:
            connection.request("GET", "/health")
        for connection in connections:
            assert connection.getresponse().status == 200
        held = {
            worker.pid: sum(1 for c in worker.net_connections(kind="tcp") if c.laddr.port == int(port) and c.raddr)
            for worker in served.workers()
        }
        assert len(held) == 2 and all(held.values()), held
        for connection in connections:
            connection.close()


def test_pools_are_sized_to_fit_the_server() -> None:
    settings = Settings(pool_min_size=2, pool_max_size=10, pool_headroom_connections=10)
    # 100 - 3 reserved - 10 headroom = 87: two workers keep their 10 each, twelve get 7.
    assert (plan_pools(settings, 2, 100, 3).pool_min_size, plan_pools(settings, 2, 100, 3).pool_max_size) == (2, 10)
    twelve = plan_pools(settings, 12, 100, 3)
    assert twelve.pool_max_size == 7 and 12 * twelve.pool_max_size <= 100 - 3 - 10
    tight = plan_pools(settings, 40, 100, 3)
    assert (tight.pool_min_size, tight.pool_max_size) == (2, 2)
    with pytest.raises(ServeError, match="do not fit"):
        plan_pools(settings, 100, 100, 3)


def test_serve_says_how_the_pools_were_sized_and_refuses_too_many_workers(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "POOL_HEADROOM_CONNECTIONS": "0"}
    with catalog_serve(tmp_path, "--workers", "2", env=env, workers=2) as served:
        assert "2 worker(s) x pool of" in served.output()
    too_many = {**env, "POOL_HEADROOM_CONNECTIONS": "100000"}
    with pytest.raises(AssertionError, match="do not fit the database server"):
        with catalog_serve(tmp_path, "--workers", "2", env=too_many, workers=2):
            pass


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pg18" / "postmaster.pid").read_text().split()[0])


def test_workers_that_die_do_not_keep_the_embedded_server_running(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"DATABASE_URL": "", "DATA_DIR": str(data_dir)}
    with catalog_serve(tmp_path, "--workers", "2", env=env, workers=2) as served:
        postgres = psutil.Process(postmaster_pid(data_dir))
        # Only the master holds the embedded server; the workers were given its URL.
        assert (data_dir / "pg18" / ".handle_pids.json").read_text() == f"[{served.process.pid}]"
        first, second = served.workers()
        first.send_signal(signal.SIGKILL)
        second.send_signal(signal.SIGTERM)
        psutil.wait_procs([first, second], timeout=30)

        def replaced() -> bool:
            pids = {w.pid for w in served.workers()}
            return len(pids) == 2 and pids.isdisjoint({first.pid, second.pid})

        served.wait_until("replaced workers", replaced)
        served.wait_until("answers from the new workers", served.answers)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=60) == 0, served.output()
    postgres.wait(timeout=60)  # the server stops with its last user: psutil raises TimeoutExpired if not
    assert not postgres.is_running()
