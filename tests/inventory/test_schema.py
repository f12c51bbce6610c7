"""The constraints that keep stock right hold whatever code writes to the tables."""

import asyncpg
import pytest

from app.domains import domain_constraint_errors
from app.errors import ConstraintError


async def constraint_of(conn: asyncpg.Connection, statement: str) -> str | None:
    try:
        async with conn.transaction():
            await conn.execute(statement)
    except (asyncpg.CheckViolationError, asyncpg.UniqueViolationError, asyncpg.ForeignKeyViolationError) as exc:
        return exc.constraint_name
    return None


@pytest.fixture
async def stocked(conn: asyncpg.Connection) -> asyncpg.Connection:
    await conn.execute("insert into inventory.categories (name) values ('Tools')")
    await conn.execute(
        "insert into inventory.products (name, sku, quantity, price, category_id) values ('Hammer', 'ab-1', 2, 5, 1)"
    )
    return conn


async def test_constraints_refuse_bad_rows(stocked: asyncpg.Connection) -> None:
    insert = "insert into inventory.products (name, sku, quantity, price, category_id) values "
    expected = {
        insert + "('Saw', 'AB-1', 1, 1, 1)": "products_sku_key_unique",
        insert + "('Saw', 'a b', 1, 1, 1)": "products_sku_format",
        insert + "('Saw', 'S-1', -1, 1, 1)": "products_quantity_nonnegative",
        insert + "('Saw', 'S-1', 1, -0.01, 1)": "products_price_nonnegative",
        insert + "('', 'S-1', 1, 1, 1)": "products_name_length",
        insert + "('Saw', 'S-1', 1, 1, 99)": "products_category_id_fkey",
        "insert into inventory.categories (name) values ('TOOLS')": "categories_name_key_unique",
        "update inventory.products set quantity = quantity - 3": "products_quantity_nonnegative",
        "insert into inventory.stock_movements (product_id, delta, reason, quantity_after) values (1, 0, 'sale', 2)": (
            "stock_movements_delta_nonzero"
        ),
        "insert into inventory.stock_movements (product_id, delta, reason, quantity_after) values (1, -3, 'x', -1)": (
            "stock_movements_quantity_after_nonnegative"
        ),
        "delete from inventory.categories": "products_category_id_fkey",
    }
    for statement, constraint in expected.items():
        assert await constraint_of(stocked, statement) == constraint, statement


async def test_idempotency_keys_are_unique_per_product(stocked: asyncpg.Connection) -> None:
    movement = "insert into inventory.stock_movements (product_id, delta, reason, quantity_after, idempotency_key) "
    await stocked.execute(movement + "values (1, 1, 'x', 3, 'k')")
    assert await constraint_of(stocked, movement + "values (1, 1, 'x', 4, 'k')") == (
        "stock_movements_product_id_idempotency_key_unique"
    )
    # Without a key, any number of movements.
    await stocked.execute(movement + "values (1, 1, 'x', 3, null), (1, 1, 'x', 4, null)")


def test_constraint_answers_are_found_by_the_core() -> None:
    answer = domain_constraint_errors(["inventory"])[("inventory", "products_quantity_nonnegative")]
    assert isinstance(answer, ConstraintError)
    assert answer.status == 409 and "stock" in answer.message
