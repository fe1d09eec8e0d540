"""Input and output shapes of the memberships API. Money is in cents with its currency
code, as everywhere in the API."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lms.api import MAX_ID, MAX_INT32
from memberships import selectors
from memberships.models import (
    BillStatus,
    CancelReason,
    ChangeKind,
    Interval,
    MembershipProvider,
    MembershipStatus,
)
from memberships.services import retention_offer_available

# The changes of plan a member can make (ChangePreview.kind).
PLAN_CHANGES = [
    (k.value, k.label) for k in (ChangeKind.UPGRADED, ChangeKind.DOWNGRADED, ChangeKind.SWITCHED)
]
# Plans in the order a pricing table shows them.
_INTERVAL_ORDER = {interval: i for i, interval in enumerate(Interval.values)}
MAX_COMMENT = 2000

# --- Output -----------------------------------------------------------------------------


class TierRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    slug = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField(help_text="Higher is more: moving up is an upgrade.")


class PlanSerializer(serializers.Serializer):
    """One offered price of a tier."""

    id = serializers.IntegerField(source="pk", help_text="Send as `price` to change to it.")
    interval = serializers.ChoiceField(choices=Interval.choices)
    amount = serializers.IntegerField(help_text="Per interval, in cents.")
    currency = serializers.CharField()
    monthly_amount = serializers.IntegerField(
        help_text="The monthly equivalent in cents; 0 for lifetime (paid once)."
    )


class TierPlanSerializer(PlanSerializer):
    tier = TierRefSerializer()


class CourseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


class BenefitsSerializer(serializers.Serializer):
    library_courses = serializers.SerializerMethodField(
        help_text="Self-paced courses members take at their own pace."
    )
    seat_discount_percent = serializers.IntegerField(
        help_text="Off the price of a seat in a cohort."
    )
    included_seats_per_year = serializers.IntegerField(
        help_text="Cohort seats included per membership year."
    )

    @extend_schema_field(CourseRefSerializer(many=True))
    def get_library_courses(self, tier) -> list:
        # Prefetched with the tier; drafts and unpublished courses are not offered.
        courses = [c for c in tier.library_courses.all() if c.live]
        return CourseRefSerializer(courses, many=True).data


class TierSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tier.pk")
    slug = serializers.CharField(source="tier.slug", help_text="Send as `tier` to join.")
    name = serializers.CharField(source="tier.name")
    level = serializers.IntegerField(source="tier.level")
    description = serializers.CharField(source="tier.description")
    highlights = serializers.ListField(source="tier.highlight_lines", child=serializers.CharField())
    is_free = serializers.BooleanField(help_text="No price: joining costs nothing.")
    plans = serializers.SerializerMethodField(help_text="The offered price per interval.")
    yearly_saving = serializers.IntegerField(
        help_text="What a year costs less paid yearly than monthly, in cents (0: no saving)."
    )
    yearly_saving_percent = serializers.IntegerField()
    trial_days = serializers.IntegerField(
        source="tier.trial_days", help_text="Free trial of recurring plans; 0: none."
    )
    trial_requires_card = serializers.BooleanField(source="tier.trial_requires_card")
    benefits = BenefitsSerializer(source="tier")

    @extend_schema_field(PlanSerializer(many=True))
    def get_plans(self, card) -> list:
        plans = sorted(card.prices.values(), key=lambda p: _INTERVAL_ORDER[p.interval])
        return PlanSerializer(plans, many=True).data


class BillSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=BillStatus.choices)
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    period_start = serializers.DateTimeField(allow_null=True)
    period_end = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(
        help_text="The invoice page; null for invoices sent by email."
    )

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, bill) -> str | None:
        return bill.url or None


class ScheduledChangeSerializer(serializers.Serializer):
    plan = TierPlanSerializer(source="scheduled_price")
    takes_effect = serializers.DateTimeField(
        source="current_period_end", allow_null=True, help_text="The end of the paid period."
    )


class RetentionOfferSerializer(serializers.Serializer):
    percent_off = serializers.IntegerField(source="retention_percent_off")
    months = serializers.IntegerField(source="retention_months")


class MembershipSerializer(serializers.Serializer):
    """A membership with its invoices, read from a ``selectors.Portal``."""

    id = serializers.IntegerField(source="membership.pk")
    status = serializers.ChoiceField(source="membership.status", choices=MembershipStatus.choices)
    status_label = serializers.CharField(source="membership.get_status_display")
    tier = TierRefSerializer(source="membership.tier")
    provider = serializers.ChoiceField(
        source="membership.provider",
        choices=MembershipProvider.choices,
        help_text="`stripe`: card, managed at payment-method/; `manual`: by invoice.",
    )
    interval = serializers.SerializerMethodField(help_text="Null for a free membership.")
    amount = serializers.IntegerField(source="membership.amount", help_text="Per interval.")
    currency = serializers.CharField(source="membership.currency")
    started_at = serializers.DateTimeField(source="membership.started_at", allow_null=True)
    trial_ends_at = serializers.DateTimeField(source="membership.trial_ends_at", allow_null=True)
    paid_until = serializers.DateTimeField(source="membership.current_period_end", allow_null=True)
    next_renewal_at = serializers.SerializerMethodField(
        help_text="When the next payment is due; null when none will be (ending, free, lifetime)."
    )
    next_amount = serializers.SerializerMethodField(help_text="What the next payment will be.")
    cancel_at_period_end = serializers.BooleanField(source="membership.cancel_at_period_end")
    scheduled_change = serializers.SerializerMethodField(
        help_text="A change of plan waiting for the end of the paid period."
    )
    pause_resumes_at = serializers.DateTimeField(
        source="membership.pause_resumes_at", allow_null=True
    )
    ended_at = serializers.DateTimeField(source="membership.ended_at", allow_null=True)
    retention_offer = serializers.SerializerMethodField(
        help_text="Offered once instead of cancelling: accept it at retention/."
    )
    bills = BillSerializer(many=True, help_text="Newest first (24 at most).")

    @extend_schema_field(serializers.ChoiceField(choices=Interval.choices, allow_null=True))
    def get_interval(self, portal) -> str | None:
        return portal.membership.interval or None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_renewal_at(self, portal):
        if not portal.membership.is_live:
            return None
        moment = portal.next_renewal
        return serializers.DateTimeField().to_representation(moment) if moment else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_next_amount(self, portal) -> int | None:
        return portal.next_amount if portal.membership.is_live else None

    @extend_schema_field(ScheduledChangeSerializer(allow_null=True))
    def get_scheduled_change(self, portal) -> dict | None:
        membership = portal.membership
        if membership.scheduled_price_id is None or not membership.is_live:
            return None
        return ScheduledChangeSerializer(membership).data

    @extend_schema_field(RetentionOfferSerializer(allow_null=True))
    def get_retention_offer(self, portal) -> dict | None:
        membership = portal.membership
        if membership.cancel_at_period_end or not retention_offer_available(membership):
            return None
        return RetentionOfferSerializer(membership.tier).data


class PreviousMembershipSerializer(serializers.Serializer):
    tier = TierRefSerializer()
    interval = serializers.SerializerMethodField()
    ended_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=Interval.choices, allow_null=True))
    def get_interval(self, membership) -> str | None:
        return membership.interval or None


class MyMembershipSerializer(serializers.Serializer):
    membership = serializers.SerializerMethodField(help_text="Null: you are not a member.")
    change_options = TierPlanSerializer(
        source="options", many=True, help_text="The plans you may change to."
    )
    previous = PreviousMembershipSerializer(
        source="last_ended",
        allow_null=True,
        help_text="With no membership now: your last one, which rejoin/ joins again.",
    )

    @extend_schema_field(MembershipSerializer(allow_null=True))
    def get_membership(self, portal) -> dict | None:
        return MembershipSerializer(portal).data if portal.membership is not None else None


class JoinedSerializer(serializers.Serializer):
    membership = MembershipSerializer()
    pay_url = serializers.URLField(
        allow_null=True,
        help_text="Stripe Checkout, to pay the first period (or start a trial); null for "
        "free tiers, trials without a card and invoices (sent by email).",
    )


class ChangePreviewSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PLAN_CHANGES)
    plan = TierPlanSerializer(source="price")
    at_once = serializers.BooleanField(
        help_text="Upgrades and longer intervals change now; the others at the end of "
        "the paid period."
    )
    amount_now = serializers.IntegerField(
        help_text="Charged at once, in cents; send it back as `expected_amount`."
    )
    currency = serializers.CharField()
    takes_effect = serializers.DateTimeField()


class ChangedSerializer(serializers.Serializer):
    change = ChangePreviewSerializer()
    membership = MembershipSerializer()


class PortalLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe's page to change the card; valid briefly.")


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    mrr = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Monthly recurring revenue at the month's end per currency, in cents.",
    )
    paying = serializers.IntegerField(help_text="Paying members at the month's end.")
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Changes in the month per kind (joined, upgraded, ended, ...).",
    )
    new = serializers.IntegerField(help_text="Joined or converted from a trial.")
    churn_voluntary = serializers.IntegerField()
    churn_failed = serializers.IntegerField(help_text="Ended after failed payments.")
    trials_ended = serializers.IntegerField(help_text="Trials that ended without paying.")
    conversion_percent = serializers.IntegerField(
        allow_null=True, help_text="Trials converted of those that ended; null: none ended."
    )


class TierFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    members = serializers.IntegerField(help_text="Memberships that have not ended.")
    paying = serializers.IntegerField()
    trialing = serializers.IntegerField()
    mrr = serializers.SerializerMethodField(help_text="In cents.")

    def get_mrr(self, row) -> int:
        return row["mrr"] or 0


class RevenueSerializer(serializers.Serializer):
    months = MonthSerializer(many=True, help_text="Oldest first; the last is this month.")
    by_tier = TierFiguresSerializer(many=True)
    mrr_now = serializers.DictField(child=serializers.IntegerField())
    paying_now = serializers.IntegerField()


class MemberPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="get_display_name")
    email = serializers.EmailField()


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    user = MemberPersonSerializer()
    tier = TierRefSerializer()
    status = serializers.ChoiceField(choices=MembershipStatus.choices)
    provider = serializers.ChoiceField(choices=MembershipProvider.choices)
    interval = serializers.SerializerMethodField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    mrr = serializers.IntegerField(help_text="Its share of monthly recurring revenue now.")
    started_at = serializers.DateTimeField(allow_null=True)
    paid_until = serializers.DateTimeField(source="current_period_end", allow_null=True)
    cancel_at_period_end = serializers.BooleanField()
    ended_at = serializers.DateTimeField(allow_null=True)
    problem = serializers.CharField(help_text="What staff should check; empty if nothing.")

    @extend_schema_field(serializers.ChoiceField(choices=Interval.choices, allow_null=True))
    def get_interval(self, membership) -> str | None:
        return membership.interval or None


class MemberPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="paginator.count")
    page = serializers.IntegerField(source="number")
    pages = serializers.IntegerField(source="paginator.num_pages")
    results = MemberSerializer(source="object_list", many=True)


# --- Input ------------------------------------------------------------------------------


class TextField(serializers.CharField):
    """Words only: a number or a boolean where text belongs is refused, not stringified."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


