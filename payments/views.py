"""Payment pages: the order (pay, wait for confirmation, invoice, receipt), the member
portal, deferral requests, the Stripe webhook, and the staff overview per cohort. Thin:
check access, call one selector or service, render."""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from lms.errors import NotAllowed, ValidationFailed
from lms.links import absolute_url, base_url
from payments import selectors, services, stripe_gateway, webhooks
from payments.forms import DeferralForm, MarkPaidForm, RefundForm
from payments.models import OrderStatus

log = logging.getLogger(__name__)


def orders_manager_required(view):
    """Staff who manage orders only: others signed in get a 403 page with the reason."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.user_can_manage_orders(request.user):
            raise NotAllowed(_("Only staff see payments of others."), code="not_staff")
        return view(request, *args, **kwargs)

    return wrapped


def _base_url(request: HttpRequest) -> str:
    return base_url(request)


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """The member portal: every order, what is due next, invoices and receipts."""
    return render(
        request,
        "payments/portal.html",
        {"portal": selectors.member_portal_get(user=request.user, now=timezone.now())},
    )


@login_required
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    """One order. Back from Stripe, it says honestly whether the payment is confirmed:
    only the webhook confirms it, the redirect does not."""
    view = selectors.order_view_get(order_id=order_id, user=request.user, now=timezone.now())
    return render(
        request,
        "payments/order.html",
        {
            "view": view,
            "back_from_checkout": request.GET.get("paid") == "1",
            "cancelled_checkout": request.GET.get("cancelled") == "1",
        },
    )


@login_required
def invoice(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """An invoice to read, print or save as PDF: whom it bills, as when it was issued."""
    return render(
        request,
        "payments/invoice.html",
        {
            "invoice": selectors.invoice_get(invoice_id=invoice_id, user=request.user),
            "payee": settings.LMS_INVOICE_PAYEE,
            "iban": settings.LMS_INVOICE_IBAN,
        },
    )


@login_required
@require_POST
def pay(request: HttpRequest, order_id: int) -> HttpResponse:
    view = selectors.order_view_get(order_id=order_id, user=request.user, now=timezone.now())
    return redirect(services.checkout_start(order=view.order, base_url=_base_url(request)))


@login_required
def receipt(request: HttpRequest, order_id: int) -> HttpResponse:
    view = selectors.order_view_get(order_id=order_id, user=request.user, now=timezone.now())
    return render(request, "payments/receipt.html", {"view": view})


@login_required
@require_POST
def manage_payment_method(request: HttpRequest) -> HttpResponse:
    return_url = absolute_url(reverse("payments:portal"), request)
    return redirect(services.portal_url(user=request.user, return_url=return_url))


@login_required
@require_http_methods(["GET", "POST"])
def deferral_request(request: HttpRequest, cohort_id: int) -> HttpResponse:
    enrolment, later = selectors.deferral_options(user=request.user, cohort_id=cohort_id)
    form = DeferralForm(request.POST or None, cohorts=later)
    if request.method == "POST" and form.is_valid():
        services.deferral_request(
            enrolment=enrolment,
            to_cohort=form.cleaned_data["to_cohort"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
        messages.success(request, _("Your request is with the team; you will get an email."))
        return redirect("payments:portal")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "payments/deferral.html",
        {"enrolment": enrolment, "form": form, "later": later},
        status=status,
    )


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events. A bad or missing signature gets 400 and changes nothing; a
    duplicate gets 200 and changes nothing; an event we do not handle gets 200."""
    if not settings.STRIPE_WEBHOOK_SECRET.strip():
        # Never accept an event that nobody could have signed.
        return HttpResponseBadRequest(
            "No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET); no event is accepted."
        )
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return HttpResponseBadRequest("Missing Stripe-Signature header.")
    try:
        event = stripe_gateway.webhook_event_parse(request.body, signature)
    except ValueError:
        return HttpResponseBadRequest("Invalid signature or payload.")
    problem = webhooks.event_problem(event)
    if problem is not None:
        log.warning("stripe event refused: %s", problem)
        return HttpResponseBadRequest(problem)
    outcome = webhooks.stripe_event_receive(event=event)
    log.info("stripe event %s %s: %s", event.get("type"), event["id"], outcome)
    return JsonResponse({"received": True, "outcome": outcome})


