"""How the cookbook answers violations of its own constraints (found by the core, app/domains.py).

The handlers check category and ingredient ids first and answer with every unknown id at once; these
are the answers for what only the database sees under concurrent requests.
"""

from app.errors import ConstraintAnswer, ForeignKeyError
from app.names import name_taken

CONSTRAINT_ERRORS: dict[str, ConstraintAnswer] = {
    "categories_name_key_unique": name_taken("category"),
    "ingredients_name_key_unique": name_taken("ingredient"),
    "recipes_category_id_fkey": ForeignKeyError(
        missing="category_id: category {value} does not exist",
        in_use="category {value} is in use by recipes; move or delete them first",
    ),
    "recipe_ingredients_ingredient_id_fkey": ForeignKeyError(
        missing="ingredients: ingredient {value} does not exist",
        in_use="ingredient {value} is in use by recipes; take it out of them first",
    ),
}
