"""erasures: services."""
