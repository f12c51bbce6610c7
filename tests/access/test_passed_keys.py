"""A key that passed the check is remembered only with the table it passed against: a reload forgets
it (revocation), expiry still counts, and a wrong or tampered key never passes on a remembered one."""

import asyncio

import asyncpg

from app.access.keys import KeyTable
from tests.access.helpers import issue, keys_command


async def test_a_remembered_key_stops_passing_at_the_reload_after_its_revocation(
    conn: asyncpg.Connection, database_url: str
) -> None:
    keep = await issue(conn, database_url, "keep", "inventory:read")
    drop = await issue(conn, database_url, "drop", "inventory:read,bookstore:write")
    table = KeyTable()
    await table.load(conn)
    for _ in range(3):  # the first check, then the remembered key
        passed = table.check(drop)
        assert passed is not None and passed.actor == "key:drop" and "bookstore:write" in passed.scopes
    assert (await keys_command(conn, database_url, "revoke", "drop"))[0] == 0
    await table.load(conn)
    assert table.check(drop) is None
    assert table.check(drop) is None  # a refusal is not remembered either
    kept = table.check(keep)
    assert kept is not None and kept.actor == "key:keep"


async def test_tampered_and_wrong_keys_never_pass_on_a_remembered_one(
    conn: asyncpg.Connection, database_url: str
) -> None:
    good = await issue(conn, database_url, "good", "inventory:read")
    other = await issue(conn, database_url, "other", "cookbook:read")
    table = KeyTable()
    await table.load(conn)
    assert table.check(good) is not None and table.check(other) is not None  # both remembered now
    same_id_other_secret = [good[:-1] + ("A" if good[-1] != "A" else "B"), good[:-4] + "AAAA", good[:24] + other[24:]]
    malformed = [good[:-1], good + "x", good[:24], "catalog_", "", good.upper(), good[:-1] + "é", "Bearer " + good]
    for _ in range(200):  # guessing many secrets of a known, remembered key id: every one refused
        for token in (*same_id_other_secret, *malformed):
            assert table.check(token) is None, token
    passed = table.check(good)
    assert passed is not None and passed.actor == "key:good"
    passed = table.check(other)
    assert passed is not None and passed.actor == "key:other"


async def test_a_remembered_key_stops_passing_when_it_expires(conn: asyncpg.Connection, database_url: str) -> None:
    soon = await issue(conn, database_url, "soon", "inventory:read", "--expires", "1h")
    await conn.execute("update access.api_keys set expires_at = now() + interval '1 second' where name = 'soon'")
    table = KeyTable()
    await table.load(conn)
    assert table.check(soon) is not None
    assert table.check(soon) is not None  # remembered, with its expiry
    await asyncio.sleep(1.2)
    assert table.check(soon) is None  # no reload in between: the remembered expiry refuses it
