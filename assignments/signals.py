"""Events of this app that the apps above it may react to (assignments imports none of
them; they connect their receivers in their AppConfig.ready()).

- ``submission_submitted``: work (or a new version of it) was handed in. Sent
  synchronously inside the hand-in's transaction, with the run (CohortAssignment) row
  locked, so a receiver's writes commit or roll back with the hand-in, a receiver's
  exception refuses it, and hand-ins and the allocation of reviews stay serialised.
  Sender: Submission. Kwargs: ``submission``, ``version`` (the SubmissionVersion just
  stored), ``run`` (the locked row), ``slot`` (its AssignmentSlot) and ``now``.
  reviews connects the rolling pool to it: late work joins peer review at once.
"""

from django.dispatch import Signal

submission_submitted = Signal()
