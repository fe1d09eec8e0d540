"""Retention: what has outlived its purpose goes, each job once a day, each run recorded."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from lms.models import User
from notifications.models import Kind, Notification
from privacy.models import ErasureRequest, InactivityNotice, RetentionJob, RetentionRun
from privacy.services import retention
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)


def _signup(days_ago: int, **fields) -> User:
    user = UserFactory(is_active=False, last_login=None, **fields)
    User.objects.filter(pk=user.pk).update(date_joined=NOW - dt.timedelta(days=days_ago))
    return user


def test_sign_ups_never_confirmed_go_after_30_days_and_nothing_else():
    old, fresh = _signup(31), _signup(29)
    deactivated = UserFactory(is_active=False, last_login=NOW - dt.timedelta(days=400))
    User.objects.filter(pk=deactivated.pk).update(date_joined=NOW - dt.timedelta(days=900))

    run = retention.retention_run(job=RetentionJob.UNACTIVATED, now=NOW)

    assert (run.removed, run.kept, run.error) == (1, 0, "")
    assert run.cutoff == NOW - dt.timedelta(days=30)
    assert not User.objects.filter(pk=old.pk).exists()
    assert User.objects.filter(pk__in=[fresh.pk, deactivated.pk]).count() == 2


def test_a_job_runs_once_a_day_and_every_run_is_recorded():
    _signup(40)
    assert retention.retention_run(job=RetentionJob.UNACTIVATED, now=NOW) is not None
    assert retention.retention_run(job=RetentionJob.UNACTIVATED, now=NOW) is None
    runs = retention.retention_tick(now=NOW)
    assert {r.job for r in runs} == set(RetentionJob.values) - {RetentionJob.UNACTIVATED}
    assert RetentionRun.objects.count() == len(RetentionJob.values)
    assert all(r.finished_at for r in RetentionRun.objects.all())
    assert len(retention.retention_tick(now=NOW + dt.timedelta(days=1))) == len(RetentionJob)


def test_a_failing_job_is_recorded_with_its_error_and_the_others_still_run(monkeypatch):
    def broken(run, now):
        raise RuntimeError("disk full")

    monkeypatch.setitem(retention.JOBS, RetentionJob.SESSIONS, broken)
    runs = {r.job: r for r in retention.retention_tick(now=NOW)}
    assert runs[RetentionJob.SESSIONS].error == "RuntimeError: disk full"
    assert runs[RetentionJob.NOTIFICATIONS].error == ""


def test_notifications_go_after_a_year_in_batches():
    user = UserFactory()
    for i, days in enumerate((400, 366, 364)):
        Notification.objects.create(
            user=user, kind=Kind.MEMBERSHIP, key=str(i), created_at=NOW - dt.timedelta(days=days)
        )
    run = retention.retention_run(job=RetentionJob.NOTIFICATIONS, now=NOW)
    assert run.removed == 2
    assert list(Notification.objects.values_list("key", flat=True)) == ["2"]


def test_expired_sessions_go():
    with time_machine.travel(NOW - dt.timedelta(days=30)):
        old = SessionStore()
        old.create()
    with time_machine.travel(NOW):
        live = SessionStore()
        live.create()
    run = retention.retention_run(job=RetentionJob.SESSIONS, now=NOW)
    assert run.removed == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def _unused(days: int, **fields) -> User:
    user = UserFactory(**fields)
    User.objects.filter(pk=user.pk).update(
        last_login=NOW - dt.timedelta(days=days), date_joined=NOW - dt.timedelta(days=days + 10)
    )
    return User.objects.get(pk=user.pk)


def test_an_unused_account_is_warned_once_by_email_and_a_sign_in_withdraws_it(
    settings, django_capture_on_commit_callbacks
):
    settings.LMS_PRIVACY = {**settings.LMS_PRIVACY, "INACTIVE_DAYS": 1095}
    unused, recent = _unused(1100), _unused(100)
    staff = _unused(2000, is_staff=True)
    learning = _unused(1200)
    starts = (NOW - dt.timedelta(days=10)).date()
    cohort = CohortFactory(starts_on=starts, ends_on=starts + dt.timedelta(weeks=8))
    EnrolmentFactory(user=learning, cohort=cohort)

    with django_capture_on_commit_callbacks(execute=True):
        warned, requested, withdrawn = retention.inactive_accounts_run(now=NOW)
    assert (warned, requested, withdrawn) == (1, 0, 0)
    notice = InactivityNotice.objects.get()
    assert notice.user == unused and notice.erase_after == NOW + dt.timedelta(days=30)
    assert Notification.objects.filter(user=unused, kind=Kind.ACCOUNT_INACTIVE).count() == 1
    assert not InactivityNotice.objects.filter(user__in=[recent, staff, learning]).exists()
    assert [m.to for m in mail.outbox] == [[unused.email]]

    # Run again the next day: not warned twice.
    assert retention.inactive_accounts_run(now=NOW + dt.timedelta(days=1))[0] == 0

    # Signing in withdraws the warning.
    User.objects.filter(pk=unused.pk).update(last_login=NOW + dt.timedelta(days=2))
    assert retention.inactive_accounts_run(now=NOW + dt.timedelta(days=3))[2] == 1
    assert not InactivityNotice.objects.exists()


def test_without_a_sign_in_after_the_warning_erasure_is_requested_with_its_cool_off(settings):
    unused = _unused(1100)
    retention.inactive_accounts_run(now=NOW)
    assert retention.inactive_accounts_run(now=NOW + dt.timedelta(days=29))[1] == 0
    requested = retention.inactive_accounts_run(now=NOW + dt.timedelta(days=30))[1]
    assert requested == 1
    request = ErasureRequest.objects.get(user=unused)
    assert request.requested_by is None
    assert request.runs_after == NOW + dt.timedelta(days=30 + 14)
    assert InactivityNotice.objects.get().erasure_requested_at == NOW + dt.timedelta(days=30)
    # Asked once: the next day's run does not ask again.
    assert retention.inactive_accounts_run(now=NOW + dt.timedelta(days=31))[1] == 0


def test_an_erased_account_is_not_deleted_as_a_sign_up_never_confirmed():
    erased = _signup(400)
    User.objects.filter(pk=erased.pk).update(erased_at=NOW - dt.timedelta(days=100))
    run = retention.retention_run(job=RetentionJob.UNACTIVATED, now=NOW)
    assert run.removed == 0 and User.objects.filter(pk=erased.pk).exists()


def test_the_run_is_recorded_with_its_cutoff():
    run = retention.retention_run(job=RetentionJob.INACTIVE, now=NOW)
    assert run.cutoff == NOW - dt.timedelta(days=1095)
    assert run.error == "" and timezone.is_aware(run.finished_at)


def test_staff_see_the_runs_and_others_get_a_404(client, django_assert_max_num_queries):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    retention.retention_tick(now=NOW)
    member = UserFactory()
    client.force_login(member)
    assert client.get(reverse("privacy:staff_retention")).status_code == 404
    member.user_permissions.add(Permission.objects.get(codename="manage_privacy_requests"))
    client.force_login(User.objects.get(pk=member.pk))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("privacy:staff_retention"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign-ups never confirmed" in html and "Accounts unused for years" in html
