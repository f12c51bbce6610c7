"""How inventory answers violations of its own constraints (found by the core, app/domains.py).

The handlers answer the expected cases themselves with the values involved (the SKU, the available
stock); these are the second line of defence, for a change that races past those checks.
"""

from app.errors import ConstraintError

CONSTRAINT_ERRORS: dict[str, ConstraintError] = {
    "products_quantity_nonnegative": ConstraintError(status=409, message="not enough stock: quantity cannot go below 0"),
    "stock_movements_quantity_after_nonnegative": ConstraintError(
        status=409, message="not enough stock: quantity cannot go below 0"
    ),
    "products_sku_key_unique": ConstraintError(status=409, message="a product with this SKU already exists (any case)"),
    "categories_name_key_unique": ConstraintError(status=409, message="a category with this name already exists (any case)"),
    "stock_movements_product_id_idempotency_key_unique": ConstraintError(
        status=409, message="a stock change with this Idempotency-Key is being applied; retry to get its result"
    ),
}
