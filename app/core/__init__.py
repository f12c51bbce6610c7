"""Generated typed queries of queries/core/ (see sql.py)."""
