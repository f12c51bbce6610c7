"""Request checks every route shares, before its own validation: a NUL character, which no PostgreSQL
text value can hold, is refused as a 422 naming the field (query, path or body) instead of reaching the
database as a bare "invalid value"; and how a body that is not JSON is answered (400 with line and
column for malformed JSON, 415 for another media type)."""

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

NUL = "\x00"
NUL_MESSAGE = "must not contain a NUL character (\\u0000): PostgreSQL text cannot hold one"
JSON_MEDIA_TYPES = ("application/json",)


def _nul_locations(value: Any, where: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """Where in a parsed JSON value a string (a key or a value) holds a NUL character."""
    if isinstance(value, str):
        if NUL in value:
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*where, key)
            yield from _nul_locations(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_locations(item, (*where, index))


def _error(loc: tuple[str | int, ...], value: object) -> dict[str, Any]:
    return {"type": "string_nul", "loc": loc, "msg": NUL_MESSAGE, "input": value}


async def reject_nul_characters(request: Request) -> None:
    """App-wide dependency: RequestValidationError (422) naming every query parameter, path parameter or
    body field whose text holds a NUL character. Costs one substring test each when there is none."""
    errors: list[dict[str, Any]] = []
    if b"%00" in request.scope["query_string"]:
        errors += [_error(("query", name), value) for name, value in request.query_params.multi_items() if NUL in value]
    if NUL in request.scope["path"]:
        errors += [_error(("path", name), value) for name, value in request.path_params.items() if NUL in str(value)]
    if request.method in ("POST", "PUT", "PATCH") and b"\\u0000" in await request.body():
        try:
            body = await request.json()
        except ValueError:
            body = None  # malformed JSON: the route's own parsing answers it (400)
        errors += [_error(("body", *loc), None) for loc in _nul_locations(body, ())]
    if errors:
        raise RequestValidationError(errors)


def json_position(document: str, offset: int) -> tuple[int, int]:
    """(line, column), both from 1, of a character offset into a JSON document."""
    line = document.count("\n", 0, offset) + 1
    column = offset - (document.rfind("\n", 0, offset) + 1) + 1
    return line, column


def malformed_json_detail(error: dict[str, Any], document: object) -> str:
    """`malformed JSON at line L, column C: <what the parser expected>` for FastAPI's json_invalid error."""
    loc = error.get("loc", ())
    offset = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else str(document or "")
    line, column = json_position(text, offset)
    reason = (error.get("ctx") or {}).get("error") or "not valid JSON"
    # The json module's messages end in " at" where its own text would give the position: we give it.
    reason = reason.removesuffix(" at").removesuffix(" starting")
    return f"request body is malformed JSON at line {line}, column {column}: {reason}"


def undecodable_json_detail(exc: UnicodeDecodeError) -> str:
    """`malformed JSON at line L, column C: ...` for a body whose bytes are not text in the encoding JSON
    was read in (UTF-8, or the UTF-16/32 its first bytes show); the column counts the characters before."""
    document: bytes = exc.object
    before = document[: exc.start].decode(exc.encoding, "replace").removeprefix("\ufeff")
    line, column = json_position(before, len(before))
    found = document[exc.start : exc.end].hex()
    return (
        f"request body is malformed JSON at line {line}, column {column}: bytes 0x{found} are not"
        f" {exc.encoding} text (send JSON as UTF-8)"
    )


def is_json_media_type(content_type: str | None) -> bool:
    """application/json or any application/*+json, parameters (charset) ignored."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_MEDIA_TYPES or (media.startswith("application/") and media.endswith("+json"))


def unparsed_body(errors: list[dict[str, Any]]) -> bool:
    """True when the body reached validation as raw bytes: it was sent with a media type that is not JSON."""
    return any(tuple(e.get("loc", ()))[:1] == ("body",) and isinstance(e.get("input"), bytes) for e in errors)
