"""Who did what: every write through the API names its actor and request id, in the audit log (same
transaction as the change) or the stock ledger; the log is readable with `admin` and append-only."""

import asyncpg
import pytest

from app import roles
from app.roles import serving_url
from tests.access.helpers import REMOTE, client, issue, running
from tests.conftest import assert_error, make_settings
from tests.operating.test_query_names import calls_of, statement_texts


async def test_writes_record_key_name_and_request_id(conn: asyncpg.Connection, database_url: str) -> None:
    clerk = await issue(conn, database_url, "clerk", "inventory:write,cookbook:write,bookstore:write")
    auditor = await issue(conn, database_url, "auditor", "admin")
    async with running(database_url) as app, client(app, REMOTE, key=clerk) as http:
        category = (
            await http.post("/inventory/categories", json={"name": "Tools"}, headers={"X-Request-ID": "req-cat-1"})
        ).json()
        product = await http.post(
            "/inventory/products",
            json={"name": "Hammer", "sku": "HAM-1", "price": "9.50", "category_id": category["id"], "quantity": 5},
            headers={"X-Request-ID": "req-prod-1"},
        )
        assert product.status_code == 201, product.text
        pid = product.json()["id"]
        moved = await http.post(
            f"/inventory/products/{pid}/stock",
            json={"delta": -2, "reason": "sale"},
            headers={"X-Request-ID": "req-sale-1"},
        )
        assert moved.status_code in (200, 201), moved.text
        author = await http.post(
            "/bookstore/authors", json={"name": "Ursula K. Le Guin"}, headers={"X-Request-ID": "req-auth-1"}
        )
        assert author.status_code == 201, author.text
        refused = await http.post("/bookstore/authors", json={"name": ""}, headers={"X-Request-ID": "req-bad"})
        assert refused.status_code == 422
        gone = await http.delete(f"/bookstore/authors/{author.json()['id']}", headers={"X-Request-ID": "req-del-1"})
        assert gone.status_code == 204, gone.text

        # The ledger names who moved the stock, initial stock included.
        ledger = await conn.fetch(
            "select reason, actor, request_id from inventory.stock_movements where product_id = $1 order by id", pid
        )
        assert [(r["actor"], r["request_id"]) for r in ledger] == [
            ("key:clerk", "req-prod-1"),
            ("key:clerk", "req-sale-1"),
        ]

        # GET /audit: admin only, newest first, keyset pages.
        assert_error(await http.get("/audit"), 403, "admin")
        async with client(app, REMOTE, key=auditor) as admin:
            assert_error(await admin.post("/inventory/categories", json={"name": "Nope"}), 403, "inventory:write")
            entries, url = [], "/audit?page_size=2"
            while url:
                page = await admin.get(url)
                assert page.status_code == 200, page.text
                entries += page.json()
                link = page.headers.get("link")
                url = link.split(">")[0].lstrip("<") if link else ""
        seen = {(e["domain"], e["entity"], e["action"], e["request_id"]) for e in entries}
        assert ("inventory", "categories", "insert", "req-cat-1") in seen
        assert ("inventory", "products", "insert", "req-prod-1") in seen
        assert ("inventory", "products", "update", "req-sale-1") in seen
        assert ("bookstore", "authors", "insert", "req-auth-1") in seen
        assert ("bookstore", "authors", "delete", "req-del-1") in seen
        assert not any(e["request_id"] == "req-bad" for e in entries)  # nothing committed, nothing logged
        assert not any(e["entity"] == "stock_movements" for e in entries)  # the ledger records its own actor
        assert {e["actor"] for e in entries} == {"key:clerk"}
        assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
        deleted = next(e for e in entries if e["action"] == "delete")
        assert deleted["entity_key"] == {"id": author.json()["id"]}
        async with client(app, REMOTE, key=auditor) as admin:
            only = (await admin.get("/audit?domain=bookstore&page_size=100")).json()
        assert {e["domain"] for e in only} == {"bookstore"} and len(only) == 2


