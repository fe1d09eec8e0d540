from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 1 of 3: the column, nullable and without an index, so adding it does not
    rewrite or lock the table for long."""

    dependencies = [
        ("reviews", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
    ]
