import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cohorts.models import CohortStatus, EnrolmentStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_the_cohort_page_offers_cancelling_and_asks_before_it_cancels(admin_client, enrolment):
    cohort = enrolment.cohort
    cancel_url = reverse("cohort_admin:cancel", args=[cohort.pk])
    edit = admin_client.get(reverse("cohort_admin:edit", args=[cohort.pk]))
    assert cancel_url in edit.content.decode()

    confirm = admin_client.get(cancel_url)
    assert confirm.status_code == 200
    assert "Yes, cancel the cohort" in confirm.content.decode()
    cohort.refresh_from_db()
    assert cohort.status != CohortStatus.CANCELLED  # asking changes nothing

    response = admin_client.post(cancel_url, follow=True)
    assert response.redirect_chain == [(reverse("cohort_admin:edit", args=[cohort.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        f"The cohort “{cohort}” is cancelled."
    ]
    cohort.refresh_from_db()
    enrolment.refresh_from_db()
    assert cohort.status == CohortStatus.CANCELLED
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert (
        cancel_url
        not in admin_client.get(reverse("cohort_admin:edit", args=[cohort.pk])).content.decode()
    )


def test_cancelling_twice_says_so(admin_client, cohort):
    cancel_url = reverse("cohort_admin:cancel", args=[cohort.pk])
    admin_client.post(cancel_url, follow=True)  # the first one, and its message shown
    response = admin_client.post(cancel_url, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["This cohort is cancelled already."]


def test_only_people_who_may_change_cohorts_can_cancel_one(client, cohort):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_cohort"),
    )
    client.force_login(viewer)
    cancel_url = reverse("cohort_admin:cancel", args=[cohort.pk])
    assert client.post(cancel_url).status_code in (302, 403)
    cohort.refresh_from_db()
    assert cohort.status != CohortStatus.CANCELLED
