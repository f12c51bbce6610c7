"""Loading named queries: parameters found by PostgreSQL's scanner, mistakes answered with FILE:LINE:COL,
one broken file beside good ones, Python keywords as names, unnamed and repeated result columns, stale
generated modules, and migrations of comments alone; every query is run on the real database."""

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest

import app.queries
from app import migrations
from app.codegen.generate import generate, write
from app.database_admin import drop_database
from app.named_queries import load_file, load_folder
from app.settings import ROOT
from tests.codegen.test_codegen import FIXTURE, migrated

SCANNED = [
    # (SQL after the `-- name:` line, the parameters of $1..$n, the arguments, the value PostgreSQL returns)
    ("select :x::text || ' -- cut-off 10:30' -- cut-off 10:30 :y", ("x",), ("a",), "a -- cut-off 10:30"),
    ("select /* :y at 10:30 */ :x::int + 1", ("x",), (1,), 2),
    ("select /* nested /* :y */ :z */ :x::int", ("x",), (3,), 3),
    ("select $$ :y $$ || :x::text", ("x",), ("a",), " :y a"),
    ("select $tag$ :y $$ :z $tag$ || :x::text", ("x",), ("a",), " :y $$ :z a"),
    ("select E'it\\'s :y' || :x::text", ("x",), ("!",), "it's :y!"),
    ("select 'it''s :y' || :x::text", ("x",), ("!",), "it's :y!"),
    ('select :x::int as "odd:name"', ("x",), (4,), 4),
    ("select :x::int::text", ("x",), (5,), "5"),
    ("select (array[1, 2, 3])[2:3]", (), (), [2, 3]),
    ("select (array[1, 2, 3])[:lo::int:3]", ("lo",), (2,), [2, 3]),
    ("select (array[1, 2, 3])[:i::int]", ("i",), (3,), 3),
    ("select :x::int + :y::int * :x::int", ("x", "y"), (2, 3), 8),
    ("select '10:30'::time::text", (), (), "10:30:00"),
    ("select :from::int - :to::int", ("from", "to"), (5, 2), 3),
]


def write_sql(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("body", "params", "args", "value"), SCANNED)
async def test_parameters_are_found_only_where_postgresql_sees_them(
    conn: asyncpg.Connection,
    tmp_path: Path,
    body: str,
    params: tuple[str, ...],
    args: tuple[object, ...],
    value: object,
) -> None:
    path = write_sql(tmp_path / "scan", "q.sql", f"-- name: q$\n-- Returns one value.\n{body};\n")
    loaded = load_file(path, "scan")
    assert loaded.problems == []
    query = loaded.queries["scan.q"]
    assert query.numbered == params
    assert await conn.fetchval(query.sql, *args) == value


MISTAKES = [
    # (file text, the line and column of the mistake, words of the message)
    (
        "-- name: good$\nselect 1;\n\n-- name: bad$\n-- Returns text.\nselect\n    'unclosed;\n",
        (7, 5),
        "unterminated quoted string",
    ),
    (
        "-- name: good$\nselect 1;\n\n-- name: bad(x)$\nselect\n    :x::int + :y::int;\n",
        (6, 15),
        "uses :y, which `bad(...)` does not declare",
    ),
    ("-- name: good$\nselect 1;\n\n-- name: bad(x, z)$\nselect :x::int;\n", (4, 10), "declares z but never uses it"),
    ("-- name: good$\nselect 1;\n\n-- name: bad x y$\nselect 1;\n", (4, 10), "cannot read the query name"),
    ("-- name: good$\nselect 1;\n\n-- name: good$\nselect 2;\n", (4, 1), "a second query named good"),
    ("-- name: good$\nselect 1;\n\n-- name: bad$\n-- Returns nothing.\n\n", (4, 1), "the query has no SQL"),
]


@pytest.mark.parametrize(("text", "place", "words"), MISTAKES)
def test_a_mistake_is_named_at_its_place_and_the_rest_of_the_file_loads(
    tmp_path: Path, text: str, place: tuple[int, int], words: str
) -> None:
    path = write_sql(tmp_path / "mistakes", "file.sql", text)
    loaded = load_file(path, "mistakes", tmp_path)
    assert list(loaded.queries) == ["mistakes.good"]
    assert [p.query for p in loaded.problems] in (["bad"], ["good"])
    problem = str(loaded.problems[0])
    assert problem.startswith(f"mistakes/file.sql:{place[0]}:{place[1]}: query ")
    assert words in problem and "(hint: " in problem


