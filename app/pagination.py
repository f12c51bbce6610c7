"""Keyset pagination: opaque cursors, the page_size parameter and the `Link: rel="next"` header."""

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import Query, Request, Response

from app.errors import BadRequest
from app.params import BIGINT_MAX

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (1 to 100).")]
OptionalPageSize = Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (1 to 100).")]
"""For an operation that also takes page_size in its body (the body wins)."""
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="Opaque cursor from the previous page (its Link header or next_cursor)."),
]


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> list[Any] | None:
    """The keyset values in `cursor`, checked against the expected types; None for the first page."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not valid: pass back the cursor this list gave for its next page") from None
    if not isinstance(key, list) or len(key) != len(shape):
        raise BadRequest("cursor is not valid for this list")
    for value, kind in zip(key, shape):
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or abs(value) > BIGINT_MAX):
            raise BadRequest("cursor is not valid for this list")
        if kind is str and not isinstance(value, str):
            raise BadRequest("cursor is not valid for this list")
    return key


_DROPPED_BY_URLSPLIT = {ord("\t"): None, ord("\r"): None, ord("\n"): None}


def with_cursor(url: str, cursor: str) -> str:
    """`url` with its `cursor` parameter set to `cursor`: the other parameters kept in order, cursor last,
    as Starlette's `URL.include_query_params(cursor=...)` gives, without building a URL and a MultiDict."""
    # urlsplit (inside include_query_params) drops tabs and line breaks, which a decoded path can hold.
    base, _, rest = url.translate(_DROPPED_BY_URLSPLIT).partition("?")
    query, hash_mark, fragment = rest.partition("#")
    kept = [(name, value) for name, value in parse_qsl(query, keep_blank_values=True) if name != "cursor"]
    kept.append(("cursor", cursor))
    return f"{base}?{urlencode(kept)}{hash_mark}{fragment}"


def set_next_link(request: Request, response: Response, key: list[Any] | None) -> None:
    """Add `Link: <url>; rel="next"` when there is a next page (`key` is the last item's keyset)."""
    if key is None:
        return
    response.headers.append("Link", f'<{with_cursor(str(request.url), encode_cursor(key))}>; rel="next"')


Row = TypeVar("Row", bound=Mapping[str, Any])


def page_of(items: list[Row], page_size: int) -> tuple[list[Row], bool]:
    """Split a fetch of page_size + 1 rows into the page and whether more follow."""
    return items[:page_size], len(items) > page_size


def linked_page(
    request: Request, response: Response, found: list[Row], page_size: int, key: tuple[str, ...]
) -> list[Row]:
    """The page out of a fetch of page_size + 1 rows, with a next link keyed on the last row's `key` columns."""
    page, more = page_of(found, page_size)
    set_next_link(request, response, [page[-1][column] for column in key] if more else None)
    return page
