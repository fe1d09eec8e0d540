"""The member's and staff's pages for exports."""

from django.http import HttpRequest


def panel(request: HttpRequest) -> dict | None:
    """The context of the exports section of the member's privacy page; None: not shown."""
    return None


# Routes under /privacy/ (privacy.urls adds them).
urlpatterns: list = []
