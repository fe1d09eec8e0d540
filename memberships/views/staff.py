"""Staff pages: revenue (MRR, members, movements per month, with charts drawn from the
tables and a CSV export), the members list, and moving the members of a retired price
to the current one. Anyone else gets a 404: the pages do not exist for them."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from lms.errors import Conflict
from lms.forms import run_form
from memberships import selectors, services
from memberships.forms import ConfirmForm, MembersFilterForm
from memberships.models import ChangeKind, Currency
from memberships.selectors import MonthFigures, Revenue


def memberships_manager_required(view):
    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.user_can_manage_memberships(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class MonthRow:
    """One month of the revenue table, its MRR in the page's currency order."""

    figures: MonthFigures
    mrr: list[tuple[str, int]]  # (currency, MRR in minor units)

    @property
    def month(self):
        return self.figures.month

    @property
    def upgraded(self) -> int:
        return self.figures.counts.get(ChangeKind.UPGRADED, 0)

    @property
    def downgraded(self) -> int:
        return self.figures.counts.get(ChangeKind.DOWNGRADED, 0)

    @property
    def churned(self) -> int:
        return self.figures.churn_voluntary + self.figures.churn_failed


def _currencies(revenue: Revenue) -> list[str]:
    found = {c for month in revenue.months for c in month.mrr} | set(revenue.mrr_now)
    return sorted(found) or [Currency.EUR.value]


def _rows(revenue: Revenue, currencies: list[str]) -> list[MonthRow]:
    return [
        MonthRow(figures=m, mrr=[(c, m.mrr.get(c, 0)) for c in currencies]) for m in revenue.months
    ]


@memberships_manager_required
def revenue(request: HttpRequest) -> HttpResponse:
    figures = selectors.revenue_get()
    currencies = _currencies(figures)
    return render(
        request,
        "memberships/staff_revenue.html",
        {
            "revenue": figures,
            "currencies": currencies,
            "mrr_now": [(c, figures.mrr_now.get(c, 0)) for c in currencies],
            # The tiers' MRR adds every currency up: shown only while there is one.
            "tier_currency": currencies[0] if len(currencies) == 1 else None,
            "rows": _rows(figures, currencies),
        },
    )


@memberships_manager_required
def revenue_csv(request: HttpRequest) -> HttpResponse:
    """The monthly table as CSV: amounts in currency units with two decimals."""
    figures = selectors.revenue_get()
    currencies = _currencies(figures)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="membership-revenue-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Month"),
            *[_("MRR (%(currency)s)") % {"currency": c} for c in currencies],
            _("Paying members"),
            _("New"),
            _("Upgraded"),
            _("Downgraded"),
            _("Cancelled by the member"),
            _("Ended after failed payment"),
            _("Trial conversion (%)"),
        ]
    )
    for row in _rows(figures, currencies):
        m = row.figures
        writer.writerow(
            [
                m.month.strftime("%Y-%m"),
                *[f"{amount / 100:.2f}" for _currency, amount in row.mrr],
                m.paying,
                m.new,
                row.upgraded,
                row.downgraded,
                m.churn_voluntary,
                m.churn_failed,
                "" if m.conversion_percent is None else m.conversion_percent,
            ]
        )
    return response


@memberships_manager_required
def members(request: HttpRequest) -> HttpResponse:
    form = MembersFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    tier = chosen.get("tier")
    rows = selectors.members_list(
        tier_id=tier.pk if tier else None,
        status=chosen.get("status", ""),
        query=chosen.get("q", "").strip(),
        limit=100,
    )
    return render(
        request,
        "memberships/staff_members.html",
        {
            "form": form,
            "rows": rows,
            "limit": 100,
            "retired": selectors.retired_prices_with_members(),
        },
    )


@memberships_manager_required
@require_http_methods(["GET", "POST"])
def price_move(request: HttpRequest, price_id: int) -> HttpResponse:
    """Confirm, then move every live member of a retired price to the tier's current
    price for the same interval."""
    found = selectors.retired_prices_with_members(price_id=price_id)
    if not found:
        raise Http404
    retired = found[0]
    if retired.current is None:
        raise Conflict(
            _("%(tier)s offers no current price for this interval; add one first.")
            % {"tier": retired.price.tier.name},
            code="no_current_price",
        )
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    run = run_form(
        request,
        form,
        lambda data: services.membership_prices_move(
            old_price=retired.price, new_price=retired.current, by=request.user
        ),
    )
    if run.done:
        messages.success(
            request,
            ngettext(
                "%(n)s member moved to the current price and was emailed.",
                "%(n)s members moved to the current price; each was emailed.",
                run.result,
            )
            % {"n": run.result},
        )
        return redirect("memberships:staff_members")
    return render(
        request,
        "memberships/staff_price_move.html",
        {"retired": retired, "form": form},
        status=run.status,
    )
