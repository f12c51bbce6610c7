"""`scripts/bench --peer DIR`: the bookstore searches on the old service (checked out by the user in DIR,
never into this repository) side by side with ours, interleaved, on the same server and data.

The old service's own schema.sql creates its tables in the schema `peer` of the benchmark database;
they are filled from the bookstore's rows (app/bench/peer.sql, once, kept while the benchmark database
is). It is served by app/bench/peer_server.py, unchanged but for its connection settings. Ours runs
with the access log on (the default) and with ACCESS_LOG=off; the issue's target is 1.5x.
"""

import asyncio
from pathlib import Path
from urllib.parse import quote

import aiosql
import asyncpg

from app.bench import report
from app.bench.cases import Case
from app.bench.rounds import Server
from app.bench.rounds import measure as measure_rounds
from app.bench.servers import serving
from app.bookstore import sql as bookstore_sql
from app.settings import ROOT

QUERIES = aiosql.from_path(Path(__file__).with_name("peer.sql"), "asyncpg")
OURS, QUIET, OLD = "app", "app ACCESS_LOG=off", "old service"
NOTE = (
    "The old service (its GET /books: a fixed 30 rows of id, title, author, published_year) against our "
    "GET /bookstore/books (20 rows of {fields}, or 30 with page_size=30); both one uvicorn worker with uvloop "
    "and httptools, the old one without an access log, same PostgreSQL and the same rows."
)


async def load(url: str, folder: Path) -> None:
    """The old service's tables (its schema.sql) in schema `peer`, filled from the bookstore's, unless done."""
    conn = await asyncpg.connect(url)
    try:
        if await QUERIES.peer_loaded(conn):
            return
        print("bench: loading the old service's tables (schema peer) from the bookstore's", flush=True)
        await QUERIES.drop_peer_schema(conn)
        await QUERIES.create_peer_schema(conn)
        async with conn.transaction():
            await QUERIES.use_peer_schema(conn)
            await conn.execute((folder / "schema.sql").read_text())  # the old service's own file, as it is
        for copy in (
            QUERIES.copy_peer_authors,
            QUERIES.copy_peer_categories,
            QUERIES.copy_peer_books,
            QUERIES.copy_peer_book_categories,
        ):
            await copy(conn)
        await QUERIES.analyze_peer(conn)
        await QUERIES.mark_peer_loaded(conn)
    finally:
        await conn.close()


async def cases(url: str) -> list[tuple[Case, str]]:
    """Our requests and the old service's path for the same search: by author name (the largest and a
    one-book author) and by category name (the largest)."""
    conn = await asyncpg.connect(url)
    try:
        largest = await bookstore_sql.author_by_id(conn, author_id=await bookstore_sql.bench_largest_author(conn) or 0)
        rarest = await bookstore_sql.author_by_id(conn, author_id=await bookstore_sql.bench_rarest_author(conn) or 0)
        category = await bookstore_sql.category_by_id(
            conn, category_id=await bookstore_sql.bench_largest_category(conn) or 0
        )
    finally:
        await conn.close()
    if largest is None or rarest is None or category is None:
        raise RuntimeError("the benchmark database has no bookstore data")
    big, one, cat = quote(largest["name"]), quote(rarest["name"]), quote(category["name"])
    return [
        (Case("bookstore", "largest author by name", f"/bookstore/books?author={big}"), f"/books?author={big}"),
        (
            Case("bookstore", "largest author by name, 30 rows", f"/bookstore/books?author={big}&page_size=30"),
            f"/books?author={big}",
        ),
        (Case("bookstore", "one-book author by name", f"/bookstore/books?author={one}"), f"/books?author={one}"),
        (Case("bookstore", "largest category by name", f"/bookstore/books?category={cat}"), f"/books?category={cat}"),
    ]


def measure(folder: Path, url: str, seconds: float, rounds: int, connections: int) -> list[report.Section]:
    """Ours (access log on, and off) and the old service in `folder`, interleaved; two report sections."""
    folder = folder.resolve()
    if not (folder / "app" / "main.py").is_file() or not (folder / "schema.sql").is_file():
        raise SystemExit(f"bench: --peer {folder}: no app/main.py and schema.sql there (check out the old service)")
    asyncio.run(load(url, folder))
    found = asyncio.run(cases(url))
    theirs = {case: path for case, path in found}
    rows = [report.Row(case) for case, _ in found]
    logs = ROOT / "reports" / "bench-logs" / "peer"
    with (
        serving("app", url, logs) as ours,
        serving("app", url, logs, {"ACCESS_LOG": "off"}) as quiet,
        serving("peer", url, logs, {"PEER_DIR": str(folder)}) as old,
    ):
        servers = [
            Server(OURS, ours),
            Server(QUIET, quiet),
            Server(OLD, old, translate=lambda case: Case(case.domain, case.name, theirs[case])),
        ]
        measure_rounds(rows, servers, seconds, rounds, connections)
    note = NOTE.format(fields="id, title, author, author_id, published_year, isbn, price, categories")
    return [
        report.Section("Against the old service, ours with the access log on (target: 1.5x)", rows, [OURS, OLD], note),
        report.Section("Against the old service, ours with ACCESS_LOG=off", rows, [QUIET, OLD]),
    ]
