"""The OpenAPI document as a generated client needs it: operation ids named `<domain>_<handler>`, the
`Link` header declared on every paged list, and on each operation only the errors it can answer.

Errors are derived once here from what an operation takes, so no domain lists them:
- 422 on every operation (an invalid or unknown parameter, app/strict_query.py);
- 404 when the path names a row; 400 when it takes a cursor or a body (a cursor not issued by the
  API, malformed JSON); 413 and 415 (not application/json) when it takes a body;
- 503 (with Retry-After) when the handler takes a database connection.
A handler that can answer anything else (a 409 from a unique key, a row in use or a rule of the
data; a 502 or 504 from another service; a 503 from a connection it borrows itself) declares it in
its decorator: `responses=declare(409)` (app/errors.py).
"""

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.database import Connection
from app.errors import ERROR_DESCRIPTIONS, ErrorBody

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
_LINK = {
    "Link": {
        "description": 'The next page: `<url>; rel="next"`, absent on the last page.',
        "schema": {"type": "string"},
    }
}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def operation_id(route: APIRoute) -> str:
    """`bookstore_list_books`: the router's tag (the domain) and the handler's name."""
    tag = str(route.tags[0]) if route.tags else ""
    return route.name if not tag or route.name.startswith(tag) else f"{tag}_{route.name}"


def _error_response(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": _ERROR_REF}},
    }
    if status == 503:
        answer["headers"] = _RETRY_AFTER
    return answer


def _takes_connection(endpoint: Callable[..., Any]) -> bool:
    return any(p.annotation is Connection for p in inspect.signature(endpoint).parameters.values())


def _derived_errors(operation: dict[str, Any], route: RouteContext) -> set[int]:
    parameters = operation.get("parameters", [])
    body = "requestBody" in operation
    statuses = {422}
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if body or any(p["in"] == "query" and p["name"] == "cursor" for p in parameters):
        statuses.add(400)
    if body:
        statuses |= {413, 415}
    if route.endpoint is not None and _takes_connection(route.endpoint):
        statuses.add(503)
    return statuses


def _is_paged_list(operation: dict[str, Any]) -> bool:
    takes_cursor = any(p["in"] == "query" and p["name"] == "cursor" for p in operation.get("parameters", []))
    schema = (
        operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    )
    return takes_cursor and schema.get("type") == "array"


def _without_null(parameter: dict[str, Any]) -> None:
    """A query or path parameter cannot be null on the wire (an absent one is simply not sent): drop the
    `null` branch FastAPI writes for `X | None`, so fuzzers and generated clients see what is accepted."""
    schema = parameter.get("schema", {})
    branches = schema.get("anyOf")
    if branches and any(b.get("type") == "null" for b in branches):
        kept = [b for b in branches if b.get("type") != "null"]
        schema.pop("anyOf")
        schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})


def _document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        separate_input_output_schemas=app.separate_input_output_schemas,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            for parameter in operation.get("parameters", []):
                _without_null(parameter)
            responses = operation["responses"]
            for status in _derived_errors(operation, route) | {int(s) for s in responses if s[0] in "45"}:
                responses[str(status)] = _error_response(status)
            if _is_paged_list(operation):
                responses["200"]["headers"] = _LINK
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def install(app: FastAPI) -> None:
    """Serve the document above at /openapi.json (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
