"""Tasks: erasures. Thin: an id to the service; the beat sweep finds what is due."""

from celery import shared_task

from privacy.services import erasures

__all__ = ["run_due_erasures", "run_erasure"]


@shared_task(name="privacy.tasks.run_erasure")
def run_erasure(request_id: int) -> str:
    return erasures.erasure_run(request_id).status


@shared_task(name="privacy.tasks.run_due_erasures")
def run_due_erasures() -> int:
    """Every request whose cool-off ended (or whose retry is due), one task each."""
    ids = list(erasures.erasures_due().values_list("pk", flat=True)[:100])
    for request_id in ids:
        run_erasure.delay(request_id)
    return len(ids)
