"""Walking keyset-paginated lists the way a client does: follow `Link: <...>; rel="next"` to the end."""

import re
from typing import Any

import httpx

NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


def next_url(response: httpx.Response) -> str | None:
    match = NEXT_LINK.search(response.headers.get("link", ""))
    return match.group(1) if match else None


async def walk(
    client: httpx.AsyncClient, url: str, page_size: int | None = None, max_pages: int = 999
) -> tuple[list[dict[str, Any]], int]:
    """Follow Link rel=next to the end; returns every item and the number of pages. With `page_size`,
    each page is also checked to be JSON of at most that many items."""
    items: list[dict[str, Any]] = []
    pages = 0
    next_page: str | None = url
    while next_page:
        response = await client.get(next_page)
        assert response.status_code == 200, response.text
        page = response.json()
        if page_size is not None:
            assert response.headers["content-type"] == "application/json"
            assert len(page) <= page_size
        items.extend(page)
        pages += 1
        next_page = next_url(response)
        assert pages <= max_pages, "pagination does not end"
    return items, pages


def typed(value: Any) -> Any:
    """`value` with each scalar paired with its JSON type, so 12 and 12.0 (or "12") differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)
