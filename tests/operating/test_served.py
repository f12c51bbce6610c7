"""Through `catalog serve` as a user runs it: /metrics summed over two workers, JSON logs, the access log switch."""

import json
from pathlib import Path

import httpx

from tests.operating.scrape import parse, value
from tests.serving_process import catalog_serve

REQUESTS = "catalog_http_requests_total"


def test_two_workers_metrics_add_up_whichever_worker_answers_the_scrape(tmp_path: Path, database_url: str) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"a previous run's file, unreadable now")  # serve must clear it
    env = {
        "DATABASE_URL": database_url,
        "POOL_MIN_SIZE": "1",
        "POOL_MAX_SIZE": "3",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    with catalog_serve(tmp_path, "--workers", "2", env=env, workers=2) as served:
        for _ in range(20):  # a new connection each: the kernel spreads them over both workers
            assert httpx.get(f"{served.base_url}/bookstore/authors").status_code == 200
        for _ in range(8):  # each scrape on a new connection too: either worker may answer
            samples = parse(httpx.get(f"{served.base_url}/metrics").text)
            assert value(samples, REQUESTS, method="GET", route="/bookstore/authors", status="200") == 20
            assert value(samples, "catalog_http_request_duration_seconds_count", route="/bookstore/authors") == 20
            # Both workers' pools, each of at most 3 connections.
            assert value(samples, "catalog_db_pool_max_connections", server="primary") == 6
        assert len(list(folder.glob("counter_*.db"))) == 2  # one file per worker


def test_json_logs_are_one_object_per_line_with_the_request_fields(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "LOG_FORMAT": "json"}
    with catalog_serve(tmp_path, env=env, workers=1) as served:
        answer = httpx.get(f"{served.base_url}/bookstore/authors", headers={"X-Request-ID": "trace-me-42"})
        assert answer.status_code == 200
        assert httpx.get(f"{served.base_url}/bookstore/authors/987654").status_code == 404
    lines = [line for line in served.output().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line, start-up messages included, is JSON
    assert all(isinstance(r, dict) and {"timestamp", "level", "logger", "message"} <= r.keys() for r in records)
    access = [r for r in records if r["logger"] == "app.access"]
    ours = next(r for r in access if r["request_id"] == "trace-me-42")
    assert ours["method"] == "GET" and ours["route"] == "/bookstore/authors" and ours["status"] == 200
    assert ours["duration_ms"] > 0 and 0 < ours["database_ms"] <= ours["duration_ms"]
    assert ours["client"] == "127.0.0.1"
    missing = next(r for r in access if r.get("path") == "/bookstore/authors/987654")
    assert missing["route"] == "/bookstore/authors/{author_id}" and missing["status"] == 404
    assert len(missing["request_id"]) == 32  # one made up for it
    assert not any(r["logger"] == "uvicorn.access" for r in records)  # each request is logged once


def test_access_log_off_leaves_only_other_lines(tmp_path: Path, database_url: str) -> None:
    for log_format in ("text", "json"):
        env = {"DATABASE_URL": database_url, "LOG_FORMAT": log_format, "ACCESS_LOG": "off"}
        with catalog_serve(tmp_path, env=env, workers=1) as served:
            for _ in range(3):
                assert httpx.get(f"{served.base_url}/bookstore/authors").status_code == 200
        output = served.output()
        assert "/bookstore/authors" not in output, output
        assert "startup complete" in output.lower()


def test_text_logs_stay_the_default(tmp_path: Path, database_url: str) -> None:
    with catalog_serve(tmp_path, env={"DATABASE_URL": database_url}, workers=1) as served:
        assert httpx.get(f"{served.base_url}/bookstore/authors").status_code == 200
    output = served.output()
    assert '"GET /bookstore/authors HTTP/1.1" 200' in output
    assert not any(line.startswith("{") for line in output.splitlines())