HEADERS_INSIDE = [
    # (SQL after the `-- name:` line holding a header-like line not at top level, the value PostgreSQL returns)
    ("select /* a note\n-- name: not_a_query$\n*/ 1;", 1),
    ("select /* outer /* inner\n-- name: not_a_query$\n*/ still comment */ 2;", 2),
    ("select $$\n-- name: not_a_query$\n$$::text;", "\n-- name: not_a_query$\n"),
    (
        "select $fn$\n  -- name: not_a_query(x)$\n-- Returns: a doc line inside a string\n$fn$::text;",
        "\n  -- name: not_a_query(x)$\n-- Returns: a doc line inside a string\n",
    ),
    ("select 'it''s\n-- name: not_a_query$\n'::text;", "it's\n-- name: not_a_query$\n"),
    ("select E'a\\n\n-- name: not_a_query$\n'::text;", "a\n\n-- name: not_a_query$\n"),
    ('select 3 as "odd\n-- name: not_a_query$\n";', 3),
]


@pytest.mark.parametrize(("body", "value"), HEADERS_INSIDE)
async def test_a_header_inside_a_comment_or_string_is_sql(
    conn: asyncpg.Connection, tmp_path: Path, body: str, value: object
) -> None:
    text = f"-- name: q$\n-- Returns one value.\n{body}\n\n-- name: next_one$\n-- Returns two.\nselect 2;\n"
    loaded = load_file(write_sql(tmp_path / "inside", "q.sql", text), "inside")
    assert loaded.problems == []
    assert sorted(loaded.queries) == ["inside.next_one", "inside.q"]
    query = loaded.queries["inside.q"]
    assert query.doc == "Returns one value."
    assert await conn.fetchval(query.sql) == value
    assert await conn.fetchval(loaded.queries["inside.next_one"].sql) == 2


def test_a_function_body_keeps_its_comment_lines(tmp_path: Path) -> None:
    text = (
        "-- name: make_fn#\n-- Creates a function.\ncreate function pg_temp.f() returns int language plpgsql as $fn$\n"
        "begin\n  -- name: inner_header$\n  -- a comment of the function\n  return 1;\nend\n$fn$;\n"
    )
    loaded = load_file(write_sql(tmp_path / "fn", "f.sql", text), "fn")
    assert loaded.problems == [] and list(loaded.queries) == ["fn.make_fn"]
    sql = loaded.queries["fn.make_fn"].sql
    assert "  -- name: inner_header$\n  -- a comment of the function\n" in sql
    assert loaded.queries["fn.make_fn"].doc == "Creates a function."


UNCLOSED = [
    # (a file where a string or comment is left open, the place named, the queries that still load)
    ("-- name: a$\nselect 'open;\n\n-- name: b$\nselect 2;\n", "2:8", ["u.b"]),
    ("-- name: a$\nselect $$ open;\n\n-- name: b$\nselect 2;\n", "2:8", ["u.b"]),
    ("-- name: b$\nselect 2;\n\n-- name: a$\nselect /* open;\n\n-- name: c$\nselect 3;\n", "5:8", ["u.b", "u.c"]),
]


@pytest.mark.parametrize(("text", "place", "loads"), UNCLOSED)
def test_an_unclosed_string_is_named_and_later_queries_load(
    tmp_path: Path, text: str, place: str, loads: list[str]
) -> None:
    loaded = load_file(write_sql(tmp_path / "u", "u.sql", text), "u", tmp_path)
    assert sorted(loaded.queries) == loads
    assert [str(p).split(": query a: ")[0] for p in loaded.problems] == [f"u/u.sql:{place}"]
    assert "unterminated" in str(loaded.problems[0]) and "(hint: close the" in str(loaded.problems[0])


def test_a_string_closed_in_the_next_query_names_the_swallowed_header(tmp_path: Path) -> None:
    text = "-- name: first$\nselect 'abc;\n\n-- name: second$\nselect 'x', 1;\n"
    loaded = load_file(write_sql(tmp_path / "s", "s.sql", text), "s", tmp_path)
    assert loaded.queries == {}
    (problem,) = loaded.problems
    assert str(problem).startswith("s/s.sql:5:") and "query first:" in str(problem)
    assert "the `-- name:` on line 4 is inside it" in str(problem)


