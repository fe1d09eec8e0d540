"""retention: views."""
