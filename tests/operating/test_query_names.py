"""Every statement the app sends carries its query name, as PostgreSQL's own statistics show it (issue #19)."""

import asyncio

import asyncpg
import httpx

from app.queries import named_sql, query_name
from tests.bookstore.helpers import add_book
from tests.inventory.helpers import add_category, add_product, take

THIS_DATABASE = "dbid = (select d.oid from pg_database as d where d.datname = current_database())"


async def statement_texts(conn: asyncpg.Connection) -> dict[str, int]:
    """Query text -> calls, for this test's database, from pg_stat_statements."""
    rows = await conn.fetch(
        f"select query, sum(calls)::int as calls from pg_stat_statements where {THIS_DATABASE} group by query"
    )
    return {row["query"]: row["calls"] for row in rows}


def calls_of(texts: dict[str, int], name: str) -> int:
    return sum(calls for text, calls in texts.items() if query_name(text) == name)


async def test_pg_stat_statements_counts_each_named_query_under_its_name(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    book = await add_book(client, title="Frankenstein", author="Mary Shelley")
    before = calls_of(await statement_texts(conn), "bookstore.book_by_id")
    for _ in range(3):
        assert (await client.get(f"/bookstore/books/{book['id']}")).status_code == 200
    assert (await client.get("/bookstore/books", params={"author": "Mary Shelley"})).status_code == 200
    category = await add_category(client)
    product = await add_product(client, category["id"])
    for _ in range(2):
        assert (await take(client, product["id"], -1)).status_code == 200
    assert (await client.get("/cookbook/categories")).status_code == 200

    texts = await statement_texts(conn)
    assert calls_of(texts, "bookstore.book_by_id") == before + 3
    assert calls_of(texts, "inventory.change_stock") == 2
    assert calls_of(texts, "bookstore.books_page_json") == 1
    assert calls_of(texts, "inventory.insert_product") >= 1
    assert calls_of(texts, "cookbook.categories_page") == 1
    named = [text for text in texts if query_name(text)]
    # The name sits at the head of the text, where truncated displays still show it.
    assert named and all(f"/* catalog: {query_name(text)} */" in text[:80] for text in named)
    # Whatever touched a domain's tables came from a named query: the rest is asyncpg's type
    # introspection, transaction control and this test's own reading of the statistics.
    domains = ("bookstore.", "inventory.", "cookbook.", "corpus.")
    anonymous = [text for text in texts if query_name(text) is None and any(d in text for d in domains)]
    assert anonymous == []


async def test_pg_stat_activity_names_the_statement_a_request_is_waiting_in(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    category = await add_category(client)
    product = await add_product(client, category["id"])
    async with conn.transaction():
        await conn.execute("select 1 from inventory.products where id = $1 for update", product["id"])
        waiting = asyncio.create_task(take(client, product["id"], -1))
        query = None
        # Within a transaction PostgreSQL keeps the first snapshot of each backend's query text while the
        # wait event is read live, so the snapshot is cleared before every sample.
        for _ in range(300):
            await conn.execute("select pg_stat_clear_snapshot()")
            query = await conn.fetchval(
                "select query from pg_stat_activity"
                " where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()"
            )
            if query and query_name(query) == "inventory.change_stock":
                break
            await asyncio.sleep(0.01)
        assert query is not None and query_name(query) == "inventory.change_stock", query
    assert (await waiting).status_code == 200


def test_the_name_goes_after_the_first_keyword_and_is_read_back() -> None:
    assert named_sql("corpus.top_words", "select 1") == "select /* catalog: corpus.top_words */ 1"
    assert (
        named_sql("x.page", "with page as (\n    select 1\n)")
        == "with /* catalog: x.page */ page as (\n    select 1\n)"
    )
    assert named_sql("x.odd", "(select 1)") == "/* catalog: x.odd */ (select 1)"
    for text in ("select 1", "with page as (select 1) table page", "insert\ninto t values (1)", "(select 1)"):
        assert query_name(named_sql("domain.some_query", text)) == "domain.some_query"


def test_query_name_reads_only_a_catalog_comment_at_the_head() -> None:
    assert query_name("/* catalog: corpus.top_words */ select 1") == "corpus.top_words"
    assert query_name("update /* catalog: core.applied_migrations */\nset x = 1") == "core.applied_migrations"
    assert query_name("select 1 /* catalog: corpus.top_words */") is None
    assert query_name("select a, /* catalog: corpus.top_words */ b") is None
    assert query_name("/* other: corpus.top_words */ select 1") is None
    assert query_name("/* catalog: unterminated select 1") is None
    assert query_name("BEGIN") is None