_PLAN = gettext_lazy("Give the id of one of the plans shown (a whole number).")
_PAGE = gettext_lazy("Give a page number from 1.")
_PER_PAGE = gettext_lazy("Give a page size from 1 to 200.")


def _price_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": _PLAN, "min_value": _PLAN, "max_value": _PLAN},
        **kwargs,
    )


class JoinInputSerializer(serializers.Serializer):
    tier = serializers.SlugField(max_length=80, help_text="The tier's `slug`.")
    interval = serializers.ChoiceField(
        choices=Interval.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="One of the tier's plans; leave out for a free tier.",
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose how often to pay: month, quarter, year or lifetime."
            )
        },
    )
    coupon = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="A code valid for memberships: its discount comes off the first payment.",
    )

    def validate_tier(self, slug: str):
        tier = selectors.tier_get(slug=slug)
        if tier is None:
            raise serializers.ValidationError(
                _("There is no tier “%(slug)s”; choose one of the tiers shown.") % {"slug": slug}
            )
        return tier


class ChangePreviewInputSerializer(serializers.Serializer):
    price = _price_field(help_text="The `id` of a plan from change_options.")

    def validate_price(self, price_id: int):
        price = selectors.price_get(price_id=price_id)
        if price is None:
            raise serializers.ValidationError(_PLAN)
        return price


