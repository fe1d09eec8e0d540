"""Tasks: retention."""
