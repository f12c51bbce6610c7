"""A request whose transaction lost a serialization check (40001) or a deadlock (40P01) runs again whole,
through a real uvicorn under concurrent requests (app/retry.py): nothing lost, nothing applied twice, no
500; a request that had already committed a write is not run again (a 503 with Retry-After instead).

The handlers are the test's own, mounted on the real app: no domain's handler runs a serializable
transaction or locks rows in an order a client chooses.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from app.database import Connection
from app.main import create_app
from tests.conftest import make_settings
from tests.servers import served_in_thread

CLIENTS = 8
REQUESTS = 48


class Increment(BaseModel):
    by: int


router = APIRouter()
runs: Counter[str] = Counter()
"""Handler runs by handler (a rerun counts twice)."""


@router.post("/test/serializable/{counter_id}")
async def add_serializable(counter_id: int, body: Increment, conn: Connection) -> dict[str, int]:
    """Read, wait, write back in a serializable transaction: concurrent ones fail with 40001."""
    runs["serializable"] += 1
    async with conn.transaction(isolation="serializable"):
        value = await conn.fetchval("select n from public.retry_counters where id = $1", counter_id)
        assert isinstance(value, int)
        await asyncio.sleep(0.02)
        await conn.execute("update public.retry_counters set n = $2 where id = $1", counter_id, value + body.by)
    return {"n": value + body.by}


@router.post("/test/pair/{first}/{second}")
async def add_pair(first: int, second: int, conn: Connection, note_first: bool = False) -> dict[str, str]:
    """Raise two counters in one transaction, in the order the path gives: opposite orders deadlock.
    With `note_first`, a row is inserted (and committed) before the transaction."""
    runs["pair"] += 1
    if note_first:
        await conn.execute("insert into public.retry_notes (first) values ($1)", first)
    async with conn.transaction():
        await conn.execute("update public.retry_counters set n = n + 1 where id = $1", first)
        await asyncio.sleep(0.05)
        await conn.execute("update public.retry_counters set n = n + 1 where id = $1", second)
    return {"done": "yes"}


SERIALIZATION_FAILURE = "do $$ begin raise exception 'conflict' using errcode = '40001'; end $$"
"""A statement PostgreSQL answers with a real serialization failure (SQLSTATE 40001)."""


@router.get("/test/stream")
async def stream_then_fail(conn: Connection) -> StreamingResponse:
    """An answer that starts, then meets a serialization failure: it must not run again."""
    runs["stream"] += 1

    async def chunks() -> AsyncIterator[bytes]:
        yield b"first chunk\n"
        await conn.execute(SERIALIZATION_FAILURE)
        yield b"never sent\n"

    return StreamingResponse(chunks(), media_type="text/plain")


@router.get("/test/fail/{times}")
async def fail_times(times: int, conn: Connection) -> dict[str, int]:
    """Meets a serialization failure in its first `times` runs."""
    runs["fail"] += 1
    if runs["fail"] <= times:
        async with conn.transaction():
            await conn.execute(SERIALIZATION_FAILURE)
    return {"runs": runs["fail"]}


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[str]:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "create table public.retry_counters (id integer primary key, n bigint not null default 0);"
            "insert into public.retry_counters (id) values (1), (2), (3);"
            "create table public.retry_notes (id bigint generated always as identity primary key, first integer)"
        )
    finally:
        await conn.close()
    settings = make_settings(database_url, app_database_url=database_url, catalog_domains="inventory")
    app: FastAPI = create_app(settings)
    app.include_router(router)
    runs.clear()
    with served_in_thread(app) as url:
        yield url


async def counters(database_url: str) -> dict[int, int]:
    conn = await asyncpg.connect(database_url)
    try:
        return {r["id"]: r["n"] for r in await conn.fetch("select id, n from public.retry_counters")}
    finally:
        await conn.close()


async def fire(url: str, requests: list[tuple[str, dict[str, object] | None]]) -> list[httpx.Response]:
    """Send `requests` (path, JSON body) from CLIENTS concurrent clients; their answers in order."""
    answers: list[httpx.Response | None] = [None] * len(requests)
    queue = list(enumerate(requests))

    async def client(http: httpx.AsyncClient) -> None:
        while queue:
            index, (path, body) = queue.pop()
            answers[index] = await http.post(path, json=body)

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def statuses(answers: list[httpx.Response]) -> Counter[int]:
    for answer in answers:
        assert answer.status_code in (200, 503), answer.text
        if answer.status_code == 503:
            assert answer.headers.get("retry-after"), "a 503 without Retry-After"
            assert "retry" in answer.json()["detail"]
    return Counter(a.status_code for a in answers)


async def test_serialization_failures_run_the_whole_transaction_again(served: str, database_url: str) -> None:
    # Different amounts on two counters: a lost or doubled update changes the sum.
    requests: list[tuple[str, dict[str, object] | None]] = [
        (f"/test/serializable/{1 + n % 2}", {"by": 1 + n % 5}) for n in range(REQUESTS)
    ]
    answers = await fire(served, requests)
    counted = statuses(answers)
    stored = await counters(database_url)
    for counter_id in (1, 2):
        acknowledged = sum(
            body["by"]
            for (path, body), answer in zip(requests, answers, strict=True)
            if body is not None
            and path.endswith(f"/{counter_id}")
            and answer.status_code == 200
            and isinstance(body["by"], int)
        )
        assert stored[counter_id] == acknowledged, f"counter {counter_id}: acknowledged vs stored"
    print(f"\nserializable: {dict(counted)}, {runs['serializable']} handler runs for {REQUESTS} requests")
    assert runs["serializable"] > REQUESTS, "no serialization failure was run again"
    assert counted[200] > 0, "no request succeeded"


async def test_deadlock_victims_run_the_whole_transaction_again(served: str, database_url: str) -> None:
    requests: list[tuple[str, dict[str, object] | None]] = [
        ("/test/pair/1/2" if n % 2 else "/test/pair/2/1", None) for n in range(16)
    ]
    answers = await fire(served, requests)
    counted = statuses(answers)
    stored = await counters(database_url)
    print(f"\ndeadlocks: {dict(counted)}, {runs['pair']} handler runs for {len(requests)} requests")
    assert stored[1] == stored[2] == counted[200], "each acknowledged request raised both counters once"
    assert runs["pair"] > len(requests), "no deadlock victim was run again"


async def test_a_request_that_committed_a_write_is_not_run_again(served: str, database_url: str) -> None:
    requests: list[tuple[str, dict[str, object] | None]] = [
        ("/test/pair/1/3?note_first=true" if n % 2 else "/test/pair/3/1?note_first=true", None) for n in range(16)
    ]
    answers = await fire(served, requests)
    counted = statuses(answers)
    conn = await asyncpg.connect(database_url)
    try:
        notes = await conn.fetchval("select count(*) from public.retry_notes")
    finally:
        await conn.close()
    stored = await counters(database_url)
    print(f"\ncommitted first: {dict(counted)}, {runs['pair']} handler runs for {len(requests)} requests")
    assert runs["pair"] == len(requests) == notes, "a request was run again after it had committed a write"
    assert counted[503] > 0, "no deadlock happened: the test proves nothing"
    assert stored[1] == stored[3] == counted[200], "a deadlock victim's transaction left half of its writes"


async def test_a_failure_is_run_again_once_then_answers_503(served: str) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=60) as http:
        once = await http.get("/test/fail/1")
        assert once.status_code == 200 and once.json() == {"runs": 2}, once.text
        runs.clear()
        twice = await http.get("/test/fail/2")
        assert twice.status_code == 503, twice.text
        assert twice.headers.get("retry-after") and "retry" in twice.json()["detail"]
        assert runs["fail"] == 2, "run more than once again"


async def test_an_answer_already_started_is_never_run_again(served: str) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=60) as http:
        try:
            answer = await http.get("/test/stream")
            body = answer.text
        except httpx.TransportError:  # the server cut the answer short
            body = "cut short"
    assert "never sent" not in body
    assert runs["stream"] == 1, "an answer that had started ran again"
