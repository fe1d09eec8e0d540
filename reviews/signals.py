"""Events of this app that other apps may react to. Sent once the transaction that
caused them has committed, with ids only (receivers fetch what they need).

- ``grade_released``: a grade became visible to its student (cohort_id, user_id, grade_id).
- ``review_submitted``: a peer review was handed in (cohort_id, user_id = the reviewer).
- ``review_rated``: the author rated a peer review's helpfulness (cohort_id, user_id =
  the reviewer).
"""

from django.db import transaction
from django.dispatch import Signal

grade_released = Signal()
review_submitted = Signal()
review_rated = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))
