"""Inventory endpoints: thin handlers that validate, call a named query, and shape the answer."""

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Header, Query, Request, Response, status

from app.database import Connection
from app.errors import Conflict, NotFound, Unprocessable, declare
from app.inventory import schemas, sql
from app.inventory.errors import CATEGORY_NAME_TAKEN, IDEMPOTENCY_KEY_TAKEN, NOT_ENOUGH_STOCK, SKU_TAKEN
from app.pagination import Cursor, PageSize, decode_cursor, linked_page, set_next_link
from app.params import FilterId, Id

router = APIRouter()

SEARCH_MIN_LENGTH = 3

Search = Annotated[
    str | None,
    Query(
        max_length=200,
        description="At least 3 characters: text the name contains (any case) or the SKU starts with.",
    ),
]
LowStock = Annotated[bool, Query(description="Only products at or below their reorder level.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Sent again with the same change, answers the first result and changes nothing.",
    ),
]


async def _product_page(
    request: Request,
    conn: Connection,
    category_id: int | None,
    q: str | None,
    low_stock: bool,
    page_size: int,
    cursor: str | None,
) -> tuple[Response, int]:
    """The page's answer, its JSON from PostgreSQL (products_page_json: the fields of schemas.Product) sent
    as is with its next link, and how many products it holds."""
    after = decode_cursor(cursor, (int,))
    text = q.strip() if q is not None else None
    if text is not None and len(text) < SEARCH_MIN_LENGTH:
        raise Unprocessable(
            f"q: at least {SEARCH_MIN_LENGTH} characters, not counting spaces at either end "
            "(names are searched by trigrams; shorter text would read every product)"
        )
    found = await sql.products_page_json(
        conn,
        category_id=category_id,
        q=text,
        low_stock=low_stock,
        after_id=after[0] if after else None,
        page_size=page_size,
    )
    assert found is not None  # an aggregate: always one row
    answer = Response(found["body"], media_type="application/json")
    set_next_link(request, answer, [found["next_id"]] if found["next_id"] is not None else None)
    return answer, found["items"]


@router.get("/health", summary="The inventory service is up (polled by the old clients' start-up script)")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/products", response_model=list[schemas.Product], summary="List and search products in id order")
async def list_products(
    request: Request,
    conn: Connection,
    category_id: FilterId = None,
    q: Search = None,
    low_stock: LowStock = False,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> Response:
    answer, _ = await _product_page(request, conn, category_id, q, low_stock, page_size, cursor)
    return answer


@router.get("/products/{product_id}", response_model=schemas.Product, summary="One product")
async def get_product(product_id: Id, conn: Connection) -> schemas.Product:
    row = await sql.product_by_id(conn, product_id=product_id)
    if row is None:
        raise NotFound(f"product {product_id} does not exist")
    return schemas.Product(**row)


@router.post(
    "/products",
    response_model=schemas.Product,
    status_code=status.HTTP_201_CREATED,
    summary="Add a product",
    responses=declare(409),
)
async def create_product(body: schemas.ProductCreate, conn: Connection) -> schemas.Product:
    row = await sql.insert_product(
        conn,
        name=body.name,
        sku=body.sku,
        quantity=body.quantity,
        price=body.price,
        reorder_level=body.reorder_level,
        category_id=body.category_id,
    )
    if row is None:
        raise Conflict(
            f"sku: a product with SKU {body.sku!r} already exists (SKUs are compared in any case)", SKU_TAKEN
        )
    return schemas.Product(**row)


@router.patch("/products/{product_id}", response_model=schemas.Product, summary="Change some fields of a product")
async def update_product(product_id: Id, body: schemas.ProductUpdate, conn: Connection) -> schemas.Product:
    row = await sql.update_product(
        conn,
        product_id=product_id,
        name=body.name,
        price=body.price,
        reorder_level=body.reorder_level,
        category_id=body.category_id,
    )
    if row is None:
        raise NotFound(f"product {product_id} does not exist")
    return schemas.Product(**row)


@router.delete(
    "/products/{product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a product and its movements",
)
async def delete_product(product_id: Id, conn: Connection) -> Response:
    if await sql.delete_product(conn, product_id=product_id) is None:
        raise NotFound(f"product {product_id} does not exist")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/products/{product_id}/stock",
    response_model=schemas.StockResult,
    summary="Add or take stock; the change and its movement are one statement",
    responses=declare(409),
)
async def change_stock(
    product_id: Id,
    body: schemas.StockChange,
    response: Response,
    conn: Connection,
    idempotency_key: IdempotencyKey = None,
) -> schemas.StockResult:
    key = idempotency_key.strip() or None if idempotency_key else None
    try:
        row = await sql.change_stock(
            conn, product_id=product_id, delta=body.delta, reason=body.reason, idempotency_key=key
        )
    except asyncpg.UniqueViolationError as exc:
        # The same key raced in from another request and won; its statement undid nothing of ours
        # because ours was undone whole. Answer the winner's result.
        if exc.constraint_name != IDEMPOTENCY_KEY_TAKEN or key is None:
            raise
        row = await sql.movement_by_key(conn, product_id=product_id, idempotency_key=key)
    if row is None:
        available = await sql.product_quantity(conn, product_id=product_id)
        if available is None:
            raise NotFound(f"product {product_id} does not exist")
        if available + body.delta > schemas.QUANTITY_MAX:
            raise Unprocessable(
                f"delta: the quantity after this change would exceed the largest stock of {schemas.QUANTITY_MAX:,}"
            )
        raise Conflict(f"not enough stock: only {available} available, cannot take {-body.delta}", NOT_ENOUGH_STOCK)
    movement = schemas.Movement.model_validate(row)  # the row also says whether it was replayed
    if row["replayed"]:
        if (movement.delta, movement.reason) != (body.delta, body.reason):
            raise Unprocessable(
                f"Idempotency-Key {key!r} was already used for a different change "
                f"(delta {movement.delta}, reason {movement.reason!r}); use a new key for a new change"
            )
        response.headers["Idempotent-Replayed"] = "true"
    return schemas.StockResult(
        product_id=product_id, quantity=movement.quantity_after, replayed=row["replayed"], movement=movement
    )


