"""Events of this app that other apps may react to. Sent once the transaction that
caused them has committed, with ids only (receivers fetch what they need).

- ``lesson_completed``: a student marked a lesson complete (cohort_id, user_id, lesson_id).
- ``enrolment_completed``: a student's enrolment reached *completed* at the end of the
  term (cohort_id, user_id, enrolment_id).
- ``enrolment_status_changed``: any move of an enrolment through its transition table
  (cohort_id, user_id, enrolment_id, from_status, to_status), e.g. a student left, was
  refunded or deferred (active → cancelled) or suspended for an unpaid instalment; also
  sent with ``from_status=""`` when a seat is active from the start (a free cohort).
"""

from django.db import transaction
from django.dispatch import Signal

lesson_completed = Signal()
enrolment_completed = Signal()
enrolment_status_changed = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))
