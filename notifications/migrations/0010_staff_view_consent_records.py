"""Staff may look up consent records (read-only in the admin): to answer a member's
question or a complaint about list email."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = [("notifications", "view_consentevent")]


def _permissions(apps):
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=a, codename=c) for a, c in STAFF]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="Staff")
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="Staff").first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0009_consent"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
