"""Path and query parameter types every domain's routes share."""

from typing import Annotated

from fastapi import Path, Query

BIGINT_MAX = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=BIGINT_MAX, description="A row id (a positive bigint).")]
"""A row id in a path: anything else is a 422, never a database error."""

FilterId = Annotated[int | None, Query(ge=1, le=BIGINT_MAX)]
"""An optional id filter in a query string."""
