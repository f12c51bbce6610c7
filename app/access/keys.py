"""API keys: `catalog_<key id>_<secret>`, stored as SHA-256, checked against a per-process table.

The table is reloaded from PostgreSQL every AUTH_REFRESH_SECONDS by a background task, so checking a
key costs no database round trip and a revocation or expiry takes effect everywhere within that time.
A key that passed the check is remembered with the table it was checked against (by key id, the whole
key compared in constant time), so its next requests skip the pattern and the SHA-256; each reload
forgets them all, and an expiry is still checked on every request. A failed check is never remembered.
"""

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import asyncpg

from app.access import sql as access_sql
from app.access.scopes import Principal

log = logging.getLogger(__name__)

PREFIX = "catalog_"
"""Every key starts with it, so secret scanners (and people) recognise a leaked one."""
_KEY = re.compile(r"catalog_(?P<key_id>[0-9a-f]{16})_[A-Za-z0-9_-]{43}")
_KEY_ID = slice(len(PREFIX), len(PREFIX) + 16)  # where a well-formed key has its id
_UNKNOWN = hashlib.sha256(b"no key has this hash").digest()


def new_key() -> tuple[str, str]:
    """A fresh key and its id: 64 random bits of id, 256 of secret."""
    key_id = secrets.token_hex(8)
    return f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}", key_id


def key_hash(key: str) -> bytes:
    """SHA-256 of the whole key (32 bytes): the key is random, so no slow hash is needed."""
    return hashlib.sha256(key.encode()).digest()


def looks_like_key(token: str) -> bool:
    return token.startswith(PREFIX)


@dataclass(frozen=True, slots=True)
class StoredKey:
    name: str
    secret_hash: bytes
    scopes: frozenset[str]
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Passed:
    """A key that passed the check against the current table: the whole key, who it is, until when (epoch s)."""

    key: str
    principal: Principal
    expires: float


class KeyTable:
    """The keys a request may present, by key id, as last read from the database."""

    def __init__(self) -> None:
        self._keys: dict[str, StoredKey] = {}
        self._passed: dict[str, _Passed] = {}
        self.issued = False
        self.loaded_at: datetime | None = None

    async def load(self, conn: asyncpg.Connection) -> None:
        """Replace the table with the database's active keys (one query each, no lock held)."""
        rows = await access_sql.active_keys(conn)
        issued = await access_sql.keys_issued(conn)
        self._keys = {
            row["key_id"]: StoredKey(row["name"], row["secret_hash"], frozenset(row["scopes"]), row["expires_at"])
            for row in rows
        }
        self._passed = {}  # checked against the old table: a revoked or changed key must not pass on
        self.issued = issued
        self.loaded_at = datetime.now(UTC)

    def check(self, token: str) -> Principal | None:
        """The key's principal, or None for a key that is unknown, revoked, expired or wrong. A key that
        passed against this table before: one constant-time comparison with it; any other token: one
        SHA-256 and one constant-time comparison, whichever part of it is wrong."""
        passed = self._passed.get(token[_KEY_ID]) if token.isascii() else None
        if passed is not None and hmac.compare_digest(passed.key, token):
            return passed.principal if passed.expires > time.time() else None
        return self._check(token)

    def _check(self, token: str) -> Principal | None:
        found = _KEY.fullmatch(token)
        stored = self._keys.get(found["key_id"]) if found else None
        presented = key_hash(token)
        matches = hmac.compare_digest(presented, stored.secret_hash if stored else _UNKNOWN)
        if stored is None or not matches or found is None:
            return None
        if stored.expires_at is not None and stored.expires_at <= datetime.now(UTC):
            return None
        principal = Principal(actor=f"key:{stored.name}", scopes=stored.scopes, key_id=found["key_id"])
        expires = stored.expires_at.timestamp() if stored.expires_at is not None else float("inf")
        self._passed[found["key_id"]] = _Passed(token, principal, expires)  # at most one per key in the table
        return principal

    async def refresh_forever(self, pool: asyncpg.Pool, every: float) -> None:
        """Reload every `every` seconds until cancelled; a failed reload keeps the last table and is logged."""
        while True:
            await asyncio.sleep(every)
            try:
                async with pool.acquire() as conn:
                    await self.load(cast(asyncpg.Connection, conn))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("API keys not reloaded (%r); the last loaded table stays in use", exc)
