"""No page scrolls sideways on a phone: every page of the site, as each role, in English
and in Dutch, at 390 px wide, on the demo data.

The pages come from the URL resolver, so a new page is either visited here (its
parameters filled from the demo below) or excluded with a reason; one that is neither
fails `test_every_page_is_visited_or_excluded_with_a_reason`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.models import Page, get_page_models

from tests.browser.conftest import CHROMIUM
from tests.factories import tree_root

PHONE = {"width": 390, "height": 844}
LANGUAGES = ("en", "nl")
# Who looks, and the demo user they log in as (password "demo").
ROLES = {"anonymous": None, "student": "student", "instructor": "instructor", "staff": "admin"}

# Django's own machinery and the Wagtail admin's internals are not the site's pages;
# the admin pages staff use most are listed in ADMIN_PAGES instead.
SKIPPED_PREFIXES = ("admin/", "api/")

# Named URLs that are not pages a person reads, each with the reason.
EXCLUDED = {
    "wagtaildocs_serve": "a download (a Wagtail document)",
    "wagtaildocs_authenticate_with_password": "Wagtail's own form; the demo protects nothing",
    "wagtailcore_authenticate_with_password": "Wagtail's own form; the demo protects nothing",
    "wagtailcore_login": "Wagtail's alias of the login page, which is visited",
    "media": "a download (protected media)",
    "logout": "POST only",
    "set_language": "POST only (used to switch language in this test)",
    "cohorts:enrol": "POST only",
    "cohorts:lesson_progress": "POST only",
    "assignments:submit": "POST only",
    "assignments:version_file": "a download (a handed-in file)",
    "reviews:review_file": "a download (the file under review)",
    "reviews:rate": "POST only",
    "reviews:flag": "POST only",
    "reviews:regrade": "POST only",
    "reviews:grade_next": "POST only",
    "reviews:release_item": "POST only",
    "reviews:resolve_item": "POST only",
    "reviews:answer_regrade": "POST only",
    "payments:pay": "POST only",
    "payments:payment_method": "POST only",
    "payments:stripe_webhook": "POST only (Stripe's webhook)",
    "privacy:erasure_request": "POST only (the form is on privacy:home)",
    "privacy:erasure_cancel": "POST only",
    "privacy:staff_erasure_for": "POST only (the form is on privacy:staff_erasures)",
    "privacy:staff_erasure_retry": "POST only",
    "payments:staff_mark_paid": "POST only",
    "payments:staff_deferral_decide": "POST only",
    "payments:staff_invoice_mark_paid": "POST only",
    "payments:staff_invoice_void": "POST only",
    "badges:issuer": "JSON for badge verifiers",
    "badges:badge_class_json": "JSON for badge verifiers",
    "badges:badge_class_image": "an image",
    "badges:assertion_json": "JSON for badge verifiers",
    "badges:award_image": "an image",
    "badges:award_visibility": "POST only",
    "badges:cohort_award": "POST only",
    "badges:award_revoke": "POST only",
    "live:rsvp": "POST only",
    "live:join": "POST only",
    "live:session_ics": "a download (.ics)",
    "live:feed_rotate": "POST only",
    "live:feed": "a calendar feed (.ics)",
    "notifications:mark_read": "POST only",
    "notifications:mark_all_read": "POST only",
    "api_token_revoke": "POST only",
    "api_tokens_revoke_all": "POST only",
    "community:space_read": "POST only",
    "community:thread_reply": "POST only (a refused reply re-renders the thread page)",
    "community:thread_follow": "POST only",
    "community:thread_accept": "POST only",
    "community:thread_lock": "POST only",
    "community:thread_pin": "POST only",
    "community:post_react": "POST only",
    "community:post_hide": "POST only",
    "community:post_restore": "POST only",
    "community:post_endorse": "POST only",
    "community:report_dismiss": "POST only",
    "community:unmute": "POST only",
    "community:image": "an image",
    "memberships:pay": "POST only (goes on to Stripe Checkout)",
    "memberships:payment_method": "POST only (goes on to Stripe's portal)",
    "memberships:retention_accept": "POST only",
    "memberships:keep": "POST only",
    "memberships:rejoin": "POST only",
    "memberships:staff_revenue_csv": "a download (.csv)",
    "portal:photo": "an image (the member's own photo)",
    "privacy:export_request": "POST only",
    "privacy:export_download": "a download (.zip)",
}


def _r(name: str, *args) -> str:
    return reverse(name, args=args)


# Every page visited, by URL name: a function of the demo scene giving the paths to open.
PAGES: dict[str, Callable[[SimpleNamespace], list[str]]] = {
    "signup": lambda s: [_r("signup")],
    "signup_sent": lambda s: [_r("signup_sent")],
    "signup_activate": lambda s: [s.activation_link],
    "preferences": lambda s: [_r("preferences")],
    "portal:hub": lambda s: [_r("portal:hub")],
    "portal:details": lambda s: [_r("portal:details")],
    "cms:interests": lambda s: [_r("cms:interests")],
    "api_tokens": lambda s: [_r("api_tokens")],
    "login": lambda s: [_r("login")],
    "password_change": lambda s: [_r("password_change")],
    "password_change_done": lambda s: [_r("password_change_done")],
    "password_reset": lambda s: [_r("password_reset")],
    "password_reset_done": lambda s: [_r("password_reset_done")],
    "password_reset_confirm": lambda s: [s.reset_link],
    "password_reset_complete": lambda s: [_r("password_reset_complete")],
    "search": lambda s: [_r("search"), _r("search") + "?q=scanning"],
    "cohorts:my_cohorts": lambda s: [_r("cohorts:my_cohorts")],
    "cohorts:dashboard": lambda s: [_r("cohorts:dashboard", c.pk) for c in s.cohorts],
    "cohorts:enrol_check": lambda s: [_r("cohorts:enrol_check", s.upcoming.pk)],
    "cohorts:leave": lambda s: [_r("cohorts:leave", s.upcoming.pk)],
    "cohorts:module": lambda s: [
        _r("cohorts:module", s.running.pk, s.open_module.pk),
        _r("cohorts:module", s.running.pk, s.locked_module.pk),
    ],
    "cohorts:lesson": lambda s: [_r("cohorts:lesson", s.running.pk, s.lesson.pk)],
    "cohorts:roster": lambda s: [_r("cohorts:roster", s.running.pk)],
    "assignments:list": lambda s: [_r("assignments:list", s.running.pk)],
    "assignments:overview": lambda s: [_r("assignments:overview", s.running.pk)],
    "assignments:detail": lambda s: [
        _r("assignments:detail", s.running.pk, a.pk) for a in s.assignments
    ],
    "reviews:my_reviews": lambda s: [_r("reviews:my_reviews", s.running.pk)],
    "reviews:review": lambda s: [_r("reviews:review", s.running.pk, s.review.public_id)],
    "reviews:queue": lambda s: [_r("reviews:queue", s.running.pk)],
    "reviews:grade": lambda s: [_r("reviews:grade", s.running.pk, s.queued_submission.pk)],
    "payments:portal": lambda s: [_r("payments:portal")],
    "payments:order": lambda s: [_r("payments:order", o.pk) for o in s.orders],
    "payments:receipt": lambda s: [_r("payments:receipt", s.paid_order.pk)],
    "payments:invoice": lambda s: [_r("payments:invoice", i.pk) for i in s.invoices],
    "payments:defer": lambda s: [_r("payments:defer", s.upcoming.pk)],
    "payments:staff_overview": lambda s: [_r("payments:staff_overview")],
    "payments:staff_cohort": lambda s: [_r("payments:staff_cohort", c.pk) for c in s.cohorts],
    "payments:staff_refund": lambda s: [_r("payments:staff_refund", s.paid_order.pk)],
    "badges:award": lambda s: [_r("badges:award", s.award.uuid)],
    "badges:mine": lambda s: [_r("badges:mine")],
    "badges:cohort": lambda s: [_r("badges:cohort", s.running.pk)],
    "badges:stats": lambda s: [_r("badges:stats")],
    "live:calendar": lambda s: [_r("live:calendar", s.running.pk)],
    "live:session_new": lambda s: [_r("live:session_new", s.running.pk)],
    "live:series_new": lambda s: [_r("live:series_new", s.running.pk)],
    "live:cohort_attendance": lambda s: [_r("live:cohort_attendance", s.running.pk)],
    "live:session": lambda s: [_r("live:session", x.pk) for x in s.sessions],
    "live:session_edit": lambda s: [_r("live:session_edit", s.sessions[0].pk)],
    "live:session_cancel": lambda s: [_r("live:session_cancel", s.sessions[0].pk)],
    "live:session_attendance": lambda s: [_r("live:session_attendance", s.sessions[-1].pk)],
    "live:my_calendar": lambda s: [_r("live:my_calendar")],
    "notifications:centre": lambda s: [_r("notifications:centre")],
    "notifications:preferences": lambda s: [_r("notifications:preferences")],
    "notifications:consents": lambda s: [_r("notifications:consents")],
    "notifications:consent_confirm": lambda s: [s.consent_confirm_link],
    "notifications:consent_unsubscribe": lambda s: [s.consent_unsubscribe_link],
    "community:index": lambda s: [_r("community:index")],
    "community:home": lambda s: [_r("community:home", s.running.pk)],
    "community:space": lambda s: [_r("community:space", x.pk) for x in s.spaces],
    "community:thread_new": lambda s: [_r("community:thread_new", s.spaces[0].pk)],
    "community:thread": lambda s: [_r("community:thread", s.thread.pk)],
    "community:thread_move": lambda s: [_r("community:thread_move", s.thread.pk)],
    "community:post_edit": lambda s: [_r("community:post_edit", s.post.pk)],
    "community:post_delete": lambda s: [_r("community:post_delete", s.post.pk)],
    "community:post_report": lambda s: [_r("community:post_report", s.post.pk)],
    "community:post_history": lambda s: [_r("community:post_history", s.post.pk)],
    "community:search": lambda s: [_r("community:search", s.running.pk) + "?q=hello"],
    "community:directory": lambda s: [_r("community:directory", s.running.pk)],
    "community:profile": lambda s: [_r("community:profile")],
    "community:guidelines": lambda s: [_r("community:guidelines", s.running.pk)],
    "community:moderation": lambda s: [_r("community:moderation", s.running.pk)],
    "community:mute": lambda s: [_r("community:mute", s.running.pk, s.post.author_id)],
    "community:pulse": lambda s: [_r("community:pulse", s.running.pk)],
    "community:image_upload": lambda s: [_r("community:image_upload", s.running.pk)],
    "memberships:pricing": lambda s: [
        _r("memberships:pricing"),
        _r("memberships:pricing") + "?interval=year",
    ],
    "memberships:join": lambda s: [_r("memberships:join") + f"?tier={s.tier.slug}&interval=year"],
    "memberships:portal": lambda s: [_r("memberships:portal")],
    "privacy:policy": lambda s: [_r("privacy:policy")],
    "privacy:home": lambda s: [_r("privacy:home")],
    "privacy:staff_erasures": lambda s: [_r("privacy:staff_erasures")],
    "privacy:staff_exports": lambda s: [_r("privacy:staff_exports")],
    "privacy:staff_retention": lambda s: [_r("privacy:staff_retention")],
    "memberships:change": lambda s: [_r("memberships:change", s.other_price.pk)],
    "memberships:pause": lambda s: [_r("memberships:pause")],
    "memberships:cancel": lambda s: [_r("memberships:cancel")],
    "memberships:staff_revenue": lambda s: [_r("memberships:staff_revenue")],
    "memberships:staff_members": lambda s: [_r("memberships:staff_members")],
    "memberships:staff_price_move": lambda s: [
        _r("memberships:staff_price_move", s.retired_price.pk)
    ],
    # Wagtail serves the curriculum: one live page of every page type.
    "wagtail_serve": lambda s: s.page_urls,
}

# The Wagtail admin pages staff use most (dashboard, cohorts, prices, coupons, badges,
# topics).
ADMIN_PAGES: Callable[[SimpleNamespace], list[str]] = lambda s: [  # noqa: E731
    _r("wagtailadmin_home"),
    _r("cohort_admin:index"),
    _r("cohort_admin:edit", s.running.pk),
    _r("prices:index"),
    _r("coupons:index"),
    _r("wagtailsnippets_badges_badgeclass:list"),
    _r("wagtailsnippets_cms_topic:list"),
]


def url_names(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(name, route) of every named URL pattern outside the skipped prefixes."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from url_names(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else f"(unnamed) {route}"), route


def demo_scene() -> SimpleNamespace:
    """The demo objects whose ids fill the URL parameters."""
    from badges.models import Award
    from cms.models import AssignmentPage, LessonPage, ModulePage
    from cohorts.models import Cohort
    from live.models import LiveSession
    from lms.models import User
    from lms.services import account_activation_url
    from notifications import services as notification_services
    from notifications.models import Kind, Notification
    from payments.models import Order, OrderStatus
    from reviews.models import QueueItem, Review

    now = timezone.now()
    cohorts = list(Cohort.objects.filter(pace="cohort").order_by("starts_on"))
    running, upcoming = cohorts[0], cohorts[1]
    student = User.objects.get(username="student")
    modules = list(ModulePage.objects.live().child_of(running.course).order_by("path"))
    # A user who never logs in here, so that the reset link stays valid.
    bystander = User.objects.get(username="learner01")
    # Someone who signed up and has not opened the confirmation link yet.
    newcomer = User.objects.create_user(
        "newcomer", email="newcomer@example.org", password="demo", is_active=False
    )
    upcoming_sessions = LiveSession.objects.filter(cohort=running, starts_at__gt=now)
    past_sessions = LiveSession.objects.filter(cohort=running, ends_at__lte=now)
    pages = []
    for model in get_page_models():
        if model is Page:
            continue
        page = model.objects.live().order_by("path").first()
        assert page is not None, f"the demo has no live {model.__name__}: this page is not covered"
        pages.append(page.relative_url(None))
    thread, post, spaces = _community_demo(running, student)
    tier, other_price, retired_price = _memberships_demo(student)
    invoice = _billing_demo(student)
    # A newsletter asked for and not confirmed yet: its link, and a list email's
    # withdraw link.
    notification_services.consent_request(user=bystander, mailing_list="newsletter")
    consent_confirm_link = (
        Notification.objects.filter(user=bystander, kind=Kind.CONSENT_CONFIRM).latest("pk").url
    )
    consent_unsubscribe_link = urlsplit(
        notification_services.consent_unsubscribe_url(
            user_id=bystander.pk, mailing_list="newsletter"
        )
    ).path
    return SimpleNamespace(
        consent_confirm_link=consent_confirm_link,
        consent_unsubscribe_link=consent_unsubscribe_link,
        tier=tier,
        other_price=other_price,
        retired_price=retired_price,
        thread=thread,
        post=post,
        spaces=spaces,
        cohorts=cohorts,
        running=running,
        upcoming=upcoming,
        open_module=modules[0],
        locked_module=modules[-1],
        lesson=LessonPage.objects.live().child_of(modules[0]).first(),
        assignments=list(
            AssignmentPage.objects.live().descendant_of(running.course).order_by("path")[:3]
        ),
        review=Review.objects.filter(reviewer=student).order_by("pk").first(),
        queued_submission=QueueItem.objects.filter(cohort=running).first().submission,
        orders=list(Order.objects.filter(user=student)),
        paid_order=Order.objects.filter(status=OrderStatus.PAID).first(),
        invoices=[invoice],
        award=Award.objects.filter(recipient=student).first(),
        sessions=[upcoming_sessions.order_by("starts_at").first(), past_sessions.last()],
        reset_link=_r(
            "password_reset_confirm",
            urlsafe_base64_encode(force_bytes(bystander.pk)),
            default_token_generator.make_token(bystander),
        ),
        activation_link=urlsplit(account_activation_url(user=newcomer)).path,
        page_urls=pages,
    )


def _billing_demo(student):
    """Long billing details on the student's account and an invoice made out to them."""
    import datetime as dt

    from lms.services import profile_update
    from payments.services import invoice_issue

    profile_update(
        user=student,
        by=student,
        organisation="Stichting Langdurige Professionele Ontwikkeling en Onderwijsvernieuwing",
        street_address="Burgemeester van Nieuwenhuijsenstraat 1234 bis\nGebouw Zuidwesthoek",
        postal_code="1234 AB",
        city="Amsterdam",
        country="NL",
        vat_number="NL123456789B01",
        bio="Teacher of photography and lifelong student of the craft. " * 5,
    )
    return invoice_issue(
        user=student,
        amount=12_000,
        currency="EUR",
        description="Workshop materials",
        due_on=timezone.localdate() + dt.timedelta(days=14),
    )


