"""Plan-regression checks: every named query EXPLAIN-ANALYZEd at scale against rules and a baseline.

Shared machinery that knows nothing about any domain: it takes a queries folder, a schema folder
and a fixture loader (see config.CheckConfig), so another project can point it at its own queries.
"""
