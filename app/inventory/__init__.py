"""Inventory: products in categories, stock kept by an append-only movement ledger (issue #8)."""