def _community_demo(running, student):
    """A thread with a long title, a nested reply, a report and an edit in the running
    cohort; its general space, a locked module space if there is one."""
    from community import services
    from community.access import community_member
    from community.models import Post, Space, SpaceKind

    member = community_member(user=student, cohort=running)
    host = community_member(user=running.instructors.order_by("pk").first(), cohort=running)
    spaces = list(Space.objects.filter(cohort=running).order_by("position", "pk"))
    general = next(s for s in spaces if s.kind == SpaceKind.GENERAL)
    thread = services.thread_create(
        member=host,
        space=general,
        title="Hello everyone: a thread with a rather long title to see it wrap on a phone",
        body="Welcome! A long word: Donaudampfschifffahrtsgesellschaftskapitänsmützenband",
    )
    reply = services.reply_create(
        member=member, thread=thread, body="Hello from me, **student**.", accept_guidelines=True
    )
    services.reply_create(member=host, thread=thread, body="Nice to meet you.", parent_id=reply.pk)
    services.post_edit(member=member, post_id=reply.pk, body="Hello from me, student.")
    services.report_create(member=host, post_id=reply.pk, reason="other", note="Just a test")
    # The student's own post: its edit, delete and history pages open for its author.
    return thread, Post.objects.get(pk=reply.pk), spaces


