"""Walking keyset-paginated lists the way a client does: follow `Link: <...>; rel="next"` to the end."""

import re
from typing import Any

import httpx

NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


def next_url(response: httpx.Response) -> str | None:
    match = NEXT_LINK.search(response.headers.get("link", ""))
    return match.group(1) if match else None


async def walk(client: httpx.AsyncClient, url: str) -> tuple[list[dict[str, Any]], int]:
    """Follow Link rel=next to the end; returns every item and the number of pages."""
    items: list[dict[str, Any]] = []
    pages = 0
    next_page: str | None = url
    while next_page:
        response = await client.get(next_page)
        assert response.status_code == 200, response.text
        items.extend(response.json())
        pages += 1
        next_page = next_url(response)
        assert pages < 1000, "pagination does not end"
    return items, pages
