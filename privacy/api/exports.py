"""exports: api."""
