"""The named queries of a queries folder, for the plan checker: app/named_queries.py's, by fqn."""

import sys
from pathlib import Path

from app.named_queries import NamedQuery, load_tree

__all__ = ["NamedQuery", "load_named_queries"]


def load_named_queries(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every named query under `queries_dir` that loads, by fully qualified name; the problems of the
    others are printed (FILE:LINE:COL) and leave the rest to be checked."""
    loaded = load_tree(queries_dir)
    for problem in loaded.problems:
        print(f"plans: SKIPPED {problem}", file=sys.stderr, flush=True)
    return loaded.queries
