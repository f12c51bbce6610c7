"""How the cookbook answers violations of its own constraints (found by the core, app/domains.py).

Unknown categories and ingredient ids are answered by the handlers with the ids involved; these
are the answers for a duplicate name, which the database alone can see under concurrent requests.
"""

from app.errors import ConstraintError

CONSTRAINT_ERRORS: dict[str, ConstraintError] = {
    "categories_name_key_unique": ConstraintError(status=409, message="a category with this name already exists (any case)"),
    "ingredients_name_key_unique": ConstraintError(
        status=409, message="an ingredient with this name already exists (any case)"
    ),
}
