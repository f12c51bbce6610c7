"""Error classes and the one place where they, and database errors, become HTTP answers.

Every error body is JSON with a human-readable `detail` and the request's id (the `ErrorBody` model,
declared for every operation by `ERROR_RESPONSES`); no answer carries a stack, SQL or a raw
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

log = logging.getLogger(__name__)

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being answered (set by the middleware in app/main.py)."""


class AppError(Exception):
    """An error with an HTTP status and a message meant for the API client."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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
    """How a domain answers a violation of one of its named constraints.

    A domain lists them in app/<domain>/errors.py as `CONSTRAINT_ERRORS = {"constraint_name": ConstraintError(...)}`;
    the core finds them there (app/main.py), so no domain edits this file.
    """

    status: int
    message: str


ConstraintErrors = Mapping[tuple[str, str], ConstraintError]
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


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad request (e.g. a cursor that is not valid)"},
    404: {"model": ErrorBody, "description": "Not found"},
    409: {"model": ErrorBody, "description": "Conflict with the stored data"},
    413: {"model": ErrorBody, "description": "Request body too large"},
    422: {"model": ErrorBody, "description": "Validation error"},
    502: {"model": ErrorBody, "description": "An upstream service failed"},
    503: {"model": ErrorBody, "description": "Database unavailable or overloaded; retry later", "headers": _RETRY_AFTER},
    504: {"model": ErrorBody, "description": "An upstream service did not answer in time"},
}
"""Declared on every operation (app/main.py), so the OpenAPI lists every status the API can answer."""

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
_TABLE = re.compile(r'table "(?P<table>[^"]+)"')


def _key(pg_detail: object) -> str:
    """`isbn=978...` out of PostgreSQL's `Key (isbn)=(978...) already exists.`, so no raw message is passed on."""
    found = _KEY.search(pg_detail) if isinstance(pg_detail, str) else None
    return f"{found['columns']}={found['values']}" if found else "the key"


def _database_error_answer(exc: asyncpg.PostgresError, domain_answers: ConstraintErrors | None = None) -> JSONResponse:
    """Map a constraint or data error raised by PostgreSQL to a 4xx naming what broke."""
    constraint = getattr(exc, "constraint_name", None)
    answer = (domain_answers or {}).get((getattr(exc, "schema_name", None) or "", constraint or ""))
    if answer is not None:
        return _error(answer.status, answer.message, constraint=constraint)
    pg_detail = getattr(exc, "detail", None)
    if isinstance(exc, asyncpg.UniqueViolationError):
        return _error(409, f"already exists: {_key(pg_detail)}", constraint=constraint)
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        if isinstance(pg_detail, str) and "is still referenced" in pg_detail:
            table = _TABLE.search(pg_detail)
            where = f" by {table['table']}" if table else ""
            return _error(409, f"still in use: {_key(pg_detail)} is still referenced{where}", constraint=constraint)
        return _error(422, f"missing reference: {_key(pg_detail)} does not exist", constraint=constraint)
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
    if isinstance(exc, DATABASE_UNAVAILABLE):
        log.warning("database unavailable: %s", exc)
        return _error(503, UNAVAILABLE_DETAIL)
    log.error("unexpected database error", exc_info=exc)
    return _error(500, "internal database error")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI, domain_answers: ConstraintErrors | None = None) -> None:
    answers: ConstraintErrors = domain_answers or {}

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return _error(exc.status_code, exc.detail)

    @app.exception_handler(asyncpg.PostgresError)
    async def database_error(_: Request, exc: asyncpg.PostgresError) -> JSONResponse:
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
    async def broken_connection(_: Request, exc: asyncpg.InternalClientError) -> JSONResponse:
        # Seen when the server went away in the middle of an operation; the pool drops that connection.
        log.warning("database connection broken: %s", exc)
        return _error(503, UNAVAILABLE_DETAIL)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return _error(422, _validation_message(exc), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        answer = _error(exc.status_code, exc.detail if isinstance(exc.detail, str) else str(exc.detail))
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Starlette's last resort (outside the middleware): JSON, the request id, no stack in the answer.
        log.error("unhandled error (request id %s)", request_id.get(), exc_info=exc)
        return _error(500, "internal error; the request id identifies it in the server's log")
