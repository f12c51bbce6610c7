"""`scripts/bench`: the app against a bare ASGI + asyncpg ceiling, endpoint by endpoint, in one run (issue #12)."""
