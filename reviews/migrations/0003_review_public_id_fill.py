import uuid

from django.db import migrations


def fill(apps, schema_editor):
    """A random UUID for every existing review, in batches by primary key."""
    Review = apps.get_model("reviews", "Review")
    last = 0
    while True:
        batch = list(
            Review.objects.filter(pk__gt=last, public_id__isnull=True)
            .order_by("pk")
            .only("pk")[:2000]
        )
        if not batch:
            return
        for review in batch:
            review.public_id = uuid.uuid4()
        Review.objects.bulk_update(batch, ["public_id"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    """Step 2 of 3: fill the column."""

    dependencies = [
        ("reviews", "0002_review_public_id_add"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
