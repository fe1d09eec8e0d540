"""erasures: api."""
