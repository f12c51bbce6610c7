"""Upstream calls in /metrics (issue #19): the text source's and dictionary's answers and failures, by host."""

import asyncio
from urllib.parse import urlsplit

from tests.corpus.conftest import CorpusClient
from tests.corpus.upstream import FakeUpstream
from tests.operating.scrape import scrape, value

UPSTREAM = "catalog_upstream_requests_total"


async def test_upstream_calls_are_counted_by_host_and_outcome(
    corpus_client: CorpusClient, upstream: FakeUpstream, closed_url: str
) -> None:
    host = urlsplit(upstream.url).netloc
    async with corpus_client() as api:
        before = await scrape(api)
        assert (await api.post("/corpus/fetch")).status_code == 201
        upstream.text_mode = "fail"
        assert (await api.post("/corpus/fetch")).status_code == 502  # tried twice: two 5xx
        upstream.text_mode = "ok"
        assert (await api.get("/corpus/dictionary")).status_code == 200  # a lookup per word, 404 for unknown ones
        await asyncio.sleep(0.3)  # the warm-up task's lookups after the first fetch have ended by now
        after = await scrape(api)
        lookups = upstream.lookups()
    gone = urlsplit(closed_url).netloc
    async with corpus_client(text_url=closed_url) as api:
        assert (await api.post("/corpus/fetch")).status_code == 502  # refused, twice
        refused = await scrape(api)

    def delta(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], **labels: str) -> float:
        return value(samples, UPSTREAM, **labels) - value(before, UPSTREAM, **labels)

    assert delta(after, host=host, outcome="5xx") == 2
    assert lookups > 0
    assert delta(after, host=host, outcome="2xx") + delta(after, host=host, outcome="4xx") == 1 + lookups
    assert delta(refused, host=gone, outcome="error") == 2
