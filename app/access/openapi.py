"""Each guarded operation lists, in the OpenAPI document, the scope it needs under the bearer scheme."""

from typing import Any

from fastapi import FastAPI

from app.access.guard import REQUIRED_SCOPE, SAFE_METHODS, bearer


def operation_scope(path: str, method: str, operation: dict[str, Any], domains: list[str]) -> str | None:
    """The scope an operation needs: a domain route's `<domain>:read|write`, a core route's REQUIRED_SCOPE."""
    given = operation.get(REQUIRED_SCOPE)
    if isinstance(given, str):
        return given
    domain = path.split("/")[1] if path.count("/") >= 1 else ""
    if domain in domains:
        return f"{domain}:read" if method.upper() in SAFE_METHODS else f"{domain}:write"
    return None


def declare_scopes(app: FastAPI, domains: list[str]) -> None:
    """Wrap app.openapi so every guarded operation's `security` names its scope (OpenAPI 3.1 allows role
    names for an HTTP bearer scheme), which /docs shows next to its Authorize button. A read that needs
    no credential (AUTH_READS off) also lists the empty requirement: the credential is optional there."""
    build = app.openapi
    scheme = bearer.scheme_name
    settings = app.state.settings

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                scope = operation_scope(path, method, operation, domains)
                if scope is None or "security" not in operation:
                    continue
                operation.pop(REQUIRED_SCOPE, None)
                optional = method.upper() in SAFE_METHODS and not settings.auth_reads and scope != "admin"
                operation["security"] = [{scheme: [scope]}, *([{}] if optional else [])]
                operation["description"] = f"{operation.get('description') or ''}\n\nScope: `{scope}`.".strip()
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
