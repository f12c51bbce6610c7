"""Least privilege: migrations run as the owner; the app serves as a role that can only read and write.

`catalog migrate` (and `catalog serve`, which migrates first) calls `ensure_app_role` as the owner:
it creates APP_ROLE with APP_ROLE_PASSWORD when missing and grants it select, insert, update and
delete on every table of the app's schemas, now and for tables later migrations create (default
privileges), plus usage of their sequences. Nothing else: it cannot create, alter or drop, and the
audit log is append-only to it (docs/access-control.md). It also attaches the audit triggers to tables
that later migrations created.
"""

import logging
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random

from app.access import sql as access_sql
from app.core import sql as core_sql
from app.database_admin import resolve_database_url
from app.settings import Settings

log = logging.getLogger(__name__)


async def ensure_app_role(conn: asyncpg.Connection, settings: Settings) -> bool:
    """Create the app role if missing and (re)grant its privileges in this database; False when the
    owner may not create roles (a DBA then does it by hand, see docs/reliability.md)."""
    role = settings.app_role
    try:
        if not await core_sql.role_exists(conn, role_name=role):
            statement = await core_sql.create_role_statement(
                conn, role_name=role, role_password=settings.app_role_password
            )
            try:
                await conn.execute(statement)
            except asyncpg.DuplicateObjectError:  # another process created it just now
                pass
        # The app may be serving: a lock taken here can deadlock with its writes, so the whole
        # transaction is run again (PostgreSQL rolled it back).
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(asyncpg.DeadlockDetectedError),
            stop=stop_after_attempt(3),
            wait=wait_random(0, 0.5),
            reraise=True,
        ):
            with attempt:
                async with conn.transaction():
                    await access_sql.audit_all_tables(conn)  # a new domain's tables, before the grants
                    for grant in await core_sql.grant_statements(conn, role_name=role):
                        await conn.execute(grant["statement"])
    except asyncpg.InsufficientPrivilegeError as exc:
        log.warning("cannot set up the app role %s (%s); serving as the migrating role", role, exc)
        return False
    return True


async def configured_serving_url(settings: Settings) -> str:
    """The URL `catalog serve --no-seed` serves with (no role set-up): APP_DATABASE_URL, else DATABASE_URL
    (or the embedded server's)."""
    return settings.app_database_url or await resolve_database_url(settings)


def serving_url(owner_url: str, settings: Settings) -> str:
    """APP_DATABASE_URL, else the owner's URL logged in as the app role (same server and database)."""
    if settings.app_database_url:
        return settings.app_database_url
    parts = urlsplit(owner_url)
    host = parts.netloc.rpartition("@")[2]
    login = f"{quote(settings.app_role, safe='')}:{quote(settings.app_role_password, safe='')}"
    return urlunsplit((parts.scheme, f"{login}@{host}", parts.path, parts.query, parts.fragment))
