"""Error classes and the one place where they, and database errors, become HTTP answers.

Every error body is JSON with a human-readable `detail` and the request's id (the `ErrorBody` model,
declared on each operation by app/openapi.py); no answer carries a stack, SQL or a raw
PostgreSQL message: those go to the log, under the same request id.
"""

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.retry import rerun
from app.validation import malformed_json_detail, undecodable_json_detail, unparsed_body

log = logging.getLogger(__name__)

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being answered (set by the middleware in app/main.py)."""


class AppError(Exception):
    """An error with an HTTP status and a message meant for the API client (and, for a conflict with
    the stored data, the constraint it stands for: every 409 names one)."""

    status_code = 400

    def __init__(self, detail: str, constraint: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.constraint = constraint


class BadRequest(AppError):
    status_code = 400


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class Unprocessable(AppError):
    status_code = 422


class BadGateway(AppError):
    status_code = 502


class ServiceUnavailable(AppError):
    status_code = 503


class GatewayTimeout(AppError):
    status_code = 504


@dataclass(frozen=True)
class ConstraintError:
    """How a domain answers a violation of one of its named constraints (unique, check).

    A domain lists them in app/<domain>/errors.py as `CONSTRAINT_ERRORS = {"constraint_name": ConstraintError(...)}`;
    the core finds them there (app/main.py), so no domain edits this file. `message` is a sentence a
    client can show; `{value}` in it stands for the key's value(s) (`Key (isbn)=(978...)`: 978...).
    """

    status: int
    message: str


@dataclass(frozen=True)
class ForeignKeyError:
    """How a domain answers a violation of one of its foreign keys: `missing` (422) when a row names one
    that does not exist, `in_use` (409) when a row still referenced is deleted; `{value}` as above."""

    missing: str
    in_use: str


ConstraintAnswer = ConstraintError | ForeignKeyError
ConstraintErrors = Mapping[tuple[str, str], ConstraintAnswer]
"""(schema, constraint name) -> answer, for every mounted domain."""


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """The one error model of the whole API."""

    detail: str = Field(description="What went wrong, for a person to read.")
    request_id: str | None = Field(default=None, description="Also in the X-Request-ID header and the server's log.")
    constraint: str | None = Field(default=None, description="The database rule that refused the change, if one did.")
    errors: list[ValidationIssue] | None = Field(default=None, description="422 only: each invalid field.")


ERROR_DESCRIPTIONS = {
    400: "Bad request: a cursor not issued by this API, or malformed JSON (line and column named)",
    401: "No valid credential: send `Authorization: Bearer <API key or token>` (header WWW-Authenticate: Bearer)",
    403: "The credential lacks the scope named in `detail`, or access is not configured for clients on other hosts",
    404: "The row the path names does not exist",
    409: "Conflict with the stored data (a name or key taken, a row still in use, not enough stock)",
    413: "Request body too large",
    415: "Request body is not application/json",
    422: "Invalid or unknown parameter or field, named in `detail`",
    502: "An upstream service failed",
    503: "Database unavailable or overloaded; retry after `Retry-After` seconds",
    504: "An upstream service did not answer in time",
}


def declare(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a decorator: the errors a handler answers beyond those app/openapi.py derives."""
    return {status: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


# Errors meaning "the database is not there right now": a 503 with Retry-After, never a 500.
DATABASE_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # includes "connection was closed in the middle of operation"
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.InsufficientResourcesError,  # too many connections, disk full
    OSError,  # refused, reset, timed out
)
UNAVAILABLE_DETAIL = "the database is unavailable right now; retry later"


def _error(status_code: int, detail: str, **extra: object) -> JSONResponse:
    content = {"detail": detail, **{key: value for key, value in extra.items() if value is not None}}
    content["request_id"] = request_id.get()
    return JSONResponse(status_code=status_code, content=content)


_KEY = re.compile(r"Key \((?P<columns>.*?)\)=\((?P<values>.*)\) (?:already exists|is still referenced|is not present)")


def _key_value(pg_detail: object) -> str:
    """`978...` out of PostgreSQL's `Key (isbn)=(978...) already exists.`, so no raw message is passed on."""
    found = _KEY.search(pg_detail) if isinstance(pg_detail, str) else None
    return found["values"] if found else "the key"


