"""Invoices name whom they bill (the order's student); instalment plans that were
failing are carried over as open arrears, so the grace period, reminders and paused
access continue where they were: reminders already due are counted as sent (nobody
gets a late batch), access already paused is recorded as paused."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def _reminder_days() -> list[int]:
    raw = str(getattr(settings, "LMS_DUNNING_REMINDER_DAYS", "3,6"))
    return sorted({int(part) for part in raw.split(",") if part.strip().isdigit()})


def forwards(apps, schema_editor):
    Invoice = apps.get_model("payments", "Invoice")
    Order = apps.get_model("payments", "Order")
    Arrears = apps.get_model("payments", "Arrears")
    HistoricalArrears = apps.get_model("payments", "HistoricalArrears")
    for invoice in Invoice.objects.filter(user__isnull=True).select_related("order"):
        invoice.user_id = invoice.order.user_id
        invoice.save(update_fields=["user"])
    now = timezone.now()
    grace = dt.timedelta(days=settings.LMS_PAYMENT_GRACE_DAYS)
    days = _reminder_days()
    failing = Order.objects.filter(status="paid", failing_since__isnull=False).select_related(
        "enrolment"
    )
    for order in failing:
        paused = order.enrolment.status == "suspended"
        arrears = Arrears.objects.create(
            kind="instalment",
            subject_id=order.pk,
            user_id=order.user_id,
            failing_since=order.failing_since,
            reference="",
            reminders_sent=sum(
                1 for d in days if order.failing_since + dt.timedelta(days=d) <= now
            ),
            suspended_at=min(now, order.failing_since + grace) if paused else None,
            created_at=now,
            updated_at=now,
        )
        HistoricalArrears.objects.create(
            id=arrears.pk,
            kind=arrears.kind,
            subject_id=arrears.subject_id,
            user_id=arrears.user_id,
            failing_since=arrears.failing_since,
            reference="",
            reminders_sent=arrears.reminders_sent,
            suspended_at=arrears.suspended_at,
            settled_at=None,
            history_date=now,
            history_type="+",
            history_change_reason="carried over from the order's failing instalment",
        )


def backwards(apps, schema_editor):
    apps.get_model("payments", "Arrears").objects.filter(kind="instalment").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0007_billing_arrears_benefits_coupon_scope"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
