"""The privacy API under /api/v1/privacy/ (each concern adds its routes here)."""

urlpatterns: list = []
