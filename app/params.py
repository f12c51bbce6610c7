"""Path, query and body id types every domain's routes share: ids are positive bigints, so an id out of
range is a 422 naming the field, never a database error."""

import re
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field
from starlette.convertors import StringConvertor, register_url_convertor

BIGINT_MAX = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=BIGINT_MAX, description="A row id (a positive bigint).")]
"""A row id in a path: anything else is a 422, never a database error."""

BodyId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
"""A row id in a request body."""


def id_path(name: str) -> Any:
    """`Path(...)` for a row id named `name` in the path (`category_id`): a positive bigint, else a 422 naming it."""
    return Path(alias=name, ge=1, le=BIGINT_MAX, description="A row id (a positive bigint).")


FilterId = Annotated[int | None, Query(ge=1, le=BIGINT_MAX, description="Only rows that refer to this id.")]
"""An optional id filter in a query string."""


def id_segment(*routes: str) -> str:
    """A path convertor for an id segment beside static routes (`/recipes/search`): any segment but those
    words, so `/recipes/abc` is a 422 naming the id while `PATCH /recipes/search` stays a 405.
    Use as `/recipes/{recipe_id:<returned name>}`."""
    name = "id_except_" + "_".join(routes)
    words = "|".join(re.escape(route) for route in routes)
    register_url_convertor(name, type(name, (StringConvertor,), {"regex": f"(?!(?:{words})$)[^/]+"})())
    return name
