"""One case-folding rule (public.fold_name, schema/0010 and 0016) for the names of every domain.

Each kind of spelling that Python's str.lower() and PostgreSQL's lower() fold differently: Turkish
dotted and dotless i, German ß and ẞ, Greek final sigma, precomposed against combining accents, and
compatibility forms (ligatures, the long s, Armenian և, full-width letters).
A name created in one spelling is found, matched and refused as a duplicate in every other.
"""

import shutil
import unicodedata
from pathlib import Path

import asyncpg
import httpx
import pytest

from app import migrations
from app.bookstore import sql as bookstore_sql
from app.database import with_database
from app.database_admin import create_database, drop_database
from app.inventory import sql as inventory_sql
from app.settings import Settings
from tests.conftest import assert_error

# Every spelling in a group is the same name; the first is the one created.
TURKISH = ["İrmik", "IRMIK", "irmik", "ırmık", "İRMİK", "i\u0307rmik"]  # the last: Python's "İrmik".lower()
GERMAN = ["Straße", "STRASSE", "STRAẞE", "strasse", "straße", "Strasse"]
GREEK = ["ΟΔΟΣ", "οδος", "οδοσ", "Οδος", "ΟΔΟΣ".lower(), "ΟΔΟΣ".casefold()]
COMBINING = [
    unicodedata.normalize("NFC", "Crème brûlée"),
    unicodedata.normalize("NFD", "Crème brûlée"),
    unicodedata.normalize("NFC", "CRÈME BRÛLÉE"),
    unicodedata.normalize("NFD", "CRÈME BRÛLÉE"),
    unicodedata.normalize("NFD", "crème BRÛLÉE"),
]
# Compatibility forms (NFKC, schema/0016): ligatures, the long s, Armenian ech-yiwn, full-width letters.
LIGATURE = ["ﬂocken", "FLOCKEN", "Flocken", "ﬂOCKEN", "flocken"]
LONG_S = ["Waſſer", "WASSER", "Wasser", "wasser", "waſſer"]
ARMENIAN = ["Երևան", "ԵՐԵՒԱՆ", "երեւան", "Երեւան"]
FULL_WIDTH = ["ＭＩＳＯ", "miso", "Miso", "ｍｉｓｏ", "MISO"]
GROUPS = {
    "turkish": TURKISH,
    "german": GERMAN,
    "greek": GREEK,
    "combining": COMBINING,
    "ligature": LIGATURE,
    "long s": LONG_S,
    "armenian": ARMENIAN,
    "full width": FULL_WIDTH,
}
# Names the fold must keep apart: an accent or a letter is not a case.
DISTINCT = [("Café", "Cafe"), ("οδός", "οδος"), ("Straße", "Strase"), ("Irmik", "Irmak"), ("Ärger", "Arger")]


def kinds() -> list[tuple[str, list[str]]]:
    return list(GROUPS.items())


def prefix(spelling: str, length: int) -> str:
    """The first `length` characters, with the combining accents of the last one (never half a letter)."""
    end = length
    while end < len(spelling) and unicodedata.combining(spelling[end]):
        end += 1
    return spelling[:end]


async def fold(conn: asyncpg.Connection, name: str) -> str:
    value = await conn.fetchval("select public.fold_name($1)", name)
    assert isinstance(value, str)
    return value


@pytest.mark.parametrize(("kind", "spellings"), kinds())
async def test_every_spelling_folds_to_one_key(conn: asyncpg.Connection, kind: str, spellings: list[str]) -> None:
    keys = {await fold(conn, s) for s in spellings}
    assert len(keys) == 1, (kind, keys)
    key = keys.pop()
    assert key == await fold(conn, key), "folding is idempotent"
    assert unicodedata.is_normalized("NFKC", key)


async def test_the_fold_keeps_different_names_apart(conn: asyncpg.Connection) -> None:
    for first, second in DISTINCT:
        assert await fold(conn, first) != await fold(conn, second), (first, second)


