"""{% cohort_offer cohort user as offer %}: what a seat costs today, for the catalogue.
Uses the cohort's price as already loaded with it (select_related), so a listing of many
cohorts costs no extra queries; with ``user``, and an app offering seat benefits
(payments.hooks), also what this student pays with their benefit."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from payments import hooks, pricing, selectors
from payments.models import Provider

register = template.Library()


@register.simple_tag
def cohort_offer(cohort, user=None):
    try:
        price = cohort.price
    except ObjectDoesNotExist:
        return None
    if price is None or price.amount <= 0:
        return None
    now = timezone.now()
    today = pricing.quote(price=price, now=now)
    online = selectors.payment_provider(price=price) == Provider.STRIPE
    plan = (
        pricing.quote(price=price, now=now, instalments=price.instalments)
        if online and price.instalments > 1
        else None
    )
    benefit = hooks.seat_benefit_offer(user=user, cohort=cohort, now=now)
    with_benefit = pricing.quote(price=price, now=now, benefit=benefit) if benefit else None
    return {
        "price": price,
        "quote": today,
        # The price with the student's seat benefit, when they have one.
        "benefit_quote": with_benefit if with_benefit and with_benefit.benefit else None,
        "plan": plan,
        "online": online,
        "refund_policy_ends_at": selectors.refund_policy_ends_at(cohort=cohort),
    }
