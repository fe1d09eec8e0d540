import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cohorts import schedule, selectors
from cohorts.models import Cohort, EnrolmentStatus
from lms.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_cohort_in_week_3_an_open_one_and_a_full_one_with_a_waitlist():
    call_command("seed_demo")

    now = timezone.now()
    running, upcoming, full = Cohort.objects.order_by("starts_on")
    assert schedule.current_week(running, now) == 3
    assert upcoming.enrolment_opens_at < now < upcoming.enrolment_closes_at
    assert full.enrolments.filter(status=EnrolmentStatus.WAITLISTED).count() == 2
    assert full.enrolments.filter(status=EnrolmentStatus.ACTIVE).count() == full.capacity
    for name in ("student", "instructor", "designer", "admin"):
        assert User.objects.get(username=name).check_password("demo")
    board = selectors.dashboard_get(cohort_id=running.pk, user=User.objects.get(username="student"))
    assert [m.slot.is_unlocked for m in board.modules] == [True] * 3 + [False] * 5


def test_the_demo_loads_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    assert "loaded already" in capsys.readouterr().out
    assert Cohort.objects.count() == 3


def test_production_creates_no_demo_users(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()
