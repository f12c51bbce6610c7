"""`catalog codegen` and `catalog verify`: typed Python generated from the named SQL and a live database."""
