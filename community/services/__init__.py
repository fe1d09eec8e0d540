"""Writes of the community; other apps import from here.

- ``spaces``: every cohort's spaces, made and kept in step with its course.
- ``posting``: threads, replies, edits, removal, reactions, follows, read marks,
  accepted answers.
- ``moderation``: reports, hide/restore, endorse, lock, pin, move, mute; each recorded.
- ``members``: profile, directory listing, guidelines, images, roles, the welcome.
- ``fanout``: the notifications of a post, made in a worker, once per person.
"""

from community.services.fanout import fan_out_resume, post_fan_out
from community.services.members import (
    directory_listing_set,
    guidelines_accept,
    image_upload,
    member_welcome,
    profile_update,
    role_appoint,
    welcomes_resume,
)
from community.services.moderation import (
    member_mute,
    member_unmute,
    post_endorse,
    post_hide,
    post_restore,
    report_create,
    report_dismiss,
    thread_lock,
    thread_move,
    thread_pin,
)
from community.services.posting import (
    answer_accept,
    follow_set,
    post_edit,
    post_remove,
    reaction_set,
    reply_create,
    space_mark_read,
    thread_create,
    thread_mark_read,
)
from community.services.spaces import course_spaces_sync, spaces_sync

__all__ = [
    "answer_accept",
    "course_spaces_sync",
    "directory_listing_set",
    "fan_out_resume",
    "follow_set",
    "guidelines_accept",
    "image_upload",
    "member_mute",
    "member_unmute",
    "member_welcome",
    "post_edit",
    "post_endorse",
    "post_fan_out",
    "post_hide",
    "post_remove",
    "post_restore",
    "profile_update",
    "reaction_set",
    "reply_create",
    "report_create",
    "report_dismiss",
    "role_appoint",
    "space_mark_read",
    "spaces_sync",
    "thread_create",
    "thread_lock",
    "thread_mark_read",
    "thread_move",
    "thread_pin",
    "welcomes_resume",
]
