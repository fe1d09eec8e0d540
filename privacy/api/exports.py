"""The privacy API: exports."""

urlpatterns: list = []
