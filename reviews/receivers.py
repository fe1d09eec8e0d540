"""Reviews listen to the apps below them.

- cohorts: when a student's seat ends, the peer reviews they still owe go to present
  reviewers (reviews.services.departed_reviews_reassign). The signal is sent on commit,
  and the task is queued on commit too, so it sees the cancelled enrolment.
- assignments: late work handed in after the reviews were allocated joins the rolling
  pool at once (reviews.services.late_submission_allocate), inside the hand-in's
  transaction and under the run's lock, as the signal is sent there.
"""

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


def _submission_submitted(sender, *, submission, run, slot, now, **kwargs) -> None:
    from reviews import services

    # Only a late hand-in is allocated on its own: on-time work waits for the deadline's
    # allocation (and a late one cannot be revised, so this is its first version).
    if submission.is_late and run.allocated_at is not None:
        services.late_submission_allocate(submission=submission, run=run, slot=slot, now=now)


def connect() -> None:
    from assignments import signals as assignment_signals
    from cohorts import signals as cohort_signals

    cohort_signals.enrolment_status_changed.connect(
        _enrolment_status_changed, dispatch_uid="reviews-enrolment-status-changed"
    )
    assignment_signals.submission_submitted.connect(
        _submission_submitted, dispatch_uid="reviews-submission-submitted"
    )
