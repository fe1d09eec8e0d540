"""The demo's people: the four log-ins of the README and the groups that give the
designer and staff their permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from lms.models import User

DEMO_PASSWORD = "demo"  # noqa: S105 - printed for people trying the demo


def user(username, *, name, **flags):
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=DEMO_PASSWORD,
        display_name=name,
        **flags,
    )
    return user


def groups(home: Page):
    designers, _ = Group.objects.get_or_create(name="Course designers")
    designers.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.get_or_create(
            group=designers,
            page=home,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    root_collection = Collection.get_first_root_node()
    for app, codenames in (
        ("wagtailimages", ("add_image", "change_image", "choose_image")),
        ("wagtaildocs", ("add_document", "change_document", "choose_document")),
    ):
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=designers,
                collection=root_collection,
                permission=Permission.objects.get(content_type__app_label=app, codename=codename),
            )
    # Designers define badges (the badge snippet), as the README says.
    designers.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="badges",
            codename__in=[
                f"{action}_badgeclass" for action in ("add", "change", "delete", "publish", "view")
            ],
        )
    )
    staff, _ = Group.objects.get_or_create(name="Staff")
    # The cohort admin's model permissions, and one named permission per staff
    # capability (the same as the badges migration that creates this group).
    staff.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="cohorts"),
        *Permission.objects.filter(content_type__app_label="payments", codename="manage_orders"),
        *Permission.objects.filter(content_type__app_label="live", codename="manage_sessions"),
        *Permission.objects.filter(content_type__app_label="memberships"),
        *Permission.objects.filter(content_type__app_label="privacy"),
        # Interest topics (the cms snippet).
        *Permission.objects.filter(content_type__app_label="cms", codename__endswith="_topic"),
        *Permission.objects.filter(
            content_type__app_label="badges",
            codename__in=["view_badge_stats", "manage_awards"],
        ),
    )
    return designers, staff
