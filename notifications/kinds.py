"""How each kind of notification reads: title and body from the stored facts (params),
rendered when shown or emailed, so each recipient gets their own language and zone.
A new kind adds a Kind choice and one function here; its email is
templates/notifications/email/<kind>_{subject,body}.txt when it has one of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.templatetags.lms_money import money
from notifications.models import ConsentList, Kind


def _when(iso: str) -> str:
    moment = timezone.localtime(dt.datetime.fromisoformat(iso))
    return f"{date_format(moment, 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"


def _session_reminder(p: dict) -> tuple[str, str]:
    return (
        _("Starting soon: %(title)s") % {"title": p["title"]},
        _("The live session “%(title)s” (%(cohort)s) starts at %(when)s.")
        % {"title": p["title"], "cohort": p["cohort"], "when": _when(p["starts_at"])},
    )


def _session_changed(p: dict) -> tuple[str, str]:
    if p.get("change") == "cancelled":
        return (
            _("Cancelled: %(title)s") % {"title": p["title"]},
            _("The live session “%(title)s” (%(cohort)s) on %(when)s is cancelled.")
            % {"title": p["title"], "cohort": p["cohort"], "when": _when(p["starts_at"])},
        )
    return (
        _("New time: %(title)s") % {"title": p["title"]},
        _("The live session “%(title)s” (%(cohort)s) has a new time: %(when)s.")
        % {"title": p["title"], "cohort": p["cohort"], "when": _when(p["starts_at"])},
    )


def _module_unlocked(p: dict) -> tuple[str, str]:
    return (
        _("Now open: %(module)s") % {"module": p["module"]},
        _("“%(module)s” of %(cohort)s is open since %(when)s.")
        % {"module": p["module"], "cohort": p["cohort"], "when": _when(p["unlocks_at"])},
    )


def _assignment_due(p: dict) -> tuple[str, str]:
    return (
        _("Due soon: %(assignment)s") % {"assignment": p["assignment"]},
        _("“%(assignment)s” (%(cohort)s) is due at %(when)s and you have not handed it in yet.")
        % {"assignment": p["assignment"], "cohort": p["cohort"], "when": _when(p["due_at"])},
    )


def _reviews_assigned(p: dict) -> tuple[str, str]:
    return (
        _("Peer reviews to write (%(cohort)s)") % {"cohort": p["cohort"]},
        _("You have %(n)s new peer reviews to write for %(cohort)s.")
        % {"n": p.get("count", 1), "cohort": p["cohort"]},
    )


def _feedback_received(p: dict) -> tuple[str, str]:
    return (
        _("Feedback on %(assignment)s") % {"assignment": p["assignment"]},
        _("A review of your work for “%(assignment)s” is in.") % {"assignment": p["assignment"]},
    )


def _grade_released(p: dict) -> tuple[str, str]:
    return (
        _("Your grade for %(assignment)s") % {"assignment": p["assignment"]},
        _("Your work for “%(assignment)s” is graded.") % {"assignment": p["assignment"]},
    )


def _regrade_answered(p: dict) -> tuple[str, str]:
    return (
        _("Your regrade request for %(assignment)s") % {"assignment": p["assignment"]},
        _("An instructor answered your regrade request for “%(assignment)s”.")
        % {"assignment": p["assignment"]},
    )


def _badge_awarded(p: dict) -> tuple[str, str]:
    return (
        _("You earned a badge: %(badge)s") % {"badge": p["badge"]},
        _("You earned the badge “%(badge)s” in %(cohort)s.")
        % {"badge": p["badge"], "cohort": p["cohort"]},
    )


def _waitlist_promoted(p: dict) -> tuple[str, str]:
    return (
        _("A seat is yours: %(course)s, %(cohort)s")
        % {"course": p["course"], "cohort": p["cohort"]},
        _("A seat came free in %(course)s (%(cohort)s) and it is now yours.")
        % {"course": p["course"], "cohort": p["cohort"]},
    )


def _invoice(p: dict) -> tuple[str, str]:
    if not p.get("course"):  # an invoice of its own (a membership), not for a seat
        return (
            _("Invoice %(number)s: %(description)s")
            % {"number": p["invoice_number"], "description": p["description"]},
            _("Invoice %(number)s for %(description)s is due on %(due_on)s.")
            % {
                "number": p["invoice_number"],
                "description": p["description"],
                "due_on": date_format(dt.date.fromisoformat(p["due_on"]), "DATE_FORMAT"),
            },
        )
    return (
        _("Invoice %(number)s: %(course)s")
        % {"number": p["invoice_number"], "course": p["course"]},
        _("Your seat in %(course)s (%(cohort)s) is held until invoice %(number)s is paid.")
        % {"course": p["course"], "cohort": p["cohort"], "number": p["invoice_number"]},
    )


def _receipt(p: dict) -> tuple[str, str]:
    if not p.get("course"):
        return (
            _("Payment received: %(description)s") % {"description": p["description"]},
            _("We received your payment of %(amount)s for %(description)s. Thank you.")
            % {"amount": money(p["amount"], p["currency"]), "description": p["description"]},
        )
    return (
        _("Payment received: %(course)s") % {"course": p["course"]},
        _("We received your payment for %(course)s (%(cohort)s). Your seat is confirmed.")
        % {"course": p["course"], "cohort": p["cohort"]},
    )


def _instalment_failed(p: dict) -> tuple[str, str]:
    return (
        _("Your instalment for %(course)s did not go through") % {"course": p["course"]},
        _(
            "An instalment for %(course)s (%(cohort)s) could not be collected. Please check "
            "your payment method within %(days)s days."
        )
        % {"course": p["course"], "cohort": p["cohort"], "days": p["grace_days"]},
    )


def _access_suspended(p: dict) -> tuple[str, str]:
    return (
        _("Your access to %(course)s is paused") % {"course": p["course"]},
        _("An instalment for %(course)s (%(cohort)s) is still unpaid. Your seat is kept.")
        % {"course": p["course"], "cohort": p["cohort"]},
    )


def _access_restored(p: dict) -> tuple[str, str]:
    return (
        _("Your access to %(course)s is back") % {"course": p["course"]},
        _("The instalment for %(course)s (%(cohort)s) is paid.")
        % {"course": p["course"], "cohort": p["cohort"]},
    )


def _refunded(p: dict) -> tuple[str, str]:
    return (
        _("Refund for %(course)s") % {"course": p["course"]},
        _("We refunded %(amount)s for %(course)s (%(cohort)s).")
        % {
            "amount": money(p["refunded_amount"], p["currency"]),
            "course": p["course"],
            "cohort": p["cohort"],
        },
    )


def _deferral(p: dict) -> tuple[str, str]:
    if p["status"] == "requested":
        return (
            _("We received your request to move your seat"),
            _("You asked to move your seat in %(course)s from %(from)s to %(to)s.")
            % {"course": p["course"], "from": p["from_cohort"], "to": p["to_cohort"]},
        )
    if p["status"] == "approved":
        return (
            _("Your seat has moved to a later cohort"),
            _("Your seat in %(course)s is now in %(to)s.")
            % {"course": p["course"], "to": p["to_cohort"]},
        )
    return (
        _("About your request to move your seat"),
        _("We cannot move your seat to %(to)s.") % {"to": p["to_cohort"]},
    )


def _who(p: dict) -> str:
    return p.get("author") or _("A former member")


def _community_welcome(p: dict) -> tuple[str, str]:
    message = p.get("message") or _(
        "Welcome to %(cohort)s! Introduce yourself to the group: who you are, where you "
        "work and what you hope to get out of the course."
    ) % {"cohort": p["cohort"]}
    return (
        _("Welcome to %(cohort)s: say hello") % {"cohort": p["cohort"]},
        _("%(host)s: %(message)s") % {"host": p.get("host") or _("Your host"), "message": message},
    )


def _community_mention(p: dict) -> tuple[str, str]:
    return (
        _("%(who)s mentioned you in “%(thread)s”") % {"who": _who(p), "thread": p["thread"]},
        _("%(who)s mentioned you in “%(thread)s” (%(space)s, %(cohort)s).")
        % {"who": _who(p), "thread": p["thread"], "space": p["space"], "cohort": p["cohort"]},
    )


def _community_reply(p: dict) -> tuple[str, str]:
    return (
        _("%(who)s replied in “%(thread)s”") % {"who": _who(p), "thread": p["thread"]},
        _("%(who)s replied to your post in “%(thread)s” (%(space)s).")
        % {"who": _who(p), "thread": p["thread"], "space": p["space"]},
    )


def _community_answer(p: dict) -> tuple[str, str]:
    return (
        _("An answer to “%(thread)s”") % {"thread": p["thread"]},
        _("%(who)s answered your question “%(thread)s”.") % {"who": _who(p), "thread": p["thread"]},
    )


def _community_announcement(p: dict) -> tuple[str, str]:
    return (
        _("Announcement: %(thread)s") % {"thread": p["thread"]},
        _("%(who)s posted an announcement to %(cohort)s: “%(thread)s”.")
        % {"who": _who(p), "cohort": p["cohort"], "thread": p["thread"]},
    )


def _community_followed(p: dict) -> tuple[str, str]:
    return (
        _("New in “%(thread)s”") % {"thread": p["thread"]},
        _("%(who)s posted in “%(thread)s”, a thread you follow.")
        % {"who": _who(p), "thread": p["thread"]},
    )


def _membership(p: dict) -> tuple[str, str]:
    # One kind for every notice about a membership; "event" says which, the facts
    # (tier, amount, moments) are rendered in the reader's language and zone.
    facts = {
        "tier": p.get("tier", ""),
        "amount": money(p.get("amount") or 0, p.get("currency") or "EUR"),
        "when": _when(p["when"]) if p.get("when") else "",
    }
    texts = {
        "joined": (_("Welcome to %(tier)s"), _("Your %(tier)s membership has started.")),
        "trial_started": (
            _("Your %(tier)s trial has started"),
            _("Your free trial of %(tier)s runs until %(when)s."),
        ),
        "changed": (
            _("Your membership is now %(tier)s"),
            _("Your membership changed to %(tier)s: %(amount)s per period from now on."),
        ),
        "change_scheduled": (
            _("Your membership changes on %(when)s"),
            _("On %(when)s your membership moves to %(tier)s at %(amount)s."),
        ),
        "price_moved": (
            _("A new price for %(tier)s"),
            _("From %(when)s your %(tier)s membership costs %(amount)s per period."),
        ),
        "paused": (
            _("Your membership is paused"),
            _("No payments until %(when)s; your access stays until your paid period ends."),
        ),
        "pause_ending": (
            _("Your membership resumes on %(when)s"),
            _("Your pause ends on %(when)s and your %(tier)s membership resumes at %(amount)s."),
        ),
        "cancel_requested": (
            _("Your membership ends on %(when)s"),
            _("You keep %(tier)s until %(when)s. You can stay with one click until then."),
        ),
        "ended": (
            _("Your membership has ended"),
            _("Your %(tier)s membership has ended. Your work and progress are kept."),
        ),
        "invoice": (
            _("Invoice for your %(tier)s membership"),
            _("Please pay %(amount)s by %(when)s; your membership page has the details."),
        ),
    }
    title, body = texts.get(p.get("event", ""), texts["changed"])
    return title % facts, body % facts


def _membership_milestone(p: dict) -> tuple[str, str]:
    years = int(p.get("years") or 1)
    return (
        ngettext("%(n)s year a member!", "%(n)s years a member!", years) % {"n": years},
        ngettext(
            "Thank you for %(n)s year in %(tier)s.", "Thank you for %(n)s years in %(tier)s.", years
        )
        % {"n": years, "tier": p.get("tier", "")},
    )


def _payment_failed(p: dict) -> tuple[str, str]:
    return (
        _("Your payment for %(subject)s did not go through") % {"subject": p["subject"]},
        _(
            "A payment for %(subject)s could not be collected. Please check your payment "
            "method within %(days)s days."
        )
        % {"subject": p["subject"], "days": p["grace_days"]},
    )


def _payment_reminder(p: dict) -> tuple[str, str]:
    return (
        _("Reminder: your payment for %(subject)s is still due") % {"subject": p["subject"]},
        _(
            "The payment for %(subject)s is still due. Unless it is made, your access pauses "
            "on %(when)s."
        )
        % {"subject": p["subject"], "when": _when(p["pauses_at"])},
    )


def _payment_access_paused(p: dict) -> tuple[str, str]:
    return (
        _("Your access to %(subject)s is paused") % {"subject": p["subject"]},
        _("The payment for %(subject)s is still due, so your access is paused until it is made.")
        % {"subject": p["subject"]},
    )


def _payment_settled(p: dict) -> tuple[str, str]:
    if p.get("restored"):
        return (
            _("Your access to %(subject)s is back") % {"subject": p["subject"]},
            _("The payment for %(subject)s is in and your access is back.")
            % {"subject": p["subject"]},
        )
    return (
        _("Your payment for %(subject)s is in") % {"subject": p["subject"]},
        _("The payment for %(subject)s that was due is in. Thank you.") % {"subject": p["subject"]},
    )


def _account_inactive(p: dict) -> tuple[str, str]:
    return (
        _("Your account will be erased unless you sign in"),
        _(
            "You have not signed in since %(last)s. To keep no data longer than needed, "
            "we will erase your account and what it holds after %(when)s, unless you sign "
            "in before then. Invoices are kept as the law requires."
        )
        % {"last": p.get("last_seen", ""), "when": _when(p["erase_after"])},
    )


def _erasure_requested(p: dict) -> tuple[str, str]:
    return (
        _("We will erase your account on %(when)s") % {"when": _when(p["runs_at"])},
        _(
            "You asked us to erase your account and your data. We will do it on %(when)s; "
            "until then you can cancel it on your privacy page: %(cancel_url)s"
        )
        % {"when": _when(p["runs_at"]), "cancel_url": p.get("cancel_url", "")},
    )


def _erasure_cancelled(p: dict) -> tuple[str, str]:
    return (
        _("Your erasure is cancelled"),
        _("Your account and your data stay as they are. You can ask again at any time."),
    )


def _erasure_done(p: dict) -> tuple[str, str]:
    return (
        _("Your account is erased"),
        _(
            "We erased your account and your data. Invoices and payments are kept, without "
            "your name, as long as the law requires. This is the last email we send you."
        ),
    )


def _data_export_ready(p: dict) -> tuple[str, str]:
    return (
        _("Your data export is ready"),
        _(
            "The copy of your data you asked for is ready. Download it while signed in "
            "before %(when)s; after that, ask for a new one."
        )
        % {"when": _when(p["expires_at"])},
    )


def _consent_confirm(p: dict) -> tuple[str, str]:
    name = ConsentList(p["list"]).label
    return (
        _("Please confirm: %(list)s") % {"list": name},
        _(
            "You asked to get “%(list)s” by email. Follow the link within %(days)s days to "
            "confirm. If it was not you, ignore this email and nothing changes."
        )
        % {"list": name, "days": p.get("days", 7)},
    )


RENDERERS: dict[str, Callable[[dict], tuple[str, str]]] = {
    Kind.SESSION_REMINDER: _session_reminder,
    Kind.SESSION_CHANGED: _session_changed,
    Kind.MODULE_UNLOCKED: _module_unlocked,
    Kind.ASSIGNMENT_DUE: _assignment_due,
    Kind.REVIEWS_ASSIGNED: _reviews_assigned,
    Kind.FEEDBACK_RECEIVED: _feedback_received,
    Kind.GRADE_RELEASED: _grade_released,
    Kind.REGRADE_ANSWERED: _regrade_answered,
    Kind.BADGE_AWARDED: _badge_awarded,
    Kind.WAITLIST_PROMOTED: _waitlist_promoted,
    Kind.INVOICE: _invoice,
    Kind.RECEIPT: _receipt,
    Kind.INSTALMENT_FAILED: _instalment_failed,
    Kind.ACCESS_SUSPENDED: _access_suspended,
    Kind.ACCESS_RESTORED: _access_restored,
    Kind.REFUNDED: _refunded,
    Kind.DEFERRAL: _deferral,
    Kind.PAYMENT_FAILED: _payment_failed,
    Kind.PAYMENT_REMINDER: _payment_reminder,
    Kind.PAYMENT_ACCESS_PAUSED: _payment_access_paused,
    Kind.PAYMENT_SETTLED: _payment_settled,
    Kind.COMMUNITY_WELCOME: _community_welcome,
    Kind.MEMBERSHIP: _membership,
    Kind.MEMBERSHIP_MILESTONE: _membership_milestone,
    Kind.COMMUNITY_MENTION: _community_mention,
    Kind.COMMUNITY_REPLY: _community_reply,
    Kind.COMMUNITY_ANSWER: _community_answer,
    Kind.COMMUNITY_ANNOUNCEMENT: _community_announcement,
    Kind.COMMUNITY_FOLLOWED: _community_followed,
    Kind.ACCOUNT_INACTIVE: _account_inactive,
    Kind.ERASURE_REQUESTED: _erasure_requested,
    Kind.ERASURE_CANCELLED: _erasure_cancelled,
    Kind.ERASURE_DONE: _erasure_done,
    Kind.DATA_EXPORT_READY: _data_export_ready,
    Kind.CONSENT_CONFIRM: _consent_confirm,
}


def render(kind: str, params: dict) -> tuple[str, str]:
    """Title and body in the active language and zone."""
    try:
        return RENDERERS[kind](params)
    except (KeyError, ValueError):  # facts of an older shape: still show something
        return str(Kind(kind).label) if kind in Kind.values else kind, ""
