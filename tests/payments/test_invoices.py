"""Invoices issued without an order (an app above payments bills a yearly membership):
numbered in the one series, a bank reference of their own, emailed, marked paid by
staff or matched to a transfer (the ``invoice_paid`` signal inside the transaction,
once), voided, and shown to staff without breaking the pages that list orders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lms.errors import Conflict, NotAllowed, ValidationFailed
from notifications.models import Notification
from payments import services, signals
from payments.invoice_numbers import invoice_payment_reference, payment_reference
from payments.models import Coupon, Invoice, OrderStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def member(db):
    return UserFactory(email="member@example.com", first_name="Mo")


def issue(user, amount=12_000, **kwargs) -> Invoice:
    return services.invoice_issue(
        user=user,
        amount=amount,
        currency=kwargs.pop("currency", "EUR"),
        description=kwargs.pop("description", "Premium membership 2027"),
        due_on=kwargs.pop("due_on", dt.date(2027, 2, 1)),
        now=kwargs.pop("now", NOW),
    )


def checks(reference: str) -> bool:
    body = reference[5:]
    return reference.startswith("LMS") and (int(body) * 100 + int(reference[3:5])) % 97 == 1


class Receiver:
    """A stand-in for the memberships app listening to a signal: it writes a row in the
    sender's transaction (or fails, undoing everything)."""

    def __init__(self, signal, fail: bool = False):
        self.calls: list[dict] = []
        self.signal, self.fail = signal, fail

    def __call__(self, sender, **kwargs):
        self.calls.append({"sender": sender, "in_transaction": not transaction.get_autocommit()})
        self.calls[-1].update(kwargs)
        Coupon.objects.create(code=f"RENEWED-{kwargs['invoice_id']}", percent_off=1)
        if self.fail:
            raise RuntimeError("membership could not be renewed")

    def __enter__(self):
        self.signal.connect(self, weak=False)
        return self

    def __exit__(self, *exc):
        self.signal.disconnect(self)


# --- Issued -------------------------------------------------------------------------------


def test_an_invoice_without_an_order_is_numbered_in_the_series_and_emailed(
    member, paid_cohort, django_capture_on_commit_callbacks
):
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    year = timezone.now().year
    assert order.invoice.number == f"{year}-000001" and order.invoice.user == order.user
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(member, now=timezone.now(), due_on=timezone.localdate() + dt.timedelta(7))
    assert invoice.number == f"{year}-000002" and invoice.order is None
    assert invoice.user == member and invoice.description == "Premium membership 2027"
    assert checks(invoice.payment_reference) and checks(order.invoice.payment_reference)
    assert len(invoice.payment_reference) != len(order.invoice.payment_reference)
    email = mail.outbox[-1]
    assert email.subject == f"Invoice {invoice.number}: Premium membership 2027"
    assert invoice.payment_reference in email.body and "€" in email.body
    assert "seat" not in email.body


def test_the_series_goes_on_above_numbers_given_before_it_was_kept(member):
    Invoice.objects.create(
        user=member,
        number="2027-000740",  # an order's id, the way invoices were numbered before
        amount=100,
        currency="EUR",
        due_on=dt.date(2027, 1, 1),
        payment_reference=payment_reference(740),
    )
    assert issue(member).number == "2027-000741"
    assert issue(member).number == "2027-000742"
    assert issue(member, now=NOW.replace(year=2028), due_on=dt.date(2028, 2, 1)).number == (
        "2028-000001"
    )


def test_references_of_orders_and_of_invoices_on_their_own_never_meet():
    orders = {payment_reference(n) for n in range(1, 3000)}
    invoices = {invoice_payment_reference(f"2027-{n:06d}") for n in range(1, 3000)}
    assert not orders & invoices
    assert all(checks(r) for r in invoices)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": 0}, "invoice_amount"),
        ({"currency": "JPY"}, "invoice_currency"),
        ({"description": "  "}, "invoice_description"),
        ({"due_on": dt.date(2027, 1, 14)}, "invoice_due_on"),
    ],
)
def test_an_invoice_that_makes_no_sense_is_refused_and_nothing_is_written(member, changes, code):
    with pytest.raises(ValidationFailed) as refused:
        issue(member, **changes)
    assert refused.value.code == code
    assert not Invoice.objects.exists() and not Notification.objects.exists()


# --- Paid ---------------------------------------------------------------------------------


def test_staff_mark_it_paid_once_and_the_signal_is_sent_inside_the_transaction(
    member, staff, django_capture_on_commit_callbacks
):
    invoice = issue(member)
    with (
        Receiver(signals.invoice_paid) as receiver,
        django_capture_on_commit_callbacks(execute=True),
    ):
        paid = services.invoice_mark_paid(invoice=invoice, by=staff, reference="NL-TRF-9", now=NOW)
        again = services.invoice_mark_paid(invoice=invoice, by=staff, now=NOW)
    assert paid.paid_at == NOW and paid.paid_by == staff and paid.paid_reference == "NL-TRF-9"
    assert again.paid_at == NOW
    assert receiver.calls == [
        {
            "sender": Invoice,
            "in_transaction": True,
            "signal": signals.invoice_paid,
            "invoice_id": invoice.pk,
            "user_id": member.pk,
        }
    ]
    assert mail.outbox[-1].subject == "Payment received: Premium membership 2027"
    assert invoice.history.first().history_user == staff


