"""The erasure run on a member with data in every app: nothing that names them is left
in any text column of any table, the books and others' work are kept, and the run is
idempotent and resumes after a failure."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest
from django.apps import apps
from django.core.files.storage import storages
from django.db import connection, models
from django.urls import reverse

from assignments.models import SubmissionVersion
from community.models import Post
from lms.models import SentEmail, User
from payments import stripe_gateway
from payments.models import Invoice, Order, Payment, StripeCustomer, WebhookEvent
from privacy.models import ErasureEvent, ErasureEventKind, ErasureRequest, ErasureStatus
from privacy.services import erasure_engine, erasure_run
from privacy.tasks import run_due_erasures
from reviews.models import Grade, Review
from tests.payments.conftest import WEBHOOK_SECRET, deliver
from tests.privacy.erasure_member import NAMES, build_member
from tests.stripe_fake.fixtures import stripe_fake  # noqa: F401
from tests.stripe_fake.server import TEST_API_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_server(stripe_fake):  # noqa: F811
    """Stripe configured and pointed at the local Stripe server, which also deletes
    customers (DELETE /v1/customers/{id}, as Stripe does)."""
    import re

    def delete_customer(params, obj_id):
        stripe_fake._find("customer", obj_id)
        del stripe_fake._store["customer"][obj_id]
        return {"id": obj_id, "object": "customer", "deleted": True}

    stripe_fake._routes.append(
        ("DELETE", re.compile(r"^/v1/customers/(?P<obj_id>[^/]+)$"), delete_customer)
    )
    return stripe_fake


def stripe_turn_on(settings, fake) -> None:
    settings.STRIPE_SECRET_KEY = TEST_API_KEY
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


def needles(member) -> list[str]:
    names = [*NAMES.values(), "student-essay"]
    names += [PurePosixPath(name).name for name in member.file_names]
    return names


def leaks(words: list[str]) -> list[str]:
    """Every (table, column, word) where a word is found: every model, every text
    column, case-insensitively."""
    tables = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models():
        if model._meta.proxy or model._meta.db_table not in tables:
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not (
                isinstance(f, models.FileField)
            ):
                continue
            for word in words:
                if model._base_manager.filter(**{f"{f.attname}__icontains": word}).exists():
                    found.append(f"{model._meta.label}.{f.name}: {word}")
    return found


def test_after_erasure_nothing_names_the_member_and_the_books_and_others_work_stay(
    stripe_server, settings, client
):
    member = build_member()  # paid by invoice: Stripe is not set up yet
    stripe_turn_on(settings, stripe_server)
    customer = stripe_gateway.customer_create(
        user_id=member.user.pk, email=NAMES["email"], name="Zephyrine Quillfeather"
    )
    StripeCustomer.objects.create(user=member.user, customer_id=customer)
    stripe_on = stripe_server
    user = member.user
    words = needles(member)
    assert leaks(words), "the set-up must hold the member's names somewhere"
    invoices = list(Invoice.objects.filter(user=user).values_list("pk", "number", "amount"))
    payments = list(
        Payment.objects.filter(order__user=user).values_list("pk", "amount", "currency")
    )
    orders = list(Order.objects.filter(user=user).values_list("pk", "total_amount"))
    given = Review.objects.get(pk=member.review_given_id)
    others_grades = list(
        Grade.objects.exclude(submission__author=user).values_list("pk", "points", "final_percent")
    )
    customer_id = user.stripe_customer.customer_id
    assert invoices and orders and others_grades

    done = erasure_run(member.request.pk)

    assert done.status == ErasureStatus.DONE, done.error
    assert leaks(words) == []
    user = User.objects.get(pk=user.pk)
    assert user.erased_at is not None and not user.is_active
    assert not user.has_usable_password()
    assert str(user) == user.get_display_name() == "a former member"
    assert user.email == f"erased-{user.pk}@invalid"
    # The books stay, with their amounts and numbers, pointing at the former member.
    assert list(Invoice.objects.filter(user=user).values_list("pk", "number", "amount")) == invoices
    assert (
        list(Payment.objects.filter(order__user=user).values_list("pk", "amount", "currency"))
        == payments
    )
    assert list(Order.objects.filter(user=user).values_list("pk", "total_amount")) == orders
    # The review they wrote of a classmate's work stays, with its scores; others' grades too.
    kept = Review.objects.get(pk=given.pk)
    assert kept.scores == given.scores and kept.points == given.points and kept.reviewer == user
    assert (
        list(
            Grade.objects.exclude(submission__author=user).values_list(
                "pk", "points", "final_percent"
            )
        )
        == others_grades
    )
    # A classmate's post that mentioned them now says "a former member".
    assert "a former member" in Post.objects.get(pk=member.mention_post_id).body_source
    # Files are gone from storage; the Stripe customer is gone at Stripe.
    for name in member.file_names:
        assert not storages["default"].exists(name) and not storages["submissions"].exists(name)
    assert customer_id not in stripe_on._store["customer"]
    assert done.counts["stripe_customers"] == 1
    # The member's files and the zip of the export they had (the scene gives them one).
    assert done.counts["files"] == len(member.file_names) + 1
    assert done.counts["accounts"] == 1
    assert done.counts["mentions"] >= 1
    versions = SubmissionVersion.objects.filter(submission__author=user)
    assert set(versions.values_list("text", "link", "file", "file_name")) == {
        ("(erased)", "", "", "")
    }
    # The confirmation went to the address before erasure; its marker keeps no address.
    from django.core import mail

    assert [m.to for m in mail.outbox if "erased" in m.subject] == [[NAMES["email"]]]
    assert SentEmail.objects.get(key=f"erasure-done:{done.pk}").recipient == ""
    assert done.notify_email == "" and done.former_names == []

    # Stripe tells of the member's order after the erasure: handled, no name comes back.
    order = Order.objects.filter(user=user).first()
    session = {
        "id": "cs_after_erasure",
        "object": "checkout.session",
        "metadata": {"order_id": str(order.pk)},
        "customer_details": {"email": NAMES["email"], "name": "Zephyrine Quillfeather"},
    }
    response = deliver(client, stripe_on, "checkout.session.expired", session)
    assert response.status_code == 200
    event = WebhookEvent.objects.get(payload__id__startswith="evt_", order=order)
    assert NAMES["email"] not in json.dumps(event.payload)
    assert leaks(words) == []


def test_running_twice_changes_nothing_and_counts_stay():
    member = build_member()
    first = erasure_run(member.request.pk)
    assert first.status == ErasureStatus.DONE, first.error
    # Stripe was not set up: the customers there are reported, not silently skipped.
    second = erasure_run(member.request.pk)
    assert second.status == ErasureStatus.DONE and second.counts == first.counts
    assert ErasureEvent.objects.filter(request=first, what=ErasureEventKind.DONE).count() == 1


def test_a_step_that_fails_is_recorded_and_the_retry_resumes_without_counting_twice(monkeypatch):
    member = build_member()
    calls = []
    real = erasure_engine.step_account

    def fails_once(request, user):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(request, user)

    monkeypatch.setattr(erasure_engine, "step_account", fails_once)
    failed = erasure_run(member.request.pk)
    assert failed.status == ErasureStatus.FAILED
    assert "database went away" in failed.error and failed.retry_at is not None
    assert "account" not in failed.steps_done and "files" in failed.steps_done
    before = dict(failed.counts)
    assert User.objects.get(pk=member.user.pk).erased_at is None

    done = erasure_run(member.request.pk)  # the retry the worker makes
    assert done.status == ErasureStatus.DONE, done.error
    for kind, n in before.items():
        assert done.counts[kind] == n, kind  # steps done before the failure: not again
    assert done.counts["accounts"] == 1 and done.attempts == 2
    steps = list(
        ErasureEvent.objects.filter(request=done, what=ErasureEventKind.STEP).values_list(
            "step", flat=True
        )
    )
    assert len(steps) == len(set(steps))
    whats = list(ErasureEvent.objects.filter(request=done).values_list("what", flat=True))
    assert whats[:2] == ["requested", "started"] and "failed" in whats and whats[-1] == "done"


def test_the_old_session_api_token_and_calendar_link_stop_working(client):
    member = build_member()
    client.force_login(member.user)
    assert client.get(reverse("privacy:home")).status_code == 200
    headers = {"HTTP_AUTHORIZATION": f"Token {member.api_key}"}
    assert client.get("/api/v1/auth/tokens/", **headers).status_code == 200
    feed = reverse("live:feed", args=[member.feed_token])
    assert client.get(feed).status_code == 200

    run_due_erasures.delay()  # the beat's sweep; tasks run eagerly in tests

    assert ErasureRequest.objects.get(pk=member.request.pk).status == ErasureStatus.DONE
    response = client.get(reverse("privacy:home"))
    assert response.status_code == 302 and "login" in response["Location"]
    client.logout()
    assert client.get("/api/v1/auth/tokens/", **headers).status_code == 401
    assert client.get(feed).status_code == 404
