"""Index impact from the baselines: which cases use each index, which none uses, which vanished."""

from pathlib import Path

from app.plans import baseline as baselines
from app.plans.indexes import IndexInfo, dropped_summary, gone, index_use, indexes_in_shape, render
from app.settings import ROOT

SHAPE = (
    "Limit",
    "  Sort",
    "    Bitmap Heap Scan on bookstore.books",
    "      BitmapAnd",
    "        Bitmap Index Scan using books_title_words_idx",
    "        Bitmap Index Scan using books_author_id_published_year_id_idx",
    "  Index Scan using authors_pkey on bookstore.authors",
)


def index(qualified: str, table: str, unique: bool = False, primary: bool = False) -> IndexInfo:
    schema, name = qualified.split(".")
    return IndexInfo(schema, name, table, unique or primary, primary, True, 8192, f"create index {name}")


def write_baseline(queries_dir: Path, query: str, case: str, shape: tuple[str, ...]) -> None:
    namespace, name = query.split(".")
    known = baselines.Baseline(query=query, case=case, rows=1, result_hash="0", buffers=4, shape=shape)
    baselines.write(baselines.baseline_path(queries_dir / namespace / "plans", name, case), known)


def test_bitmap_index_scans_take_the_schema_of_the_heap_scan_above() -> None:
    assert indexes_in_shape(SHAPE, "elsewhere") == {
        "bookstore.books_title_words_idx",
        "bookstore.books_author_id_published_year_id_idx",
        "bookstore.authors_pkey",
    }


def test_each_index_lists_the_cases_that_use_it_and_unused_ones_are_named(tmp_path: Path) -> None:
    write_baseline(tmp_path, "bookstore.books_page", "rare_author", SHAPE)
    write_baseline(
        tmp_path, "bookstore.author_by_id", "existing", ("Index Scan using authors_pkey on bookstore.authors",)
    )
    use = index_use(tmp_path)
    assert use["bookstore.authors_pkey"] == ["bookstore.author_by_id [existing]", "bookstore.books_page [rare_author]"]
    listed = [
        index("bookstore.authors_pkey", "bookstore.authors", primary=True),
        index("bookstore.books_title_words_idx", "bookstore.books"),
        index("bookstore.books_author_id_published_year_id_idx", "bookstore.books"),
        index("bookstore.books_published_year_id_idx", "bookstore.books"),
        index("bookstore.books_isbn_unique", "bookstore.books", unique=True),
    ]
    text = render(listed, use)
    assert "bookstore.authors_pkey on bookstore.authors: 2 case(s)\n    bookstore.author_by_id [existing]" in text
    unused = text.split("Indexes no plan case uses")[1]
    assert "bookstore.books_published_year_id_idx on bookstore.books\n" in unused
    assert "bookstore.books_isbn_unique on bookstore.books [unique: enforces a constraint]" in unused
    assert "authors_pkey" not in unused
    assert render(listed, use, pattern="title").splitlines()[0].startswith("bookstore.books_title_words_idx")


def test_a_dropped_index_names_the_queries_whose_baselines_used_it(tmp_path: Path) -> None:
    write_baseline(tmp_path, "bookstore.books_page", "rare_author", SHAPE)
    write_baseline(tmp_path, "bookstore.books_page", "rare_title_words", SHAPE)
    use = index_use(tmp_path)
    existing = {"bookstore.books_title_words_idx", "bookstore.authors_pkey"}
    vanished = gone(use, existing)
    assert vanished == {
        "bookstore.books_author_id_published_year_id_idx": [
            "bookstore.books_page [rare_author]",
            "bookstore.books_page [rare_title_words]",
        ]
    }
    assert dropped_summary(vanished) == [
        "index bookstore.books_author_id_published_year_id_idx no longer exists;"
        " baselines of bookstore.books_page used it (2 cases)"
    ]


def test_the_committed_baselines_answer_without_a_database() -> None:
    use = index_use(ROOT / "queries")
    assert "bookstore.books_page [rare_author]" in use["bookstore.books_author_id_published_year_id_idx"]
    assert any(case.startswith("corpus.") for case in use["corpus.paragraphs_content_words_idx"])
