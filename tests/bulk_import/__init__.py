"""The bulk path of expense recording (imports)."""
