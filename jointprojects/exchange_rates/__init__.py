"""Exchange rates: the monthly rate table, cross rates and conversion (DOMAIN.md rule 2)."""
