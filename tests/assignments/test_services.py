"""Hand-ins: what is accepted, what is refused with a clear error and nothing stored,
versions, lateness and the penalty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assignments.models import Submission, SubmissionVersion
from assignments.services import rubric_snapshot, submission_submit
from cms.models import ModulePage
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, assignment_page
from tests.reviews.conftest import build_scenario


@pytest.fixture
def scenario(db):
    return build_scenario(3, submit=False, accepts_file=True, accepts_link=True)


def _stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_student_hands_in_and_revises_until_the_deadline_keeping_every_version(scenario):
    student = scenario.students[0]
    first = scenario.submit(student, at=scenario.due_at - dt.timedelta(days=1), text="Draft")
    second = scenario.submit(student, at=scenario.due_at - dt.timedelta(minutes=1), text="Final")
    assert (first.number, second.number) == (1, 2)
    submission = scenario.submission_of(student)
    assert submission.version_count == 2
    assert list(submission.versions.values_list("text", flat=True)) == ["Draft", "Final"]
    assert submission.history.count() == 2
    assert not submission.is_late


def test_a_revision_after_the_deadline_is_refused_and_the_last_version_counts(scenario):
    student = scenario.students[0]
    scenario.submit(student)
    with pytest.raises(Conflict) as exc:
        scenario.submit(student, at=scenario.due_at, text="Too late")
    assert exc.value.code == "revisions_closed"
    assert SubmissionVersion.objects.count() == 1


def test_late_work_is_accepted_until_the_cutoff_with_the_penalty_per_started_day(scenario):
    student = scenario.students[0]
    scenario.submit(student, at=scenario.due_at + dt.timedelta(days=1, hours=2))
    submission = scenario.submission_of(student)
    assert submission.is_late and submission.late_days == 2


def test_late_work_after_the_cutoff_is_refused(scenario):
    cutoff = scenario.slot.deadlines.cutoff_at
    with pytest.raises(Conflict) as exc:
        scenario.submit(scenario.students[0], at=cutoff)
    assert exc.value.code == "assignment_closed"
    assert not Submission.objects.exists()


def test_late_work_is_refused_at_the_deadline_when_the_policy_says_so(db):
    scenario = build_scenario(2, submit=False, late_policy="refuse")
    with pytest.raises(Conflict, match="late work is not accepted"):
        scenario.submit(scenario.students[0], at=scenario.due_at)


def test_a_locked_assignment_takes_nothing(db):
    scenario = build_scenario(2, submit=False)
    module_3 = ModulePage.objects.get(path__startswith=scenario.cohort.course.path, slug="module-3")
    locked = assignment_page(module_3)
    with pytest.raises(Conflict) as exc:
        submission_submit(
            cohort=scenario.cohort,
            assignment_id=locked.pk,
            author=scenario.students[0],
            text="Early",
        )
    assert exc.value.code == "assignment_locked"
    assert not Submission.objects.exists()


def test_another_cohorts_assignment_is_not_found_for_the_student(scenario):
    other = CohortFactory()
    stranger = EnrolmentFactory(cohort=other).user
    with pytest.raises(NotFound):
        scenario.submit(stranger)
    outsider_cohort_assignment = build_scenario(1, submit=False)
    with pytest.raises(NotFound):
        submission_submit(
            cohort=scenario.cohort,
            assignment_id=outsider_cohort_assignment.assignment.pk,
            author=scenario.students[0],
            text="Wrong course",
        )


def test_an_instructor_cannot_hand_in(scenario):
    with pytest.raises(NotAllowed):
        scenario.submit(scenario.instructor)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": "   "}, "empty_submission"),
        ({"link": "ftp://example.org/essay"}, "invalid_link"),
        ({"link": "javascript:alert(1)"}, "invalid_link"),
        ({"file": SimpleUploadedFile("essay.exe", b"MZ")}, "file_type_refused"),
        ({"file": SimpleUploadedFile("essay.pdf", b"")}, "empty_file"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(scenario, submissions_dir, fields, code):
    with pytest.raises(ValidationFailed) as exc:
        submission_submit(
            cohort=scenario.cohort,
            assignment_id=scenario.assignment.pk,
            author=scenario.students[0],
            now=scenario.due_at - dt.timedelta(hours=1),
            **fields,
        )
    assert exc.value.code == code
    assert not Submission.objects.exists()
    assert _stored_files(submissions_dir) == []


def test_a_file_over_the_limit_is_refused(scenario, settings, submissions_dir):
    settings.LMS_SUBMISSION_MAX_BYTES = 10
    with pytest.raises(ValidationFailed, match="limit") as exc:
        submission_submit(
            cohort=scenario.cohort,
            assignment_id=scenario.assignment.pk,
            author=scenario.students[0],
            file=SimpleUploadedFile("essay.pdf", b"%PDF-" + b"x" * 20),
            now=scenario.due_at - dt.timedelta(hours=1),
        )
    assert exc.value.code == "file_too_large"
    assert _stored_files(submissions_dir) == []


def test_a_kind_the_assignment_does_not_take_is_refused(db):
    scenario = build_scenario(1, submit=False)  # text only
    with pytest.raises(ValidationFailed, match="does not take links"):
        submission_submit(
            cohort=scenario.cohort,
            assignment_id=scenario.assignment.pk,
            author=scenario.students[0],
            link="https://example.org",
            now=scenario.due_at - dt.timedelta(hours=1),
        )


def test_a_file_is_stored_under_a_random_name_outside_public_media(scenario, submissions_dir):
    version = submission_submit(
        cohort=scenario.cohort,
        assignment_id=scenario.assignment.pk,
        author=scenario.students[0],
        file=SimpleUploadedFile("Jane Doe essay.pdf", b"%PDF-1.4 content"),
        now=scenario.due_at - dt.timedelta(hours=1),
    )
    assert version.file_name == "Jane Doe essay.pdf"
    assert "Jane" not in version.file.name and "essay" not in version.file.name
    assert version.file_size == len(b"%PDF-1.4 content")
    assert len(_stored_files(submissions_dir)) == 1


def test_a_failed_write_after_the_file_is_stored_removes_the_file(
    scenario, submissions_dir, monkeypatch
):
    from assignments import services

    scenario.submit(scenario.students[1])
    from reviews.services import peer_reviews_allocate

    peer_reviews_allocate(run=scenario.run, now=scenario.due_at)

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("reviews.services.late_submission_allocate", boom)
    with pytest.raises(RuntimeError):
        services.submission_submit(
            cohort=scenario.cohort,
            assignment_id=scenario.assignment.pk,
            author=scenario.students[0],
            file=SimpleUploadedFile("late.pdf", b"%PDF-1.4"),
            now=scenario.due_at + dt.timedelta(hours=1),
        )
    assert _stored_files(submissions_dir) == []


def test_rubric_snapshots_are_shared_until_the_rubric_changes(scenario):
    first = rubric_snapshot(assignment=scenario.assignment)
    assert rubric_snapshot(assignment=scenario.assignment) == first
    assert first.max_points == 6
    page = scenario.assignment
    page.rubric[0].value["title"] = "Reasoning"
    page.save_revision().publish()
    page.refresh_from_db()
    second = rubric_snapshot(assignment=page)
    assert second != first
    assert second.criteria[0]["id"] == first.criteria[0]["id"]
    first.refresh_from_db()
    assert first.criteria[0]["title"] == "Argument"


def test_a_waitlisted_student_cannot_hand_in(scenario):
    user = UserFactory()
    EnrolmentFactory(cohort=scenario.cohort, user=user, status="waitlisted")
    with pytest.raises(NotAllowed):
        scenario.submit(user)
