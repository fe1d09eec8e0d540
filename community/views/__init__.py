"""HTML pages of the community. Thin: a selector for the page, a service for a write,
POST-redirect-GET with a message. DomainErrors become 4xx pages in lms.middleware,
except refused form input, which comes back with the input kept and the message at
its field.

- ``browse``: my communities, a cohort's home, a space, search, the directory, the
  profile, the guidelines, images.
- ``posting``: threads, replies, edits, deletion, reactions, follows, answers.
- ``moderation``: reports, hiding, endorsing, locking, pinning, moving, muting, the
  queue and the pulse.
"""

from community.views.browse import (
    directory,
    guidelines,
    home,
    image,
    image_upload,
    index,
    profile,
    search,
    space,
    space_read,
)
from community.views.moderation import (
    moderation,
    mute,
    post_endorse,
    post_hide,
    post_report,
    post_restore,
    pulse,
    report_dismiss,
    thread_lock,
    thread_move,
    thread_pin,
    unmute,
)
from community.views.posting import (
    post_delete,
    post_edit,
    post_history,
    post_react,
    thread,
    thread_accept,
    thread_follow,
    thread_new,
    thread_reply,
)

__all__ = [
    "directory",
    "guidelines",
    "home",
    "image",
    "image_upload",
    "index",
    "moderation",
    "mute",
    "post_delete",
    "post_edit",
    "post_endorse",
    "post_hide",
    "post_history",
    "post_react",
    "post_report",
    "post_restore",
    "profile",
    "pulse",
    "report_dismiss",
    "search",
    "space",
    "space_read",
    "thread",
    "thread_accept",
    "thread_follow",
    "thread_lock",
    "thread_move",
    "thread_new",
    "thread_pin",
    "thread_reply",
    "unmute",
]
