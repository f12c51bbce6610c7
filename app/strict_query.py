"""One rule for every operation: a query parameter the operation does not declare is a 422 naming it,
never silently ignored (`?sort=title` would otherwise answer an unfiltered list)."""

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts

from app.errors import Unprocessable

_Declared = dict[int, frozenset[str]]


def _declared(app: FastAPI) -> _Declared:
    """id() of each route (as FastAPI hands it to the request) -> the query parameters its operation declares."""
    paths = app.openapi()["paths"]
    table: _Declared = {}
    for context in iter_route_contexts(app.routes):
        operations = paths.get(context.path_format or "", {})
        names: set[str] = set()
        for method in context.methods or ():
            for parameter in operations.get(method.lower(), {}).get("parameters", []):
                if parameter["in"] == "query":
                    names.add(parameter["name"])
        table[id(context.original_route)] = frozenset(names)
    return table


async def reject_unknown_query(request: Request) -> None:
    """App-wide dependency: 422 for a query parameter the matched operation does not declare."""
    if not request.scope["query_string"]:
        return
    app: FastAPI = request.app
    declared: _Declared | None = getattr(app.state, "declared_query", None)
    if declared is None:
        declared = app.state.declared_query = _declared(app)
    # The matched route: FastAPI puts it in the scope for middleware and tools (fastapi#4603); matching
    # the routes again here cost up to 115 µs a request (docs/performance.md "Which operation answered").
    allowed = declared.get(id(request.scope.get("route")))
    if allowed is None:
        return
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise Unprocessable(f"{', '.join(unknown)}: unknown query parameter (this operation takes: {known})")
