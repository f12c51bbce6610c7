"""A database outage under traffic: PostgreSQL is stopped for a few seconds and started again.

Runs on a second embedded server in its own data directory (never the shared one under .data/), with
the app served by a real uvicorn. While the server is down every request answers 503 JSON with a
detail and Retry-After, /ready 503 and /health 200; afterwards the same app process serves 200s.
"""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from app.main import create_app
from app.replica_cluster import OwnServer, own_server
from tests.conftest import make_settings
from tests.servers import served_in_thread

ACQUIRE_TIMEOUT = 2.0  # POOL_ACQUIRE_TIMEOUT of the app under test
NO_HANG = ACQUIRE_TIMEOUT + 10  # a request slower than this is a hang, whatever the machine is doing
DOWN_FOR = 4.0  # seconds the server stays stopped
DOMAINS = "bookstore"  # the traffic's domain; the others are fuzzed and tested elsewhere


@pytest.fixture(scope="module")
def own() -> Iterator[OwnServer]:
    with own_server("outage-test", DOMAINS) as server:
        yield server


@dataclass
class Traffic:
    """Requests in a loop from a thread for as long as it runs; every answer is kept."""

    base_url: str
    answers: list[httpx.Response] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        paths = ["/bookstore/books?author=Mary%20Shelley", "/bookstore/authors", "/ready", "/health"]
        with httpx.Client(base_url=self.base_url, timeout=NO_HANG) as http:
            n = 0
            while not self._stop.is_set():
                try:
                    self.answers.append(http.get(paths[n % len(paths)]))
                except httpx.HTTPError as exc:
                    self.failures.append(f"{paths[n % len(paths)]}: {exc!r}")
                n += 1
                time.sleep(0.02)

    def __enter__(self) -> "Traffic":
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=NO_HANG + 5)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["x-request-id"] == response.json()["request_id"]


def test_outage_answers_503_then_recovers_in_the_same_process(own: OwnServer) -> None:
    settings = make_settings(
        own.url, catalog_domains=DOMAINS, pool_acquire_timeout=ACQUIRE_TIMEOUT, retry_after_seconds=3
    )
    app = create_app(settings)
    with served_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=NO_HANG) as http:
        assert http.get("/bookstore/books").status_code == 200
        assert http.get("/ready").status_code == 200
        with Traffic(base_url) as traffic:
            time.sleep(0.5)
            own.stop()
            stopped_at = len(traffic.answers)
            down: list[httpx.Response] = []
            until = time.monotonic() + DOWN_FOR
            while time.monotonic() < until:
                down += [http.get("/bookstore/books"), http.post("/bookstore/authors", json={"name": "Nobody"})]
                ready, health = http.get("/ready"), http.get("/health")
                assert_unavailable(ready)
                assert health.status_code == 200 and health.json() == {"status": "ok"}
            own.start()
            restarted_at = len(traffic.answers)
            deadline = time.monotonic() + 60
            while http.get("/ready").status_code != 200:
                assert time.monotonic() < deadline, "the app did not recover within 60 s of the restart"
                time.sleep(0.2)
            time.sleep(0.5)
        for response in down:
            assert_unavailable(response)
        books = http.get("/bookstore/books", params={"author": "Mary Shelley"})
        assert books.status_code == 200 and books.json()
        assert http.post("/bookstore/authors", json={"name": "Back Again"}).status_code == 201

    assert traffic.failures == [], "requests hung or failed to connect"
    for response in traffic.answers:
        if response.status_code != 200:
            assert_unavailable(response)
    during = traffic.answers[stopped_at:restarted_at]
    assert any(r.status_code == 503 for r in during), "the traffic never saw the outage"
    assert any(r.status_code == 200 and r.url.path != "/health" for r in traffic.answers[restarted_at:])
