"""The benchmarked requests: each domain's hot searches, with values chosen by queries on the data."""

import json
from dataclasses import dataclass, field
from urllib.parse import quote

from app.bench.data import scalar


@dataclass(frozen=True)
class Case:
    """One request, sent as is to the app and to the ceiling."""

    domain: str
    name: str
    path: str
    body: dict[str, object] | None = None
    note: str = field(default="", compare=False)

    @property
    def method(self) -> str:
        return "GET" if self.body is None else "POST"

    def body_text(self) -> str:
        return "" if self.body is None else json.dumps(self.body)


# Each value by a query on the benchmark database (the plan cases pick them the same way).
LARGEST_AUTHOR = "select b.author_id from bookstore.books as b group by b.author_id order by count(*) desc limit 1"
RAREST_AUTHOR = (
    "select b.author_id from bookstore.books as b group by b.author_id having count(*) = 1 order by b.author_id limit 1"
)
LARGEST_CATEGORY = (
    "select bc.category_id from bookstore.book_category as bc group by bc.category_id order by count(*) desc limit 1"
)
RAREST_WORD = "select c.word from corpus.word_counts as c order by c.paragraphs, c.word limit 1"
RANK_1000_WORDS = (
    "select string_agg(r.word, ' ') from (select c.word from corpus.word_counts as c"
    " order by c.paragraphs desc, c.word offset 1000 limit 2) as r"
)
COMMON_INGREDIENT = (
    "select ri.ingredient_id from cookbook.recipe_ingredients as ri group by ri.ingredient_id order by count(*) desc limit 1"
)
RARE_INGREDIENT = (
    "select ri.ingredient_id from cookbook.recipe_ingredients as ri group by ri.ingredient_id"
    " order by count(*), ri.ingredient_id limit 1"
)


async def build(url: str, domains: set[str]) -> list[Case]:
    """Every case of the given domains, resolved against the database at `url`."""
    cases: list[Case] = []
    if "bookstore" in domains:
        largest = await scalar(url, LARGEST_AUTHOR)
        rarest = await scalar(url, RAREST_AUTHOR)
        largest_name = await scalar(url, f"select a.name from bookstore.authors as a where a.id = {largest}")
        category = await scalar(url, LARGEST_CATEGORY)
        cases += [
            Case("bookstore", "largest author by id", f"/bookstore/books?author_id={largest}"),
            Case("bookstore", "largest author by name", f"/bookstore/books?author={quote(str(largest_name))}"),
            Case("bookstore", "rarest author by id", f"/bookstore/books?author_id={rarest}"),
            Case("bookstore", "largest category", f"/bookstore/books?category_id={category}"),
            Case("bookstore", "title words, largest author", f"/bookstore/books?author_id={largest}&q=golden"),
        ]
    if "corpus" in domains:
        rare = await scalar(url, RAREST_WORD)
        pair = str(await scalar(url, RANK_1000_WORDS)).split()
        cases += [
            Case("corpus", "rare word", "/corpus/search", {"words": [rare], "operator": "and"}),
            Case("corpus", "absent word", "/corpus/search", {"words": ["zyzzyva"], "operator": "and"}),
            Case("corpus", "two words AND", "/corpus/search", {"words": pair, "operator": "and"}),
            Case("corpus", '"the" OR "of"', "/corpus/search", {"words": ["the", "of"], "operator": "or"}),
        ]
    if "cookbook" in domains:
        common = await scalar(url, COMMON_INGREDIENT)
        rare_ingredient = await scalar(url, RARE_INGREDIENT)
        cases += [
            Case("cookbook", "most used ingredient", f"/cookbook/recipes/search?ingredient_id={common}"),
            Case("cookbook", "two ingredients", f"/cookbook/recipes/search?ingredient_id={common}&ingredient_id={rare_ingredient}"),
        ]
    if "inventory" in domains:
        cases += [
            Case("inventory", "name search", "/inventory/products?q=steel"),
            Case("inventory", "first page", "/inventory/products"),
        ]
    return cases
