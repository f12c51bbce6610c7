"""Reads on a real streaming replica (DATABASE_REPLICA_URLS), through a real uvicorn.

One primary of this module's own and a replica made by pg_basebackup -R (app/replica_cluster.py).
Shown: GETs of every domain land on the replica (pg_stat_database), a write's Consistency-Token and
this process's own writes are never read stale with replay paused, the token is honoured by another
process and by two `catalog serve` workers, a lagging, paused or stopped replica is skipped and taken
back, and with the primary stopped reads answer 200 and writes 503 until it is back.
"""

import asyncio
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.own_writes import UNKNOWN, OwnWrites
from app.readonly import is_read_only
from app.relations import (
    EVERYTHING,
    changed_by,
    changes,
    function_changes,
    learn_catalog,
    learn_triggers,
    read_by,
    with_triggers,
)
from app.replica_cluster import SYSTEM_BINARIES, Cluster, MissingBinaries, primary_with_replica
from app.routing import Route, format_token, parse_token
from app.schema_changes import announce
from app.settings import Settings
from tests.conftest import make_settings
from tests.operating.scrape import scrape, value
from tests.servers import served_in_thread
from tests.serving_process import catalog_serve

DOMAINS = "bookstore,cookbook,inventory,corpus"
LONG = 600_000  # REPLICA_MAX_LAG_MS for tests that read a paused replica on purpose
TOKEN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
OTHER_SERVICES = {"/corpus/dictionary"}  # asks a dictionary API on the internet for unknown words


@pytest.fixture(scope="module")
def made_cluster() -> Iterator[Cluster]:
    """A replica of an embedded server of the module's own, or with DATABASE_URL set of that server
    (a database of the module's own on it), made with the binaries of its major version."""
    try:
        with primary_with_replica("replica-test", DOMAINS) as made:
            yield made
    except MissingBinaries as missing:
        pytest.skip(str(missing))


@pytest.fixture
def cluster(made_cluster: Cluster) -> Iterator[Cluster]:
    """The module's cluster; each test ends with both servers up and the replica replaying."""
    yield made_cluster
    for start in (made_cluster.start_primary, made_cluster.start_replica):
        try:
            start()
        except Exception:
            pass  # already running
    asyncio.run(made_cluster.on_replica("select pg_wal_replay_resume()"))
    asyncio.run(made_cluster.wait_replayed())


def app_for(cluster: Cluster, **overrides: object) -> FastAPI:
    settings = make_settings(
        cluster.url,
        catalog_domains=DOMAINS,
        database_replica_urls=cluster.replica_url,
        pool_acquire_timeout=2.0,
        **overrides,
    )
    return create_app(settings)


def commits(url: str) -> int:
    async def read() -> int:
        conn = await asyncpg.connect(url)
        try:
            value = await conn.fetchval("select xact_commit from pg_stat_database where datname = current_database()")
            return int(value)
        finally:
            await conn.close()

    return asyncio.run(read())


def get_paths(app: FastAPI) -> list[str]:
    """Every domain's GET endpoint, path parameters set to 1 (the demo data's first rows)."""
    paths = [path for path, item in app.openapi()["paths"].items() if "get" in item]
    domains = tuple(f"/{name}/" for name in DOMAINS.split(","))
    return [
        re.sub(r"\{[^}]+\}", "1", path) for path in paths if path.startswith(domains) and path not in OTHER_SERVICES
    ]


