"""How the bookstore answers violations of its own constraints (found by the core, app/domains.py)."""

from app.errors import ConstraintAnswer, ConstraintError, ForeignKeyError
from app.names import name_taken

CONSTRAINT_ERRORS: dict[str, ConstraintAnswer] = {
    "books_isbn_unique": ConstraintError(status=409, message="isbn: a book with ISBN {value} already exists"),
    "authors_name_key_unique": name_taken("author"),
    "categories_name_key_unique": name_taken("category"),
    "books_author_id_fkey": ForeignKeyError(
        missing="author_id: author {value} does not exist",
        in_use="author {value} still has books; delete them first",
    ),
    "book_category_category_id_fkey": ForeignKeyError(
        missing="categories: category {value} does not exist",
        in_use="category {value} still has books; take it off them first",
    ),
}
