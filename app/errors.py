"""Error classes and the one place where they, and database errors, become HTTP answers.

Every error body is JSON with a human-readable `detail`.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


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


def _error(status_code: int, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"detail": detail, **extra})


def _database_error_answer(exc: asyncpg.PostgresError, domain_answers: ConstraintErrors | None = None) -> JSONResponse:
    """Map a constraint or data error raised by PostgreSQL to a 4xx naming what broke."""
    constraint = getattr(exc, "constraint_name", None)
    answer = (domain_answers or {}).get((getattr(exc, "schema_name", None) or "", constraint or ""))
    if answer is not None:
        return _error(answer.status, answer.message, constraint=constraint)
    pg_detail = getattr(exc, "detail", None)
    if isinstance(exc, asyncpg.UniqueViolationError):
        return _error(409, f"already exists: {pg_detail or exc}", constraint=constraint)
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        if isinstance(pg_detail, str) and "is still referenced" in pg_detail:
            return _error(409, f"still in use: {pg_detail}", constraint=constraint)
        return _error(422, f"missing reference: {pg_detail or exc}", constraint=constraint)
    if isinstance(exc, asyncpg.CheckViolationError):
        return _error(422, f"value breaks rule {constraint}: {exc}", constraint=constraint)
    if isinstance(exc, asyncpg.NotNullViolationError):
        return _error(422, f"missing value: {getattr(exc, 'column_name', None) or exc}")
    if isinstance(exc, asyncpg.DataError):
        return _error(422, f"invalid value: {exc}")
    if isinstance(exc, asyncpg.QueryCanceledError):
        return _error(503, "the database query took too long and was cancelled; retry later")
    log.exception("unexpected database error", exc_info=exc)
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
        log.exception("database client error", exc_info=exc)
        return _error(500, "internal database error")

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return _error(422, _validation_message(exc), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers)