def test_a_receiver_that_fails_undoes_the_payment(member, staff):
    invoice = issue(member)
    with Receiver(signals.invoice_paid, fail=True), pytest.raises(RuntimeError):
        services.invoice_mark_paid(invoice=invoice, by=staff)
    invoice.refresh_from_db()
    assert invoice.paid_at is None and not Coupon.objects.exists()
    assert not Notification.objects.filter(kind="receipt").exists()


def test_only_staff_mark_invoices_paid_and_void_them(member):
    invoice = issue(member)
    with pytest.raises(NotAllowed):
        services.invoice_mark_paid(invoice=invoice, by=member)
    with pytest.raises(NotAllowed):
        services.invoice_void(invoice=invoice, by=member, reason="x")


def test_a_transfer_is_matched_by_its_reference_and_a_wrong_amount_is_refused(member, staff):
    invoice = issue(member)
    typed = " ".join([invoice.payment_reference[:6], invoice.payment_reference[6:]]).lower()
    with pytest.raises(ValidationFailed) as refused:
        services.invoice_reconcile(reference=typed, amount=11_000, by=staff)
    assert refused.value.code == "amount_mismatch" and refused.value.status_code == 400
    invoice.refresh_from_db()
    assert invoice.paid_at is None
    with Receiver(signals.invoice_paid) as receiver:
        matched = services.invoice_reconcile(reference=typed, amount=12_000, by=staff)
    assert matched.pk == invoice.pk and matched.paid_at is not None
    assert matched.paid_reference == f"transfer-{invoice.number}"
    assert len(receiver.calls) == 1


def test_an_orders_invoice_is_still_matched_to_its_transfer(paid_cohort, staff):
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    with Receiver(signals.invoice_paid) as receiver:
        invoice = services.invoice_reconcile(
            reference=order.invoice.payment_reference, amount=49_500, by=staff
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and invoice.paid_at is not None
    assert receiver.calls == []  # an order's invoice is told through the order


def test_marking_with_an_amount_that_differs_is_refused(member, staff):
    invoice = issue(member)
    with pytest.raises(ValidationFailed):
        services.invoice_mark_paid(invoice=invoice, by=staff, amount=1)
    assert services.invoice_mark_paid(invoice=invoice, by=staff, amount=12_000).paid_at


# --- Voided -------------------------------------------------------------------------------


def test_a_voided_invoice_cannot_be_paid_and_a_paid_one_cannot_be_voided(member, staff):
    invoice = issue(member)
    with pytest.raises(ValidationFailed):
        services.invoice_void(invoice=invoice, by=staff, reason=" ")
    with Receiver(signals.invoice_voided) as receiver:
        voided = services.invoice_void(invoice=invoice, by=staff, reason="joined by mistake")
        services.invoice_void(invoice=invoice, by=staff, reason="again")
    assert voided.voided_by == staff and voided.void_reason == "joined by mistake"
    assert len(receiver.calls) == 1 and receiver.calls[0]["user_id"] == member.pk
    with pytest.raises(Conflict) as refused:
        services.invoice_mark_paid(invoice=invoice, by=staff)
    assert refused.value.code == "invoice_voided"
    paid = issue(member)
    services.invoice_mark_paid(invoice=paid, by=staff)
    with pytest.raises(Conflict) as refused:
        services.invoice_void(invoice=paid, by=staff, reason="too late")
    assert refused.value.code == "invoice_paid"


def test_an_orders_invoice_ends_with_its_order_not_by_voiding(paid_cohort, staff):
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    with pytest.raises(Conflict) as refused:
        services.invoice_void(invoice=order.invoice, by=staff, reason="no")
    assert refused.value.code == "invoice_of_an_order"


# --- Pages --------------------------------------------------------------------------------


def test_staff_pages_list_invoices_without_an_order_and_keep_working(
    client, member, staff, paid_cohort
):
    services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    due = timezone.localdate() + dt.timedelta(days=10)
    open_one = issue(member, now=timezone.now(), due_on=due)
    to_void = issue(member, now=timezone.now(), due_on=due, description="Second year")
    client.force_login(staff)
    overview = client.get(reverse("payments:staff_overview"))
    assert overview.status_code == 200
    html = overview.content.decode()
    assert open_one.number in html and open_one.payment_reference in html
    assert client.get(reverse("payments:staff_cohort", args=[paid_cohort.pk])).status_code == 200
    response = client.post(
        reverse("payments:staff_invoice_mark_paid", args=[open_one.pk]), {"reference": "B-1"}
    )
    assert response.status_code == 302
    open_one.refresh_from_db()
    assert open_one.paid_reference == "B-1" and open_one.paid_by == staff
    response = client.post(
        reverse("payments:staff_invoice_void", args=[to_void.pk]), {"reason": "duplicate"}
    )
    assert response.status_code == 302
    to_void.refresh_from_db()
    assert to_void.voided_at is not None
    assert client.get(reverse("payments:staff_overview")).context["invoices"] == []
    client.force_login(member)
    assert client.get(reverse("payments:portal")).status_code == 200
    assert (
        client.post(reverse("payments:staff_invoice_void", args=[open_one.pk])).status_code == 403
    )


def test_the_members_invoices_are_listed_for_their_page(member, staff):
    first = issue(member)
    voided = issue(member, description="By mistake")
    services.invoice_void(invoice=voided, by=staff, reason="mistake")
    from payments import selectors

    assert selectors.invoices_of(user=member) == [first]
    assert selectors.invoices_of(user=UserFactory()) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_invoices_issued_at_once_get_different_numbers(member):
    from tests.concurrency import race

    results = race([lambda: issue(member) for _ in range(3)])
    assert sorted(r.number for r in results) == ["2027-000001", "2027-000002", "2027-000003"]
