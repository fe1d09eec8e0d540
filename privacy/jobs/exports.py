"""Tasks: exports. Thin: each fetches by id and calls the service; safe to run twice."""

from __future__ import annotations

from celery import shared_task

__all__ = ["export_build_task", "exports_sweep"]


@shared_task
def export_build_task(request_id: int) -> str | None:
    """Build one export (nothing for one that is ready, expired or failed)."""
    from privacy.services.exports import export_build

    request = export_build(request_id)
    return None if request is None else request.status


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def exports_sweep() -> tuple[int, int]:
    """Expire the links past their life (their files deleted), and queue again the
    builds a lost message or a dead worker left behind."""
    from privacy.services.exports import exports_expire, exports_resume

    return exports_expire(), exports_resume()