def _database_error_answer(exc: asyncpg.PostgresError, domain_answers: ConstraintErrors | None = None) -> JSONResponse:
    """Map a constraint or data error raised by PostgreSQL to a 4xx naming what broke."""
    constraint = getattr(exc, "constraint_name", None)
    answer = (domain_answers or {}).get((getattr(exc, "schema_name", None) or "", constraint or ""))
    pg_detail = getattr(exc, "detail", None)
    in_use = isinstance(pg_detail, str) and "is still referenced" in pg_detail
    if isinstance(answer, ForeignKeyError):
        status, message = (409, answer.in_use) if in_use else (422, answer.missing)
        return _error(status, message.format(value=_key_value(pg_detail)), constraint=constraint)
    if answer is not None:
        return _error(answer.status, answer.message.format(value=_key_value(pg_detail)), constraint=constraint)
    # No domain answer: a sentence without the table's internals (column and table names).
    if isinstance(exc, asyncpg.UniqueViolationError):
        return _error(409, "already exists: a row with this value exists; it must be unique", constraint=constraint)
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        if in_use:
            return _error(409, "still in use: other rows refer to this one", constraint=constraint)
        return _error(422, "missing reference: a row this one refers to does not exist", constraint=constraint)
    if isinstance(exc, asyncpg.CheckViolationError):
        return _error(422, f"value breaks rule {constraint}", constraint=constraint)
    if isinstance(exc, asyncpg.NotNullViolationError):
        return _error(422, f"missing value: {getattr(exc, 'column_name', None) or 'a required field'}")
    if isinstance(exc, asyncpg.DataError):
        log.info("data error answered as 422: %s", exc)
        return _error(422, "invalid value: a value is malformed or out of range for the database")
    if isinstance(exc, asyncpg.QueryCanceledError):
        return _error(503, "the database query took too long and was cancelled; retry later")
    if isinstance(exc, (asyncpg.TransactionRollbackError, asyncpg.LockNotAvailableError)):
        return _error(503, "the database could not finish this change because of concurrent ones; retry")
    if isinstance(exc, asyncpg.InvalidCachedStatementError):  # run twice already (app/retry.py), or after a write
        log.warning("a schema change invalidated a statement of this request: %s", exc)
        return _error(503, "the database schema changed while this request ran; retry")
    if isinstance(exc, DATABASE_UNAVAILABLE):
        log.warning("database unavailable: %s", exc)
        return _error(503, UNAVAILABLE_DETAIL)
    log.error("unexpected database error", exc_info=exc)
    return _error(500, "internal database error")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where = ".".join(str(p) for p in loc if p not in ("body", "query", "path"))
        if not where and loc[:1] == ("body",):
            where = "request body"  # the body as a whole: empty, or JSON that is not an object
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI, domain_answers: ConstraintErrors | None = None) -> None:
    answers: ConstraintErrors = domain_answers or {}

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return _error(exc.status_code, exc.detail, constraint=exc.constraint)

    @app.exception_handler(asyncpg.PostgresError)
    async def database_error(request: Request, exc: asyncpg.PostgresError) -> JSONResponse:
        rerun(request.scope, exc)  # a stale statement, serialization failure or deadlock: the request again
        return _database_error_answer(exc, answers)

    @app.exception_handler(asyncpg.InterfaceError)
    async def client_side_error(_: Request, exc: asyncpg.InterfaceError) -> JSONResponse:
        # asyncpg refuses, before sending, a value its type cannot hold (e.g. an int over bigint).
        if isinstance(exc, ValueError):
            return _error(422, f"invalid value: {exc}")
        # Anything else here is a connection that went away under the request (e.g. the server stopped).
        log.warning("database connection lost: %s", exc)
        return _error(503, UNAVAILABLE_DETAIL)

    @app.exception_handler(OSError)
    async def unreachable(_: Request, exc: OSError) -> JSONResponse:
        log.warning("database unreachable: %r", exc)
        return _error(503, UNAVAILABLE_DETAIL)

    @app.exception_handler(asyncpg.InternalClientError)
    async def broken_connection(request: Request, exc: asyncpg.InternalClientError) -> JSONResponse:
        rerun(request.scope, exc)  # OutdatedSchemaCacheError: a type changed under asyncpg's cache
        # Seen when the server went away in the middle of an operation; the pool drops that connection.
        log.warning("database connection broken: %s", exc)
        return _error(503, UNAVAILABLE_DETAIL)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = list(exc.errors())
        malformed = next((e for e in found if e.get("type") == "json_invalid"), None)
        if malformed is not None:
            return _error(400, malformed_json_detail(malformed, exc.body))
        if unparsed_body(found):
            media = request.headers.get("content-type") or "none given"
            return _error(415, f"request body must be application/json (Content-Type: {media})")
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return _error(422, _validation_message(exc), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI's "There was an error parsing the body", raised from the decoding error it met.
            return _error(400, undecodable_json_detail(exc.__cause__))
        answer = _error(exc.status_code, exc.detail if isinstance(exc.detail, str) else str(exc.detail))
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Starlette's last resort (outside the middleware): JSON, the request id, no stack in the answer.
        log.error("unhandled error (request id %s)", request_id.get(), exc_info=exc)
        return _error(500, "internal error; the request id identifies it in the server's log")
