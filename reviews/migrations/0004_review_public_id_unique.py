import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 3 of 3: every row has one; make it required and unique."""

    dependencies = [
        ("reviews", "0003_review_public_id_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="review",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
