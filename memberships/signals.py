"""Signals other apps may listen to (sent after the change commits)."""

from django.dispatch import Signal

# A member completed a full year (or more) of membership: user_id, years.
membership_anniversary = Signal()
