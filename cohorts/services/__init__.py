"""Writes for cohorts, enrolments, the waitlist, unlock overrides, progress and the
library of self-paced courses, split by concern; other apps import from here.

- ``terms``: cohorts and their terms, unlock overrides.
- ``enrolments``: the enrolment machine's moves, the waitlist, seats for payments,
  transfers, the end of term.
- ``progress``: lessons marked complete.
- ``library``: self-paced courses for members (library cohorts, access, start days).

Every function here is atomic, validates with a message a person can act on, and is
the only place that saves these models.
"""

from cohorts.services._common import _seats_taken, _with_history
from cohorts.services.enrolments import (
    _notify_promoted,
    _promote_waitlist,
    cohort_seat_sale_check,
    cohorts_complete_ended,
    enrolment_create,
    enrolment_end,
    enrolment_leave,
    enrolment_release_unpaid,
    enrolment_restore,
    enrolment_seat_for_late_payment,
    enrolment_suspend,
    enrolment_transfer,
    enrolment_transition,
    waitlist_fill,
    waitlists_fill_all,
)
from cohorts.services.library import (
    library_access_grant,
    library_access_revoke,
    library_cohort_get,
    library_cohort_get_or_create,
    library_timezone,
    self_paced_start,
)
from cohorts.services.progress import lesson_mark_complete, lesson_mark_incomplete
from cohorts.services.terms import (
    COHORT_FIELDS,
    cohort_cancel,
    cohort_create,
    cohort_update,
    cohort_validate,
    module_unlock_override_clear,
    module_unlock_override_set,
    module_unlock_override_update,
    module_unlock_override_validate,
)

__all__ = [
    "COHORT_FIELDS",
    "_notify_promoted",
    "_promote_waitlist",
    "_seats_taken",
    "_with_history",
    "cohort_cancel",
    "cohort_create",
    "cohort_seat_sale_check",
    "cohort_update",
    "cohort_validate",
    "cohorts_complete_ended",
    "enrolment_create",
    "enrolment_end",
    "enrolment_leave",
    "enrolment_release_unpaid",
    "enrolment_restore",
    "enrolment_seat_for_late_payment",
    "enrolment_suspend",
    "enrolment_transfer",
    "enrolment_transition",
    "lesson_mark_complete",
    "lesson_mark_incomplete",
    "library_access_grant",
    "library_access_revoke",
    "library_cohort_get",
    "library_cohort_get_or_create",
    "library_timezone",
    "module_unlock_override_clear",
    "module_unlock_override_set",
    "module_unlock_override_update",
    "module_unlock_override_validate",
    "self_paced_start",
    "waitlist_fill",
    "waitlists_fill_all",
]
