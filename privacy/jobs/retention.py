"""Tasks: retention."""

from celery import shared_task

__all__ = ["retention_tick"]


@shared_task(autoretry_for=())  # an hourly beat tick: the next tick is its retry
def retention_tick() -> int:
    """Every retention job that has not run today; returns how many ran."""
    from privacy.services.retention import retention_tick as tick

    return len(tick())