def _memberships_demo(student):
    """Three tiers (free, yearly or monthly, one with a trial); the student a paying
    yearly member by invoice on a price since retired, so that the portal, the change
    page and the move to the current price have something to show."""
    from memberships import services
    from memberships.models import Tier, TierPrice

    Tier.objects.create(
        name="Community", slug="overflow-community", level=101, highlights="Live Q&A each month"
    )
    plus = Tier.objects.create(
        name="Plus with a rather long name",
        slug="overflow-plus",
        level=102,
        seat_discount_percent=20,
        included_seats_per_year=1,
        retention_percent_off=50,
        highlights="Every library course at your own pace\n20% off every cohort seat",
    )
    pro = Tier.objects.create(name="Pro", slug="overflow-pro", level=103, trial_days=14)
    TierPrice.objects.create(tier=plus, interval="month", amount=1500)
    retired = TierPrice.objects.create(tier=plus, interval="year", amount=15000)
    other = TierPrice.objects.create(tier=pro, interval="year", amount=30000)
    TierPrice.objects.create(tier=pro, interval="month", amount=3000)
    membership = services.membership_join(user=student, tier=plus, interval="year")
    services.manual_invoice_paid(invoice=membership.bills.get().invoice)
    TierPrice.objects.filter(pk=retired.pk).update(active=False)
    TierPrice.objects.create(tier=plus, interval="year", amount=16000)
    return pro, other, retired


