"""How a search runs: the access path and the total, decided from per-word paragraph counts.

`corpus.word_counts.paragraphs` (kept in the insert transaction) says how many paragraphs contain each
word. From it, before touching the paragraphs: a word that occurs nowhere ends an AND search (and is
dropped from an OR) at once; a one-word search's total is exact; an OR of words found in more than
`MAX_COUNT` paragraphs has at least that many matches. Otherwise the total is counted, up to
`MAX_COUNT` matches, and flagged "gte" beyond (Elasticsearch's track_total_hits). The page comes from
walking the primary key newest first when matches are many (a page is found early) or from the GIN
index and a sort when they are few (see `rare`).
"""

import math
from dataclasses import dataclass
from typing import Literal

from app.corpus import sql
from app.queries import Connection

MAX_COUNT = 10_000
"""total_count is exact up to this many matches; beyond it, a lower bound flagged "gte"."""

Relation = Literal["eq", "gte"]


@dataclass(frozen=True)
class Outline:
    """What the word counts say about a search before it runs."""

    words: list[str]  # the words to search for (an OR's absent words dropped)
    nothing: bool  # no paragraph can match: answer at once
    exact: int | None  # the exact total, when the counts give it
    lower: int  # a proven lower bound of the total
    expected: float  # expected matches (independent words), to choose the access path
    corpus_size: int


def outline(words: list[str], match_all: bool, counts: list[sql.WordParagraphCountsRow]) -> Outline:
    """The search's outline from each word's lexeme and paragraph counts (sql.word_paragraph_counts)."""
    size = max((c["corpus_size"] for c in counts), default=0)
    # Words without a lexeme (only punctuation to the parser) are ignored by corpus.words_query too.
    used = [c for c in counts if c["lexemes"] > 0]
    if not used or size == 0:
        return Outline(words, True, 0, 0, 0.0, size)
    present = [c for c in used if c["paragraphs"] > 0]
    if not present or (match_all and len(present) < len(used)):
        return Outline(words, True, 0, 0, 0.0, size)
    singles = [c["paragraphs"] for c in present if c["lexemes"] == 1]
    exact = present[0]["paragraphs"] if len(present) == 1 and present[0]["lexemes"] == 1 else None
    if match_all:
        expected = size * math.prod(c["paragraphs"] / size for c in present)
        lower = exact or 0
    else:
        expected = size * (1 - math.prod(1 - c["paragraphs"] / size for c in present))
        lower = max(singles, default=0)
    return Outline([c["word"] for c in present], False, exact, lower, expected, size)


def rare(found: Outline, page_size: int) -> bool:
    """True when the GIN index and a sort beat walking the primary key.

    Walking the primary key reads about page_size * size / matches rows; the index path reads every
    match. They cost the same near matches = sqrt(page_size * size): about 4,600 at 1,000,000
    paragraphs and pages of 21.
    """
    return found.expected <= math.sqrt(page_size * max(found.corpus_size, 1))


async def page(
    conn: Connection, found: Outline, match_all: bool, after_id: int | None, page_size: int
) -> list[sql.ParagraphsRow]:
    """One page (page_size rows at most) of the matches older than after_id, newest first."""
    if found.nothing:
        return []
    if rare(found, page_size):
        rows = await sql.search_rare_paragraphs(
            conn, words=found.words, match_all=match_all, after_id=after_id, page_size=page_size
        )
        return [sql.ParagraphsRow(id=r["id"], content=r["content"], created_at=r["created_at"]) for r in rows]
    return await sql.search_paragraphs(
        conn, words=found.words, match_all=match_all, after_id=after_id, page_size=page_size
    )


async def page_json(
    conn: Connection, found: Outline, match_all: bool, after_id: int | None, page_size: int
) -> sql.SearchParagraphsJsonRow:
    """The same page as `page`, as the answer's JSON built by PostgreSQL (body, items, next_id)."""
    if found.nothing:
        return sql.SearchParagraphsJsonRow(body="[]", items=0, next_id=None)
    run = sql.search_rare_paragraphs_json if rare(found, page_size + 1) else sql.search_paragraphs_json
    got = await run(conn, words=found.words, match_all=match_all, after_id=after_id, page_size=page_size)
    assert got is not None  # an aggregate: always one row
    return got


async def total(conn: Connection, found: Outline, match_all: bool, whole: int | None) -> tuple[int, Relation]:
    """total_count and its relation: exact up to MAX_COUNT, else a lower bound ("gte").

    `whole` is the number of matches when the first page already held all of them.
    """
    if found.exact is not None:
        return found.exact, "eq"
    if whole is not None:
        return whole, "eq"
    if found.lower >= MAX_COUNT:
        return found.lower, "gte"
    counted = await sql.count_search_matches(conn, words=found.words, match_all=match_all, max_count=MAX_COUNT)
    if counted < MAX_COUNT:
        return counted, "eq"
    return max(counted, found.lower), "gte"
