"""A visitor compares the tiers on a phone, starts a free trial, pays, upgrades, pauses and
cancels (turning down the one-time offer), and has the right access to the library
course at each step: in a real browser, with the invoice provider (no Stripe)."""

import re

import pytest

from cms.models import LessonPage
from cohorts.models import Cohort
from memberships import services
from memberships.models import BillStatus, Membership, MembershipStatus
from payments.services import invoice_mark_paid
from tests.factories import UserFactory, course_page, staff_user
from tests.memberships.conftest import make_tier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pay_open_invoice(member) -> None:
    bill = Membership.objects.get(user=member).bills.filter(status=BillStatus.OPEN).latest("pk")
    invoice_mark_paid(invoice=bill.invoice, by=staff_user())


def test_compare_trial_pay_upgrade_pause_and_cancel_with_access_at_each_step(
    live_server, page, settings
):
    settings.STRIPE_SECRET_KEY = ""
    library = course_page(title="Writing habits", modules=2, lessons=1)
    basic = make_tier(
        "Basic",
        1,
        trial_days=14,
        trial_requires_card=False,
        retention_percent_off=50,
        highlights="The library\nIts community",
    )
    premium = make_tier(
        "Premium", 2, prices=(("month", 6000), ("year", 60000)), retention_percent_off=25
    )
    for tier in (basic, premium):
        tier.library_courses.add(library)
    member = UserFactory(username="member")
    base = live_server.url
    lesson = LessonPage.objects.descendant_of(library).order_by("path").first()

    def lesson_opens() -> bool:
        cohort = Cohort.objects.get(course=library)
        response = page.goto(f"{base}/learn/{cohort.pk}/lessons/{lesson.pk}/")
        return response.status == 200 and "Secret content" in page.inner_text("main")

    # A visitor compares the tiers: yearly saving, trial, what each includes.
    page.goto(f"{base}/memberships/?interval=year")
    main = page.inner_text("main")
    assert "Basic" in main and "Premium" in main
    assert "You save €\xa060.00 a year" in main  # 12 x 30 - 300
    assert "Try it free for 14 days" in main and "Writing habits" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Starts the trial: sign in, confirm, the portal says trial and the library opens.
    page.get_by_role("link", name=re.compile(r"Start free trial\s*: Basic")).click()
    page.fill("input[name=username]", "member")
    page.fill("input[name=password]", "correct horse battery")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert page.url.endswith("/memberships/me/")
    assert "Trial" in page.inner_text("main")
    assert lesson_opens()

    # The first invoice is paid (staff mark the transfer): active, a year paid.
    services.manual_memberships_run()
    pay_open_invoice(member)
    page.goto(f"{base}/memberships/me/")
    assert Membership.objects.get(user=member).status == MembershipStatus.ACTIVE
    assert "Next renewal" in page.inner_text("main")

    # Upgrades: the amount is shown before confirming, the tier changes at once.
    page.get_by_role("link", name=re.compile(r"See what it costs\s*: Premium, Yearly")).click()
    assert "You pay €" in page.inner_text("main")
    page.get_by_role("button", name="Confirm the change").click()
    page.wait_for_load_state()
    assert Membership.objects.get(user=member).tier == premium
    assert "Premium" in page.inner_text("main")
    assert lesson_opens()

    # Pauses for a month: no payments, access kept to the end of the paid period.
    page.goto(f"{base}/memberships/me/")
    page.get_by_role("link", name="Pause").click()
    page.select_option("select[name=months]", "1")
    page.get_by_role("button", name="Pause").click()
    page.wait_for_load_state()
    assert Membership.objects.get(user=member).status == MembershipStatus.PAUSED
    assert "Paused until" in page.inner_text("main") or "Access until" in page.inner_text("main")
    assert lesson_opens()

    # Cancels: a reason, the one-time offer (declined), ends at the period's end.
    page.goto(f"{base}/memberships/me/")
    page.get_by_role("link", name="Cancel membership").click()
    page.get_by_label("It is too expensive").check()
    page.get_by_role("button", name="Cancel my membership").click()
    page.wait_for_load_state()
    assert "Before you go" in page.inner_text("main")  # the offer, once, before anything
    membership = Membership.objects.get(user=member)
    assert membership.cancel_at_period_end is False
    page.get_by_role("button", name="No thanks, cancel").click()
    page.wait_for_load_state()
    membership.refresh_from_db()
    assert membership.cancel_at_period_end and membership.cancel_reason == "too_expensive"
    assert page.get_by_role("button", name="Stay a member").is_visible()
    assert lesson_opens()  # until the paid period ends
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
