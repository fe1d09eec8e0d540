"""Tasks: exports."""
