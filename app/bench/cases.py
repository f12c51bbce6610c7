"""The benchmarked requests: each domain's hot searches (app/<domain>/bench.py), values picked on the data."""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg


@dataclass(frozen=True)
class Case:
    """One request, sent as is to the app and to the ceiling."""

    domain: str
    name: str
    path: str
    body: dict[str, object] | None = None
    note: str = field(default="", compare=False)

    @property
    def method(self) -> str:
        return "GET" if self.body is None else "POST"

    def body_text(self) -> str:
        return "" if self.body is None else json.dumps(self.body)


CaseSource = Callable[[asyncpg.Connection], Awaitable[list[Case]]]


async def build(url: str, sources: list[CaseSource]) -> list[Case]:
    """Every case of the given sources (the domains' `cases`), resolved on the database at `url`."""
    conn = await asyncpg.connect(url)
    try:
        return [case for source in sources for case in await source(conn)]
    finally:
        await conn.close()
