"""retention: api."""
