"""`catalog keys create|list|revoke`: API keys, issued by the database's owner (docs/access-control.md)."""

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta

import asyncpg

from app import migrations
from app.access import sql as access_sql
from app.access.keys import key_hash, new_key
from app.access.scopes import ScopeError, parse_scopes
from app.domains import available_domains
from app.settings import Settings

_DURATION = re.compile(r"(?P<count>[1-9][0-9]{0,4})(?P<unit>[hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class KeysError(Exception):
    """A mistake on the command line, answered with a hint (never a traceback)."""


def parse_expiry(text: str) -> timedelta:
    """`90d`, `12h`, `4w` -> a duration; KeysError otherwise."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        raise KeysError(f"--expires {text!r}: give a count and a unit, e.g. 90d, 12h or 4w")
    return int(found["count"]) * _UNITS[found["unit"]]


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser("keys", help="API keys: create (prints the key once), list, revoke")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="issue a key and print it once")
    create.add_argument("name", help="a name for the key (letters, digits, . _ -), shown in the audit log")
    create.add_argument("--scopes", required=True, help="comma-separated: DOMAIN:read, DOMAIN:write, admin")
    create.add_argument("--expires", metavar="DURATION", help="e.g. 90d, 12h, 4w (default: never)")
    actions.add_parser("list", help="name, scopes, created, expires, last used of every active key")
    revoke = actions.add_parser("revoke", help="revoke the key of that name (within seconds everywhere)")
    revoke.add_argument("name")


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


async def _create(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    try:
        scopes = parse_scopes(args.scopes, available_domains())
    except ScopeError as exc:
        raise KeysError(f"--scopes: {exc}") from None
    expires_at = datetime.now(UTC) + parse_expiry(args.expires) if args.expires else None
    key, key_id = new_key()
    try:
        row = await access_sql.insert_key(
            conn, key_name=args.name, key_id=key_id, secret_hash=key_hash(key), key_scopes=scopes, expires_at=expires_at
        )
    except asyncpg.UniqueViolationError:
        raise KeysError(f"a key named {args.name!r} exists; revoke it first or choose another name") from None
    except asyncpg.CheckViolationError:
        raise KeysError(f"name {args.name!r}: 1 to 100 letters, digits, '.', '_' or '-'") from None
    assert row is not None
    print(key)
    print(
        f"catalog: key {row['name']} created with scopes {','.join(row['scopes'])}, expires {_when(row['expires_at'])}; "
        "this is the only time it is shown: send it as `Authorization: Bearer <key>`",
        file=sys.stderr,
    )
    return 0


async def _list(conn: asyncpg.Connection) -> int:
    rows = await access_sql.list_keys(conn)
    print(f"{'name':<24} {'scopes':<40} {'created':<21} {'expires':<21} last used")
    for row in rows:
        scopes = ",".join(row["scopes"])
        print(
            f"{row['name']:<24} {scopes:<40} {_when(row['created_at']):<21} {_when(row['expires_at']):<21} "
            f"{_when(row['last_used_at'])}"
        )
    return 0


async def _revoke(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    row = await access_sql.revoke_key(conn, key_name=args.name)
    if row is None:
        raise KeysError(f"no active key named {args.name!r}; `catalog keys list` shows them")
    print(f"catalog: key {row['name']} revoked; every server refuses it within seconds", file=sys.stderr)
    return 0


async def run(conn: asyncpg.Connection, settings: Settings, args: argparse.Namespace) -> int:
    """Run one `catalog keys` command on the owner's connection (migrating first); 2 on a user's mistake."""
    await migrations.migrate(conn, settings.schema_dir)
    try:
        if args.keys_command == "create":
            return await _create(conn, args)
        if args.keys_command == "list":
            return await _list(conn)
        return await _revoke(conn, args)
    except KeysError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return 2
