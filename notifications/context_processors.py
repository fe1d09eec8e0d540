from django.utils.functional import SimpleLazyObject


def unread_notifications(request):
    """The header's unread count: one query, only on pages that show it."""
    from notifications.selectors import unread_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=user))}
