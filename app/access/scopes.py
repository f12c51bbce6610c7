"""The scope vocabulary: `<domain>:read`, `<domain>:write` (write implies read) and `admin`."""

from dataclasses import dataclass

ADMIN = "admin"
ACTIONS = ("read", "write")


class ScopeError(ValueError):
    """A scope outside the vocabulary, e.g. a typo on `catalog keys create --scopes`."""


def parse_scopes(text: str, domains: list[str]) -> list[str]:
    """`bookstore:write,inventory:read` -> the scopes in order, duplicates dropped; ScopeError names a bad one."""
    found: list[str] = []
    for part in text.split(","):
        scope = part.strip()
        if not scope:
            continue
        if scope != ADMIN:
            domain, _, action = scope.partition(":")
            if domain not in domains or action not in ACTIONS:
                known = ", ".join(f"{d}:read, {d}:write" for d in domains)
                raise ScopeError(f"unknown scope {scope!r}; known: {known}, {ADMIN}")
        if scope not in found:
            found.append(scope)
    if not found:
        raise ScopeError("no scope given; e.g. --scopes bookstore:write,inventory:read")
    return found


def granted(scopes: frozenset[str], needed: str) -> bool:
    """Whether `scopes` allow `needed`: itself, or `<domain>:write` for `<domain>:read`."""
    if needed in scopes:
        return True
    domain, _, action = needed.partition(":")
    return action == "read" and f"{domain}:write" in scopes


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: `actor` is what the audit log records (key:<name>, token:<subject>, local:<address>)."""

    actor: str
    scopes: frozenset[str]
    key_id: str | None = None