@pytest.mark.parametrize(("kind", "spellings"), kinds())
async def test_cookbook_ingredients_match_in_every_spelling(
    client: httpx.AsyncClient, kind: str, spellings: list[str]
) -> None:
    category = (await client.post("/cookbook/categories", json={"name": spellings[0]})).json()["id"]
    body = {"title": f"Dish {kind}", "category_id": category, "ingredients": [{"name": s} for s in spellings]}
    created = await client.post("/cookbook/recipes", json=body)
    assert created.status_code == 201, created.text
    recipe = created.json()
    # Every spelling is one ingredient, stored as first given.
    assert [d["name"] for d in recipe["ingredient_details"]] == [spellings[0]]
    ingredient = recipe["ingredients"][0]
    for spelling in spellings:
        found = await client.get("/cookbook/recipes/search", params={"ingredient": spelling})
        assert [r["id"] for r in found.json()["recipes"]] == [recipe["id"]], (spelling, found.text)
        by_category = await client.get("/cookbook/recipes/search", params={"category": spelling})
        assert [r["id"] for r in by_category.json()["recipes"]] == [recipe["id"]], spelling
        cookable = await client.get("/cookbook/recipes/cookable", params={"have_names": spelling})
        assert [r["id"] for r in cookable.json()["recipes"]] == [recipe["id"]], spelling
        listed = await client.get("/cookbook/ingredients", params={"name": prefix(spelling, 4)})
        assert [i["id"] for i in listed.json()] == [ingredient], spelling
        assert_error(await client.post("/cookbook/ingredients", json={"name": spelling}), 409, "already exists")
        assert_error(await client.post("/cookbook/categories", json={"name": spelling}), 409, "already exists")
    # A later recipe naming it in another spelling links the same ingredient.
    again = await client.post(
        "/cookbook/recipes", json={"title": "Again", "category_id": category, "ingredients": [{"name": spellings[-1]}]}
    )
    assert again.status_code == 201, again.text
    assert again.json()["ingredients"] == [ingredient]
    # So does a change of a recipe's ingredients, with a new one beside it.
    lines = [{"name": spellings[2]}, {"name": "Salt"}]
    changed = await client.patch(f"/cookbook/recipes/{again.json()['id']}", json={"ingredients": lines})
    assert changed.status_code == 200, changed.text
    assert [d["name"] for d in changed.json()["ingredient_details"]] == [spellings[0], "Salt"]


async def test_the_reported_recipe_is_created(client: httpx.AsyncClient) -> None:
    """The issue's request: a Turkish capital İ in a new ingredient's name answered 422 "could not be matched"."""
    category = (await client.post("/cookbook/categories", json={"name": "Desserts"})).json()["id"]
    for title, name in [("Semolina halva", "İrmik"), ("Greek salad", "ΦΕΤΑ ΤΥΡΙ ΣΑΛΑΤΑΣ"), ("Kuchen", "Weißmehl")]:
        body = {"title": title, "category_id": category, "ingredients": [{"name": name}]}
        response = await client.post("/cookbook/recipes", json=body)
        assert response.status_code == 201, response.text
        assert [d["name"] for d in response.json()["ingredient_details"]] == [name]


async def test_distinct_names_stay_distinct_ingredients(client: httpx.AsyncClient) -> None:
    for first, second in DISTINCT:
        for name in (first, second):
            response = await client.post("/cookbook/ingredients", json={"name": name})
            assert response.status_code == 201, (name, response.text)


