"""Reads for cohorts, split by concern; other apps import from here.

- ``access``: the access policy other apps ask (the viewer's role in a cohort, which
  cohort a curriculum page is read through, who edits a page).
- ``catalogue``: courses with their cohorts, seats and enrolment windows.
- ``enrolments``: the user's seats and waitlist places, cohorts taught, a cohort's
  active students.
- ``unlocks``: when each module of a cohort opens, for the cohort or (``enrolment=``)
  one student: a self-paced member's own calendar (``cohorts.schedule.basis``).
- ``progress``: the dashboard, module and lesson pages (cohort facts only).
- ``roster``: students and their progress, for instructors and staff.
- ``reading`` and ``search``: which curriculum pages (and media) a user may read, and
  site search within them.

Each page-level selector costs a fixed number of queries whatever the number of
modules, lessons or students; the tests pin those numbers.
"""

from cohorts.selectors.access import (
    STEPLEN,
    CohortAccess,
    cohort_access,
    cohort_for_course_page,
    cohort_get,
    user_can_edit_page,
    user_can_view_all_rosters,
)
from cohorts.selectors.catalogue import (
    CohortListing,
    CourseListing,
    CourseOutline,
    catalogue_list,
    cohort_list,
    cohort_listing_get,
    cohort_phase,
    cohort_status_label,
    cohorts_with_free_seats_and_waitlist,
    course_outline,
    running_cohorts,
)
from cohorts.selectors.enrolments import (
    active_students,
    my_enrolment_get,
    my_enrolments,
    taught_cohorts,
    waitlist_position,
)
from cohorts.selectors.progress import (
    Dashboard,
    LessonItem,
    LessonView,
    ModuleProgress,
    ModuleView,
    dashboard_get,
    lesson_view_get,
    module_view_get,
)
from cohorts.selectors.reading import (
    CURRICULUM_CLASSES,
    curriculum_page_readable,
    media_readable,
)
from cohorts.selectors.roster import BEHIND_AFTER, Roster, roster_get
from cohorts.selectors.search import (
    SEARCH_MAX_WORD_LENGTH,
    SEARCH_MAX_WORDS,
    SEARCH_WORD,
    search_curriculum,
    search_words,
)
from cohorts.selectors.unlocks import (
    ModuleSlot,
    cohort_schedule,
    lesson_is_unlocked,
    lesson_slot_get,
    module_slot_get,
    schedule_of,
)

__all__ = [
    "BEHIND_AFTER",
    "CURRICULUM_CLASSES",
    "SEARCH_MAX_WORDS",
    "SEARCH_MAX_WORD_LENGTH",
    "SEARCH_WORD",
    "STEPLEN",
    "CohortAccess",
    "CohortListing",
    "CourseListing",
    "CourseOutline",
    "Dashboard",
    "LessonItem",
    "LessonView",
    "ModuleProgress",
    "ModuleSlot",
    "ModuleView",
    "Roster",
    "active_students",
    "catalogue_list",
    "cohort_access",
    "cohort_for_course_page",
    "cohort_get",
    "cohort_list",
    "cohort_listing_get",
    "cohort_phase",
    "cohort_schedule",
    "cohort_status_label",
    "cohorts_with_free_seats_and_waitlist",
    "course_outline",
    "curriculum_page_readable",
    "dashboard_get",
    "lesson_is_unlocked",
    "lesson_slot_get",
    "lesson_view_get",
    "media_readable",
    "module_slot_get",
    "module_view_get",
    "my_enrolment_get",
    "my_enrolments",
    "roster_get",
    "running_cohorts",
    "schedule_of",
    "search_curriculum",
    "search_words",
    "taught_cohorts",
    "user_can_edit_page",
    "user_can_view_all_rosters",
    "waitlist_position",
]
