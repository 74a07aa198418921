"""personnel exchanges."""
