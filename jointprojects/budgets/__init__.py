"""Budgets of special arrangements: planned amounts per category, year and party."""
