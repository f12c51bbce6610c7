"""GET /corpus/paragraphs (newest first, Link header paging) and GET /corpus/paragraphs/{id}."""

import httpx

from tests.conftest import assert_error
from tests.corpus.helpers import store
from tests.corpus.upstream import FakeUpstream


async def test_list_pages_newest_first_to_the_end(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    ids = await store(api, upstream, *[f"Paragraph number {i}." for i in range(7)])
    seen: list[int] = []
    url: str | None = "/corpus/paragraphs?page_size=3"
    while url:
        response = await api.get(url)
        assert response.status_code == 200
        page = response.json()
        assert isinstance(page, list) and len(page) <= 3
        assert all(set(p) == {"id", "content", "created_at"} for p in page)
        seen += [p["id"] for p in page]
        link = response.headers.get("link")
        url = link.split(";")[0].strip("<>") if link else None
        if url:
            assert 'rel="next"' in link
    assert seen == ids[::-1]
    assert len((await api.get("/corpus/paragraphs")).json()) == 7


async def test_empty_list(api: httpx.AsyncClient) -> None:
    response = await api.get("/corpus/paragraphs")
    assert response.status_code == 200 and response.json() == []
    assert "link" not in response.headers


async def test_list_validation(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/corpus/paragraphs", params={"page_size": 0}), 422, "page_size")
    assert_error(await api.get("/corpus/paragraphs", params={"page_size": 101}), 422, "page_size")
    assert_error(await api.get("/corpus/paragraphs", params={"cursor": "!!"}), 400, "cursor")


async def test_one_paragraph(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    [paragraph_id] = await store(api, upstream, "Just one.")
    response = await api.get(f"/corpus/paragraphs/{paragraph_id}")
    assert response.status_code == 200
    assert response.json()["content"] == "Just one."
    assert_error(await api.get(f"/corpus/paragraphs/{paragraph_id + 1}"), 404, f"paragraph {paragraph_id + 1}")
    assert_error(await api.get("/corpus/paragraphs/0"), 422, "paragraph_id")
    assert_error(await api.get("/corpus/paragraphs/abc"), 422, "paragraph_id")