async def test_loopback_writes_without_keys_name_the_address(conn: asyncpg.Connection, database_url: str) -> None:
    async with running(database_url) as app, client(app) as http:
        assert (
            await http.post("/cookbook/categories", json={"name": "Soups"}, headers={"X-Request-ID": "r1"})
        ).status_code == 201
        audit = await http.get("/audit")
        assert audit.status_code == 200
        assert [(e["entity"], e["actor"], e["request_id"]) for e in audit.json()] == [
            ("categories", "local:127.0.0.1", "r1")
        ]
    # Writes the API did not make (seeding, migrations, background logs) are not audited: no actor.
    await conn.execute("insert into cookbook.categories (name) values ('Breads')")
    assert await conn.fetchval("select count(*) from access.audit_log") == 1


async def test_the_app_role_may_append_to_the_audit_log_but_not_change_it(
    conn: asyncpg.Connection, database_url: str
) -> None:
    settings = make_settings(database_url, app_role=f"catalog_app_audit_{id(conn) % 10_000}")
    assert await roles.ensure_app_role(conn, settings)
    app_conn = await asyncpg.connect(serving_url(database_url, settings))
    try:
        await app_conn.execute("select set_config('catalog.actor', 'key:x', false)")
        await app_conn.execute("insert into bookstore.authors (name) values ('Octavia E. Butler')")
        assert await conn.fetchval("select count(*) from access.audit_log") == 1
        for statement in (
            "update access.audit_log set actor = 'someone else'",
            "delete from access.audit_log",
            "truncate access.audit_log",
            "insert into access.api_keys (name, key_id, secret_hash, scopes) values ('x', 'y', '\\x00', '{admin}')",
            "update access.api_keys set scopes = '{admin}'",
            "delete from access.api_keys",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await app_conn.execute(statement)
        assert await app_conn.fetchval("select count(*) from access.audit_log") == 1
        await app_conn.execute("update access.api_keys set last_used_at = now() where false")
    finally:
        await app_conn.close()
        await conn.execute(f'drop owned by "{settings.app_role}"; drop role "{settings.app_role}"')


async def test_only_statements_that_may_write_mark_the_session(conn: asyncpg.Connection, database_url: str) -> None:
    """The actor is set (one round trip, and one more to clear it) before a write's first statement that
    may write: a POST that only reads (a search) or a GET never pays it; each write pays it once."""

    async def marks() -> tuple[int, int]:
        texts = await statement_texts(conn)
        return calls_of(texts, "access.set_actor"), calls_of(texts, "access.clear_actor")

    async with running(database_url) as app, client(app) as http:
        before = await marks()
        for words in (["zyzzyva"], ["the", "of"]):
            searched = await http.post("/corpus/search", json={"words": words, "operator": "or"})
            assert searched.status_code == 200, searched.text
        assert (await http.get("/bookstore/books", params={"author": "nobody"})).status_code == 200
        assert await marks() == before
        made = await http.post("/cookbook/categories", json={"name": "Soups"}, headers={"X-Request-ID": "w1"})
        assert made.status_code == 201, made.text
        book = await http.post("/bookstore/books", json={"title": "T", "author": "A", "published_year": 2000})
        assert book.status_code == 201, book.text
        assert await marks() == (before[0] + 2, before[1] + 2)
        audit = (await http.get("/audit")).json()
    assert {(e["entity"], e["actor"]) for e in audit} >= {
        ("categories", "local:127.0.0.1"),
        ("books", "local:127.0.0.1"),
    }


async def test_audit_triggers_are_attached_only_where_missing(conn: asyncpg.Connection) -> None:
    """catalog migrate and serve attach them while the app serves: a table that has them is not locked again."""
    triggers = (
        "select count(*) from pg_catalog.pg_trigger"
        " where tgrelid = $1::regclass and tgname like 'audit\\_%' and not tgisinternal"
    )
    assert await conn.fetchval("select access.audit_all_tables()") == 0
    await conn.execute("create table bookstore.audit_probe (id bigint primary key)")
    try:
        assert await conn.fetchval(triggers, "bookstore.audit_probe") == 0
        assert await conn.fetchval("select access.audit_all_tables()") == 1
        assert await conn.fetchval(triggers, "bookstore.audit_probe") == 3
        await conn.execute("drop trigger audit_update on bookstore.audit_probe")
        assert await conn.fetchval("select access.audit_all_tables()") == 1  # one missing: attached again
        assert await conn.fetchval(triggers, "bookstore.audit_probe") == 3
        assert await conn.fetchval("select access.audit_all_tables()") == 0
    finally:
        await conn.execute("drop table bookstore.audit_probe")
