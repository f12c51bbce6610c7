"""Server-level set-up: which URL to use, and creating or dropping databases.

Its queries run by name (app/queries.py ByName), not through generated code: `catalog codegen` creates
its scratch database with them before it rewrites app/core/sql.py."""

import asyncpg

from app.database import EMBEDDED_DATABASE, with_database
from app.embedded import start_embedded_server
from app.queries import ByName
from app.settings import Settings

CORE = ByName("core")


async def create_database(admin_url: str, name: str, template: str = "template1") -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if not await CORE.fetchval(conn, "database_exists", database_name=name):
            await conn.execute(
                await CORE.fetchval(conn, "create_database_statement", database_name=name, template_name=template)
            )
    finally:
        await conn.close()


async def database_exists(admin_url: str, name: str) -> bool:
    """Whether the server at `admin_url` has a database called `name`."""
    conn = await asyncpg.connect(admin_url)
    try:
        return bool(await CORE.fetchval(conn, "database_exists", database_name=name))
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(await CORE.fetchval(conn, "drop_database_statement", database_name=name))
    finally:
        await conn.close()


async def resolve_database_url(settings: Settings, database: str = EMBEDDED_DATABASE) -> str:
    """DATABASE_URL when set; otherwise the embedded server's `database`, created if missing."""
    if settings.database_url:
        return settings.database_url
    admin_url = start_embedded_server(settings.data_dir)
    await create_database(admin_url, database)
    return with_database(admin_url, database)
