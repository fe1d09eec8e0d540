"""The two standard groups and what they may do.

"Staff" gets each named staff capability (one permission per capability, so that
``is_staff`` alone grants nothing); "Course designers" may define badges (the badge
snippet) besides writing pages. Existing groups of those names are completed, never
stripped. The lists are spelled out here (not imported) so that this migration keeps
doing what it did when the apps change.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = [
    ("wagtailadmin", "access_admin"),
    ("cohorts", "view_all_rosters"),
    ("payments", "manage_orders"),
    ("live", "manage_sessions"),
    ("badges", "view_badge_stats"),
    ("badges", "manage_awards"),
]
COURSE_DESIGNERS = [
    ("wagtailadmin", "access_admin"),
    ("badges", "add_badgeclass"),
    ("badges", "change_badgeclass"),
    ("badges", "delete_badgeclass"),
    ("badges", "publish_badgeclass"),
    ("badges", "view_badgeclass"),
]
GROUPS = {"Staff": STAFF, "Course designers": COURSE_DESIGNERS}


def _ensure_permissions(apps) -> None:
    # Permissions are normally created after the last migration (post_migrate); these
    # groups need them now, on a fresh database too.
    for label in ("cohorts", "payments", "live", "badges"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    # Wagtail adds "publish" for draftable snippets after migrating, as Django does the
    # model permissions; the same row, made now.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.get_or_create(
        content_type=ContentType.objects.get(app_label="badges", model="badgeclass"),
        codename="publish_badgeclass",
        defaults={"name": "Can publish badge class"},
    )


def _permissions(apps, pairs):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codename in pairs:
        found.append(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return found


def create_groups(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    for name, pairs in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, pairs))


def remove_named_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, pairs in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            names = [p for p in pairs if p[0] != "wagtailadmin"]
            group.permissions.remove(*_permissions(apps, names))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("badges", "0002_named_staff_permissions"),
        ("cohorts", "0004_named_staff_permissions"),
        ("live", "0002_named_staff_permissions"),
        ("payments", "0004_named_staff_permissions"),
    ]

    operations = [migrations.RunPython(create_groups, remove_named_permissions)]
