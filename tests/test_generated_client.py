"""A client generated from the served /openapi.json (openapi-python-client, into a temporary directory,
never committed) pages through a list by its Link header and gets typed errors."""

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.seeding import seed_modules
from tests.conftest import make_settings
from tests.pages import next_url
from tests.servers import served_in_thread

PACKAGE = "catalog_generated_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
async def demo_app(database_url: str) -> FastAPI:
    """The app with every domain's demo data loaded (served by uvicorn in the test)."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        for module in seed_modules(make_settings(database_url)).values():
            await module.load_demo(conn)
    finally:
        await conn.close()
    return create_app(make_settings(database_url))


@pytest.fixture
def served(demo_app: FastAPI) -> Iterator[str]:
    with served_in_thread(demo_app) as url:
        yield url


@pytest.fixture
def generated(served: str, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package generated from the document the server serves at /openapi.json."""
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{served}/openapi.json").content)
    config = tmp_path / "config.yml"
    config.write_text(f"package_name_override: {PACKAGE}\nproject_name_override: {PACKAGE}\npost_hooks: []\n")
    out = tmp_path / PACKAGE
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # every operation and model was understood
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def operation(name: str) -> Any:
    """The generated module of one operation, by its operation id (`bookstore_list_books`)."""
    tag = name.split("_", 1)[0]
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def cursor_of(link: str | None) -> str | None:
    url = next_url(httpx.Response(200, headers={"link": link})) if link else None
    return parse_qs(urlsplit(url).query)["cursor"][0] if url else None


def every_id(url: str | None) -> list[int]:
    """The ids of a whole list, read with plain HTTP by following its Link headers."""
    ids: list[int] = []
    while url:
        page = httpx.get(url)
        ids.extend(item["id"] for item in page.json())
        url = next_url(page)
    return ids


@pytest.mark.parametrize(
    ("list_operation", "path", "page_size"),
    [
        ("bookstore_list_books", "/bookstore/books", 7),
        ("inventory_list_products", "/inventory/products", 4),
        ("cookbook_list_ingredients", "/cookbook/ingredients", 5),
    ],
)
async def test_the_generated_client_pages_through_a_list_by_its_link_header(
    generated: ModuleType, served: str, list_operation: str, path: str, page_size: int
) -> None:
    expected = every_id(f"{served}{path}?page_size=100")
    assert len(expected) > page_size  # more than one page
    client = generated.Client(base_url=served)
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        answer = operation(list_operation).sync_detailed(client=client, page_size=page_size, cursor=cursor)
        assert answer.status_code == 200, answer.content
        seen.extend(item.id for item in answer.parsed)
        pages += 1
        cursor = cursor_of(answer.headers.get("link"))
        if cursor is None:
            break
    assert seen == expected
    assert pages == -(-len(expected) // page_size)


async def test_the_generated_client_gets_typed_errors(generated: ModuleType, served: str) -> None:
    error_body = importlib.import_module(f"{PACKAGE}.models").ErrorBody
    client = generated.Client(base_url=served)

    missing = operation("bookstore_get_book").sync_detailed(client=client, book_id=999999)
    assert missing.status_code == 404 and isinstance(missing.parsed, error_body)
    assert "999999" in missing.parsed.detail and missing.parsed.request_id

    body = importlib.import_module(f"{PACKAGE}.models").NameCreate(name="MARY SHELLEY")
    taken = operation("bookstore_create_author").sync_detailed(client=client, body=body)
    assert taken.status_code == 409 and isinstance(taken.parsed, error_body)
    assert taken.parsed.constraint == "authors_name_key_unique"

    invalid = operation("corpus_list_paragraphs").sync_detailed(client=client, page_size=0)
    assert invalid.status_code == 422 and isinstance(invalid.parsed, error_body)
    assert [issue.loc for issue in invalid.parsed.errors] == [["query", "page_size"]]

    in_use = operation("inventory_delete_category").sync_detailed(client=client, category_id=1)
    assert in_use.status_code == 409 and isinstance(in_use.parsed, error_body)
