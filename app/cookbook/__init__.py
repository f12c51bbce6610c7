"""Generated typed queries of queries/cookbook/ (see sql.py)."""
