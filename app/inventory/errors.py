"""How inventory answers violations of its own constraints (found by the core, app/domains.py).

The handlers answer the expected cases themselves with the values involved (the SKU, the available
stock); the checks are the second line of defence, for a change that races past them.
"""

from app.errors import ConstraintAnswer, ConstraintError, ForeignKeyError
from app.names import name_taken

NOT_ENOUGH_STOCK = "products_quantity_nonnegative"
SKU_TAKEN = "products_sku_key_unique"
CATEGORY_NAME_TAKEN = "categories_name_key_unique"
IDEMPOTENCY_KEY_TAKEN = "stock_movements_product_id_idempotency_key_unique"

CONSTRAINT_ERRORS: dict[str, ConstraintAnswer] = {
    NOT_ENOUGH_STOCK: ConstraintError(status=409, message="not enough stock: quantity cannot go below 0"),
    "stock_movements_quantity_after_nonnegative": ConstraintError(
        status=409, message="not enough stock: quantity cannot go below 0"
    ),
    SKU_TAKEN: ConstraintError(status=409, message="sku: a product with this SKU already exists (any case)"),
    CATEGORY_NAME_TAKEN: name_taken("category"),
    IDEMPOTENCY_KEY_TAKEN: ConstraintError(
        status=409, message="a stock change with this Idempotency-Key is being applied; retry to get its result"
    ),
    "products_category_id_fkey": ForeignKeyError(
        missing="category_id: category {value} does not exist",
        in_use="category {value} still has products; move or delete them first",
    ),
}
