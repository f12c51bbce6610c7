"""Bookstore endpoints: thin handlers that validate, call a named query, and shape the answer."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query, Request, Response, status

from app import names, queries
from app.background import BatchWriter, writer_lifespan
from app.bookstore import schemas, sql
from app.database import Connection
from app.errors import NotFound, declare
from app.pagination import Cursor, PageSize, decode_cursor, linked_page, set_next_link
from app.params import FilterId, Id


@dataclass(frozen=True)
class SearchLogEntry:
    filters: dict[str, Any]
    result_count: int
    duration_ms: float
    searched_at: datetime


async def write_search_logs(conn: asyncpg.Connection, entries: list[SearchLogEntry]) -> None:
    """One statement for every search queued since the last write."""
    await sql.insert_search_logs(
        conn,
        filters=[e.filters for e in entries],
        result_counts=[e.result_count for e in entries],
        durations_ms=[round(e.duration_ms, 3) for e in entries],
        searched_ats=[e.searched_at for e in entries],
    )


router = APIRouter(
    lifespan=writer_lifespan(
        "bookstore_search_log",
        lambda: BatchWriter[SearchLogEntry]("bookstore search log", write_search_logs, records_reads=True),
    )
)

FilterName = Annotated[str | None, Query(min_length=1, max_length=200)]


@dataclass(frozen=True)
class BookFilters:
    """The author and category filters a books page query takes: ids, and names it resolves itself."""

    author_id: int | None
    author_name: str | None
    category_id: int | None
    category_name: str | None


async def _resolve_name(
    conn: queries.Connection, lookup: Callable[..., Awaitable[int | None]], name: str, given_id: int | None
) -> int:
    """The id a name filter stands for (0 when no row has that name or another row has given_id)."""
    found = await lookup(conn, name=name)
    return 0 if found is None or (given_id is not None and found != given_id) else found


async def book_filters(
    conn: queries.Connection,
    author: str | None,
    author_id: int | None,
    category: str | None,
    category_id: int | None,
    words: str | None,
) -> BookFilters:
    """The filters to send (names stripped). A name that is the only filter besides its own id goes to the
    page query, which resolves it; beside title words or the other entity it is resolved here first, so the
    planner sees the id when it picks which filter leads."""
    author_name = author.strip() if author is not None else None
    category_name = category.strip() if category is not None else None
    by_author = author_name is not None or author_id is not None
    by_category = category_name is not None or category_id is not None
    if words is None and not (by_author and by_category):
        return BookFilters(author_id, author_name, category_id, category_name)
    if author_name is not None:
        author_id = await _resolve_name(conn, sql.author_id_by_name, author_name, author_id)
    if category_name is not None:
        category_id = await _resolve_name(conn, sql.category_id_by_name, category_name, category_id)
    return BookFilters(author_id, None, category_id, None)


async def books_page_json(
    conn: queries.Connection,
    given: BookFilters,
    words: str | None,
    after_year: int | None,
    after_id: int | None,
    page_size: int,
) -> sql.BooksPageJsonRow:
    """One page as the answer's JSON (body, items, next keyset), from books_in_category_page_json when a
    category is given, else books_page_json."""
    if given.category_id is None and given.category_name is None:
        found = await sql.books_page_json(
            conn,
            author_id=given.author_id,
            author_name=given.author_name,
            title_words=words,
            after_year=after_year,
            after_id=after_id,
            page_size=page_size,
        )
    else:
        found = await sql.books_in_category_page_json(
            conn,
            category_id=given.category_id,
            category_name=given.category_name,
            author_id=given.author_id,
            title_words=words,
            after_year=after_year,
            after_id=after_id,
            page_size=page_size,
        )
    assert found is not None  # an aggregate: always one row
    return found


@router.get("/books", response_model=list[schemas.Book], summary="List and search books, newest first")
async def list_books(
    request: Request,
    conn: Connection,
    author: Annotated[FilterName, Query(description="Author name, case-insensitive exact match.")] = None,
    author_id: FilterId = None,
    category: Annotated[FilterName, Query(description="Category name, case-insensitive exact match.")] = None,
    category_id: FilterId = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Words the title must all contain.")
    ] = None,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> Response:
    """The page's JSON comes from PostgreSQL (books_page_json: the fields of schemas.Book) and is sent as is."""
    started = time.perf_counter()
    after = decode_cursor(cursor, (int, int))
    words = q.strip() if q and q.strip() else None
    given = await book_filters(conn, author, author_id, category, category_id, words)
    after_year, after_id = (after[0], after[1]) if after else (None, None)
    found = await books_page_json(conn, given, words, after_year, after_id, page_size)
    answer = Response(found["body"], media_type="application/json")
    more = found["next_id"] is not None
    set_next_link(request, answer, [found["next_year"], found["next_id"]] if more else None)
    if author is not None or author_id is not None or category is not None or category_id is not None:
        filters = {
            key: value
            for key, value in {
                "author": author,
                "author_id": author_id,
                "category": category,
                "category_id": category_id,
                "q": q,
                "cursor": cursor is not None or None,
            }.items()
            if value is not None
        }
        elapsed_ms = (time.perf_counter() - started) * 1000
        entry = SearchLogEntry(filters, found["items"], elapsed_ms, datetime.now(UTC))
        request.app.state.bookstore_search_log.add(entry)
    return answer