GOOD = """-- name: pet_names()
-- Returns every pet's name.
select p.name
from fixture.pets as p;
"""
BROKEN = [
    # (the broken file, the place PostgreSQL's error position maps to, its message)
    (
        "-- name: heavy_pets()\n-- Returns the heavy pets.\nselect\n    p.name,\n    p.weigth\nfrom fixture.pets as p;\n",
        "5:5",
        "column p.weigth does not exist",
    ),
    (
        "-- name: bad_table()\n-- Returns nothing.\n\nselect p.name\nfrom\n\n    fixture.petz as p;\n",
        "7:5",
        'relation "fixture.petz" does not exist',
    ),
    (
        "-- name: typo(x)\n-- Returns nothing.\nselect :x::int\n  + '[1,2)'::int4range as sum;\n",
        "4:3",
        "operator does not exist",
    ),
]


@pytest.mark.parametrize(("text", "place", "message"), BROKEN)
async def test_a_broken_file_beside_good_ones(
    admin_url: str, tmp_path: Path, text: str, place: str, message: str
) -> None:
    queries = tmp_path / "queries"
    write_sql(queries / "fixture", "a_good.sql", GOOD)
    write_sql(queries / "fixture", "b_broken.sql", text)
    write_sql(queries / "fixture", "c_good.sql", GOOD.replace("pet_names", "pet_names_again"))
    url = await migrated(admin_url, "catalog_test_loading", FIXTURE / "schema")
    try:
        outcome = generate(url, queries, tmp_path / "app", tmp_path)
    finally:
        await drop_database(admin_url, "catalog_test_loading")
    assert len(outcome.failures) == 1
    assert outcome.failures[0].startswith(f"queries/fixture/b_broken.sql:{place}: query ")
    assert message in outcome.failures[0] and "LINE" not in outcome.failures[0]
    module = next(iter(outcome.modules.values()))
    assert "async def pet_names(" in module and "async def pet_names_again(" in module


NAMES = """-- name: in(from, to)
-- Returns the pets whose weight lies in a range.
select p.name
from fixture.pets as p
where p.weight between :from and :to;

-- name: class(conn)$
-- Returns the number of pets heavier than a weight.
select count(*)
from fixture.pets as p
where p.weight > :conn;

-- name: cast()!
-- Touches no row.
update fixture.pets
set name = name
where false;
"""
COLUMNS = """-- name: unnamed_row()^
-- Returns two unnamed columns.
select
    1,
    not exists (select 1 from fixture.pets) as "?column?";

-- name: unnamed_value()$
-- Returns whether there are no pets.
select not exists (select 1 from fixture.pets);

-- name: owner_pairs()
-- Returns each owner twice over (a self-join: every name twice).
select *
from fixture.owners as a
inner join fixture.owners as b on a.id = b.id
order by a.id;

-- name: rename_owned()<!
-- Returns each renamed pet with its owner (returning * of a join).
update fixture.pets as p
set name = p.name || '!'
from fixture.owners as o
where p.owner_id = o.id
returning *;

-- name: rename_owned_count()!
-- Renames the pets with an owner (returning columns that share names, which `!` ignores).
update fixture.pets as p
set name = p.name || '?'
from fixture.owners as o
where p.owner_id = o.id
returning p.id, o.id, 1;

-- name: first_owner_pair()^
-- Returns the first owner paired with itself, a column named id_2 already.
select a.id, a.id, a.id as id_2
from fixture.owners as a
order by a.id
limit 1;
"""


@pytest.fixture
async def generated_module(
    admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[ModuleType, str, asyncpg.Connection]]:
    """The module generated from NAMES and COLUMNS, imported, its queries read from the temporary folder."""
    queries = tmp_path / "queries"
    write_sql(queries / "odd", "names.sql", NAMES)
    write_sql(queries / "odd", "columns.sql", COLUMNS)
    url = await migrated(admin_url, "catalog_test_odd", FIXTURE / "schema")
    outcome = generate(url, queries, tmp_path / "gen", tmp_path)
    assert outcome.failures == []
    write(outcome)
    path = tmp_path / "gen" / "odd" / "sql.py"
    monkeypatch.setattr(app.queries, "QUERIES_DIR", queries)
    monkeypatch.setattr(app.queries.Statement, "created", list(app.queries.Statement.created))  # forget ours after
    app.queries._folder.cache_clear()
    spec = importlib.util.spec_from_file_location("generated_odd_sql", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    conn = await asyncpg.connect(url)
    await conn.execute(
        "insert into fixture.owners (name) values ('ann'), ('bob');"
        "insert into fixture.pets (owner_id, name, legs, weight) values (1, 'rex', 4, 10), (2, 'tom', 4, 3);"
    )
    try:
        yield module, path.read_text(), conn
    finally:
        await conn.close()
        app.queries._folder.cache_clear()
        await drop_database(admin_url, "catalog_test_odd")


def test_generated_module_parses_and_is_formatted(generated_module: tuple[ModuleType, str, asyncpg.Connection]) -> None:
    _, source, _ = generated_module
    tree = ast.parse(source)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.AsyncFunctionDef)}
    assert {"in_", "class_", "cast_"} <= set(functions)
    assert [a.arg for a in functions["in_"].args.kwonlyargs] == ["from_", "to"]
    assert [a.arg for a in functions["class_"].args.kwonlyargs] == ["conn_"]
    assert all(len(line) <= 120 for line in source.splitlines())
    checked = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--stdin-filename", "sql.py", "-"],
        input=source, capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_keyword_names_run(generated_module: tuple[ModuleType, str, asyncpg.Connection]) -> None:
    module, _, conn = generated_module
    assert await module.in_(conn, from_=5, to=20) == [{"name": "rex"}]
    assert await module.class_(conn, conn_=5) == 1
    assert await module.cast_(conn) == 0


