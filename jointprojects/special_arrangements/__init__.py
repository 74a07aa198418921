"""special arrangements."""
