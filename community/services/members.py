"""Members: their profile and directory entry, the guidelines, images, roles, welcome."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from cms.models import CoursePage
from cohorts.models import Cohort, Enrolment, EnrolmentStatus
from community.access import Member
from community.models import (
    DirectoryListing,
    GuidelinesAcceptance,
    MemberProfile,
    PostImage,
    Role,
    RoleKind,
    Space,
    SpaceKind,
)
from lms.errors import Conflict, NotAllowed, ValidationFailed
from lms.models import User
from notifications.models import Delivery, Kind, Notification, Preference
from notifications.services import notify_user

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_LINKS = 3


@transaction.atomic
def guidelines_accept(*, member: Member) -> GuidelinesAcceptance:
    acceptance, _created = GuidelinesAcceptance.objects.get_or_create(
        user=member.user,
        course_id=member.cohort.course_id,
        defaults={"accepted_at": timezone.now()},
    )
    return acceptance


@transaction.atomic
def profile_update(*, user: User, bio: str, interests: str, links: list[str]) -> MemberProfile:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    bio, interests = (bio or "").strip(), " ".join((interests or "").split())
    if len(bio) > 300:
        raise ValidationFailed(_("Keep the bio under 300 characters."), field="bio")
    if len(interests) > 200:
        raise ValidationFailed(_("Keep the interests under 200 characters."), field="interests")
    links = [link.strip() for link in (links or []) if link and link.strip()]
    if len(links) > MAX_LINKS:
        raise ValidationFailed(_("Add at most %(max)s links.") % {"max": MAX_LINKS}, field="links")
    check = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            if len(link) > 200:
                raise ValidationError("too long")
            check(link)
        except ValidationError:
            raise ValidationFailed(
                _("“%(link)s” is not a web address (https://…).") % {"link": link[:60]},
                field="links",
            ) from None
    profile, _created = MemberProfile.objects.update_or_create(
        user=user, defaults={"bio": bio, "interests": interests, "links": links}
    )
    return profile


@transaction.atomic
def directory_listing_set(*, member: Member, listed: bool) -> bool:
    if listed:
        DirectoryListing.objects.get_or_create(
            cohort=member.cohort, user=member.user, defaults={"created_at": timezone.now()}
        )
    else:
        DirectoryListing.objects.filter(cohort=member.cohort, user=member.user).delete()
    return listed


def image_upload(*, member: Member, file: UploadedFile) -> PostImage:
    """An image for a post: at most 2 MB and 4000 px a side, JPEG, PNG, GIF or WebP,
    checked by decoding it (Pillow), stored under a random name."""
    refusal = member.write_refusal()
    if refusal is not None:
        raise refusal
    if file is None:
        raise ValidationFailed(_("Choose an image to upload."), field="image")
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationFailed(
            _("The image is %(size)s MB; the limit is 2 MB.")
            % {"size": f"{file.size / 1024 / 1024:.1f}"},
            code="too_large",
            field="image",
        )
    try:
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
            if width * height > MAX_IMAGE_SIDE * MAX_IMAGE_SIDE:
                raise Image.DecompressionBombError
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(
            _("That file is not an image we can show (JPEG, PNG, GIF or WebP)."),
            code="not_an_image",
            field="image",
        ) from None
    if fmt not in IMAGE_FORMATS:
        raise ValidationFailed(
            _("That file is not an image we can show (JPEG, PNG, GIF or WebP)."),
            code="not_an_image",
            field="image",
        )
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
        raise ValidationFailed(
            _("The image is %(w)s by %(h)s pixels; at most %(max)s a side.")
            % {"w": width, "h": height, "max": MAX_IMAGE_SIDE},
            code="too_large",
            field="image",
        )
    file.seek(0)
    image = PostImage(
        cohort=member.cohort,
        uploader=member.user,
        format=fmt,
        width=width,
        height=height,
        size=file.size,
        created_at=timezone.now(),
    )
    image.file.save("upload", file, save=False)
    with transaction.atomic():
        image.save()
    return image


# --- roles ------------------------------------------------------------------------------


@transaction.atomic
def role_appoint(
    *,
    by: User,
    user: User,
    role: str,
    cohort: Cohort | None = None,
    course: CoursePage | None = None,
) -> Role:
    if not by.has_perm("community.add_role"):
        raise NotAllowed(_("Only staff appoint mentors and moderators."), code="not_staff")
    if role not in RoleKind.values:
        raise ValidationFailed(_("Choose mentor or moderator."), field="role")
    if (cohort is None) == (course is None):
        raise ValidationFailed(_("Appoint for one cohort or for one course."), field="cohort")
    try:
        with transaction.atomic():
            return Role.objects.create(
                user=user, role=role, cohort=cohort, course=course, appointed_by=by
            )
    except IntegrityError:
        raise Conflict(_("That person has this role there already."), code="already") from None


# --- welcome ----------------------------------------------------------------------------


def _introductions_url(cohort_id: int) -> str:
    space = (
        Space.objects.filter(cohort_id=cohort_id, kind=SpaceKind.INTRODUCTIONS)
        .values_list("pk", flat=True)
        .first()
    )
    if space is None:
        return reverse("community:home", args=[cohort_id])
    return reverse("community:space", args=[space])


def member_welcome(*, cohort_id: int, user_id: int) -> bool:
    """The host's welcome to a new member, with the prompt to introduce themselves.
    Once per member and cohort (the notification's key)."""
    cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
    if cohort is None:
        return False
    host = cohort.instructors.order_by("pk").first()
    return notify_user(
        kind=Kind.COMMUNITY_WELCOME,
        key=f"cohort:{cohort_id}",
        user_id=user_id,
        params={
            "cohort": str(cohort),
            "host": host.get_display_name() if host else "",
            "message": cohort.course.community_welcome,
        },
        url=_introductions_url(cohort_id),
    )


def welcomes_resume(*, within: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Members activated lately who have no welcome: the on-commit welcome was lost."""
    since = timezone.now() - within
    welcomed = Notification.objects.filter(
        user_id=OuterRef("user_id"),
        kind=Kind.COMMUNITY_WELCOME,
        key=_key_expr(),
    )
    declined = Preference.objects.filter(
        user_id=OuterRef("user_id"), kind=Kind.COMMUNITY_WELCOME, delivery=Delivery.OFF
    )
    due = (
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE, activated_at__gte=since)
        .annotate(done=Exists(welcomed) | Exists(declined))
        .filter(done=False)
        .values_list("cohort_id", "user_id")[:500]
    )
    return sum(member_welcome(cohort_id=c, user_id=u) for c, u in due)


def _key_expr():
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return Concat(Value("cohort:"), Cast(OuterRef("cohort_id"), CharField()))
