"""Reviews listen to cohorts: when a student's seat ends, the peer reviews they still owe
go to present reviewers (reviews.services.departed_reviews_reassign). The signal is sent
on commit, and the task is queued on commit too, so it sees the cancelled enrolment."""

from __future__ import annotations


def _enrolment_status_changed(
    sender, *, cohort_id: int, user_id: int, from_status: str, to_status: str, **kwargs
) -> None:
    from cohorts.models import EnrolmentStatus
    from reviews.tasks import reassign_departed_reviews

    # Only a seat that could owe reviews (a waitlist place or an unpaid hold never
    # does). Suspended students keep what they owe: the tick reassigns overdue reviews
    # anyway, and one who pays in time finishes them.
    if to_status == EnrolmentStatus.CANCELLED and from_status in (
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.SUSPENDED,
    ):
        reassign_departed_reviews.delay_on_commit(cohort_id, user_id)


def connect() -> None:
    from cohorts import signals as cohort_signals

    cohort_signals.enrolment_status_changed.connect(
        _enrolment_status_changed, dispatch_uid="reviews-enrolment-status-changed"
    )
