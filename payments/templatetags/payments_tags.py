"""{% cohort_offer cohort as offer %}: what a seat costs today, for the catalogue. Uses
the cohort's price as already loaded with it (select_related), so a listing of many
cohorts costs no extra queries."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from payments import pricing, selectors
from payments.models import Provider

register = template.Library()


@register.simple_tag
def cohort_offer(cohort):
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
    return {
        "price": price,
        "quote": today,
        "plan": plan,
        "online": online,
        "refund_policy_ends_at": selectors.refund_policy_ends_at(cohort=cohort),
    }
