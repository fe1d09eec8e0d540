"""API authentication: knox tokens. Its own module, as DRF imports it while loading
its settings, before ``rest_framework.views`` exists."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from knox import auth as knox_auth


class ApiTokenAuthentication(knox_auth.TokenAuthentication):
    """knox's token check (``Authorization: Token <key>``, hashed, expiring), noting
    when a token was last used; written at most every few minutes, not per request."""

    LAST_USED_RESOLUTION = dt.timedelta(minutes=5)

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > self.LAST_USED_RESOLUTION:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
