"""exports: services."""
