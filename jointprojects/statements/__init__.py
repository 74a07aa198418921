"""Statements, payments and closed periods of an arrangement (DOMAIN.md rules 10-13)."""