async def test_unnamed_and_repeated_columns_get_deterministic_keys(
    generated_module: tuple[ModuleType, str, asyncpg.Connection],
) -> None:
    module, source, conn = generated_module
    assert await module.unnamed_row(conn) == {"column_1": 1, "column_2": False}
    assert await module.unnamed_value(conn) is False
    pairs = await module.owner_pairs(conn)
    assert pairs[0] == {"id": 1, "name": "ann", "nickname": None, "id_2": 1, "name_2": "ann", "nickname_2": None}
    renamed = await module.rename_owned(conn)
    assert renamed is not None and renamed["name"].endswith("!") and renamed["id_2"] == renamed["owner_id"]
    assert await module.rename_owned_count(conn) == 2
    assert await module.first_owner_pair(conn) == {"id": 1, "id_3": 1, "id_2": 1}
    assert "class OwnerPairsRow(TypedDict):" in source and "    name_2: str\n" in source


async def test_a_stale_module_imports_and_names_the_query_when_used(
    generated_module: tuple[ModuleType, str, asyncpg.Connection], tmp_path: Path
) -> None:
    module, _, conn = generated_module
    columns = tmp_path / "queries" / "odd" / "columns.sql"
    columns.write_text(columns.read_text().replace("-- name: owner_pairs()", "-- name: owner_couples()"))
    app.queries._folder.cache_clear()
    spec = importlib.util.spec_from_file_location("generated_odd_sql_again", tmp_path / "gen" / "odd" / "sql.py")
    assert spec and spec.loader
    stale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stale)  # importing never looks a query up
    with pytest.raises(app.queries.StaleQueryCode, match="odd.owner_pairs is no longer in queries/odd/"):
        await stale.owner_pairs(conn)
    with pytest.raises(app.queries.StaleQueryCode, match="owner_pairs"):
        app.queries.check_all()
    assert await stale.unnamed_value(conn) is False  # the other queries still run


def test_codegen_replaces_a_stale_module(tmp_path: Path) -> None:
    """`catalog codegen --check` on queries where one the app calls was renamed: no traceback, the stale
    file named (the command imports the stale app/bookstore/sql.py, and must not look its queries up)."""
    queries = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", queries)
    authors = queries / "bookstore" / "authors.sql"
    authors.write_text(authors.read_text().replace("-- name: upsert_author(", "-- name: upsert_writer("))
    (queries / "corpus" / "broken.sql").write_text("-- name: broken$\nselect\n    nothing_here;\n")
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "catalog"), "codegen", "--check"],
        env={**os.environ, "QUERIES_DIR": str(queries)}, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "STALE app/bookstore/sql.py" in done.stderr
    assert "STALE app/corpus/sql.py" not in done.stderr  # its folder's failure is reported instead
    assert f'{queries}/corpus/broken.sql:3:5: query broken: column "nothing_here" does not exist' in done.stderr


@pytest.mark.parametrize("text", ["-- only a note\n", "/* a block\n   of comment */\n", "-- a\n\n-- b\n;\n"])
async def test_a_migration_of_comments_alone_applies(admin_url: str, tmp_path: Path, text: str) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(FIXTURE / "schema", schema)
    (schema / "0002_note.sql").write_text(text)
    url = await migrated(admin_url, "catalog_test_note", schema)
    try:
        conn = await asyncpg.connect(url)
        try:
            state = await migrations.status(conn, schema)
        finally:
            await conn.close()
    finally:
        await drop_database(admin_url, "catalog_test_note")
    assert "0002_note.sql" in state.applied and state.pending == []


def test_the_app_queries_load_without_problems() -> None:
    for folder in sorted(p for p in (ROOT / "queries").iterdir() if p.is_dir()):
        assert load_folder(folder, root=ROOT).problems == []
