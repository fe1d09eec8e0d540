"""erasures: models."""
