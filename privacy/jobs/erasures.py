"""Tasks: erasures."""
