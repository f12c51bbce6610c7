"""Request and response models of the inventory API."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, field_validator, model_validator

from app.params import BodyId

ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CategoryName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Sku = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$"),
    Field(description="1 to 64 letters, digits, hyphens, underscores or dots; unique whatever the case."),
]
QUANTITY_MAX = 2**31 - 1  # the integer column
Quantity = Annotated[int, Field(ge=0, le=QUANTITY_MAX)]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, description="At most two decimals.")]
ReorderLevel = Annotated[int, Field(ge=0, le=2**31 - 1)]
CategoryId = BodyId
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ProductName
    sku: Sku
    quantity: Quantity = Field(default=0, description="Initial stock, recorded as the 'initial' movement.")
    price: Price
    category_id: CategoryId
    reorder_level: ReorderLevel = 0


class ProductUpdate(BaseModel):
    """Fields to change; absent fields stay as they are. The quantity changes only through stock movements."""

    model_config = ConfigDict(extra="forbid")

    name: ProductName | None = None
    price: Price | None = None
    category_id: CategoryId | None = None
    reorder_level: ReorderLevel | None = None

    @model_validator(mode="before")
    @classmethod
    def no_quantity(cls, data: Any) -> Any:
        if isinstance(data, dict) and "quantity" in data:
            raise ValueError("quantity changes only through POST /inventory/products/{id}/stock")
        return data

    @field_validator("name", "price", "category_id", "reorder_level")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value


class Product(BaseModel):
    id: int
    name: str
    sku: str
    quantity: int
    price: Money
    reorder_level: int
    category_id: int
    created_at: datetime
    updated_at: datetime


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CategoryName


class Category(BaseModel):
    id: int
    name: str


class CategoryDetail(Category):
    product_count: int = Field(description="Products in the category.")
    stock_value: Money = Field(description="Sum of quantity x price over the category's products.")


class StockChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delta: int = Field(ge=-1_000_000_000, le=1_000_000_000, description="Units added (positive) or taken (negative).")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="Why, e.g. 'sale', 'restock', 'return', 'count correction'."
    )

    @field_validator("delta")
    @classmethod
    def nonzero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be zero")
        return value

    @field_validator("reason")
    @classmethod
    def not_initial(cls, value: str) -> str:
        if value.lower() == "initial":
            raise ValueError("'initial' is reserved for the stock a product is created with")
        return value


class Movement(BaseModel):
    id: int
    product_id: int
    delta: int
    reason: str
    quantity_after: int
    idempotency_key: str | None
    created_at: datetime


class StockResult(BaseModel):
    """The product's quantity after the change, and the movement that recorded it."""

    product_id: int
    quantity: int = Field(description="The quantity after this change (for a replay: after the first one).")
    replayed: bool = Field(description="True when the Idempotency-Key was seen before and nothing changed now.")
    movement: Movement
