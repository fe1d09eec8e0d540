"""Reads for accounts."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from lms.models import ApiToken, User


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens that still work, newest first (one query)."""
    return ApiToken.objects.filter(
        Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()), user=user
    ).order_by("-created", "-pk")
