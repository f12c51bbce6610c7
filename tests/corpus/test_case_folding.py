"""Corpus words fold by the one rule (public.fold_name): a paragraph is found by a word in any of its case forms."""

import unicodedata

import asyncpg
import httpx

from tests.corpus.helpers import recount, store, word_counts
from tests.corpus.upstream import FakeUpstream

# Each paragraph holds the first spelling; every spelling must find it, and each is one word.
GROUPS = [
    ("turkish", "Bir kilo İRMİK aldık.", ["İRMİK", "irmik", "İrmik", "ırmık", "IRMIK", "i\u0307rmik"], "irmik"),
    ("german", "Die große STRAẞE ist lang.", ["STRAẞE", "Straße", "strasse", "STRASSE", "straße"], "strasse"),
    ("greek", "Η ΟΔΟΣ είναι μακριά.", ["ΟΔΟΣ", "οδος", "οδοσ", "Οδος", "ΟΔΟΣ".lower()], "οδοσ"),
    (
        "combining",
        unicodedata.normalize("NFD", "Une CRÈME brûlée."),
        [unicodedata.normalize(form, word) for form in ("NFC", "NFD") for word in ("crème", "CRÈME", "Crème")],
        "crème",
    ),
    ("ligature", "Wir ﬁnden ﬂocken.", ["ﬁnden", "FINDEN", "finden", "Finden", "ﬁNDEN"], "finden"),
    ("long s", "Das Waſſer ist kalt.", ["Waſſer", "WASSER", "wasser", "Wasser"], "wasser"),
    ("armenian", "Քաղաքը Երևան է։", ["Երևան", "ԵՐԵՒԱՆ", "երեւան", "Երեւան"], "երեւան"),
    ("full width", "ＭＩＳＯ soup.", ["ＭＩＳＯ", "miso", "Miso", "ｍｉｓｏ"], "miso"),
]


async def test_every_spelling_finds_the_paragraph(
    api: httpx.AsyncClient, upstream: FakeUpstream, conn: asyncpg.Connection
) -> None:
    ids = await store(api, upstream, *(paragraph for _, paragraph, _, _ in GROUPS))
    for (kind, _, spellings, word), paragraph_id in zip(GROUPS, ids, strict=True):
        for spelling in spellings:
            for operator in ("and", "or"):
                body = {"words": [spelling], "operator": operator}
                response = await api.post("/corpus/search", json=body)
                assert response.status_code == 200, response.text
                found = response.json()
                assert [p["id"] for p in found["paragraphs"]] == [paragraph_id], (kind, spelling, found)
                assert found["total_count"] == 1
        # Two spellings of one word in one AND search still match it.
        both = await api.post("/corpus/search", json={"words": spellings[:2]})
        assert [p["id"] for p in both.json()["paragraphs"]] == [paragraph_id], kind
        counts = await word_counts(conn)
        assert counts[word] == 1, (kind, counts)
    assert await word_counts(conn) == await recount(conn)


async def test_different_words_stay_apart(api: httpx.AsyncClient, upstream: FakeUpstream) -> None:
    """An accent is not a case: "Cafe" does not find "Café", nor "οδός" find "οδος"."""
    cafe, street = await store(api, upstream, "Ein Café hier.", "Μια οδος εκεί.")
    for word, found in [("CAFÉ", [cafe]), ("Cafe", []), ("ΟΔΟΣ", [street]), ("οδός", [])]:
        response = await api.post("/corpus/search", json={"words": [word]})
        assert response.status_code == 200, response.text
        assert [p["id"] for p in response.json()["paragraphs"]] == found, word
