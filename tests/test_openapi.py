"""The OpenAPI document tells the truth: schemathesis fuzzes every operation the served app lists.

The app runs under a real uvicorn on 127.0.0.1 with demo data, the corpus pointed at the fake text
and dictionary APIs (tests/corpus/upstream.py), so nothing leaves the machine. Operations are read
from /openapi.json, never listed here, so a new domain is fuzzed the day it is mounted. Fixed seed,
bounded examples: the same cases every run.
"""

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import hypothesis
import pytest
import schemathesis
from schemathesis import Case
from schemathesis.specs.openapi.schemas import OpenApiSchema

from app.access import sql as access_sql
from app.access.keys import key_hash, new_key
from app.corpus.settings import CorpusSettings
from app.database import with_database
from app.database_admin import create_database, drop_database
from app.main import create_app
from app.seeding import seed_demo_if_empty, seed_modules
from tests.conftest import make_settings
from tests.corpus.upstream import FakeUpstream
from tests.corpus.upstream import serve as serve_upstream
from tests.servers import served_in_thread

SEED = 20261124
EXAMPLES_PER_OPERATION = 50
STATEFUL_STEPS = 20
STATEFUL_SCENARIOS = 30

# Text that must never reach a client: a stack, SQL, a raw PostgreSQL message, a server path.
INTERNALS = re.compile(
    r"Traceback|File \"|asyncpg|\.py\b|/work/|/home/|/tmp/"  # stack, module, server paths
    r"|\bselect\b.*\bfrom\b|\binsert into\b|\bon conflict\b|\$1\b"  # SQL
    r"|violates|Key \(|relation \"|invalid input syntax|for type \w|DETAIL:|HINT:",  # PostgreSQL's wording
    re.IGNORECASE,
)


API_KEY, API_KEY_ID = new_key()
"""The fuzzer's credential, stored by the api_key fixture; schemathesis sends it as the bearer scheme."""


def config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "auth": {"openapi": {"bearer": {"bearer": API_KEY}}},
            "seed": SEED,
            "generation": {"max-examples": EXAMPLES_PER_OPERATION, "database": "none", "deterministic": True},
            "request-timeout": 30,
            # A schema-valid request may still break a rule JSON Schema cannot state: a cursor that was
            # not issued by the API (400), a word of punctuation only, a zero stock delta, an empty
            # decimal string (422). Those answers are documented; any other 4xx still fails.
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404", "409", "422"]}},
        }
    )


@schemathesis.check
def no_internals(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case[Any]) -> bool:
    """Error answers say what a client needs: no stack, SQL, raw PostgreSQL message or server path."""
    if response.status_code >= 400:
        leak = INTERNALS.search(response.text)
        if leak:
            raise AssertionError(f"error answer leaks {leak.group(0)!r}: {response.text[:300]}")
        if not response.headers.get("x-request-id"):
            raise AssertionError("error answer without an X-Request-ID header")
        if response.status_code == 503 and not response.headers.get("retry-after"):
            raise AssertionError("503 without Retry-After")
    return True


@pytest.fixture(scope="module")
async def fuzz_database(admin_url: str, template_database: str) -> AsyncIterator[str]:
    """One migrated database with the demo data for the whole module (the fuzzer's cases share it)."""
    name = f"catalog_test_openapi_{os.getpid()}"
    await drop_database(admin_url, name)
    await create_database(admin_url, name, template=template_database)
    url = with_database(admin_url, name)
    conn = await asyncpg.connect(url)
    try:
        await seed_demo_if_empty(conn, make_settings(url))
    finally:
        await conn.close()
    yield url
    await drop_database(admin_url, name)


@pytest.fixture(scope="module")
async def api_key(fuzz_database: str) -> str:
    """A key holding every scope the document lists: the fuzzer runs as an authenticated client against
    an app where reads need a credential too (AUTH_READS), so every guarded operation's security is
    required and schemathesis checks that each refuses a request without it (tests/access/ probes the
    other refusals)."""
    scopes = sorted(
        {
            scope
            for item in _document()["paths"].values()
            for op in item.values()
            for req in op.get("security", [])
            for scope in req.get("bearer", [])
        }
    )
    conn = await asyncpg.connect(fuzz_database)
    try:
        await access_sql.insert_key(
            conn,
            key_name="fuzzer",
            key_id=API_KEY_ID,
            secret_hash=key_hash(API_KEY),
            key_scopes=scopes,
            expires_at=None,
        )
    finally:
        await conn.close()
    return API_KEY


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    yield from serve_upstream()


@pytest.fixture(scope="module")
def served(fuzz_database: str, upstream: FakeUpstream, api_key: str) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1, the corpus pointed at the fake APIs; yields its base URL."""
    app = create_app(
        make_settings(fuzz_database, auth_reads=True),
        CorpusSettings(text_url=upstream.text_url, dictionary_url=upstream.dictionary_url, http_timeout=5.0),
    )
    with served_in_thread(app) as url:
        yield url


def _document() -> dict[str, Any]:
    """The document the app serves at /openapi.json (building it needs no database)."""
    return create_app(make_settings("postgresql://unused/unused", auth_reads=True)).openapi()


schema = schemathesis.openapi.from_dict(_document(), config=config())


@pytest.fixture
def api_schema(served: str, api_key: str) -> OpenApiSchema:
    return schemathesis.openapi.from_url(f"{served}/openapi.json", config=config())


def test_the_fuzzed_document_is_the_served_one(served: str) -> None:
    import httpx

    assert httpx.get(f"{served}/openapi.json").json() == _document()


CALLS: dict[str, int] = {}


@schema.parametrize()
def test_every_operation_keeps_its_documented_promises(case: Case[Any], served: str, api_key: str) -> None:
    CALLS[case.operation.label] = CALLS.get(case.operation.label, 0) + 1
    case.call_and_validate(base_url=served)


def test_figures() -> None:
    """Prints what the fuzzer ran (pytest -s shows it; docs/reliability.md quotes it)."""
    print(f"\nschemathesis: {len(CALLS)} operations, {sum(CALLS.values())} requests, seed {SEED}")


async def restore_demo_data(url: str) -> None:
    """Every domain back to its demo data, identities restarted: each scenario starts from one state."""
    conn = await asyncpg.connect(url)
    try:
        for module in seed_modules(make_settings(url)).values():
            await module.clear(conn)
            await module.load_demo(conn)
    finally:
        await conn.close()


def test_stateful_create_read_delete_follow_the_document(api_schema: OpenApiSchema, fuzz_database: str) -> None:
    """Links (create -> get -> patch -> delete) followed by schemathesis's state machine. Every scenario
    starts from the demo data with identities restarted: the ids a scenario is answered with, and so
    the steps Hypothesis draws from them, are the same whenever it is replayed."""

    calls: list[tuple[str, int]] = []

    class Workflow(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            asyncio.run(restore_demo_data(fuzz_database))

        def after_call(self, response: schemathesis.Response, case: Case[Any]) -> None:
            calls.append((f"{case.operation.method.upper()} {case.operation.path}", response.status_code))

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
            database=None,
            # No shrinking: the first failing sequence is reported as it happened.
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    created = [op for op, status in calls if status == 201]
    followed = [op for op, status in calls if "{" in op and status in (200, 204)]
    print(f"\nschemathesis stateful: {len(calls)} calls, {len(created)} creations, {len(followed)} follow-ups by id")
    assert created and followed, calls
