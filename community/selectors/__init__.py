"""Reads of the community; other apps import from here.

- ``members``: who is in a cohort's community.
- ``spaces``: the community home, a space's threads, unread counts, "say hello".
- ``threads``: a thread with a page of replies; a post's history.
- ``moderation``: the report queue and log, mutes, the pulse.
- ``people``: the directory, mention suggestions, search.
- ``pages``: my communities, the header's count, the objects behind an action.

Every page-level read costs a fixed number of queries whatever the number of spaces,
threads and replies; tests/community/test_queries.py pins them.
"""

from community.access import Member, community_member, member_cohort_ids
from community.selectors.members import cohort_members
from community.selectors.moderation import Pulse, moderation_queue, pulse_get
from community.selectors.pages import (
    CommunityCard,
    cohort_user_get,
    community_index,
    guidelines_due,
    header_unread,
    move_targets,
    my_profile,
    post_member,
    post_url,
    thread_member,
)
from community.selectors.people import (
    community_search,
    directory_get,
    image_get,
    member_get,
    mention_suggestions,
)
from community.selectors.spaces import (
    CommunityHome,
    SpacePage,
    SpaceRow,
    community_home,
    hello_due,
    space_get,
    space_page,
    unanswered_questions,
    unread_total,
)
from community.selectors.threads import PostView, ThreadPage, post_history, thread_page

__all__ = [
    "CommunityCard",
    "CommunityHome",
    "Member",
    "PostView",
    "Pulse",
    "SpacePage",
    "SpaceRow",
    "ThreadPage",
    "cohort_members",
    "cohort_user_get",
    "community_home",
    "community_index",
    "community_member",
    "community_search",
    "directory_get",
    "guidelines_due",
    "header_unread",
    "hello_due",
    "image_get",
    "member_cohort_ids",
    "member_get",
    "mention_suggestions",
    "moderation_queue",
    "move_targets",
    "my_profile",
    "post_history",
    "post_member",
    "post_url",
    "pulse_get",
    "space_get",
    "space_page",
    "thread_member",
    "thread_page",
    "unanswered_questions",
    "unread_total",
]
