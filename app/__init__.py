"""catalog: a SQL-first FastAPI + PostgreSQL service."""
