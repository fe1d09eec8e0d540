"""A member with data in every app, for erasure tests: the API scene's student (an
enrolment, hand-ins with files, reviews given and received, a grade, a regrade, an
order, an invoice and a payment, a membership, a badge, a deferral, a community reply,
notifications) renamed to names nothing else contains, plus progress, an RSVP and
attendance, a community profile and image, a post by a classmate that mentions them,
a Wagtail form submission with their address, API and calendar-feed tokens and a
Stripe customer when Stripe is on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assignments.models import SubmissionVersion
from cms.models import LessonPage
from cohorts import services as cohort_services
from community import services as community_services
from community.access import community_member
from community.models import Space, SpaceKind
from live import services as live_services
from live.models import LiveSession
from lms import services as lms_services
from lms.models import User
from privacy.models import ErasureRequest
from reviews.models import Review, ReviewStatus
from reviews.services import review_submit
from tests.api.scene import _scores, build_scene
from tests.badges.factories import png_upload

NAMES = {
    "username": "zorblaxq",
    "email": "zorblax.quibbit@example.org",
    "first_name": "Zephyrine",
    "last_name": "Quillfeather",
    "display_name": "Zephy Quill",
    "street_address": "Quibbitsteeg 77",
    "postal_code": "9999 ZQ",
    "city": "Zorbleton",
    "phone": "+31 6 99887766",
}


@dataclass
class Member:
    user: User
    scene: object
    request: ErasureRequest
    api_key: str
    feed_token: str
    file_names: list[str]
    mention_post_id: int
    review_given_id: int


def build_member() -> Member:
    scene = build_scene()
    user = scene.users["student"]
    for name, value in NAMES.items():
        setattr(user, name, value)
    user.save()
    cohort = scene.cohort
    now = timezone.now()

    enrolment = cohort.enrolments.get(user=user)
    lesson = LessonPage.objects.filter(path__startswith=cohort.course.path).order_by("path").first()
    cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)

    session = LiveSession.objects.filter(cohort=cohort).first()
    live_services.rsvp_set(session=session, user=user, going=True)
    instructor = scene.users["instructor"]
    live_services.attendance_set(session=session, by=instructor, user_id=user.pk, attended=True)
    feed_token = live_services.feed_token_get_or_create(user=user).token
    api_key = lms_services.api_token_create(user=user, name="laptop")[1]

    # A review the member writes of a classmate's work: kept, with its scores.
    review = (
        Review.objects.filter(reviewer=user, status=ReviewStatus.ASSIGNED)
        .select_related("rubric")
        .order_by("pk")
        .first()
    )
    review_submit(review=review, by=user, scores=_scores(review.rubric), comment="Clear and kind.")

    member = community_member(user=user, cohort=cohort)
    community_services.profile_update(
        user=user, bio="I am Zephyrine and I bake.", interests="bread", links=[]
    )
    image = community_services.image_upload(member=member, file=png_upload("zorblaxq-cake.png"))
    peer = next(u for u in cohort.enrolments.exclude(user=user).values_list("user", flat=True))
    general = Space.objects.get(cohort=cohort, kind=SpaceKind.GENERAL)
    thread = community_services.thread_create(
        member=community_member(user=User.objects.get(pk=peer), cohort=cohort),
        space=general,
        title="Bakers",
        body="Thanks @zorblaxq and Zephyrine Quillfeather for the recipe!",
    )
    mention = thread.posts.get()

    from wagtail.contrib.forms.models import FormSubmission

    FormSubmission.objects.create(
        page=cohort.course, form_data={"email": NAMES["email"], "message": "Hi"}
    )

    files = [
        name
        for v in SubmissionVersion.objects.filter(submission__author=user)
        for name in (v.file.name, v.reviewer_file.name)
        if name
    ] + [image.file.name]
    request = ErasureRequest.objects.get(user=user)
    ErasureRequest.objects.filter(pk=request.pk).update(runs_after=now - dt.timedelta(minutes=1))
    request.refresh_from_db()
    return Member(
        user=user,
        scene=scene,
        request=request,
        api_key=api_key,
        feed_token=feed_token,
        file_names=files,
        mention_post_id=mention.pk,
        review_given_id=review.pk,
    )


def upload(name: str = "notes.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"text")
