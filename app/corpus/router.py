"""Corpus endpoints: thin handlers that validate, call the text or dictionary client and a named query,
and shape the answer. Mounted at /corpus; the shared HTTP client lives for the app (service.lifespan)."""

import json
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status

from app.corpus import schemas, search_plan, service, sql
from app.corpus.service import CorpusService, corpus_service
from app.database import Connection, borrow
from app.errors import NotFound, declare
from app.pagination import (
    DEFAULT_PAGE_SIZE,
    Cursor,
    OptionalPageSize,
    PageSize,
    decode_cursor,
    encode_cursor,
    linked_page,
)
from app.params import Id

router = APIRouter(lifespan=service.lifespan)

Service = Annotated[CorpusService, Depends(corpus_service)]


async def fetched_paragraph(corpus: Service) -> str:
    """Dependency: a paragraph from the text source. Declared before `conn` in the handler, so no
    database connection is held while the source is slow."""
    return await corpus.fetch_paragraph()


@router.post(
    "/fetch",
    response_model=schemas.Paragraph,
    status_code=status.HTTP_201_CREATED,
    summary="Fetch one paragraph from the text source and store it (502/504 when the source fails)",
    responses=declare(502, 504),
)
async def fetch(
    request: Request,
    background: BackgroundTasks,
    corpus: Service,
    content: Annotated[str, Depends(fetched_paragraph)],
    conn: Connection,
) -> schemas.Paragraph:
    async with conn.transaction():
        row = await sql.insert_paragraph(conn, content=content)
        assert row is not None  # an insert returns its row or raises
        await sql.add_word_counts(conn, paragraph_id=row["id"])
    background.add_task(service.warm_cache, request.app.state.pool, corpus)
    return schemas.Paragraph(**row)


@router.post("/search", response_model=schemas.SearchResult, summary="Paragraphs containing all or any of the words")
async def search(
    body: schemas.SearchRequest,
    conn: Connection,
    page_size: OptionalPageSize = None,
    cursor: Cursor = None,
) -> Response:
    """The page's JSON comes from PostgreSQL (search_plan.page_json: the fields of schemas.Paragraph),
    spliced into schemas.SearchResult's object."""
    size = body.page_size or page_size or DEFAULT_PAGE_SIZE
    after = decode_cursor(body.cursor or cursor, (int,))
    after_id = after[0] if after else None
    words = list(dict.fromkeys(body.words))
    match_all = body.operator == "and"
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        counts = await sql.word_paragraph_counts(conn, words=words)
        found = search_plan.outline(words, match_all, counts)
        page = await search_plan.page_json(conn, found, match_all, after_id, size)
        more = page["next_id"] is not None
        whole = page["items"] if after_id is None and not more else None
        total, relation = await search_plan.total(conn, found, match_all, whole)
    next_cursor = json.dumps(encode_cursor([page["next_id"]])) if more else "null"
    return Response(
        f'{{"paragraphs":{page["body"]},"total_count":{total},"total_count_relation":"{relation}",'
        f'"next_cursor":{next_cursor}}}',
        media_type="application/json",
    )


@router.get(
    "/dictionary",
    response_model=schemas.Dictionary,
    summary="The ten most frequent words with definitions",
    responses=declare(503),
)
async def dictionary(
    request: Request,
    corpus: Service,
    exclude_stopwords: Annotated[bool, Query(description="Leave out common English words (corpus.stopwords).")] = False,
) -> schemas.Dictionary:
    # Connections are borrowed (with the usual 503 when none is free) only around the two queries,
    # not while the dictionary API is being waited for.
    words = await service.dictionary(lambda: borrow(request), corpus, exclude_stopwords)
    return schemas.Dictionary.model_validate({"words": words})


@router.get("/paragraphs", response_model=list[schemas.Paragraph], summary="List paragraphs, newest first")
async def list_paragraphs(
    request: Request, response: Response, conn: Connection, page_size: PageSize = 20, cursor: Cursor = None
) -> list[schemas.Paragraph]:
    after = decode_cursor(cursor, (int,))
    found = await sql.paragraphs_page(conn, after_id=after[0] if after else None, page_size=page_size + 1)
    return [schemas.Paragraph(**r) for r in linked_page(request, response, found, page_size, ("id",))]


@router.get("/paragraphs/{paragraph_id}", response_model=schemas.Paragraph, summary="One paragraph")
async def get_paragraph(paragraph_id: Id, conn: Connection) -> schemas.Paragraph:
    row = await sql.paragraph_by_id(conn, paragraph_id=paragraph_id)
    if row is None:
        raise NotFound(f"paragraph {paragraph_id} does not exist")
    return schemas.Paragraph(**row)