@router.get("/books/{book_id}", response_model=schemas.Book, summary="One book")
async def get_book(book_id: Id, conn: Connection) -> schemas.Book:
    row = await sql.book_by_id(conn, book_id=book_id)
    if row is None:
        raise NotFound(f"book {book_id} does not exist")
    return schemas.Book(**row)


async def _set_categories(conn: Connection, book_id: int, names: list[str]) -> None:
    category_ids = [r["id"] for r in await sql.upsert_categories(conn, names=names)] if names else []
    await sql.unlink_book_categories_except(conn, book_id=book_id, category_ids=category_ids)
    if category_ids:
        await sql.link_book_categories(conn, book_id=book_id, category_ids=category_ids)


@router.post(
    "/books",
    response_model=schemas.Book,
    status_code=status.HTTP_201_CREATED,
    summary="Add a book",
    responses=declare(409),
)
async def create_book(body: schemas.BookCreate, conn: Connection) -> schemas.Book:
    async with conn.transaction():
        author_id = await sql.upsert_author(conn, name=body.author)
        assert author_id is not None  # the upsert returns the row it inserted or found
        book_id = await sql.insert_book(
            conn,
            title=body.title,
            author_id=author_id,
            published_year=body.published_year,
            isbn=body.isbn,
            price=body.price,
        )
        if body.categories:
            await _set_categories(conn, book_id, body.categories)
        row = await sql.book_by_id(conn, book_id=book_id)
    assert row is not None  # inserted in this transaction
    return schemas.Book(**row)


@router.patch(
    "/books/{book_id}", response_model=schemas.Book, summary="Change some fields of a book", responses=declare(409)
)
async def update_book(book_id: Id, body: schemas.BookUpdate, conn: Connection) -> schemas.Book:
    given = body.model_fields_set
    async with conn.transaction():
        author_id = await sql.upsert_author(conn, name=body.author) if body.author is not None else None
        updated = await sql.update_book(
            conn,
            book_id=book_id,
            title=body.title,
            author_id=author_id,
            published_year=body.published_year,
            set_isbn="isbn" in given,
            isbn=body.isbn,
            set_price="price" in given,
            price=body.price,
        )
        if updated is None:
            raise NotFound(f"book {book_id} does not exist")
        if body.categories is not None:
            await _set_categories(conn, book_id, body.categories)
        row = await sql.book_by_id(conn, book_id=book_id)
    assert row is not None  # updated in this transaction
    return schemas.Book(**row)


@router.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a book")
async def delete_book(book_id: Id, conn: Connection) -> Response:
    if await sql.delete_book(conn, book_id=book_id) is None:
        raise NotFound(f"book {book_id} does not exist")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


names.add_prefix_list(router, "/authors", "authors", sql.authors_page)


@router.get("/authors/{author_id}", response_model=schemas.Author, summary="One author")
async def get_author(author_id: Id, conn: Connection) -> schemas.Author:
    row = await sql.author_by_id(conn, author_id=author_id)
    if row is None:
        raise NotFound(f"author {author_id} does not exist")
    return schemas.Author(**row)


@router.post(
    "/authors",
    response_model=schemas.Author,
    status_code=status.HTTP_201_CREATED,
    summary="Add an author",
    responses=declare(409),
)
async def create_author(body: schemas.AuthorCreate, conn: Connection) -> schemas.Author:
    row = await sql.insert_author(conn, name=body.name)
    assert row is not None  # an insert returns its row or raises
    return schemas.Author(**row)


names.add_delete(
    router,
    "/authors",
    "author",
    lambda conn, item_id: sql.delete_author(conn, author_id=item_id),
    "while they have books",
)
names.add_list(router, "/categories", "categories", sql.categories_page)
names.add_get(router, "/categories", "category", lambda conn, item_id: sql.category_by_id(conn, category_id=item_id))
names.add_create(router, "/categories", "category", sql.insert_category, max_length=100)
names.add_delete(
    router,
    "/categories",
    "category",
    lambda conn, item_id: sql.delete_category(conn, category_id=item_id),
    "while it has books",
)


@router.get("/logs", response_model=list[schemas.SearchLog], summary="The search log, most recent first")
async def list_logs(
    request: Request, response: Response, conn: Connection, page_size: PageSize = 20, cursor: Cursor = None
) -> list[schemas.SearchLog]:
    after = decode_cursor(cursor, (int,))
    found = await sql.search_logs_page(conn, after_id=after[0] if after else None, page_size=page_size + 1)
    page = linked_page(request, response, found, page_size, ("id",))
    return [schemas.SearchLog.model_validate(r) for r in page]
