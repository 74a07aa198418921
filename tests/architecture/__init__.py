"""Architecture: which way imports go (STYLE.md habit 16, docs/ARCHITECTURE.md)."""
