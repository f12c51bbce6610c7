"""Schema lints: each rule finds its object and names the fix; exceptions carry reasons; schema/ passes."""

import os
import subprocess
import sys
from pathlib import Path

import asyncpg

from app import schema_lint
from app.settings import ROOT, Settings
from tests.conftest import make_settings

BAD_SCHEMA = """\
create schema shop;
create table shop.countries (id integer primary key, code varchar(2) not null);
create table shop.customers (
    id serial primary key,
    country_id integer references shop.countries (id),
    joined_at timestamp not null
);
create table shop.events (payload jsonb not null);
create table shop.orders (
    id bigint generated always as identity primary key,
    customer_id bigint not null references shop.customers (id),
    placed_at timestamptz not null
);
create index orders_customer_id_placed_at_idx on shop.orders (customer_id, placed_at);
create index orders_customer_id_idx on shop.orders (customer_id);
create index orders_placed_at_idx on shop.orders (placed_at);
create index orders_placed_at_again_idx on shop.orders (placed_at);
create index orders_recent_customer_idx on shop.orders (customer_id) where placed_at > '2025-01-01';
create sequence shop.tickets_seq as integer;
select setval('shop.tickets_seq', 2000000000);
"""


def by_rule(found: list[schema_lint.Finding]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for f in found:
        result.setdefault(f.rule, set()).add(f.object_name)
    return result


async def test_the_schema_passes_or_carries_reasons(conn: asyncpg.Connection) -> None:
    found, unused = await schema_lint.lint(conn, Settings().schema_dir)
    assert [f for f in found if not f.accepted] == []
    assert unused == []


async def test_each_rule_names_the_object_and_the_fix(conn: asyncpg.Connection) -> None:
    await conn.execute(BAD_SCHEMA)
    found = [f for f in await schema_lint.findings(conn) if f.object_name.startswith("shop.")]
    rules = by_rule(found)
    assert rules["fk-without-index"] == {"shop.customers.customers_country_id_fkey"}
    # The partial index does not count for the key, nor as a duplicate of the full one.
    assert rules["redundant-index"] == {"shop.orders_customer_id_idx", "shop.orders_placed_at_again_idx"}
    assert rules["no-primary-key"] == {"shop.events"}
    assert rules["narrow-primary-key"] == {"shop.countries.id", "shop.customers.id"}
    # Column types are squawk's rules (test_squawk_refuses_the_column_types_left_to_it), not these.
    assert set(rules) == set(schema_lint.RULES)
    assert rules["nullable-foreign-key"] == {"shop.customers.country_id"}
    assert rules["sequence-near-limit"] == {"shop.tickets_seq"}
    fk = next(f for f in found if f.rule == "fk-without-index")
    assert "create index concurrently on shop.customers (country_id)" in fk.fix
    redundant = next(f for f in found if f.object_name == "shop.orders_customer_id_idx")
    assert "shop.orders_customer_id_placed_at_idx" in redundant.problem
    assert "drop index concurrently shop.orders_customer_id_idx" in redundant.fix
    report = schema_lint.render(found, [])
    assert "FAIL no-primary-key shop.events" in report and "FAILED" in report


async def test_an_exception_in_the_migration_is_accepted_and_shown_with_its_reason(
    admin_url: str, tmp_path: Path
) -> None:
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    (schema_dir / "0001_shop.sql").write_text(
        "create schema shop;\n"
        "-- schema-lint: allow narrow-primary-key shop.countries.id: about 250 countries, the table never grows\n"
        "create table shop.countries (id integer primary key, name text not null);\n"
        "-- schema-lint: allow nullable-foreign-key shop.countries.gone: the column was dropped since\n"
        "create table shop.notes (body text);\n"
    )
    found, unused = await schema_lint.lint_fresh_database(make_settings(admin_url, schema_dir=schema_dir))
    accepted = [f for f in found if f.accepted]
    assert [(f.rule, f.object_name) for f in accepted] == [("narrow-primary-key", "shop.countries.id")]
    assert accepted[0].accepted_at == "0001_shop.sql:2"
    assert [(f.rule, f.object_name) for f in found if not f.accepted] == [("no-primary-key", "shop.notes")]
    assert [a.object_name for a in unused] == ["shop.countries.gone"]
    report = schema_lint.render(found, unused)
    assert "accepted narrow-primary-key shop.countries.id" in report
    assert "about 250 countries, the table never grows" in report
    assert "FAIL no-primary-key shop.notes" in report
    assert "note: 0001_shop.sql:4" in report


def test_squawk_refuses_the_column_types_left_to_it(tmp_path: Path) -> None:
    """serial, varchar, char and timestamp columns fail scripts/lint's squawk run (.squawk.toml), in a
    new table or an added column; lint-schema has no rules of its own for them."""
    migrations = {
        "prefer-identity": ["create table t (id serial primary key);", "alter table t add column n bigserial;"],
        "prefer-text-field": ["create table t (a varchar(10));", "alter table t add column b character varying(5);"],
        "ban-char-field": ["create table t (a char(2));", "alter table t add column b character(3);"],
        "prefer-timestamp-tz": ["create table t (a timestamp);", "alter table t add column b timestamp(3);"],
    }
    for rule, statements in migrations.items():
        for statement in statements:
            path = tmp_path / "0100_example.sql"
            path.write_text(f"set lock_timeout = '1s';\nset statement_timeout = '5s';\n{statement}\n")
            answer = subprocess.run(
                [str(Path(sys.executable).parent / "squawk"), "--config", str(ROOT / ".squawk.toml"), str(path)],
                capture_output=True,
                text=True,
                env={**os.environ, "NO_COLOR": "1"},
            )
            assert answer.returncode != 0, (statement, answer.stdout)
            assert rule in answer.stdout, (statement, answer.stdout)
