"""The bookstore schema as PostgreSQL sees it: keys, foreign keys, indexes and rules."""

import asyncpg
import pytest

from app.bookstore import seed


async def _constraints(conn: asyncpg.Connection, kind: str) -> dict[str, str]:
    found = await conn.fetch(
        """
        select con.conname, pg_get_constraintdef(con.oid) as definition
        from pg_catalog.pg_constraint as con
        inner join pg_catalog.pg_namespace as ns on con.connamespace = ns.oid
        where ns.nspname = 'bookstore' and con.contype::text = $1
        """,
        kind,
    )
    return {r["conname"]: r["definition"] for r in found}


async def test_primary_keys(conn: asyncpg.Connection) -> None:
    keys = await _constraints(conn, "p")
    assert keys == {
        "authors_pkey": "PRIMARY KEY (id)",
        "categories_pkey": "PRIMARY KEY (id)",
        "books_pkey": "PRIMARY KEY (id)",
        "book_category_pkey": "PRIMARY KEY (book_id, category_id)",
        "search_logs_pkey": "PRIMARY KEY (id)",
    }


async def test_foreign_keys(conn: asyncpg.Connection) -> None:
    keys = await _constraints(conn, "f")
    assert keys == {
        "books_author_id_fkey": "FOREIGN KEY (author_id) REFERENCES bookstore.authors(id)",
        "book_category_book_fkey": (
            "FOREIGN KEY (book_id, published_year) REFERENCES bookstore.books(id, published_year) "
            "ON UPDATE CASCADE ON DELETE CASCADE"
        ),
        "book_category_category_id_fkey": "FOREIGN KEY (category_id) REFERENCES bookstore.categories(id)",
    }


async def test_rules(conn: asyncpg.Connection) -> None:
    unique = await _constraints(conn, "u")
    assert set(unique) == {
        "authors_name_key_unique",
        "categories_name_key_unique",
        "books_isbn_unique",
        "books_id_published_year_unique",
    }
    checks = await _constraints(conn, "c")
    for name in ["books_price_nonnegative", "books_isbn_valid", "books_title_length", "books_published_year_range"]:
        assert name in checks


async def test_indexes_the_queries_need(conn: asyncpg.Connection) -> None:
    found = await conn.fetch("select indexname, indexdef from pg_catalog.pg_indexes where schemaname = 'bookstore'")
    indexes = {r["indexname"]: r["indexdef"] for r in found}
    assert "(published_year, id)" in indexes["books_published_year_id_idx"]
    assert "(author_id, published_year, id)" in indexes["books_author_id_published_year_id_idx"]
    assert "gin (to_tsvector('simple'::regconfig, fold_name(title)))" in indexes["books_title_fold_words_idx"]
    assert "(category_id, published_year, book_id)" in indexes["book_category_category_id_published_year_book_id_idx"]
    assert "(name_key)" in indexes["authors_name_key_unique"]


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        (
            "insert into bookstore.books (title, author_id, published_year, price) values ('t', 1, 2000, -1)",
            asyncpg.CheckViolationError,
        ),
        (
            "insert into bookstore.books (title, author_id, published_year, isbn) values ('t', 1, 2000, '9780441478126')",
            asyncpg.CheckViolationError,
        ),
        (
            "insert into bookstore.books (title, author_id, published_year) values ('', 1, 2000)",
            asyncpg.CheckViolationError,
        ),
        (
            "insert into bookstore.books (title, author_id, published_year) values ('t', 999, 2000)",
            asyncpg.ForeignKeyViolationError,
        ),
        ("insert into bookstore.authors (name) values ('DUP'), ('dup')", asyncpg.UniqueViolationError),
    ],
)
async def test_database_refuses_bad_rows_itself(
    conn: asyncpg.Connection, statement: str, error: type[Exception]
) -> None:
    await conn.execute("insert into bookstore.authors (name) values ('Someone')")
    with pytest.raises(error):
        await conn.execute(statement)


async def test_synthetic_catalogue_is_deterministic_and_skewed(conn: asyncpg.Connection) -> None:
    stages: list[str] = []
    await seed.load_synthetic(conn, 3000, lambda stage, done, total: stages.append(stage))
    assert "books" in stages
    assert await conn.fetchval("select count(*) from bookstore.books") == 3000
    assert await conn.fetchval("select count(*) from bookstore.authors") == 300
    links_per_book = await conn.fetch("select count(*) as n from bookstore.book_category group by book_id")
    assert {r["n"] for r in links_per_book} == {1, 2, 3}
    largest = await conn.fetchval(
        "select max(n) from (select count(*) as n from bookstore.books group by author_id) as per_author"
    )
    assert largest > 50  # a few authors are large: 3000 books over 200 authors average 15
    assert (
        await conn.fetchval(
            "select count(*) from bookstore.authors as a"
            " where not exists (select 1 from bookstore.books as b where b.author_id = a.id)"
        )
        >= 100
    )
    fingerprint = await conn.fetchval(
        "select md5(string_agg(concat_ws('|', id, title, author_id, published_year, isbn, price), ',' order by id))"
        " from bookstore.books"
    )
    await seed.clear(conn)
    await seed.load_synthetic(conn, 3000, lambda *_: None)
    assert fingerprint == await conn.fetchval(
        "select md5(string_agg(concat_ws('|', id, title, author_id, published_year, isbn, price), ',' order by id))"
        " from bookstore.books"
    )
    # Identities continue after the explicit ids, so the API can add books afterwards.
    new_id = await conn.fetchval(
        "insert into bookstore.books (title, author_id, published_year) values ('After', 1, 2000) returning id"
    )
    assert new_id == 3001


async def test_demo_catalogue_loads_once(conn: asyncpg.Connection) -> None:
    assert await seed.is_empty(conn)
    await seed.load_demo(conn)
    assert not await seed.is_empty(conn)
    assert await conn.fetchval("select count(*) from bookstore.books") >= 50
    assert await conn.fetchval("select count(*) from bookstore.books where isbn is null") == 0
