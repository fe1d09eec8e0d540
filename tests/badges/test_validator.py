"""The 1EdTech Open Badges validator (openbadges-validator-core) accepts what the app
publishes: the hosted assertion by its URL and the baked images, fetching every linked
document from the running app. Needs `make validator` (its own virtualenv)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from badges import openbadges, services
from tests.badges.factories import SVG, png_upload
from tests.conftest import validator_python
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

pytestmark = [pytest.mark.validator, pytest.mark.django_db(transaction=True)]

RUNNER = Path(__file__).with_name("ob_validate.py")


def validate(target: str, email: str | None = None) -> dict:
    args = [validator_python(), str(RUNNER), target, *([email] if email else [])]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _errors(result: dict) -> list[str]:
    return [
        f"{m.get('name')}: {m.get('result')}"
        for m in result["report"]["messages"]
        if m.get("messageLevel") == "ERROR"
    ]


@pytest.fixture
def published(live_server, settings):
    settings.LMS_BASE_URL = live_server.url
    course = course_page(modules=1, lessons=1)
    cohort = CohortFactory(course=course)
    instructor = UserFactory()
    cohort.instructors.add(instructor)
    student = EnrolmentFactory(cohort=cohort).user

    def award(image):
        badge = services.badge_class_create(
            course=course,
            name="Helpful peer",
            description="Helped others in the cohort.",
            image=image,
            criteria_narrative="Answer questions of fellow students.",
        )
        return services.award_grant(
            badge_class=badge, recipient=student, cohort=cohort, by=instructor, note="Thanks!"
        )

    return {"award": award, "student": student, "instructor": instructor}


def test_the_validator_accepts_the_hosted_assertion_and_matches_the_recipient(published):
    award = published["award"](png_upload())
    result = validate(openbadges.assertion_url(award), published["student"].email)
    assert _errors(result) == []
    assert result["report"]["valid"] is True
    types = {node.get("type") for node in result["graph"]}
    assert {"Assertion", "BadgeClass", "Issuer"} <= types
    # The hashed identity matches the student's email, and no other.
    stranger = validate(openbadges.assertion_url(award), "someone.else@example.org")
    assert stranger["report"]["valid"] is False


def test_the_validator_accepts_the_baked_png_and_svg(published, client, tmp_path):
    for image, extension in (
        (png_upload(), "png"),
        (SimpleUploadedFile("b.svg", SVG, content_type="image/svg+xml"), "svg"),
    ):
        award = published["award"](image)
        client.force_login(published["student"])
        baked = client.get(f"/badges/assertions/{award.uuid}/image")
        assert baked.status_code == 200
        path = tmp_path / f"baked.{extension}"
        path.write_bytes(baked.content)
        result = validate(str(path), published["student"].email)
        assert _errors(result) == [], extension
        assert result["report"]["valid"] is True
        services.award_revoke(award=award, by=published["instructor"], reason="next format")


def test_the_validator_refuses_a_revoked_assertion(published):
    """The validator has no hosted-revocation check of its own; the 410 answer with
    ``revoked: true`` (tests/badges/test_openbadges.py) makes it refuse the badge."""
    award = published["award"](png_upload())
    services.award_revoke(award=award, by=published["instructor"], reason="Copied work.")
    result = validate(openbadges.assertion_url(award))
    assert result["report"]["valid"] is False
    assert result["report"]["errorCount"] >= 1
