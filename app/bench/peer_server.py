"""Serve the old service checked out in PEER_DIR (`python app/bench/peer_server.py`, run by path: its
package is also called `app`) unchanged but for its connection settings: asyncpg.create_pool is
given PEER_DATABASE_URL and search_path `peer` instead of the host, database and role its code names.
One uvicorn worker on HOST:PORT, uvloop and httptools as ours, no access log (as the issue ran it).
"""

import functools
import os
import sys
from typing import Any

import asyncpg
import uvicorn

CONNECTION_ARGUMENTS = ("dsn", "host", "port", "user", "password", "database", "passfile", "ssl")


def _connected_to(url: str, create_pool: Any) -> Any:
    @functools.wraps(create_pool)
    def create(*args: Any, **kwargs: Any) -> Any:
        for name in CONNECTION_ARGUMENTS:
            kwargs.pop(name, None)
        settings = {**(kwargs.pop("server_settings", None) or {}), "search_path": "peer"}
        return create_pool(url, *args[1:], server_settings=settings, **kwargs)

    return create


def main() -> None:
    folder = os.environ["PEER_DIR"]
    sys.path[0] = folder  # this file's folder out, the old service's package in
    asyncpg.create_pool = _connected_to(os.environ["PEER_DATABASE_URL"], asyncpg.create_pool)
    uvicorn.run(
        "app.main:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ["PORT"]),
        access_log=False,
        loop="uvloop",
        http="httptools",
        log_level="warning",
    )


if __name__ == "__main__":
    main()
