"""The project's own error type: what a service raises when a request cannot be done.

Views turn it into a 4xx page or ``{"detail": ..., "code": ...}``; the message is
written for the person who made the request, so they can act on it.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class ValidationFailed(DomainError):
    status_code = 400
    default_code = "invalid"


class NotAllowed(DomainError):
    """The request is understood but this user may not do it."""

    status_code = 403
    default_code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (already enrolled, window closed...)."""

    status_code = 409
    default_code = "conflict"


class TooManyAttempts(DomainError):
    """Refused for now: too many attempts. ``retry_after`` is in seconds."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A service the request depends on (a payment provider) did not answer; nothing
    was changed, and trying again later may work."""

    status_code = 503
    default_code = "service_unavailable"
