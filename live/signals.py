"""Events of this app that other apps may react to, sent once the transaction that
caused them has committed, with ids only.

- ``attendance_recorded``: a student joined a session through the platform, or an
  instructor set their attendance (cohort_id, user_id, session_id).
"""

from django.dispatch import Signal

attendance_recorded = Signal()
