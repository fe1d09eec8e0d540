from django.core.exceptions import PermissionDenied
from django.http import Http404
from wagtail import hooks


@hooks.register("before_serve_document")
def protect_curriculum_documents(document, request):
    """A download is the lesson's content too: it follows the same lock."""
    from cohorts.selectors import media_readable

    if not media_readable(user=request.user, obj=document):
        if request.user.is_authenticated:
            raise PermissionDenied("This file belongs to a lesson that is not open to you.")
        raise Http404
