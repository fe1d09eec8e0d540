"""{% plan_amount cents currency interval %}: what a plan costs, said for the reader
("€ 10,00 per month", "€ 300,00 once, for life")."""

from django import template
from django.utils.translation import gettext as _

from lms.templatetags.lms_money import money
from memberships.models import Interval

register = template.Library()


@register.simple_tag
def plan_amount(cents: int, currency: str, interval: str) -> str:
    phrases = {
        Interval.MONTH: _("%(amount)s per month"),
        Interval.QUARTER: _("%(amount)s per quarter"),
        Interval.YEAR: _("%(amount)s per year"),
        Interval.LIFETIME: _("%(amount)s once, for life"),
    }
    return phrases.get(interval, "%(amount)s") % {"amount": money(cents, currency)}
