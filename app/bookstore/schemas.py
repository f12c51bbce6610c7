"""Request and response models of the bookstore API."""

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, field_validator

ISBN13 = re.compile(r"^97[89]\d{10}$")


def _clean_isbn(value: str | None) -> str | None:
    """Accept ISBN-13 with or without hyphens and spaces; store the 13 digits."""
    if value is None:
        return None
    digits = re.sub(r"[\s-]", "", value)
    if not ISBN13.match(digits):
        raise ValueError("ISBN must be 13 digits starting with 978 or 979 (hyphens allowed)")
    checksum = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    if checksum % 10:
        raise ValueError("ISBN check digit is wrong")
    return digits


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
AuthorName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CategoryName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Year = Annotated[int, Field(ge=1, le=2100)]
Price = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
Isbn = Annotated[str | None, AfterValidator(_clean_isbn)]


class BookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    author: AuthorName = Field(description="Author name; created if new (case-insensitively unique).")
    categories: list[CategoryName] = Field(default_factory=list, max_length=20)
    published_year: Year
    isbn: Isbn = None
    price: Price | None = None


class BookUpdate(BaseModel):
    """Fields to change; absent fields stay as they are. `isbn` and `price` may be set to null."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    author: AuthorName | None = None
    categories: list[CategoryName] | None = Field(default=None, max_length=20)
    published_year: Year | None = None
    isbn: Isbn = None
    price: Price | None = None

    @field_validator("title", "author", "published_year", "categories")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value


class Book(BaseModel):
    id: int
    title: str
    author: str
    author_id: int
    published_year: int
    isbn: str | None
    price: Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")] | None
    categories: list[str]


class AuthorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AuthorName


class Author(BaseModel):
    id: int
    name: str
    book_count: int


class SearchLog(BaseModel):
    id: int
    filters: dict[str, Any]
    result_count: int
    duration_ms: float
    searched_at: datetime
