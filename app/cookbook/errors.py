"""How the cookbook answers violations of its own constraints (found by the core, app/domains.py).

The handlers check category and ingredient ids first and answer with every unknown id at once; these
are the answers for what only the database sees under concurrent requests.
"""

from app.errors import ConstraintAnswer, ConstraintError, ForeignKeyError

CONSTRAINT_ERRORS: dict[str, ConstraintAnswer] = {
    "categories_name_key_unique": ConstraintError(
        status=409, message="name: a category with this name already exists (names are compared in any case)"
    ),
    "ingredients_name_key_unique": ConstraintError(
        status=409, message="name: an ingredient with this name already exists (names are compared in any case)"
    ),
    "recipes_category_id_fkey": ForeignKeyError(
        missing="category_id: category {value} does not exist",
        in_use="category {value} is in use by recipes; move or delete them first",
    ),
    "recipe_ingredients_ingredient_id_fkey": ForeignKeyError(
        missing="ingredients: ingredient {value} does not exist",
        in_use="ingredient {value} is in use by recipes; take it out of them first",
    ),
}