# Finds what sticks out past the right edge of the viewport. Inside a container that
# scrolls on its own (overflow-x: auto or scroll) nothing counts, bar what escapes it:
# that is the allowed way for a wide table to fit. Of the elements that stick out, those
# named are the ones that widen the document (hiding one makes it narrower), deepest
# first, so that a card widened by a label that does not wrap names the label.
FIND_OVERFLOW = """
() => {
  const limit = window.innerWidth;
  const doc = document.documentElement;
  if (doc.scrollWidth <= limit) return null;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    for (const c of el.classList) s += "." + c;
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ");
    return text ? `${s} "${text.slice(0, 50)}"` : s;
  };
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  // An element's box, or the content spilling out of it (a long word in a paragraph).
  const reach = (el) => {
    const r = el.getBoundingClientRect();
    const spills = getComputedStyle(el).overflowX === "visible";
    return spills ? Math.max(r.right, r.left + el.scrollWidth) : r.right;
  };
  const out = [];
  // Inside a scrolling container only an absolutely positioned element can still widen
  // the page: when its containing block lies outside the scroller.
  const walk = (el, depth, inScroller) => {
    for (const child of el.children) {
      const position = getComputedStyle(child).position;
      if (position === "fixed") continue;
      const counts = !inScroller || position === "absolute";
      if (counts && reach(child) > limit + 0.5) out.push({el: child, depth});
      walk(child, depth + 1, inScroller || scrolls(child));
    }
  };
  walk(document.body, 0, false);
  const before = doc.scrollWidth;
  const causes = [];
  for (const {el} of out.sort((a, b) => b.depth - a.depth)) {
    if (causes.some((c) => el.contains(c.el))) continue;
    const old = el.style.display;
    el.style.display = "none";
    const after = doc.scrollWidth;
    el.style.display = old;
    if (after < before) causes.push({el, reach: Math.round(reach(el))});
  }
  const named = (causes.length ? causes : out.map(({el}) => ({el, reach: Math.round(reach(el))})))
    .slice(0, 4)
    .map(({el, reach}) => {
      const parent = el.parentElement ? describe(el.parentElement).split(" ")[0] : "";
      return `${describe(el)} in ${parent} reaches ${reach}px`;
    });
  return {width: before, limit, named};
}
"""


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}{reverse('login')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.locator("main form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    assert not page.url.endswith(reverse("login")), f"{username} could not log in"


def switch_language(page, base: str, language: str) -> None:
    """As a person does: the language form in the footer of any page."""
    page.goto(f"{base}/")
    page.select_option("#site-language", language)
    page.locator(".lang-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language


def overflow_report(browser, base: str, scene: SimpleNamespace) -> tuple[list[str], int]:
    """Open every page as every role in every language; return what overflowed and the
    number of page visits."""
    site_pages = [path for fill in PAGES.values() for path in fill(scene)]
    failures: list[str] = []
    visits = 0
    for role, username in ROLES.items():
        paths = site_pages + (ADMIN_PAGES(scene) if role == "staff" else [])
        for language in LANGUAGES:
            context = browser.new_context(
                viewport=PHONE, locale="en-GB", timezone_id="Europe/Amsterdam"
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            if username:
                login(page, base, username)
            switch_language(page, base, language)
            for path in paths:
                response = page.goto(f"{base}{path}")
                visits += 1
                where = f"{role}, {language}, {path}"
                if response is None or response.status >= 500:
                    failures.append(f"{where}: server error")
                    continue
                found = page.evaluate(FIND_OVERFLOW)
                if found:
                    failures.append(
                        f"{where}: {found['width']}px wide at {found['limit']}px: "
                        + "; ".join(found["named"])
                    )
            context.close()
    return failures, visits


def test_every_page_is_visited_or_excluded_with_a_reason():
    names = {name for name, _ in url_names()}
    not_covered = sorted(names - PAGES.keys() - EXCLUDED.keys())
    assert not not_covered, (
        "pages not covered by the overflow test: add each to PAGES (with its parameters "
        f"from the demo) or to EXCLUDED (with the reason): {not_covered}"
    )
    gone = sorted((PAGES.keys() | EXCLUDED.keys()) - names)
    assert not gone, f"PAGES/EXCLUDED name URLs that no longer exist: {gone}"
    assert not PAGES.keys() & EXCLUDED.keys()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_scrolls_sideways_on_a_phone_for_any_role_in_english_or_dutch(
    live_server, browser, capsys
):
    # An earlier transactional test flushed the rows Wagtail's migrations made.
    if Page.get_first_root_node() is None:
        tree_root()
    call_command("seed_demo")
    started = time.monotonic()
    failures, visits = overflow_report(browser, live_server.url, demo_scene())
    with capsys.disabled():
        print(f"\n{visits} page visits in {time.monotonic() - started:.0f} s ({CHROMIUM})")
    assert not failures, "pages wider than a 390 px phone:\n" + "\n".join(failures)
