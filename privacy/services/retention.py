"""retention: services."""
