"""Every state machine of the project keeps the one contract of ``lms.statemachine``:
each move its table allows works (status saved, stamp set, a history row saying who
and why, ``status_changed`` sent once the transaction commits) and every other move is
refused with a 409-type Conflict that writes nothing, for single and bulk moves alike.
The walk covers every pair of statuses of every machine."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from lms.errors import Conflict
from lms.statemachine import MACHINES, status_changed
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

EXPECTED = {
    "enrolment",
    "submission",
    "review",
    "regrade",
    "order",
    "deferral",
    "live_session",
    "report",
    "membership",
    "erasure",
    "export",
}


def _enrolment():
    return EnrolmentFactory()


def _submission():
    from tests.reviews.conftest import build_scenario

    s = build_scenario(1)
    return s.submission_of(s.students[0])


def _review():
    from reviews.models import Review
    from reviews.services import peer_reviews_allocate
    from tests.reviews.conftest import build_scenario

    s = build_scenario(3)
    peer_reviews_allocate(run=s.run, now=s.due_at + dt.timedelta(minutes=1))
    return Review.objects.filter(submission__cohort_assignment__cohort=s.cohort).first()


def _regrade():
    from reviews.models import RegradeRequest

    return RegradeRequest.objects.create(submission=_submission(), reason="Look again, please.")


def _order():
    from payments import services as payment_services
    from payments.models import CohortPrice

    cohort = CohortFactory(course=course_page(), capacity=2)
    CohortPrice.objects.create(cohort=cohort, amount=10_000)
    _enrolment, order = payment_services.paid_enrolment_start(cohort=cohort, user=UserFactory())
    return order


def _deferral():
    from payments.models import Deferral

    enrolment = EnrolmentFactory()
    later = CohortFactory(course=enrolment.cohort.course)
    return Deferral.objects.create(enrolment=enrolment, to_cohort=later, reason="Moving house.")


def _live_session():
    from tests.live.factories import LiveSessionFactory

    return LiveSessionFactory()


def _report():
    from community import services
    from community.access import community_member
    from community.models import Space, SpaceKind
    from tests.factories import EnrolmentFactory

    author = EnrolmentFactory()
    reporter = EnrolmentFactory(cohort=author.cohort)
    space = Space.objects.get(cohort=author.cohort, kind=SpaceKind.GENERAL)
    thread = services.thread_create(
        member=community_member(user=author.user, cohort=author.cohort),
        space=space,
        title="A thread",
        body="Text",
    )
    return services.report_create(
        member=community_member(user=reporter.user, cohort=reporter.cohort),
        post_id=thread.posts.get().pk,
        reason="spam",
    )


def _membership():
    from memberships.models import Membership, Tier

    tier = Tier.objects.create(name="Basic", slug="basic", level=1)
    return Membership.objects.create(user=UserFactory(), tier=tier, provider="manual")


def _erasure():
    from django.utils import timezone

    from privacy.models import ErasureRequest

    return ErasureRequest.objects.create(user=UserFactory(), runs_after=timezone.now())


def _export():
    from privacy.models import ExportRequest

    return ExportRequest.objects.create(user=UserFactory(), created_at=timezone.now())


MAKERS = {
    "enrolment": _enrolment,
    "submission": _submission,
    "review": _review,
    "regrade": _regrade,
    "order": _order,
    "deferral": _deferral,
    "live_session": _live_session,
    "report": _report,
    "membership": _membership,
    "erasure": _erasure,
    "export": _export,
}


def test_every_status_change_of_the_project_has_a_declared_machine():
    assert set(MACHINES) == EXPECTED, "a new machine needs a maker in MAKERS"
    for machine in MACHINES.values():
        assert hasattr(machine.model, "history"), f"{machine.name} keeps no history"
        assert set(machine.transitions) == set(machine.labels.values), machine.name


def _in(obj, machine, status):
    """The object, stored in ``status`` (set behind the machine: this is the setup)."""
    type(obj).objects.filter(pk=obj.pk).update(**{machine.field: status})
    obj.refresh_from_db()
    return obj


def _history_count(obj) -> int:
    return obj.history.count()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_move_of_the_table_works_and_every_other_is_refused(
    name, db, django_capture_on_commit_callbacks
):
    machine = MACHINES[name]
    obj = MAKERS[name]()
    staff = UserFactory(is_staff=True)
    statuses = list(machine.labels.values)
    seen = []
    status_changed.connect(lambda **kw: seen.append(kw), weak=False, dispatch_uid="walk")
    try:
        for current, to in itertools.product(statuses, statuses):
            obj = _in(obj, machine, current)
            rows, seen[:] = _history_count(obj), []
            if machine.allows(current, to):
                with django_capture_on_commit_callbacks(execute=True):
                    machine.move(obj, to, by=staff, reason=f"walk {current}->{to}")
                obj.refresh_from_db()
                assert getattr(obj, machine.field) == to, (current, to)
                latest = obj.history.first()
                assert _history_count(obj) == rows + 1, (current, to)
                assert latest.history_change_reason == f"walk {current}->{to}"
                assert latest.history_user_id == staff.pk
                if to in machine.stamps:
                    assert getattr(obj, machine.stamps[to]) is not None
                assert [(s["from_status"], s["to_status"], s["by_id"]) for s in seen] == [
                    (current, to, staff.pk)
                ]
            else:
                with (
                    django_capture_on_commit_callbacks(execute=True),
                    pytest.raises(Conflict),
                ):
                    machine.move(obj, to, by=staff, reason="refused")
                obj.refresh_from_db()
                assert getattr(obj, machine.field) == current, (current, to)
                assert _history_count(obj) == rows and seen == [], (current, to)
    finally:
        status_changed.disconnect(dispatch_uid="walk")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bulk_move_writes_a_history_row_per_object_or_nothing_at_all(
    name, db, django_capture_on_commit_callbacks
):
    machine = MACHINES[name]
    obj = MAKERS[name]()
    statuses = list(machine.labels.values)
    allowed = [(a, b) for a in statuses for b in machine.transitions[a]]
    refused = [(a, b) for a in statuses for b in statuses if not machine.allows(a, b)]
    current, to = allowed[0]
    obj = _in(obj, machine, current)
    rows = _history_count(obj)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert machine.move_many([obj], to, reason="in bulk", now=timezone.now()) == 1
    obj.refresh_from_db()
    assert getattr(obj, machine.field) == to
    assert _history_count(obj) == rows + 1
    assert obj.history.first().history_change_reason == "in bulk"
    assert callbacks, "a bulk move signals on commit"

    current, to = refused[0]
    obj = _in(obj, machine, current)
    rows = _history_count(obj)
    with pytest.raises(Conflict):
        machine.move_many([obj], to, reason="refused in bulk")
    obj.refresh_from_db()
    assert getattr(obj, machine.field) == current
    assert _history_count(obj) == rows
