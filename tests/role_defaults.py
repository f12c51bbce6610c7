"""Session defaults given to a role in one database (`alter role ... in database ... set`), and reading
which settings `catalog serve` warned about."""

import re

import asyncpg

# The app's session settings (app/database.py) as a role default may give them, and as the server gives them.
RIGHT = {"jit": "off", "statement_timeout": "15s", "plan_cache_mode": "force_custom_plan"}
WRONG = {"jit": "on", "statement_timeout": "0", "plan_cache_mode": "auto"}

# (the serving role's defaults, the settings a warning must name): several inputs of the kind.
CASES: list[tuple[dict[str, str], set[str]]] = [
    (RIGHT, set()),
    ({}, {"jit", "statement_timeout", "plan_cache_mode"}),
    ({**RIGHT, "jit": "on"}, {"jit"}),
    ({**RIGHT, "statement_timeout": "0"}, {"statement_timeout"}),
    (
        {**RIGHT, "plan_cache_mode": "force_generic_plan", "statement_timeout": "1min"},
        {"plan_cache_mode", "statement_timeout"},
    ),
]
CASE_IDS = ["all-right", "none-set", "jit-on", "no-statement-timeout", "generic-plans-and-1min"]


async def give_role_defaults(conn: asyncpg.Connection, role: str, values: dict[str, str]) -> None:
    """`role`'s defaults in `conn`'s database (dropped with the database)."""
    database = await conn.fetchval("select current_database()")
    for name, value in values.items():
        await conn.execute(f'alter role "{role}" in database "{database}" set {name} = \'{value}\'')


def warned_settings(lines: list[str] | str) -> set[str]:
    """The settings named by `catalog serve`'s session-setting warnings (or by ServerFacts.session_mismatches)."""
    text = lines if isinstance(lines, str) else "\n".join(f"warning: {line}" for line in lines)
    return set(re.findall(r"warning: (\w+) is '[^']*' for role ", text))
