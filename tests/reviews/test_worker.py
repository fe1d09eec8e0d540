"""The review tick and its emails through a real Celery worker on Redis."""

import pytest

from lms.models import SentEmail
from reviews.models import Review, ReviewKind
from reviews.services import review_submit
from reviews.tasks import review_tick
from tests.reviews.conftest import build_scenario
from tests.worker_support import (
    broker_drained,
    wait_until,
    worker,  # noqa: F401 - the fixture
)

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_tick_allocates_through_the_worker_once_and_mails_each_reviewer_once(worker):  # noqa: F811
    # Module 1 opened 8 days ago; a deadline one day after that has passed.
    scenario = build_scenario(4, due_days=1, review_days=10)

    review_tick.delay()
    assert wait_until(
        lambda: SentEmail.objects.filter(key__startswith="reviews-assigned").count() == 4
    )
    review_tick.delay()  # the beat fires again: nothing new
    assert wait_until(broker_drained)
    assert Review.objects.filter(kind=ReviewKind.PEER).count() == 12
    assert SentEmail.objects.filter(key__startswith="reviews-assigned").count() == 4
    sent = "".join(path.read_text() for path in worker.iterdir())
    assert all(student.email in sent for student in scenario.students)

    review = Review.objects.select_related("rubric", "reviewer").first()
    scores = {c["id"]: {"points": c["levels"][0]["points"]} for c in review.rubric.criteria}
    review_submit(review=review, by=review.reviewer, scores=scores, comment="Clear and short.")
    assert wait_until(lambda: SentEmail.objects.filter(key=f"feedback:{review.pk}").exists())
