"""Every cohort that existed before the community gets its spaces (new cohorts get
them when they are saved: community.receivers)."""

from django.db import migrations

STANDARD = ("general", "introductions", "announcements")


def create_spaces(apps, schema_editor):
    Cohort = apps.get_model("cohorts", "Cohort")
    Space = apps.get_model("community", "Space")
    ModulePage = apps.get_model("cms", "ModulePage")
    CoursePage = apps.get_model("cms", "CoursePage")
    CourseSpace = apps.get_model("cms", "CourseSpace")
    for cohort in Cohort.objects.all():
        if Space.objects.filter(cohort=cohort).exists():
            continue
        course = CoursePage.objects.get(pk=cohort.course_id)
        for position, kind in enumerate(STANDARD):
            Space.objects.create(
                cohort=cohort,
                kind=kind,
                position=position,
                posting="hosts" if kind == "announcements" else "members",
            )
        modules = ModulePage.objects.filter(
            path__startswith=course.path, depth=course.depth + 1, live=True
        ).order_by("path")
        for index, module in enumerate(modules):
            Space.objects.create(cohort=cohort, kind="module", module_id=module.pk, position=100 + index)
        for index, source in enumerate(CourseSpace.objects.filter(course_id=course.pk).order_by("sort_order")):
            Space.objects.create(
                cohort=cohort,
                kind="course",
                course_space_id=source.pk,
                name=source.name,
                description=source.description,
                posting=source.posting,
                is_qa=source.is_qa,
                position=1000 + index,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_spaces, migrations.RunPython.noop)]
