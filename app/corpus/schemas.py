"""Request and response models of the corpus API."""

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

APOSTROPHES_AND_HYPHENS = "'\u2019-"
MAX_WORDS = 50
MAX_WORD_LENGTH = 50


def _single_word(value: str) -> str:
    """One word: letters (with any combining accents), digits, apostrophes and hyphens, with at least one letter or
    digit; kept as given (the database folds its case: public.fold_name)."""
    if not value:
        raise ValueError("a word may not be empty")
    bad = sorted({c for c in value if not (c.isalnum() or _combining(c) or c in APOSTROPHES_AND_HYPHENS)})
    if bad:
        shown = " ".join("space" if c.isspace() else repr(c) for c in bad)
        raise ValueError(
            f"{value!r} is not a single word: only letters, digits, apostrophes and hyphens are allowed, not {shown}"
        )
    if not any(c.isalnum() for c in value):
        raise ValueError(f"{value!r} is not a word: it has no letter or digit")
    return value


def _combining(char: str) -> bool:
    """A combining mark (an accent written after its letter, as in "e\u0301"): part of the word."""
    return unicodedata.category(char).startswith("M")


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


Word = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_WORD_LENGTH),
    AfterValidator(_single_word),
]


class SearchRequest(BaseModel):
    """Words to look for; page_size and cursor may also be given as query parameters."""

    model_config = ConfigDict(extra="forbid")

    words: list[Word] = Field(
        min_length=1,
        max_length=MAX_WORDS,
        description="1 to 50 words, each letters, digits, apostrophes and hyphens (at most 50 characters).",
    )
    operator: Annotated[Literal["and", "or"], BeforeValidator(_lower)] = Field(
        default="and", description="`and`: every word must occur; `or`: at least one."
    )
    page_size: int | None = Field(default=None, ge=1, le=100, description="Paragraphs per page (1 to 100, default 20).")
    cursor: str | None = Field(default=None, max_length=200, description="next_cursor of the previous page.")


class Paragraph(BaseModel):
    id: int
    content: str
    created_at: datetime


class SearchResult(BaseModel):
    paragraphs: list[Paragraph]
    total_count: int = Field(
        description="Number of paragraphs matching, on every page: exact when total_count_relation is `eq`, "
        "else a lower bound (more than 10,000 matches)."
    )
    total_count_relation: Literal["eq", "gte"] = Field(
        description="`eq`: total_count is exact; `gte`: at least total_count paragraphs match (counting stops at "
        "10,000; an OR reports its most frequent word's paragraphs). As Elasticsearch's track_total_hits."
    )
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page; null on the last page.")


class WordEntry(BaseModel):
    word: str
    frequency: int
    definitions: list[str]
    phonetic: str | None


class Dictionary(BaseModel):
    words: list[WordEntry]