@pytest.mark.parametrize(("kind", "spellings"), kinds())
async def test_bookstore_authors_and_categories_match_in_every_spelling(
    client: httpx.AsyncClient, kind: str, spellings: list[str]
) -> None:
    author = await client.post("/bookstore/authors", json={"name": spellings[0]})
    assert author.status_code == 201, author.text
    category = await client.post("/bookstore/categories", json={"name": spellings[0]})
    assert category.status_code == 201, category.text
    book_ids = []
    for number, spelling in enumerate(spellings):
        assert_error(await client.post("/bookstore/authors", json={"name": spelling}), 409, "already exists")
        assert_error(await client.post("/bookstore/categories", json={"name": spelling}), 409, "already exists")
        body = {"title": f"{kind} {number}", "author": spelling, "published_year": 2000, "categories": [spelling]}
        book = await client.post("/bookstore/books", json=body)
        assert book.status_code == 201, book.text
        assert book.json()["author_id"] == author.json()["id"]
        assert book.json()["categories"] == [spellings[0]]
        book_ids.append(book.json()["id"])
    for spelling in spellings:
        by_author = await client.get("/bookstore/books", params={"author": spelling, "page_size": 100})
        assert sorted(b["id"] for b in by_author.json()) == book_ids, spelling
        by_category = await client.get("/bookstore/books", params={"category": spelling, "page_size": 100})
        assert sorted(b["id"] for b in by_category.json()) == book_ids, spelling
        listed = await client.get("/bookstore/authors", params={"name": prefix(spelling, 3)})
        assert [a["id"] for a in listed.json()] == [author.json()["id"]], spelling


@pytest.mark.parametrize(("kind", "spellings"), kinds())
async def test_inventory_categories_are_one_name_in_every_spelling(
    client: httpx.AsyncClient, kind: str, spellings: list[str]
) -> None:
    created = await client.post("/inventory/categories", json={"name": spellings[0]})
    assert created.status_code == 201, created.text
    for spelling in spellings[1:]:
        assert_error(await client.post("/inventory/categories", json={"name": spelling}), 409)
    listed = (await client.get("/inventory/categories")).json()
    assert [c["name"] for c in listed] == [spellings[0]], kind


@pytest.mark.parametrize(("kind", "spellings"), kinds())
async def test_inventory_product_search_finds_every_spelling(
    client: httpx.AsyncClient, kind: str, spellings: list[str]
) -> None:
    """`q` (name contains) folds like the names: a product named in one spelling is found by every other."""
    category = (await client.post("/inventory/categories", json={"name": f"Search {kind}"})).json()["id"]
    product_ids = []
    for number, spelling in enumerate(spellings):
        body = {"name": f"Box of {spelling} no. {number}", "sku": f"FOLD-{number}", "price": 1, "category_id": category}
        created = await client.post("/inventory/products", json=body)
        assert created.status_code == 201, created.text
        product_ids.append(created.json()["id"])
    for spelling in spellings:
        for text in (spelling, f"of {spelling} no", prefix(spelling, 4)):
            found = await client.get("/inventory/products", params={"q": text, "page_size": 100})
            assert found.status_code == 200, found.text
            assert [p["id"] for p in found.json()] == product_ids, (kind, text)
            in_category = await client.get(f"/inventory/categories/{category}/products", params={"q": text})
            assert [p["id"] for p in in_category.json()] == product_ids, (kind, text)