_AMOUNT = gettext_lazy("Send the amount you were shown (amount_now of the preview) in cents.")


class ChangeInputSerializer(ChangePreviewInputSerializer):
    expected_amount = serializers.IntegerField(
        min_value=0,
        max_value=MAX_INT32,
        help_text="`amount_now` of the preview you confirmed: if the charge changed since, "
        "nothing happens and you hear the new amount (409).",
        error_messages={
            "required": _AMOUNT,
            "null": _AMOUNT,
            "invalid": _AMOUNT,
            "min_value": _AMOUNT,
            "max_value": _AMOUNT,
        },
    )


class PauseInputSerializer(serializers.Serializer):
    months = serializers.IntegerField(help_text="From 1 to the longest pause allowed.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limit is a setting, read when used; the message is the service's own.
        limit = settings.LMS_MEMBERSHIP_MAX_PAUSE_MONTHS
        message = _("A pause lasts 1 to %(max)s months.") % {"max": limit}
        field = self.fields["months"]
        field.min_value, field.max_value = 1, limit
        field.validators += [
            MinValueValidator(1, message=message),
            MaxValueValidator(limit, message=message),
        ]
        for key in ("invalid", "required", "null", "max_string_length"):
            field.error_messages[key] = message


class MembershipCancelInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=CancelReason.choices,
        error_messages={
            "required": gettext_lazy("Choose a reason from the list."),
            "invalid_choice": gettext_lazy("Choose a reason from the list."),
        },
    )
    comment = TextField(
        max_length=MAX_COMMENT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Anything you want to tell us.",
    )


