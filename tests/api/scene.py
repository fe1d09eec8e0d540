"""A realistic cohort for tests that walk the whole API: a course whose first module
holds an assignment, four students who handed in a file, peer reviews allocated and
partly given, a released grade, a regrade waiting in the queue, a live session, a badge,
a notification, an unpaid order, a deferral request, a community thread with a
reply that a classmate reported, a yearly membership paid by invoice and the student's
ready data export; beside it a
cohort of another course with its own student (whose free membership ended) and
instructor, and a staff member.

The tests fill an operation's path parameters from ``Scene.path_values`` by name, so an
id that changes type (an integer becoming a UUID) follows the model's primary key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assignments.models import CohortAssignment, Submission
from assignments.selectors import assignment_slot_get
from assignments.services import submission_submit
from badges import services as badge_services
from cms.models import LessonPage, ModulePage
from cohorts.models import Cohort, EnrolmentStatus
from community import services as community_services
from community.access import community_member
from community.models import ReactionKind, Space, SpaceKind
from lms import services as lms_services
from lms.models import User
from memberships import services as membership_services
from memberships.models import Tier, TierPrice
from notifications.models import Kind
from notifications.services import notify_user
from payments import services as payment_services
from payments.models import CohortPrice
from privacy.models import ExportRequest, ExportStatus
from privacy.services import erasure_request
from reviews import services as review_services
from reviews.models import QueueItem, RegradeRequest, Review, ReviewKind, ReviewStatus
from tests.assignments.files import pdf_with_author
from tests.badges.factories import badge_class
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    UserFactory,
    assignment_page,
    course_page,
)
from tests.live.factories import LiveSessionFactory

ROLES = (
    "anonymous",
    "student",
    "other_student",
    "instructor",
    "other_instructor",
    "staff",
)

# A real PDF with its author in the metadata: reviewers get it cleaned, not withheld.
PDF = pdf_with_author()


def make_staff(**fields) -> User:
    """The one definition of a staff member for the API tests: a member of the Staff
    group as the migrations create it (the named staff permissions); ``is_staff`` only
    opens the admin and grants nothing by itself."""
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name="Staff"))
    return User.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


@dataclass
class Scene:
    cohort: Cohort
    other_cohort: Cohort
    users: dict[str, User | None]
    path_values: dict[str, object] = field(default_factory=dict)
    # Where one name means another object: the feedback operations take a review the
    # student received, the others one the student owes.
    path_overrides: dict[str, dict[str, object]] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return self.users[role]

    def parameters_for(self, path: str, names: list[str]) -> dict[str, str]:
        """The scene's value for each of an operation's path parameters, as text;
        a KeyError names a parameter the scene does not know yet."""
        values = dict(self.path_values)
        for prefix, override in self.path_overrides.items():
            if path.startswith(prefix):
                values.update(override)
        return {name: str(values[name]) for name in names}


def _scores(rubric) -> dict:
    return {
        c["id"]: {"points": c["levels"][-1]["points"], "comment": "Clear."} for c in rubric.criteria
    }


def _community(cohort: Cohort, instructor: User, student: User, peer: User) -> dict:
    """The instructor's thread in the general space, the student's reply to it, and a
    classmate's report on that reply."""
    general = Space.objects.get(cohort=cohort, kind=SpaceKind.GENERAL)
    thread = community_services.thread_create(
        member=community_member(user=instructor, cohort=cohort),
        space=general,
        title="Welcome",
        body="Tell us what you want to write.",
    )
    reply = community_services.reply_create(
        member=community_member(user=student, cohort=cohort), thread=thread, body="Recipes."
    )
    report = community_services.report_create(
        member=community_member(user=peer, cohort=cohort), post_id=reply.pk, reason="off_topic"
    )
    return {
        "space_id": general.pk,
        "thread_id": thread.pk,
        "post_id": reply.pk,
        "kind": ReactionKind.HEART.value,
        "report_id": report.pk,
    }


def _memberships(student: User, other_student: User) -> None:
    """The student pays a yearly membership by invoice (paid) on a tier with a retention
    offer, below a higher tier; the other student's free membership ended."""
    free = Tier.objects.create(name="Community", slug="community", level=1)
    plus = Tier.objects.create(name="Plus", slug="plus", level=2, retention_percent_off=20)
    pro = Tier.objects.create(name="Pro", slug="pro", level=3)
    for tier, interval, amount in (
        (plus, "month", 1_200),
        (plus, "year", 12_000),
        (pro, "month", 2_400),
        (pro, "year", 24_000),
    ):
        TierPrice.objects.create(tier=tier, interval=interval, amount=amount)
    joined = membership_services.membership_join(user=student, tier=plus, interval="year")
    membership_services.manual_invoice_paid(invoice=joined.bills.get().invoice)
    ended = membership_services.membership_join(user=other_student, tier=free)
    membership_services.membership_cancel(membership=ended, reason="unused")