@pytest.mark.parametrize(("kind", "spellings"), kinds())
async def test_bookstore_title_search_finds_every_spelling(
    client: httpx.AsyncClient, kind: str, spellings: list[str]
) -> None:
    """Title words (`q`) fold like the names: a title written in one spelling is found by every other."""
    book_ids = []
    for number, spelling in enumerate(spellings):
        title = f"The {spelling} chronicle {number}"
        body = {"title": title, "author": f"Writer {kind}", "published_year": 2000, "categories": ["Shelf"]}
        created = await client.post("/bookstore/books", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["title"] == title, "stored as given"
        book_ids.append(created.json()["id"])
    for spelling in spellings:
        for words in (spelling, f"chronicle {spelling}", f"{spelling.upper()} THE"):
            found = await client.get("/bookstore/books", params={"q": words, "page_size": 100})
            assert found.status_code == 200, found.text
            assert sorted(b["id"] for b in found.json()) == book_ids, (kind, words)
            in_category = await client.get("/bookstore/books", params={"q": words, "category": "shelf"})
            assert sorted(b["id"] for b in in_category.json()) == book_ids, (kind, words)


async def test_searches_keep_different_names_apart(client: httpx.AsyncClient) -> None:
    """An accent or another letter is not a case: product and title search find each name by itself only."""
    category = (await client.post("/inventory/categories", json={"name": "Apart"})).json()["id"]
    for number, pair in enumerate(DISTINCT):
        for side, name in enumerate(pair):
            body = {"name": f"{name} item", "sku": f"APART-{number}-{side}", "price": 1, "category_id": category}
            product = await client.post("/inventory/products", json=body)
            assert product.status_code == 201, product.text
            book = {"title": f"{name} tale", "author": "Apart", "published_year": 2001}
            assert (await client.post("/bookstore/books", json=book)).status_code == 201
        for name in pair:
            for spelling in (name, name.upper(), unicodedata.normalize("NFD", name)):
                products = (await client.get("/inventory/products", params={"q": spelling})).json()
                assert [p["name"] for p in products] == [f"{name} item"], spelling
                books = (await client.get("/bookstore/books", params={"q": spelling})).json()
                assert [b["title"] for b in books] == [f"{name} tale"], spelling


async def test_the_search_indexes_are_rebuilt_on_the_folded_text(admin_url: str, tmp_path: Path) -> None:
    """0012-0015 on a database with rows: the folded-text indexes are built valid, the old ones dropped,
    and the product and title searches can read them (checked with only bitmap scans allowed)."""
    schema_dir = Settings().schema_dir
    before = schema_before(tmp_path, "0012")
    name = f"catalog_test_folding_search_{id(tmp_path)}"
    conn = await _database_at(admin_url, name, before)
    try:
        category = await add_product_and_book(conn, "İRMİK", "ΟΔΟΣ STRAẞE")
        await migrations.migrate(conn, schema_dir)
        indexes = {
            r["indexrelid"]: r["indisvalid"]
            for r in await conn.fetch(
                "select indexrelid::regclass::text, indisvalid from pg_catalog.pg_index"
                " where indrelid in ('inventory.products'::regclass, 'bookstore.books'::regclass)"
            )
        }
        assert indexes.get("inventory.products_name_fold_trgm_idx") is True
        assert indexes.get("bookstore.books_title_fold_words_idx") is True
        assert "inventory.products_name_trgm_idx" not in indexes
        assert "bookstore.books_title_words_idx" not in indexes
        await assert_found_by_index(
            conn,
            [
                (inventory_sql._PRODUCTS_PAGE.sql, (None, "ırmık", None, None, 20), "products_name_fold_trgm_idx"),
                (inventory_sql._PRODUCTS_PAGE.sql, (category, "irmi", None, None, 20), "products_name_fold_trgm_idx"),
                (bookstore_sql._BOOKS_PAGE.sql, (None, "οδος strasse", None, None, 20), "books_title_fold_words_idx"),
            ],
        )
    finally:
        await conn.close()
        await drop_database(admin_url, name)


async def assert_found_by_index(conn: asyncpg.Connection, searches: list[tuple[str, tuple[object, ...], str]]) -> None:
    """Each (statement, arguments, index) plans a scan of that index and finds one row, with only bitmap
    scans allowed (a table this small is otherwise read in id order or whole)."""
    await conn.execute("set enable_seqscan = off; set enable_indexscan = off; set enable_indexonlyscan = off")
    for query, args, index in searches:
        plan = "\n".join(r[0] for r in await conn.fetch(f"explain {query}", *args))
        assert index in plan, plan
        assert len(await conn.fetch(query, *args)) == 1, args


async def add_product_and_book(conn: asyncpg.Connection, product: str, title: str) -> int:
    """A product named `product` (in a new category, whose id is returned) and a book titled `title`."""
    category = await conn.fetchval("insert into inventory.categories (name) values ('Shelf') returning id")
    await conn.execute(
        "insert into inventory.products (name, sku, price, category_id) values ($1, 'P-1', 1, $2)", product, category
    )
    author = await conn.fetchval("insert into bookstore.authors (name) values ('Someone') returning id")
    await conn.execute(
        "insert into bookstore.books (title, author_id, published_year) values ($1, $2, 2000)", title, author
    )
    return int(category)


async def add_paragraph(conn: asyncpg.Connection, content: str) -> None:
    """A paragraph and its word counts, as storing it through the API adds them."""
    paragraph = await conn.fetchval("insert into corpus.paragraphs (content) values ($1) returning id", content)
    await conn.execute(
        "insert into corpus.word_counts (word, frequency, paragraphs) "
        "select w.lexeme, cardinality(w.positions), 1 from corpus.paragraphs as p "
        "cross join lateral unnest(p.content_words) as w (lexeme, positions, weights) where p.id = $1",
        paragraph,
    )


def schema_before(tmp_path: Path, first: str) -> Path:
    """A folder with a copy of the migrations whose names sort before `first` (say "0016")."""
    before = tmp_path / "schema"
    before.mkdir()
    for path in sorted(Settings().schema_dir.glob("*.sql")):
        if path.name < first:
            shutil.copy(path, before / path.name)
    return before


async def _database_at(admin_url: str, name: str, schema_dir: Path) -> asyncpg.Connection:
    await drop_database(admin_url, name)
    await create_database(admin_url, name)
    conn = await asyncpg.connect(with_database(admin_url, name))
    await migrations.migrate(conn, schema_dir)
    return conn


async def test_the_migration_refolds_stored_names_and_words(admin_url: str, tmp_path: Path) -> None:
    """Rows written under lower() (before 0010) get fold_name keys and lexemes when 0010 is applied."""
    schema_dir = Settings().schema_dir
    before = schema_before(tmp_path, "0010")
    name = f"catalog_test_folding_{id(tmp_path)}"
    conn = await _database_at(admin_url, name, before)
    try:
        await conn.execute(
            "insert into bookstore.authors (name) values ($1), ($2), ($3)",
            "ΟΔΟΣ",
            "Weiße",
            unicodedata.normalize("NFD", "Émile"),
        )
        await conn.execute("insert into cookbook.ingredients (name) values ($1), ($2)", "İrmik", "Plain")
        await add_paragraph(conn, "Die STRAẞE und ΟΔΟΣ.")
        await migrations.migrate(conn, schema_dir)
        keys = await conn.fetch("select name, name_key from bookstore.authors order by id")
        assert [r["name_key"] for r in keys] == ["οδοσ", "weisse", "émile"]
        assert await conn.fetchval("select name_key from cookbook.ingredients where name = 'İrmik'") == "irmik"
        words = {r["word"] for r in await conn.fetch("select word from corpus.word_counts")}
        assert words == {"die", "strasse", "und", "οδοσ"}
        # Later writes keep the key by the same rule (a trigger now, not a generated column).
        await conn.execute("update bookstore.authors set name = 'STRAẞE' where name = 'Weiße'")
        assert await conn.fetchval("select name_key from bookstore.authors where name = 'STRAẞE'") == "strasse"
    finally:
        await conn.close()
        await drop_database(admin_url, name)


async def test_the_migration_stops_on_names_the_fold_makes_one(admin_url: str, tmp_path: Path) -> None:
    """Two names distinct under lower() but one under the fold stop 0010 naming the constraint and the key."""
    schema_dir = Settings().schema_dir
    before = schema_before(tmp_path, "0010")
    name = f"catalog_test_folding_clash_{id(tmp_path)}"
    conn = await _database_at(admin_url, name, before)
    try:
        await conn.execute("insert into cookbook.categories (name) values ('Straße'), ('STRASSE')")
        await conn.execute("insert into bookstore.authors (name) values ('ΟΔΟΣ'), ('οδος'), ('Unique')")
        with pytest.raises(migrations.MigrationError) as raised:
            await migrations.migrate(conn, schema_dir)
        message = str(raised.value)
        assert "0010_case_folding.sql" in message
        for table, (first, second) in [
            ("cookbook.categories", ("Straße", "STRASSE")),
            ("bookstore.authors", ("ΟΔΟΣ", "οδος")),
        ]:
            assert f"{table}: '{first}' = '{second}'" in message or f"{table}: '{second}' = '{first}'" in message
        assert "Unique" not in message
        applied = {r["filename"] for r in await conn.fetch("select filename from public.schema_migrations")}
        assert not any(f.startswith("0010") for f in applied)
    finally:
        await conn.close()
        await drop_database(admin_url, name)


async def test_nfkc_folding_refolds_names_words_and_search_indexes(admin_url: str, tmp_path: Path) -> None:
    """Rows written under the NFC rule (before 0016) get NFKC keys and lexemes, and the product and title
    indexes rebuilt by 0017-0018 find a ligature by its letters (checked with only bitmap scans allowed)."""
    schema_dir = Settings().schema_dir
    name = f"catalog_test_folding_nfkc_{id(tmp_path)}"
    conn = await _database_at(admin_url, name, schema_before(tmp_path, "0016"))
    try:
        await conn.execute("insert into bookstore.authors (name) values ($1), ($2)", "ﬁona ﬂetcher", "ＭＩＳＯ")
        await conn.execute("insert into cookbook.ingredients (name) values ($1)", "Waſſer")
        await add_product_and_book(conn, "Sauerteig-ﬂocken", "Der ﬁlm")
        await add_paragraph(conn, "Wir ﬁnden das Waſſer.")
        await migrations.migrate(conn, schema_dir)
        keys = await conn.fetch("select name_key from bookstore.authors order by id")
        assert [r["name_key"] for r in keys] == ["fiona fletcher", "miso", "someone"]
        assert await conn.fetchval("select name_key from cookbook.ingredients") == "wasser"
        words = {r["word"] for r in await conn.fetch("select word from corpus.word_counts")}
        assert words == {"wir", "finden", "das", "wasser"}
        await assert_found_by_index(
            conn,
            [
                (inventory_sql._PRODUCTS_PAGE.sql, (None, "FLOCKEN", None, None, 20), "products_name_fold_trgm_idx"),
                (bookstore_sql._BOOKS_PAGE.sql, (None, "film", None, None, 20), "books_title_fold_words_idx"),
            ],
        )
    finally:
        await conn.close()
        await drop_database(admin_url, name)


async def test_nfkc_folding_stops_on_names_it_makes_one(admin_url: str, tmp_path: Path) -> None:
    """Two names distinct under NFC but one under NFKC, or a stopword NFKC changes, stop 0016 before it
    changes anything, named."""
    name = f"catalog_test_folding_nfkc_clash_{id(tmp_path)}"
    conn = await _database_at(admin_url, name, schema_before(tmp_path, "0016"))
    try:
        await conn.execute("insert into cookbook.categories (name) values ('ﬁlet'), ('FILET'), ('Other')")
        await conn.execute("insert into inventory.categories (name) values ('ＭＩＳＯ'), ('miso')")
        await conn.execute("insert into corpus.stopwords (word) values ('ﬁ'), ('ok')")  # folded under NFC
        with pytest.raises(migrations.MigrationError) as raised:
            await migrations.migrate(conn, Settings().schema_dir)
        message = str(raised.value)
        assert "0016_case_folding_nfkc.sql" in message
        for table, (first, second) in [
            ("cookbook.categories", ("ﬁlet", "FILET")),
            ("inventory.categories", ("ＭＩＳＯ", "miso")),
        ]:
            assert f"{table}: '{first}' = '{second}'" in message or f"{table}: '{second}' = '{first}'" in message
        assert "Other" not in message
        await conn.execute("delete from cookbook.categories where name = 'ﬁlet'")
        await conn.execute("delete from inventory.categories where name = 'miso'")
        with pytest.raises(migrations.MigrationError) as raised:  # the names are fixed; the stopword is not
            await migrations.migrate(conn, Settings().schema_dir)
        assert "stopwords that NFKC case folding changes" in str(raised.value) and "'ﬁ'" in str(raised.value)
        assert "'ok'" not in str(raised.value)
        applied = {r["filename"] for r in await conn.fetch("select filename from public.schema_migrations")}
        assert not any(f >= "0016" for f in applied)
        # Nothing changed: the key is still the NFC rule's.
        assert await conn.fetchval("select name_key from inventory.categories where name = 'ＭＩＳＯ'") == "ｍｉｓｏ"
    finally:
        await conn.close()
        await drop_database(admin_url, name)
