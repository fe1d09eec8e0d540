"""exports: models."""