class PaymentMethodInputSerializer(serializers.Serializer):
    return_url = TextField(
        max_length=2048,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where Stripe sends you back: a page of this site; by default your "
        "membership page.",
    )

    def validate_return_url(self, value: str) -> str:
        if not value:
            return value
        request = self.context["request"]
        host = request.get_host()
        if value.startswith("/") and not value.startswith("//"):
            value = f"{request.scheme}://{host}{value}"
        on_site = url_has_allowed_host_and_scheme(
            value, allowed_hosts={host}, require_https=request.is_secure()
        )
        if not on_site or "://" not in value:
            raise serializers.ValidationError(_("Give an address on this site."))
        return value


class RevenueQuerySerializer(serializers.Serializer):
    months = serializers.IntegerField(
        min_value=1,
        max_value=120,
        default=24,
        help_text="How many months back, this one included: 1 to 120.",
        error_messages={
            key: gettext_lazy("Give a number of months from 1 to 120.")
            for key in ("invalid", "min_value", "max_value", "max_string_length")
        },
    )


class MembersQuerySerializer(serializers.Serializer):
    tier = serializers.SlugField(
        max_length=80, required=False, allow_blank=True, default="", help_text="A tier's slug."
    )
    status = serializers.ChoiceField(
        choices=MembershipStatus.choices, required=False, allow_blank=True, default=""
    )
    q = TextField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Part of the member's email address or name.",
    )
    page = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INT32,
        default=1,
        help_text="From 1; past the last page, the last page.",
        error_messages={"invalid": _PAGE, "min_value": _PAGE, "max_value": _PAGE},
    )
    per_page = serializers.IntegerField(
        min_value=1,
        max_value=200,
        default=50,
        help_text="1 to 200; 50 by default.",
        error_messages={"invalid": _PER_PAGE, "min_value": _PER_PAGE, "max_value": _PER_PAGE},
    )

    def validate_tier(self, slug: str):
        if not slug:
            return None
        tier = selectors.tier_get(slug=slug)
        if tier is None:
            raise serializers.ValidationError(
                _("There is no tier “%(slug)s”; choose one of the tiers shown.") % {"slug": slug}
            )
        return tier