# --- Staff -----------------------------------------------------------------------------


@orders_manager_required
def staff_overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/staff_overview.html",
        {
            "rows": selectors.revenue_by_cohort(),
            "deferrals": selectors.deferrals_open(),
            "problems": selectors.orders_with_payment_problems(),
            "invoices": selectors.invoices_open_on_their_own(),
        },
    )


@orders_manager_required
def staff_cohort(request: HttpRequest, cohort_id: int) -> HttpResponse:
    return render(
        request,
        "payments/staff_cohort.html",
        selectors.cohort_payments_get(cohort_id=cohort_id, now=timezone.now()),
    )


@orders_manager_required
@require_http_methods(["GET", "POST"])
def staff_refund(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_for_staff(order_id=order_id)
    refundable = selectors.money_received(order=order) - order.refunded_amount
    form = RefundForm(request.POST or None, order=order, refundable=refundable)
    if request.method == "POST" and form.is_valid():
        services.order_refund(
            order=order,
            by=request.user,
            reason=form.cleaned_data["reason"],
            amount=form.cleaned_data["amount"],
            outside_policy=form.cleaned_data["outside_policy"],
            end_enrolment=form.cleaned_data["end_enrolment"],
        )
        order.refresh_from_db()
        if form.cleaned_data["end_enrolment"] or order.status == OrderStatus.REFUNDED:
            messages.success(request, _("Refunded; the seat was released."))
        else:
            messages.success(request, _("Refunded in part; the student keeps the seat."))
        return redirect("payments:staff_cohort", cohort_id=order.enrolment.cohort_id)
    return render(
        request,
        "payments/staff_refund.html",
        {
            "order": order,
            "form": form,
            "refundable": refundable,
            "policy_ends_at": selectors.refund_policy_ends_at(cohort=order.enrolment.cohort),
        },
        status=400 if request.method == "POST" else 200,
    )


@orders_manager_required
@require_POST
def staff_mark_paid(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_for_staff(order_id=order_id)
    form = MarkPaidForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("Give the bank reference of the transfer, or leave it empty."))
    services.order_mark_paid(order=order, by=request.user, reference=form.cleaned_data["reference"])
    messages.success(request, _("Marked paid; the student's seat is confirmed."))
    return redirect("payments:staff_cohort", cohort_id=order.enrolment.cohort_id)


@orders_manager_required
@require_POST
def staff_invoice_mark_paid(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """An invoice issued on its own (no order) was paid by transfer."""
    invoice = selectors.invoice_for_staff(invoice_id=invoice_id)
    form = MarkPaidForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("Give the bank reference of the transfer, or leave it empty."))
    services.invoice_mark_paid(
        invoice=invoice, by=request.user, reference=form.cleaned_data["reference"]
    )
    messages.success(request, _("Invoice %(number)s marked paid.") % {"number": invoice.number})
    return redirect("payments:staff_overview")


@orders_manager_required
@require_POST
def staff_invoice_void(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_for_staff(invoice_id=invoice_id)
    services.invoice_void(invoice=invoice, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Invoice %(number)s voided.") % {"number": invoice.number})
    return redirect("payments:staff_overview")


@orders_manager_required
@require_POST
def staff_deferral_decide(request: HttpRequest, deferral_id: int) -> HttpResponse:
    deferral = selectors.deferral_for_staff(deferral_id=deferral_id)
    services.deferral_decide(
        deferral=deferral,
        approve=request.POST.get("decision") == "approve",
        answer=request.POST.get("answer", ""),
        by=request.user,
    )
    messages.success(request, _("The student has been told."))
    return redirect("payments:staff_overview")
