"""POST /corpus/search: whole words, any case, all or any of them, newest first, paged, validated."""

import asyncpg
import httpx

from tests.conftest import assert_error
from tests.corpus.helpers import search, store
from tests.corpus.upstream import FakeUpstream


def contents(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["content"] for p in response.json()["paragraphs"]]


async def test_whole_word_any_case(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    await store(
        api,
        upstream,
        "One, two, three.",
        "None of them came.",
        "Someone else came.",
        "Only ONE came; the one-eyed one.",
        "Onerous tasks.",
    )
    for word in ("one", "One", "ONE"):
        response = await search(api, word)
        assert contents(response) == ["Only ONE came; the one-eyed one.", "One, two, three."]
        assert response.json()["total_count"] == 2
        assert response.json()["next_cursor"] is None
    assert contents(await search(api, "none")) == ["None of them came."]
    assert contents(await search(api, "on")) == []


async def test_apostrophes_and_hyphens(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    """A word is a lexeme of the `simple` parser: "don't" is the phrase don-t, "well-known" is one
    word and also its parts, so "known" finds it but "well-known" does not find "well known"."""
    await store(
        api,
        upstream,
        "I don't know.",  # 1
        "Don\u2019t panic.",  # 2 (typographic apostrophe)
        "The don of the family.",  # 3
        "A donut.",  # 4
        "A well-known fact.",  # 5
        "It is well known.",  # 6
        "Known unknowns.",  # 7
        "O'Brien's cat.",  # 8
    )
    assert contents(await search(api, "don't")) == ["Don\u2019t panic.", "I don't know."]
    assert contents(await search(api, "Don\u2019t")) == ["Don\u2019t panic.", "I don't know."]
    assert contents(await search(api, "don")) == ["The don of the family.", "Don\u2019t panic.", "I don't know."]
    assert contents(await search(api, "well-known")) == ["A well-known fact."]
    assert contents(await search(api, "known")) == ["Known unknowns.", "It is well known.", "A well-known fact."]
    assert contents(await search(api, "o'brien's")) == ["O'Brien's cat."]
    assert contents(await search(api, "brien")) == ["O'Brien's cat."]


async def test_and_or(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    await store(api, upstream, "cat and dog", "cat alone", "dog alone", "bird")
    assert contents(await search(api, "cat", "dog")) == ["cat and dog"]
    assert contents(await search(api, "cat", "dog", operator="and")) == ["cat and dog"]
    assert contents(await search(api, "cat", "dog", operator="or")) == ["dog alone", "cat alone", "cat and dog"]
    assert contents(await search(api, "cat", "dog", operator="OR")) == ["dog alone", "cat alone", "cat and dog"]
    assert contents(await search(api, "cat", "fish", operator="and")) == []
    assert contents(await search(api, "cat", "fish", operator="or")) == ["cat alone", "cat and dog"]
    # Repeated words count once.
    assert (await search(api, "cat", "CAT", "cat", operator="or")).json()["total_count"] == 2


async def test_words_are_data_not_query_syntax(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    await store(api, upstream, "it's a cat", "a dog")
    assert contents(await search(api, "'cat'")) == ["it's a cat"]
    assert contents(await search(api, "-dog")) == ["a dog"]
    assert contents(await search(api, "it's", "a")) == ["it's a cat"]
    for bad in ["cat|dog", "cat&dog", "!cat", "cat:*", "(cat)", "cat<->dog", "%", "cat;drop"]:
        assert_error(await search(api, bad), 422, "not a single word")


async def test_paging_walks_every_match_newest_first(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    ids = await store(api, upstream, *[f"match number {i}" if i % 3 else f"other {i}" for i in range(1, 24)])
    expected = [pid for i, pid in zip(range(1, 24), ids) if i % 3][::-1]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        response = await search(api, "match", page_size=4, cursor=cursor)
        body = response.json()
        assert body["total_count"] == len(expected)
        assert len(body["paragraphs"]) <= 4
        seen += [p["id"] for p in body["paragraphs"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 4  # 15 matches, 4 a page

    # page_size and cursor as query parameters
    first = await api.post("/corpus/search", params={"page_size": 10}, json={"words": ["match"]})
    assert [p["id"] for p in first.json()["paragraphs"]] == expected[:10]
    rest = await api.post(
        "/corpus/search", params={"page_size": 10, "cursor": first.json()["next_cursor"]}, json={"words": ["match"]}
    )
    assert [p["id"] for p in rest.json()["paragraphs"]] == expected[10:]
    assert rest.json()["next_cursor"] is None

    # the default page is 20
    assert len((await search(api, "match", "other", operator="or")).json()["paragraphs"]) == 20


async def test_no_paragraphs_at_all(api: httpx.AsyncClient) -> None:
    response = await search(api, "anything")
    assert response.json() == {"paragraphs": [], "total_count": 0, "total_count_relation": "eq", "next_cursor": None}


async def test_validation(api: httpx.AsyncClient) -> None:
    assert_error(await search(api), 422, "words", "at least 1")
    assert_error(await api.post("/corpus/search", json={"operator": "and"}), 422, "words", "required")
    assert_error(await search(api, *[f"w{i}" for i in range(51)]), 422, "words", "at most 50")
    assert (await search(api, *[f"w{i}" for i in range(50)])).status_code == 200
    assert_error(await search(api, "two words"), 422, "words.0", "not a single word", "space")
    assert_error(await search(api, "ok", "semi;colon"), 422, "words.1", "not a single word", "';'")
    assert_error(await search(api, "x" * 51), 422, "words.0", "at most 50 characters")
    assert (await search(api, "x" * 50)).status_code == 200
    assert_error(await search(api, ""), 422, "words.0", "empty")
    assert_error(await search(api, "'-'"), 422, "words.0", "no letter or digit")
    assert_error(await search(api, "cat", operator="xor"), 422, "operator", "'and' or 'or'")
    assert_error(await search(api, "cat", operator="not"), 422, "operator")
    assert_error(await api.post("/corpus/search", json={"words": "cat"}), 422, "words", "list")
    assert_error(await api.post("/corpus/search", json={"words": [1]}), 422, "words.0")
    assert_error(await search(api, "cat", page_size=0), 422, "page_size")
    assert_error(await search(api, "cat", page_size=101), 422, "page_size")
    assert_error(await api.post("/corpus/search", params={"page_size": 101}, json={"words": ["cat"]}), 422, "page_size")
    assert_error(await search(api, "cat", limit=5), 422, "limit")
    assert_error(await search(api, "cat", cursor="not-a-cursor"), 400, "cursor")


async def test_unicode_words(api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection) -> None:
    await store(api, upstream, "Un café crème, s'il vous plaît.", "Café au lait")
    assert contents(await search(api, "CAFÉ")) == ["Café au lait", "Un café crème, s'il vous plaît."]
    assert contents(await search(api, "crème", "plaît")) == ["Un café crème, s'il vous plaît."]
