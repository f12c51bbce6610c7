"""Named things (categories, authors, ingredients): a name unique whatever its case, listed in name
order on keyset pages, added by name, removed unless still in use.

The routes are written once here; a domain adds the ones it serves to its router and passes its own
typed queries (app/<domain>/sql.py), which read and write its own tables. A page query returns rows
with `id`, `name` and `name_key` (the folded name it pages on, public.fold_name).
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Protocol

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, StringConstraints

from app.database import Connection
from app.errors import ConstraintError, NotFound, Unprocessable, declare
from app.pagination import Cursor, PageSize, decode_cursor, linked_page
from app.params import id_path

Row = Mapping[str, object]
NAME_MAX_LENGTH = 200


class Named(BaseModel):
    """A named thing as lists show it."""

    id: int
    name: str


class NameCreate(BaseModel):
    """The body that adds a named thing; the name is kept as given, unique whatever its case."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)]


class NamePage(Protocol):
    """One page of a domain's named things in name order."""

    def __call__(self, conn: Connection, *, after_name_key: str | None, page_size: int) -> Awaitable[Sequence[Row]]: ...


class NamePrefixPage(Protocol):
    """One page of a domain's named things in name order, optionally those whose name starts with a prefix."""

    def __call__(
        self, conn: Connection, *, name_prefix: str | None, after_name_key: str | None, page_size: int
    ) -> Awaitable[Sequence[Row]]: ...


class InsertName(Protocol):
    """Insert a named thing and return its row (a name taken in any case is a unique violation: 409)."""

    def __call__(self, conn: Connection, *, name: str) -> Awaitable[Row | None]: ...


DeleteById = Callable[[Connection, int], Awaitable[object]]
"""Delete one row by id; returns None when there was none (a row still referenced is a 409)."""

GetById = Callable[[Connection, int], Awaitable[Row | None]]
"""Read one row (`id`, `name`) by id; None when there is none."""


def a(noun: str) -> str:
    """`a category`, `an author`: the noun with its indefinite article."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def name_taken(noun: str) -> ConstraintError:
    """A domain's answer (app/<domain>/errors.py) to its unique name of `noun`s being taken: 409."""
    return ConstraintError(
        status=409, message=f"name: {a(noun)} with this name already exists (names are compared in any case)"
    )


def _named(rows: Sequence[Row]) -> list[Named]:
    return [Named.model_validate(row) for row in rows]


def add_list(router: APIRouter, path: str, plural: str, page: NamePage) -> None:
    """GET {path}: every named thing in name order, keyset-paginated with a `Link: rel="next"` header."""

    @router.get(path, response_model=list[Named], summary=f"List {plural} by name", name=f"list_{plural}")
    async def list_named(
        request: Request, response: Response, conn: Connection, page_size: PageSize = 20, cursor: Cursor = None
    ) -> list[Named]:
        after = decode_cursor(cursor, (str,))
        found = await page(conn, after_name_key=after[0] if after else None, page_size=page_size + 1)
        return _named(linked_page(request, response, list(found), page_size, ("name_key",)))


def add_prefix_list(router: APIRouter, path: str, plural: str, page: NamePrefixPage) -> None:
    """GET {path}?name=: like add_list, optionally only the names starting with a prefix (any case)."""

    @router.get(path, response_model=list[Named], summary=f"List {plural} by name", name=f"list_{plural}")
    async def list_named(
        request: Request,
        response: Response,
        conn: Connection,
        name: Annotated[
            str | None, Query(min_length=1, max_length=NAME_MAX_LENGTH, description="Name prefix, any case.")
        ] = None,
        page_size: PageSize = 20,
        cursor: Cursor = None,
    ) -> list[Named]:
        after = decode_cursor(cursor, (str,))
        found = await page(conn, name_prefix=name, after_name_key=after[0] if after else None, page_size=page_size + 1)
        return _named(linked_page(request, response, list(found), page_size, ("name_key",)))


def add_create(router: APIRouter, path: str, noun: str, insert: InsertName, max_length: int) -> None:
    """POST {path} {name}: 201 with the new thing; 409 when the name is taken in any case."""

    @router.post(
        path,
        response_model=Named,
        status_code=status.HTTP_201_CREATED,
        summary=f"Add {a(noun)}",
        name=f"create_{noun}",
        responses=declare(409),
    )
    async def create_named(body: NameCreate, conn: Connection) -> Named:
        if len(body.name) > max_length:
            raise Unprocessable(f"name: a {noun} name has at most {max_length} characters")
        row = await insert(conn, name=body.name)
        if row is None:  # an insert returns its row or raises
            raise RuntimeError(f"inserting a {noun} returned no row")
        return Named.model_validate(row)


def add_delete(router: APIRouter, path: str, noun: str, delete: DeleteById, in_use: str) -> None:
    """DELETE {path}/{id}: 204; 404 when absent; 409 while still in use (the foreign key says so)."""

    @router.delete(
        f"{path}/{{{noun}_id}}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary=f"Remove {a(noun)} (409 {in_use})",
        name=f"delete_{noun}",
        responses=declare(409),
    )
    async def delete_named(item_id: Annotated[int, id_path(f"{noun}_id")], conn: Connection) -> Response:
        if await delete(conn, item_id) is None:
            raise NotFound(f"{noun} {item_id} does not exist")
        return Response(status_code=status.HTTP_204_NO_CONTENT)


def add_get(router: APIRouter, path: str, noun: str, get: GetById) -> None:
    """GET {path}/{id}: the named thing `{id, name}`; 404 when absent."""

    @router.get(f"{path}/{{{noun}_id}}", response_model=Named, summary=f"One {noun}", name=f"get_{noun}")
    async def get_named(item_id: Annotated[int, id_path(f"{noun}_id")], conn: Connection) -> Named:
        row = await get(conn, item_id)
        if row is None:
            raise NotFound(f"{noun} {item_id} does not exist")
        return Named.model_validate(row)
