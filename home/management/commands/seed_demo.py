"""Load the demo (home.demo says what it holds). Demo data only: it refuses to run with
LMS_ENV=production."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cms.models import HomePage
from home import demo


class Command(BaseCommand):
    help = "Load demo data (course, cohorts, users). Refuses to run in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when demo data exists."
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates demo users with known passwords; "
                "it does not run with LMS_ENV=production."
            )
        if HomePage.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data is loaded already.")
                return
            raise CommandError("There is content already; run on an empty database.")
        with transaction.atomic():
            demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo loaded. Log in at /accounts/login/ as:"))
        for name, role in [
            ("student", "a student in week 3 of the running cohort, owing peer reviews"),
            ("instructor", "the instructor of the running cohort (roster, grading queue)"),
            ("mentor", "a mentor in the course's community (endorses answers, pins)"),
            ("designer", "a course designer (Wagtail admin at /admin/)"),
            ("admin", "staff (everything)"),
        ]:
            self.stdout.write(f"  {name:<10} / {demo.DEMO_PASSWORD}   {role}")
