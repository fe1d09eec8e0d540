"""Reads of the community; other apps import from here.

- ``members``: who is in a cohort's community.
- ``spaces``: the community home, a space's threads, unread counts, "say hello".
- ``threads``: a thread with a page of replies; a post's history.
- ``posts``: one thread or post with its space's lock state, for acting on it.
- ``moderation``: the report queue and log, mutes, the pulse.
- ``people``: the directory, mention suggestions, search.
- ``pages``: my communities, the header's count, the objects behind an action.

Every page-level read costs a fixed number of queries whatever the number of spaces,
threads and replies; tests/community/test_queries.py pins them.
"""

from community.access import Member, community_member, member_cohort_ids
from community.selectors.members import cohort_members, guidelines_pending, profile_get
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
from community.selectors.posts import (
    PostContext,
    ThreadContext,
    post_context,
    post_view_get,
    report_member,
    thread_context,
    unanswered_count,
)
from community.selectors.spaces import (
    CommunityHome,
    SpacePage,
    SpaceRow,
    community_home,
    hello_due,
    locked_module_ids,
    locked_space_filter,
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
    "PostContext",
    "PostView",
    "Pulse",
    "SpacePage",
    "SpaceRow",
    "ThreadContext",
    "ThreadPage",
    "cohort_members",
    "cohort_user_get",
    "community_home",
    "community_index",
    "community_member",
    "community_search",
    "directory_get",
    "guidelines_due",
    "guidelines_pending",
    "header_unread",
    "hello_due",
    "image_get",
    "locked_module_ids",
    "locked_space_filter",
    "member_cohort_ids",
    "member_get",
    "mention_suggestions",
    "moderation_queue",
    "move_targets",
    "my_profile",
    "post_context",
    "post_history",
    "post_member",
    "post_url",
    "post_view_get",
    "profile_get",
    "pulse_get",
    "report_member",
    "space_get",
    "space_page",
    "thread_context",
    "thread_member",
    "thread_page",
    "unanswered_count",
    "unanswered_questions",
    "unread_total",
]
