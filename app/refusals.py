"""A statement PostgreSQL refused, said for a DBA: `refusal(exc)` is `SQLSTATE: message (detail)`, and
`refusal_hint(exc)` what to do next (PostgreSQL's own hint when it gives one, else one by SQLSTATE)."""

import asyncpg

COLLIDED = ("40001", "40P01", "55P03")  # serialization failure, deadlock, lock not available (lock_timeout)


def refusal(exc: asyncpg.PostgresError) -> str:
    """`SQLSTATE: message (detail)` of a refused statement."""
    detail = f" ({exc.detail})" if getattr(exc, "detail", None) else ""
    message = getattr(exc, "message", None) or str(exc)  # str() adds DETAIL and HINT lines of its own
    return f"{exc.sqlstate}: {message}{detail}"


def refusal_hint(exc: asyncpg.PostgresError) -> str:
    """What a DBA does next about a refused statement (`exc.sqlstate` and `exc.hint` decide)."""
    state = exc.sqlstate or ""
    if state in COLLIDED:
        return "it collided with other sessions (the running app?): run the command again"
    given = getattr(exc, "hint", None)
    if given:
        return str(given)
    if state == "57014":
        return "it ran past statement_timeout or was cancelled: run it again when the database is quieter"
    if state.startswith("23"):
        return (
            "a row breaks this constraint (one the statement writes, or one stored before it adds the"
            " constraint): correct the data first (an earlier migration), then run it again"
        )
    if state == "42501":
        return "the role in DATABASE_URL may not do this: run `catalog` as the owner of the schema"
    if state == "42601":
        return "correct the statement's syntax there (see PostgreSQL's SQL reference for the command)"
    if state.startswith("42"):
        return "the statement names something that does not exist or cannot be used so: correct it there"
    return "the server log names the statement; `catalog psql` opens the database to look around"