def wait_for(what: str, done: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"no {what} within {timeout:g}s"
        time.sleep(0.05)


def replica_status(http: httpx.Client) -> str:
    servers = http.get("/ready").json().get("servers", [])
    return next(str(server["status"]) for server in servers if server["role"] == "replica")


def test_the_replica_is_of_the_test_server_with_its_major_version(cluster: Cluster) -> None:
    """DATABASE_URL set: the replica follows that server, made with /usr/lib/postgresql/<major>/bin;
    unset: an embedded server of the module's own, with the embedded binaries."""
    version = "select current_setting('server_version_num')::int"
    primary_version, replica_version = (
        asyncio.run(cluster.on_primary(version)),
        asyncio.run(cluster.on_replica(version)),
    )
    assert primary_version == replica_version
    assert asyncio.run(cluster.on_replica("select pg_is_in_recovery()")) is True
    given = Settings().database_url
    if given:
        assert urlsplit(cluster.url).netloc == urlsplit(given).netloc
        assert cluster.binaries.bin_dir == SYSTEM_BINARIES / str(int(str(primary_version)) // 10000) / "bin"
        follows = asyncio.run(cluster.on_replica("select sender_host || ':' || sender_port from pg_stat_wal_receiver"))
        assert follows == f"{urlsplit(given).hostname}:{urlsplit(given).port}" or urlsplit(given).hostname is None
    else:
        assert cluster.binaries.bin_dir is None and int(str(primary_version)) // 10000 == 18


def test_readonly_classification_from_the_sql() -> None:
    reads = [
        "select 1",
        "select b.id from bookstore.books as b where b.id = $1",
        "with recent as (select id from bookstore.books) select count(*) from recent",
        "values (1), (2)",
        "select * from (select id from bookstore.books) as inner_books union all select 2",
    ]
    writes = [
        "insert into bookstore.authors (name) values ($1)",
        "update bookstore.books set title = $1",
        "delete from bookstore.books where id = $1",
        "select id from bookstore.books for update",
        "select * from (select id from bookstore.books for share) as locked",
        "with gone as (delete from bookstore.books returning id) select count(*) from gone",
        "select id into new_table from bookstore.books",
        "select 1; select 2",
        "vacuum bookstore.books",
        "selec broken",
    ]
    assert [sql for sql in reads if not is_read_only(sql)] == []
    assert [sql for sql in writes if is_read_only(sql)] == []


def test_relations_a_statement_changes_and_reads() -> None:
    """What a commit raises the process's position for, and what a read needs (app/relations.py)."""
    changed = {
        "insert into bookstore.authors (name) values ($1)": {"bookstore.authors"},
        "update bookstore.books as b set title = $1 from bookstore.authors as a where a.id = b.author_id": {
            "bookstore.books"
        },
        "delete from cookbook.recipe_views where viewed_at < $1": {"cookbook.recipe_views"},
        "merge into inventory.products as p using inventory.categories as c on p.category_id = c.id "
        "when matched then delete": {"inventory.products"},
        "with gone as (delete from bookstore.books returning id) "
        "insert into bookstore.search_logs (filters) select '{}' from gone": {
            "bookstore.books",
            "bookstore.search_logs",
        },
        "select id from bookstore.books for update": set(),
        "begin": set(),
        "insert into bookstore.authors (name) values (public.slow_writer($1))": {EVERYTHING},  # may write anywhere
        "select public.count_a_read()": {EVERYTHING},  # a select only when it wrote (a replica refused it)
        "create index on bookstore.books (title)": {EVERYTHING},
        "alter table bookstore.books add column extra int": {EVERYTHING},
        "copy bookstore.books from stdin": {EVERYTHING},
        "select id into bookstore.copy from bookstore.books": {EVERYTHING},
        "insert into authors (name) values ($1)": {EVERYTHING},  # unqualified: unknown
        "update books set title = $1": {EVERYTHING},
        "insert into": {EVERYTHING},  # does not parse
    }
    assert {sql: set(changed_by(sql)) for sql in changed} == changed
    read = {
        "select b.id from bookstore.books as b inner join bookstore.authors as a on a.id = b.author_id": {
            "bookstore.books",
            "bookstore.authors",
        },
        "select id from bookstore.books where author_id in (select id from bookstore.authors where name = $1) "
        "and exists (select from bookstore.book_category as bc where bc.book_id = id)": {
            "bookstore.books",
            "bookstore.authors",
            "bookstore.book_category",
        },
        "with recent as (select id from cookbook.recipes) select count(*) from recent": {"cookbook.recipes"},
        "select public.fold_name($1)": set(),
        "select * from books": {EVERYTHING},  # unqualified: needs everything
        "select * from bookstore.books, authors": {EVERYTHING},
        "selec broken": {EVERYTHING},
    }
    assert {sql: set(read_by(sql)) for sql in read} == read
    plpgsql = "create function t() returns trigger language plpgsql as $$ begin {} return null; end $$"
    triggers = {
        "insert into access.audit_log (action) select 'insert' from new_rows;": {"access.audit_log"},
        "if tg_op = 'DELETE' then update inventory.categories set product_count = 0; end if;": {"inventory.categories"},
        "new.name_key := lower(new.name);": set(),
        "perform public.notify_somebody();": {EVERYTHING},
        "execute 'delete from ' || tg_table_name;": {EVERYTHING},
    }
    assert {body: set(function_changes(plpgsql.format(body))) for body in triggers} == triggers


def test_reads_of_views_and_table_reading_functions_need_every_write() -> None:
    """With the catalog learnt at start-up, a read of a view, a system relation, a table created since,
    or through a function that is not immutable needs every write of the process; only volatile
    functions count as writing."""
    learn_catalog(
        ["bookstore.books", "bookstore.authors"],
        [
            *(("pg_catalog", name, "v") for name in ("lower", "count", "unnest", "random")),  # builtins read no table
            ("public", "fold_name", "i"),
            ("bookstore", "count_books", "s"),
            ("public", "touch", "v"),
            ("x", "touch", "i"),
        ],
    )
    try:
        read = {
            "select id from bookstore.books where public.fold_name(title) = $1": {"bookstore.books"},
            "select b.id from bookstore.books as b where b.id = any($1::bigint[]) and lower(b.title) = $2": {
                "bookstore.books"
            },
            "select bookstore.count_books()": {EVERYTHING},  # stable: reads tables we cannot see
            "select * from bookstore.books_by_year": {EVERYTHING},  # a view (not a user table)
            "select * from bookstore.created_later": {EVERYTHING},  # not there at start-up
            "select count(*) from pg_catalog.pg_stat_activity": {EVERYTHING},
            "select touch()": {EVERYTHING},  # unqualified: the most volatile of that name
            "select nobody.knows()": {EVERYTHING},
            "select created_since_start_up(id) from bookstore.books": {EVERYTHING},  # not a builtin, not known
            "select count(*), random() from bookstore.books": {"bookstore.books"},
        }
        assert {sql: set(read_by(sql)) for sql in read} == read
        changed = {
            "insert into bookstore.authors (name) values (public.fold_name($1))": {"bookstore.authors"},
            "insert into bookstore.authors (name) values (bookstore.count_books()::text)": {"bookstore.authors"},
            "insert into bookstore.authors (name) values (x.touch($1))": {"bookstore.authors"},
            "insert into bookstore.authors (name) values (touch($1))": {EVERYTHING},
            "insert into bookstore.authors (name) values (nobody.knows())": {EVERYTHING},
            "insert into bookstore.authors (name) values (lower($1))": {"bookstore.authors"},
        }
        assert {sql: set(changed_by(sql)) for sql in changed} == changed
        # On the primary a select writes only through a volatile user function; nothing else it runs changes data.
        primary = {
            "select public.touch($1)": {EVERYTHING},
            "select touch($1)": {EVERYTHING},
            "select x.touch($1), bookstore.count_books()": set(),
            "select lower(name) from bookstore.authors for update": set(),
            "begin": set(),
        }
        assert {sql: set(changes(sql)) for sql in primary} == primary
    finally:
        learn_catalog(None)  # the next app learns the catalog of its own server again


def test_cascading_foreign_keys_partitions_and_triggers_are_followed() -> None:
    """A write of a table also changes what its triggers, the foreign keys that cascade from it, and its
    partitions or parent change, transitively; dynamic SQL in a trigger changes everything."""
    plpgsql = "create function t() returns trigger language plpgsql as $$ begin {} return null; end $$"
    learn_triggers(
        [
            ("inventory.products", "plpgsql", plpgsql.format("update inventory.categories set n = 0;")),
            ("s.logged", "plpgsql", plpgsql.format("open c for execute 'select 1';")),
        ],
        [
            ("inventory.products", "inventory.stock_movements"),  # on delete cascade
            ("s.events_2026", "s.events"),  # a partition and its parent, both ways
            ("s.events", "s.events_2026"),
            ("s.events", "s.events_2027"),
        ],
    )
    try:
        expected = {
            "inventory.products": {"inventory.products", "inventory.categories", "inventory.stock_movements"},
            "s.events_2026": {"s.events_2026", "s.events", "s.events_2027"},
            "s.events": {"s.events", "s.events_2026", "s.events_2027"},
            "s.logged": {EVERYTHING},
            "s.alone": {"s.alone"},
        }
        assert {table: set(with_triggers(frozenset({table}))) for table in expected} == expected
    finally:
        learn_triggers([])  # the next app reads its own server's again


def test_own_writes_in_flight_and_positions_never_read_lost() -> None:
    """What a read of the process needs: the primary while a relation it reads is being written or its
    commit's position is unknown, else the position after the process's last commit of it."""
    own = OwnWrites()
    own.writing(frozenset({"s.logs"}))
    assert own.needed(frozenset({"s.logs"})) == UNKNOWN
    assert own.needed(frozenset({"s.books"})) == 0  # other relations are not held back
    assert own.needed(frozenset({EVERYTHING})) == UNKNOWN
    own.committed(100, frozenset({"s.logs"}), frozenset({"s.logs"}))
    assert (own.needed(frozenset({"s.logs"})), own.needed(frozenset({"s.books", "s.logs"}))) == (100, 100)
    assert own.needed(frozenset({"s.books"})) == 0
    # A commit whose position was not read holds back its relations only, until a poll after it.
    own.writing(frozenset({"s.logs"}))
    own.committed(None, frozenset({"s.logs"}), frozenset({"s.logs"}))
    assert (own.needed(frozenset({"s.logs"})), own.needed(frozenset({"s.books"}))) == (UNKNOWN, 0)
    polled_from = own.unknown_commits
    own.committed(None, frozenset({"s.logs"}))  # another one lands while that poll runs
    own.position_polled(150, polled_from)
    assert own.needed(frozenset({"s.logs"})) == UNKNOWN  # the poll may have read a position before it
    polled_from = own.unknown_commits
    own.committed(300, frozenset({EVERYTHING}))  # a known commit past the poll's position, meanwhile
    own.position_polled(200, polled_from)
    assert own.needed(frozenset({"s.logs"})) == 300
    assert own.needed(frozenset({"s.books"})) == 300  # it may have changed anything
    assert own.needed(frozenset({EVERYTHING})) == 300


def test_token_format_round_trip_and_bad_tokens() -> None:
    for position in (0, 1, 0xB374D848, (0x16 << 32) | 0xB374D848, (0xFFFFFFFF << 32) | 0xFFFFFFFF):
        assert parse_token(format_token(position)) == position
    assert format_token((0x16 << 32) | 0xB374D848) == "16/B374D848"
    for bad in ("", "16", "16/", "/B3", "G/1", "1/2/3", "123456789/0", "0/123456789", "-1/5", "+1/5", "1/ 5", "0x1/5"):
        assert parse_token(bad) is None, bad


def test_reads_of_every_domain_land_on_the_replica(cluster: Cluster) -> None:
    app = app_for(cluster)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        paths = get_paths(app)
        assert len(paths) >= 15
        replica_before, primary_before = commits(cluster.replica_url), commits(cluster.url)
        served = 0
        for _ in range(10):
            for path in paths:
                response = http.get(path)
                assert response.status_code < 500, (path, response.text)
                assert "consistency-token" not in response.headers, path
                served += response.status_code in (200, 404)
        # Backends report their counters to pg_stat_database within about ten seconds of going idle.
        wait_for("replica commits", lambda: commits(cluster.replica_url) - replica_before >= served, timeout=30)
        # The primary's count also has its position polls (10 a second) and the background writes
        # (search logs, recipe views): still well under what the replica served.
        on_primary, on_replica = commits(cluster.url) - primary_before, commits(cluster.replica_url) - replica_before
        assert on_primary < on_replica / 2, f"{on_primary} transactions on the primary, {on_replica} on the replica"


def test_read_your_writes_with_replay_paused(cluster: Cluster) -> None:
    writer_app, other_app = app_for(cluster, replica_max_lag_ms=LONG), app_for(cluster, replica_max_lag_ms=LONG)
    with (
        served_in_thread(writer_app) as writer_url,
        served_in_thread(other_app) as other_url,
        httpx.Client(base_url=writer_url, timeout=20) as writer,
        httpx.Client(base_url=other_url, timeout=20) as other,
    ):
        wait_for("fit replica", lambda: replica_status(writer) == "up" and replica_status(other) == "up")
        asyncio.run(cluster.on_replica("select pg_wal_replay_pause()"))
        for number in range(3):  # several writes of several kinds, each read back at once
            created = writer.post("/bookstore/authors", json={"name": f"Paused Author {number}"})
            assert created.status_code == 201, created.text
            token = created.headers["consistency-token"]
            assert TOKEN.fullmatch(token), token
            author = f"/bookstore/authors/{created.json()['id']}"
            assert writer.get(author).status_code == 200  # the writing process never reads before its write
            assert other.get(author, headers={"Consistency-Token": token}).status_code == 200  # the token
            assert other.get(author).status_code == 404  # a tokenless client of another process: the paused replica
            category = writer.post("/inventory/categories", json={"name": f"Paused Category {number}"})
            assert category.status_code == 201, category.text
            path = f"/inventory/categories/{category.json()['id']}"
            assert writer.get(path).status_code == 200
            assert (
                other.get(path, headers={"Consistency-Token": category.headers["consistency-token"]}).status_code == 200
            )
        bad = other.get("/bookstore/authors", headers={"Consistency-Token": "not-a-position"})
        assert bad.status_code == 400 and "Consistency-Token" in bad.json()["detail"]
        asyncio.run(cluster.on_replica("select pg_wal_replay_resume()"))
        asyncio.run(cluster.wait_replayed())
        wait_for("the replica's new position polled", lambda: other.get(author).status_code == 200)


def test_rows_a_cascade_deleted_are_never_read_back(cluster: Cluster) -> None:
    """Deleting a product deletes its stock movements through `on delete cascade` (no statement of ours
    names them): with replay paused, the process still answers 404 for the movements, never the
    replica's old rows."""
    app = app_for(cluster, replica_max_lag_ms=LONG)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        category = http.post("/inventory/categories", json={"name": "Cascade Tools"}).json()["id"]
        products = []
        for number in range(3):
            body = {"name": f"Cascade {number}", "sku": f"CAS-{number}", "quantity": 5, "price": 1.5}
            created = http.post("/inventory/products", json={**body, "category_id": category})
            assert created.status_code == 201, created.text
            product = created.json()["id"]
            moved = http.post(f"/inventory/products/{product}/stock", json={"delta": -2, "reason": "sale"})
            assert moved.status_code == 200, moved.text
            products.append(product)
        asyncio.run(cluster.wait_replayed())
        wait_for("the replica's position polled", lambda: replica_status(http) == "up")
        asyncio.run(cluster.on_replica("select pg_wal_replay_pause()"))
        for product in products:
            movements = f"/inventory/products/{product}/movements"
            assert len(http.get(movements).json()) == 2  # the initial stock and the sale, on the replica
            assert http.delete(f"/inventory/products/{product}").status_code == 204
            gone = http.get(movements)
            assert gone.status_code == 404, gone.text
        replayed = asyncio.run(
            cluster.on_replica(f"select count(*) from inventory.stock_movements where product_id = {products[0]}")
        )
        assert replayed == 2  # the replica still has them: a read it served would have answered 200


def written(app: FastAPI, writer: str) -> int:
    """Items the app's background writer `writer` (app.state.<writer>) has committed so far."""
    return int(getattr(app.state, writer).written)


def status_of(http: httpx.Client, path: str) -> int:
    return http.get(path).status_code


def wrote_past(app: FastAPI, writer: str, count: int) -> bool:
    return written(app, writer) > count


def committed_past(url: str, count: int) -> bool:
    return commits(url) > count


def test_background_writes_of_the_process_are_never_read_stale(cluster: Cluster) -> None:
    """Recipe views and search logs, written after the answer by the process's batch writers, are read
    back by the same process with replay paused and the replica fit (lag bound far away)."""
    app = app_for(cluster, replica_max_lag_ms=LONG)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        asyncio.run(cluster.on_replica("select pg_wal_replay_pause()"))
        views = written(app, "cookbook_views")  # views queued so far; every GET of a recipe adds one
        for recipe_id in (1, 2, 1):  # each GET of a recipe counts a view, written in the background
            seen = http.get(f"/cookbook/recipes/{recipe_id}")
            assert seen.status_code == 200, seen.text
            views += 1  # this one, and the one queued by the previous `again`, all written before reading back
            wait_for("the views written", partial(wrote_past, app, "cookbook_views", views - 1))
            again = http.get(f"/cookbook/recipes/{recipe_id}")
            views += 1
            assert again.json()["view_count"] > seen.json()["view_count"], recipe_id  # counted the first GET
            popular = http.get("/cookbook/recipes/popular", params={"page_size": 100}).json()
            assert next(r["view_count"] for r in popular if r["id"] == recipe_id) >= again.json()["view_count"]
        logged = written(app, "bookstore_search_log")
        for number in range(3):  # each filtered book search is logged in the background
            author = f"Logged While Paused {number}"
            assert http.get("/bookstore/books", params={"author": author}).status_code == 200
            logged += 1
            wait_for("the search logged", partial(wrote_past, app, "bookstore_search_log", logged - 1))
            logs = http.get("/bookstore/logs", params={"page_size": 5})
            assert logs.status_code == 200, logs.text
            assert logs.json()[0]["filters"] == {"author": author}, logs.json()[:2]
        # The replica did not replay them: a read it served would have answered older data.
        replayed_logs = asyncio.run(
            cluster.on_replica(
                "select count(*) from bookstore.search_logs where filters->>'author' like 'Logged While%'"
            )
        )
        assert replayed_logs == 0


def book_scans(url: str) -> int:
    """Sequential and index scans of bookstore.books on the server at `url` (pg_stat_user_tables)."""

    async def read() -> int:
        conn = await asyncpg.connect(url)
        try:
            value = await conn.fetchval(
                "select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) from pg_stat_user_tables "
                "where relid = 'bookstore.books'::regclass"
            )
            return int(value)
        finally:
            await conn.close()

    return asyncio.run(read())


def test_book_reads_land_on_the_replica_while_the_process_logs_searches(cluster: Cluster) -> None:
    """Each filtered search queues a search-log write; the process's commits of search logs do not send
    its reads of books to the primary (positions per relation), while reads of the log itself see them."""
    app = app_for(cluster)
    searches = 40
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        on_replica_before, on_primary_before = book_scans(cluster.replica_url), book_scans(cluster.url)
        logged = written(app, "bookstore_search_log")
        for number in range(searches):
            before = written(app, "bookstore_search_log")
            found = http.get("/bookstore/books", params={"author": f"Busy Writer {number}"})
            assert found.status_code == 200, found.text
            wait_for("the search logged", partial(wrote_past, app, "bookstore_search_log", before))
            assert http.get("/bookstore/books/1").status_code == 200  # right after the log's commit
            logs = http.get("/bookstore/logs", params={"page_size": 1})  # the process's own write, read back
            assert logs.json()[0]["filters"] == {"author": f"Busy Writer {number}"}, logs.text
        assert written(app, "bookstore_search_log") - logged >= searches
    # The app is stopped: its backends report their counters when they exit.
    wait_for(
        "book scans reported by the replica",
        lambda: book_scans(cluster.replica_url) - on_replica_before >= searches,
        timeout=30,
    )
    time.sleep(1)  # the primary's backends exited at the same time
    on_replica = book_scans(cluster.replica_url) - on_replica_before
    on_primary = book_scans(cluster.url) - on_primary_before
    print(f"\nbookstore.books scans: {on_replica} on the replica, {on_primary} on the primary")
    assert on_primary < on_replica / 4, f"{on_primary} book scans on the primary, {on_replica} on the replica"


def test_a_volatile_function_that_writes_reruns_on_the_primary(cluster: Cluster) -> None:
    asyncio.run(
        cluster.on_primary(
            "create or replace function public.count_a_read() returns bigint language sql volatile as "
            "$$ insert into bookstore.search_logs (filters, result_count, duration_ms) values ('{}', 0, 0) "
            "returning 1 $$"
        )
    )
    asyncio.run(cluster.wait_replayed())
    statement = "select public.count_a_read()"
    assert is_read_only(statement)  # a plain select as far as the SQL shows
    app = app_for(cluster)

    async def run() -> object:
        async with app.router.lifespan_context(app):
            servers = app.state.servers
            deadline = time.monotonic() + 20
            while not servers.fit:
                assert time.monotonic() < deadline, "no fit replica"
                await asyncio.sleep(0.05)
            route = Route(servers, 2.0, 0, replica_reads=True)
            try:
                return await route.main.fetchval(statement)
            finally:
                await route.main.release()

    assert asyncio.run(run()) == 1  # refused by the replica, run again on the primary
    assert not is_read_only(statement)  # and sent straight to the primary from now on


def test_token_honoured_across_two_worker_processes(cluster: Cluster, tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": cluster.url,
        "DATABASE_REPLICA_URLS": cluster.replica_url,  # as DATABASE_URL's role: --no-seed sets up no app role
        "REPLICA_MAX_LAG_MS": str(LONG),
    }
    with catalog_serve(tmp_path, "--workers", "2", env=env, workers=2) as served:
        wait_for("fit replica", lambda: replica_status(httpx.Client(base_url=served.base_url)) == "up")
        asyncio.run(cluster.on_replica("select pg_wal_replay_pause()"))
        created = httpx.post(f"{served.base_url}/bookstore/authors", json={"name": "Two Workers"}, timeout=20)
        assert created.status_code == 201, created.text
        token, path = (
            created.headers["consistency-token"],
            f"{served.base_url}/bookstore/authors/{created.json()['id']}",
        )
        with_token, without = [], []
        for _ in range(40):  # a new connection each time: the two workers' sockets share them out
            with_token.append(httpx.get(path, headers={"Consistency-Token": token}, timeout=20).status_code)
            without.append(httpx.get(path, timeout=20).status_code)
        assert set(with_token) == {200}, with_token
        # Without the token the worker that did not write reads the paused replica: the other process was asked.
        assert 404 in without and 200 in without, without


def test_a_paused_replica_is_skipped_past_the_lag_bound_and_taken_back(cluster: Cluster) -> None:
    app = app_for(cluster, replica_max_lag_ms=300)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        asyncio.run(cluster.on_replica("select pg_wal_replay_pause()"))
        # Written behind the app's back: only the lag bound can keep a read from missing it.
        author_id = asyncio.run(
            cluster.on_primary("insert into bookstore.authors (name) values ('Behind The Back') returning id")
        )
        wait_for("lagging replica", lambda: replica_status(http) == "lagging", timeout=5)
        assert http.get(f"/bookstore/authors/{author_id}").status_code == 200
        asyncio.run(cluster.on_replica("select pg_wal_replay_resume()"))
        wait_for("replica taken back", lambda: replica_status(http) == "up")
        before = commits(cluster.replica_url)
        for _ in range(30):
            assert http.get(f"/bookstore/authors/{author_id}").status_code == 200
        wait_for("reads on the replica again", lambda: commits(cluster.replica_url) - before >= 30, timeout=30)


def test_a_stopped_replica_fails_no_request(cluster: Cluster) -> None:
    app = app_for(cluster)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        paths = get_paths(app)
        answers: list[int] = []
        cluster.stop_replica()
        for _ in range(3):
            answers += [http.get(path).status_code for path in paths]
        assert replica_status(http) == "down"
        assert http.post("/bookstore/authors", json={"name": "Replica Down"}).status_code == 201
        cluster.start_replica()
        wait_for("replica taken back", lambda: replica_status(http) == "up", timeout=60)
        answers += [http.get(path).status_code for path in paths]
        assert all(status < 500 for status in answers), answers
        ready = http.get("/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_a_stopped_primary_keeps_reads_and_refuses_writes_until_back(cluster: Cluster) -> None:
    if cluster.primary is None:
        pytest.skip(cluster.primary_problem)
    app = app_for(cluster, retry_after_seconds=3)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        paths = get_paths(app)
        cluster.stop_primary()
        for path in paths:
            response = http.get(path)
            assert response.status_code < 500, (path, response.text)
        for body in ({"name": "Primary Down"}, {"name": "Another"}):
            refused = http.post("/bookstore/authors", json=body)
            assert refused.status_code == 503 and int(refused.headers["retry-after"]) == 3, refused.text
        assert http.post("/inventory/categories", json={"name": "Down Too"}).status_code == 503
        ready = http.get("/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "read-only", ready.text
        assert ready.json()["servers"][0] == {"name": "primary", "role": "primary", "status": "down"}
        cluster.start_primary()
        wait_for(
            "writes again",
            lambda: http.post("/bookstore/authors", json={"name": "Primary Back"}).status_code == 201,
            timeout=60,
        )
        assert http.get("/ready").json()["status"] == "ready"


def test_no_replica_configured_changes_nothing(cluster: Cluster) -> None:
    app = create_app(Settings(database_url=cluster.url, catalog_domains=DOMAINS))
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        created = http.post("/bookstore/authors", json={"name": "No Replica"})
        assert created.status_code == 201 and "consistency-token" not in created.headers
        ready = http.get("/ready").json()
        assert ready["status"] == "ready" and [server["name"] for server in ready["servers"]] == ["primary"]


def test_writes_routed_to_the_primary_name_their_actor_and_reads_log_nothing(cluster: Cluster) -> None:
    app = app_for(cluster)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        ids = [f"routed-write-{number}" for number in range(3)]
        for number, rid in enumerate(ids):  # each write on a pooled primary connection, each its own request id
            created = http.post("/bookstore/authors", json={"name": f"Routed {number}"}, headers={"X-Request-ID": rid})
            assert created.status_code == 201, created.text
            read = http.get(
                f"/bookstore/authors/{created.json()['id']}", headers={"X-Request-ID": f"routed-read-{number}"}
            )
            assert read.status_code == 200, read.text

        async def logged() -> list[tuple[str, str, str]]:
            conn = await asyncpg.connect(cluster.url)
            try:
                rows = await conn.fetch(
                    "select actor, request_id, action from access.audit_log where request_id like 'routed-%' order by id"
                )
                return [(row["actor"], row["request_id"], row["action"]) for row in rows]
            finally:
                await conn.close()

        assert asyncio.run(logged()) == [("local:127.0.0.1", rid, "insert") for rid in ids]


STALE_AFTER = [  # (migration, its reversal, a GET whose statement reads the changed column)
    (
        "alter table inventory.products alter column reorder_level type bigint",
        "alter table inventory.products alter column reorder_level type integer",
        "/inventory/products/1",
    ),
    (
        "alter table inventory.products alter column name type varchar(300)",
        "alter table inventory.products alter column name type text",
        "/inventory/products/1",
    ),
    (
        "alter table bookstore.books alter column price type numeric(14, 2)",
        "alter table bookstore.books alter column price type numeric(10, 2)",
        "/bookstore/books/1",
    ),
]


def migrate(cluster: Cluster, statement: str) -> None:
    """`statement` applied on the primary and announced as `catalog migrate` does (app/schema_changes.py)."""

    async def run() -> None:
        conn = await asyncpg.connect(cluster.url)
        try:
            async with conn.transaction():
                await conn.execute(statement)
                await announce(conn, statement)
        finally:
            await conn.close()

    asyncio.run(run())


def test_replica_statements_prepared_before_a_replayed_migration_never_answer_500(cluster: Cluster) -> None:
    """The pools are expired on the migration's notice while the replica has not replayed it: statements
    prepared again then are prepared on the old schema, and go stale when the replica replays it."""
    original_price = asyncio.run(
        cluster.on_primary(
            "select format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = 'bookstore.books'::regclass and attname = 'price'"
        )
    )
    assert original_price == "numeric(10,2)", original_price  # what the reversal below restores
    app = app_for(cluster, replica_max_lag_ms=LONG)
    answers: Counter[int] = Counter()
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=20) as http:
        wait_for("fit replica", lambda: replica_status(http) == "up")
        try:
            for change, _, path in STALE_AFTER:
                asyncio.run(cluster.on_replica("select pg_wal_replay_pause()"))
                migrate(cluster, change)
                before = commits(cluster.replica_url)
                for _ in range(20):  # new connections prepare the statement on the replica's old schema
                    answers[http.get(path).status_code] += 1
                wait_for(
                    "reads on the paused replica", partial(committed_past, cluster.replica_url, before), timeout=30
                )
                asyncio.run(cluster.on_replica("select pg_wal_replay_resume()"))
                with ThreadPoolExecutor(4) as pool:  # while and after the replica replays the change
                    for status in pool.map(partial(status_of, http), [path] * 200):
                        answers[status] += 1
                asyncio.run(cluster.wait_replayed())
                for _ in range(20):
                    answers[http.get(path).status_code] += 1
        finally:
            asyncio.run(cluster.on_replica("select pg_wal_replay_resume()"))
            for _, reversal, _ in STALE_AFTER:
                migrate(cluster, reversal)
    assert set(answers) == {200}, answers


def test_pool_metrics_per_server_with_a_replica(cluster: Cluster) -> None:
    app = app_for(cluster, pool_min_size=1, pool_max_size=2)

    async def run() -> None:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
        ):
            servers = app.state.servers
            deadline = time.monotonic() + 20
            while not servers.fit:
                assert time.monotonic() < deadline, "no fit replica"
                await asyncio.sleep(0.05)
            idle = await scrape(client)
            for server in ("primary", "replica1"):
                assert value(idle, "catalog_db_pool_max_connections", server=server) == 2, server
                assert value(idle, "catalog_db_pool_connections", server=server) >= 1, server
            assert value(idle, "catalog_db_pool_in_use_connections", server="replica1") == 0
            replica_pool: asyncpg.Pool = servers.replicas[0].pool
            # Bounded: a connection that never comes back fails the test instead of hanging the suite.
            held = [await asyncio.wait_for(replica_pool.acquire(), 10) for _ in range(2)]
            try:  # held connections are released whatever happens: closing the pool would wait for them
                waiting = asyncio.create_task(client.get("/bookstore/authors"))  # a read: waits for the replica
                deadline = time.monotonic() + 10
                busy = await scrape(client)
                while value(busy, "catalog_db_pool_waiting_requests", server="replica1") < 1:
                    assert time.monotonic() < deadline, "the read never waited for the replica's pool"
                    await asyncio.sleep(0.05)
                    busy = await scrape(client)
                assert value(busy, "catalog_db_pool_in_use_connections", server="replica1") == 2
                assert value(busy, "catalog_db_pool_waiting_requests", server="replica1") == 1
                assert value(busy, "catalog_db_pool_waiting_requests", server="primary") == 0
            finally:
                for conn in held:
                    await replica_pool.release(conn)
            assert (await asyncio.wait_for(waiting, 20)).status_code == 200
            done = await scrape(client)
            assert value(done, "catalog_db_pool_waiting_requests", server="replica1") == 0
            assert value(done, "catalog_db_pool_in_use_connections", server="replica1") == 0
            servers_named = {dict(labels)["server"] for (_, labels) in done if "server" in dict(labels)}
            assert servers_named == {"primary", "replica1"}  # names, never a URL or a password

    # A hang fails with the line it waited on (the cancelled coroutine's traceback), not pytest-timeout's loop frame.
    asyncio.run(asyncio.wait_for(run(), 120))
