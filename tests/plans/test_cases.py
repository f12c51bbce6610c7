"""Case files (.plans.toml beside the .sql) and baseline files: parsing and the problems reported."""

from pathlib import Path

from app.plans import baseline
from app.plans.cases import SqlParam, load_cases
from app.plans.named import load_named_queries

SQL = """\
-- name: things_page(owner_id, page_size)
-- Returns a page of things.
select t.id
from public.things as t
where :owner_id::bigint is null or t.owner_id = :owner_id
order by t.id
limit :page_size;

-- name: reset_things#
-- Empties the table.
truncate public.things;
"""


def write_folder(tmp_path: Path, cases: str) -> Path:
    folder = tmp_path / "queries" / "shop"
    folder.mkdir(parents=True)
    (folder / "things.sql").write_text(SQL)
    (folder / "things.plans.toml").write_text(cases)
    return tmp_path / "queries"


def test_cases_skips_and_sql_params_are_read(tmp_path: Path) -> None:
    queries_dir = write_folder(
        tmp_path,
        """
[things_page]
[[things_page.cases]]
name = "biggest_owner"
description = "the owner with most things"
params = { page_size = 21, owner_id = { sql = "select 1" } }
allow_seq_scan = { "public.things" = "tiny" }
allow_estimate = "known skew"
max_buffers = 50
[reset_things]
skip = "a script run by hand"
""",
    )
    named = load_named_queries(queries_dir)
    assert named["shop.things_page"].params == ("owner_id", "page_size")
    book = load_cases(named)
    assert book.problems == []
    case = book.queries["shop.things_page"].cases[0]
    assert case.params == {"page_size": 21, "owner_id": SqlParam("select 1")}
    assert case.allow_seq_scan == {"public.things": "tiny"} and case.max_buffers == 50
    assert case.allow_estimate == "known skew"
    assert book.queries["shop.reset_things"].skip == "a script run by hand"


def test_mistakes_in_case_files_are_problems_naming_the_query(tmp_path: Path) -> None:
    queries_dir = write_folder(
        tmp_path,
        """
[things_page]
[[things_page.cases]]
name = "typo"
params = { ownerid = 1 }
[reset_things]
[[reset_things.cases]]
name = "script"
[no_such_query]
skip = "gone"
""",
    )
    book = load_cases(load_named_queries(queries_dir))
    messages = dict(book.problems)
    assert "'ownerid', not a parameter" in messages["shop.things_page"]
    assert "cannot be explained" in messages["shop.reset_things"]
    assert "no query named 'no_such_query'" in messages["no_such_query"]
    assert "shop.things_page" not in book.queries or not book.queries["shop.things_page"].cases


def test_parameter_order_follows_the_dollar_numbering(tmp_path: Path) -> None:
    folder = tmp_path / "queries" / "shop"
    folder.mkdir(parents=True)
    (folder / "x.sql").write_text(
        "-- name: pick(first_id, last_id, limit_to)\n-- Picks.\nselect :limit_to::int as l, :first_id::int as f, :last_id::int as t;\n"
    )
    query = load_named_queries(tmp_path / "queries")["shop.pick"]
    assert query.params == ("limit_to", "first_id", "last_id")
    assert query.sql.index("$1") < query.sql.index("$2") < query.sql.index("$3")


def test_baseline_round_trips_and_is_readable(tmp_path: Path) -> None:
    written = baseline.Baseline(
        "shop.things_page", "biggest", 21, "0123abcd", 240, ("Limit", "  Index Scan using t_pkey on public.things")
    )
    path = baseline.baseline_path(tmp_path, "things_page", "biggest")
    assert baseline.write(path, written) is True
    assert baseline.write(path, written) is False
    assert baseline.read(path) == written
    text = path.read_text()
    assert "rows: 21\n" in text and "  Index Scan using t_pkey on public.things\n" in text


def test_case_file_without_its_sql_file_is_a_problem(tmp_path: Path) -> None:
    queries_dir = write_folder(tmp_path, '[things_page]\n[[things_page.cases]]\nname = "a"\n')
    (queries_dir / "shop" / "gone.plans.toml").write_text('[old_query]\nskip = "gone"\n')
    problems = load_cases(load_named_queries(queries_dir)).problems
    assert [where for where, _ in problems] == ["gone.plans.toml"]
