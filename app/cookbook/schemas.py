"""Request and response models of the cookbook API (old clients' fields kept as they were)."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from app.params import BodyId

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=2000)]
Instructions = Annotated[str, StringConstraints(max_length=20000)]
Quantity = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
# Strict: JSON true/false or "5" is not a number here (pydantic's lax mode would take them).
RowId = Annotated[BodyId, Field(strict=True)]
Servings = Annotated[int, Field(strict=True, ge=1, le=1000)]
Minutes = Annotated[int, Field(strict=True, ge=0, le=10080)]

MAX_INGREDIENTS = 100


class IngredientLine(BaseModel):
    """One ingredient of a recipe: an existing id, or a name (created if new), with an optional amount."""

    model_config = ConfigDict(extra="forbid")

    ingredient_id: RowId | None = Field(default=None, validation_alias="ingredient_id")
    name: Name | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None

    @field_validator("quantity", mode="before")
    @classmethod
    def number_as_text(cls, value: Any) -> Any:
        """Old clients send quantities as numbers or as text ("1/2"); both are kept as text."""
        if isinstance(value, bool):
            raise ValueError("must be a number or text")
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def id_or_name(self) -> "IngredientLine":
        if (self.ingredient_id is None) == (self.name is None):
            raise ValueError("give exactly one of ingredient_id and name")
        return self


def _as_lines(value: Any) -> Any:
    """A list of ingredient ids or objects, as IngredientLine input."""
    if not isinstance(value, list):
        return value
    return [{"ingredient_id": item} if isinstance(item, int) and not isinstance(item, bool) else item for item in value]


class RecipeIngredients(BaseModel):
    """`ingredients` (ids or objects) or its synonym `ingredient_ids` (ids)."""

    ingredients: list[IngredientLine] | None = Field(default=None, max_length=MAX_INGREDIENTS)
    ingredient_ids: list[RowId] | None = Field(default=None, max_length=MAX_INGREDIENTS)

    @field_validator("ingredients", mode="before")
    @classmethod
    def ids_or_objects(cls, value: Any) -> Any:
        return _as_lines(value)

    def ingredient_lines(self) -> list[IngredientLine] | None:
        """The ingredients given, whichever field carried them; None when neither was given."""
        if self.ingredients is not None and self.ingredient_ids is not None:
            if [line.ingredient_id for line in self.ingredients] != self.ingredient_ids:
                raise ValueError("give ingredients or ingredient_ids, not both")
        if self.ingredients is not None:
            return self.ingredients
        if self.ingredient_ids is not None:
            return [IngredientLine(ingredient_id=i) for i in self.ingredient_ids]
        return None


class RecipeCreate(RecipeIngredients):
    # Unknown fields are ignored: older clients send fields of their own, which must not break them.
    model_config = ConfigDict(extra="ignore")

    title: Title
    description: Description | None = None
    instructions: Instructions | None = None
    category_id: RowId
    servings: Servings | None = None
    prep_minutes: Minutes | None = None
    cook_minutes: Minutes | None = None

    @model_validator(mode="after")
    def one_ingredient_field(self) -> "RecipeCreate":
        self.ingredient_lines()
        return self


class RecipeUpdate(RecipeIngredients):
    """Fields to change; absent fields stay as they are. Optional fields may be set to null."""

    model_config = ConfigDict(extra="ignore")

    title: Title | None = None
    description: Description | None = None
    instructions: Instructions | None = None
    category_id: RowId | None = None
    servings: Servings | None = None
    prep_minutes: Minutes | None = None
    cook_minutes: Minutes | None = None

    @field_validator("title", "category_id", "ingredients", "ingredient_ids")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value

    @model_validator(mode="after")
    def one_ingredient_field(self) -> "RecipeUpdate":
        self.ingredient_lines()
        return self


class IngredientDetail(BaseModel):
    id: int
    name: str
    quantity: str | None
    unit: str | None


class MissingIngredient(BaseModel):
    id: int
    name: str


class RecipeSummary(BaseModel):
    id: int
    title: str
    description: str | None
    instructions: str | None
    category_id: int
    category: str
    servings: int | None
    prep_minutes: int | None
    cook_minutes: int | None
    created_at: datetime
    ingredients: list[int] = Field(description="Ingredient ids in recipe order.")
    view_count: int


class Recipe(RecipeSummary):
    ingredient_details: list[IngredientDetail]


class RecipeList(BaseModel):
    recipes: list[RecipeSummary]
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page; null on the last page.")


class CookableRecipe(RecipeSummary):
    missing_count: int
    missing: list[MissingIngredient] = Field(description="The recipe's ingredients that are not in the given set.")


class CookableList(BaseModel):
    recipes: list[CookableRecipe]
    next_cursor: str | None
