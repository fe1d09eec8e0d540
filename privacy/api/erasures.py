"""The privacy API: erasures."""

urlpatterns: list = []