@router.get(
    "/products/{product_id}/movements",
    response_model=list[schemas.Movement],
    summary="A product's stock ledger, newest first",
)
async def list_movements(
    product_id: Id,
    request: Request,
    response: Response,
    conn: Connection,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> list[schemas.Movement]:
    after = decode_cursor(cursor, (int,))
    found = await sql.movements_page(
        conn, product_id=product_id, after_id=after[0] if after else None, page_size=page_size + 1
    )
    if not found and await sql.product_quantity(conn, product_id=product_id) is None:
        raise NotFound(f"product {product_id} does not exist")
    page = linked_page(request, response, found, page_size, ("id",))
    return [schemas.Movement(**r) for r in page]


@router.get("/categories", response_model=list[schemas.Category], summary="List categories in id order")
async def list_categories(
    request: Request, response: Response, conn: Connection, page_size: PageSize = 20, cursor: Cursor = None
) -> list[schemas.Category]:
    after = decode_cursor(cursor, (int,))
    found = await sql.categories_page(conn, after_id=after[0] if after else None, page_size=page_size + 1)
    page = linked_page(request, response, found, page_size, ("id",))
    return [schemas.Category(**r) for r in page]


@router.post(
    "/categories",
    response_model=schemas.CategoryDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Add a category",
    responses=declare(409),
)
async def create_category(body: schemas.CategoryCreate, conn: Connection) -> schemas.CategoryDetail:
    row = await sql.insert_category(conn, name=body.name)
    if row is None:
        raise Conflict(
            f"name: a category named {body.name!r} already exists (names are compared in any case)",
            CATEGORY_NAME_TAKEN,
        )
    return schemas.CategoryDetail(**row)


@router.get(
    "/categories/{category_id}",
    response_model=schemas.CategoryDetail,
    summary="One category with its product count and stock value",
)
async def get_category(category_id: Id, conn: Connection) -> schemas.CategoryDetail:
    row = await sql.category_by_id(conn, category_id=category_id)
    if row is None:
        raise NotFound(f"category {category_id} does not exist")
    return schemas.CategoryDetail(**row)


@router.delete(
    "/categories/{category_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a category (409 while it has products)",
    responses=declare(409),
)
async def delete_category(category_id: Id, conn: Connection) -> Response:
    if await sql.delete_category(conn, category_id=category_id) is None:
        raise NotFound(f"category {category_id} does not exist")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/categories/{category_id}/products",
    response_model=list[schemas.Product],
    summary="A category's products in id order",
)
async def list_category_products(
    category_id: Id,
    request: Request,
    conn: Connection,
    q: Search = None,
    low_stock: LowStock = False,
    page_size: PageSize = 20,
    cursor: Cursor = None,
) -> Response:
    answer, items = await _product_page(request, conn, category_id, q, low_stock, page_size, cursor)
    if not items and not await sql.category_exists(conn, category_id=category_id):
        raise NotFound(f"category {category_id} does not exist")
    return answer
