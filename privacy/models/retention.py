"""retention: models."""