def build_scene() -> Scene:
    now = timezone.now()
    course = course_page(modules=3, lessons=2)  # modules 1 and 2 are open, 3 is locked
    module = ModulePage.objects.get(path__startswith=course.path, slug="module-1")
    lesson = LessonPage.objects.get(path__startswith=course.path, slug="lesson-1-1")
    assignment = assignment_page(module, accepts_file=True, due_days=10, peer_reviews=2)
    cohort = CohortFactory(course=course, capacity=20)
    instructor = UserFactory(username="instructor")
    cohort.instructors.add(instructor)
    student = UserFactory(username="student")
    EnrolmentFactory(cohort=cohort, user=student)
    peers = [EnrolmentFactory(cohort=cohort).user for _ in range(3)]

    due_at = assignment_slot_get(cohort=cohort, assignment_id=assignment.pk).deadlines.due_at
    for author in [student, *peers]:
        submission_submit(
            cohort=cohort,
            assignment_id=assignment.pk,
            author=author,
            text=f"The essay of {author.username}.",
            file=SimpleUploadedFile(f"{author.username}-essay.pdf", PDF),
            now=due_at - dt.timedelta(hours=1),
        )
    run = CohortAssignment.objects.get(cohort=cohort, assignment=assignment)
    review_services.peer_reviews_allocate(run=run, now=due_at)

    # The peers finish their reviews of the student's work and of a peer's work that the
    # student does not review: both grades are released. The student still owes reviews.
    mine = Submission.objects.get(cohort_assignment=run, author=student)
    first_peer = (
        Submission.objects.filter(cohort_assignment=run, author__in=peers)
        .exclude(reviews__reviewer=student)
        .select_related("author")
        .order_by("pk")
        .first()
    )
    for submission in (mine, first_peer):
        for review in (
            Review.objects.filter(
                submission=submission, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED
            )
            .exclude(reviewer=student)
            .select_related("rubric", "reviewer")
        ):
            review_services.review_submit(
                review=review, by=review.reviewer, scores=_scores(review.rubric), comment="Ok."
            )
    # That peer questions their grade: a regrade request, and an item in the queue.
    regrade = review_services.regrade_request(
        submission=first_peer,
        by=first_peer.author,
        reason="The second criterion deserves a second look.",
    )
    item = QueueItem.objects.filter(submission=first_peer).order_by("-pk").first()
    owed = (
        Review.objects.filter(reviewer=student, status=ReviewStatus.ASSIGNED).order_by("pk").first()
    )
    received = (
        Review.objects.filter(submission=mine, status=ReviewStatus.SUBMITTED).order_by("pk").first()
    )

    session = LiveSessionFactory(cohort=cohort)
    session.hosts.add(instructor)

    badge = badge_class(course)
    award = badge_services.award_grant(
        badge_class=badge, recipient=student, cohort=cohort, by=instructor, note="Helped others."
    )
    notify_user(
        kind=Kind.MODULE_UNLOCKED,
        key=f"{cohort.pk}:{module.pk}",
        user_id=student.pk,
        params={"module": module.title, "cohort": cohort.name, "unlocks_at": now.isoformat()},
    )

    # A later cohort of the same course: the student asks to move there. A paid one,
    # where the student holds a seat that waits for an invoice to be paid.
    later = CohortFactory(
        course=course,
        starts_on=cohort.starts_on + dt.timedelta(weeks=10),
        ends_on=cohort.ends_on + dt.timedelta(weeks=10),
    )
    deferral = payment_services.deferral_request(
        enrolment=cohort.enrolments.get(user=student),
        to_cohort=later,
        reason="I move house that month.",
        by=student,
    )
    paid = CohortFactory(course=course, name="Paid cohort")
    CohortPrice.objects.create(cohort=paid, amount=49_500, instalments=3)
    enrolment, order = payment_services.paid_enrolment_start(cohort=paid, user=student)
    assert enrolment.status == EnrolmentStatus.PENDING_PAYMENT and order is not None

    other_cohort = CohortFactory(course=course_page(title="Another course", modules=1, lessons=1))
    other_student = UserFactory(username="other_student")
    EnrolmentFactory(cohort=other_cohort, user=other_student)
    other_instructor = UserFactory(username="other_instructor")
    other_cohort.instructors.add(other_instructor)
    _memberships(student, other_student)
    # The student asked to be erased; the cool-off has not passed.
    erasure_request(user=student, by=student)
    export = ExportRequest(
        user=student,
        requested_by=student,
        status=ExportStatus.READY,
        created_at=now,
        finished_at=now,
        expires_at=now + dt.timedelta(days=7),
        size=4,
    )
    export.file.save("export.zip", ContentFile(b"PK\x05\x06"), save=False)
    export.save()

    users = {
        "anonymous": None,
        "student": student,
        "other_student": other_student,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "staff": make_staff(username="staff"),
    }
    path_values = {
        "cohort_id": cohort.pk,
        "module_id": module.pk,
        "lesson_id": lesson.pk,
        "assignment_id": assignment.pk,
        "submission_id": mine.pk,
        "number": mine.versions.order_by("-number").first().number,
        "review_id": owed.public_id,
        "item_id": item.pk,
        "regrade_id": RegradeRequest.objects.get(pk=regrade.pk).pk,
        "session_id": session.pk,
        "user_id": student.pk,
        "award_id": award.pk,
        "award_uuid": award.uuid,
        "notification_id": student.notifications.order_by("pk").first().pk,
        "order_id": order.pk,
        "deferral_id": deferral.pk,
        "export_id": export.public_id,
        # A token the student made earlier, beside the one each call signs in with.
        "token_id": lms_services.api_token_create(user=student, name="phone")[0].pk,
        **_community(cohort, instructor, student, peers[0]),
    }
    return Scene(
        cohort=cohort,
        other_cohort=other_cohort,
        users=users,
        path_values=path_values,
        path_overrides={"/api/v1/feedback/": {"review_id": received.public_id}},
    )


PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


def auth_header(user: User | None) -> dict[str, str]:
    """The header an API client sends: a token obtained the documented way."""
    if user is None:
        return {}
    from rest_framework.test import APIClient

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return {"Authorization": f"Token {response.json()['token']}"}
