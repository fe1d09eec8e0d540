from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class CommunityLink:
    shown: bool  # the user belongs to at least one community
    unread: int


def community_unread(request):
    """The header's Community link and its unread badge, in one query, only on pages
    that show it (``selectors.header_unread``: None for someone in no community)."""
    from community.selectors import header_unread

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def link() -> CommunityLink:
        unread = header_unread(user=user)
        return CommunityLink(shown=unread is not None, unread=unread or 0)

    return {"community_link": SimpleLazyObject(link)}
