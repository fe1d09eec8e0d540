"""What every staff page of the privacy app shares."""

import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404

PERMISSION = "privacy.manage_privacy_requests"


def privacy_staff_required(view):
    """Staff who handle privacy requests; the page does not exist for anyone else."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
