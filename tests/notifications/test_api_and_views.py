import pytest

from notifications import services
from notifications.models import Delivery, Kind, Notification, Preference, default_delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _make(user, key="k"):
    services.notify(
        kind=Kind.GRADE_RELEASED,
        key=key,
        users=[user.pk],
        params={"assignment": "Essay"},
        url="/learn/",
    )
    return Notification.objects.get(user=user, key=key)


def test_list_and_mark_read_through_the_api(api, student):
    first, _second = _make(student, "a"), _make(student, "b")
    api.force_authenticate(student)
    body = api.get("/api/v1/notifications/").json()
    assert body["unread_count"] == 2
    assert body["results"][0]["title"] == "Your grade for Essay"
    assert api.post(f"/api/v1/notifications/{first.pk}/read/").json() == {"unread_count": 1}
    assert len(api.get("/api/v1/notifications/?unread=1").json()["results"]) == 1
    assert api.post("/api/v1/notifications/read-all/").json() == {"unread_count": 0}


def test_someone_elses_notification_is_404(api, student):
    note = _make(student)
    api.force_authenticate(UserFactory())
    assert api.post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    assert api.post(f"/api/v1/notifications/{10**30}/read/").status_code == 404


def test_preferences_through_the_api(api, student):
    api.force_authenticate(student)
    rows = api.get("/api/v1/notifications/preferences/").json()
    assert {r["kind"] for r in rows} == set(Kind.values)
    # Unchosen kinds show their default: immediately, or the digest for busy ones.
    assert {r["kind"]: r["delivery"] for r in rows} == {
        kind: default_delivery(kind) for kind in Kind.values
    }
    assert {r["delivery"] for r in rows} == {"immediately", "digest"}
    response = api.put(
        "/api/v1/notifications/preferences/",
        [{"kind": "grade_released", "delivery": "digest"}],
        format="json",
    )
    assert response.status_code == 200
    assert Preference.objects.get(user=student).delivery == Delivery.DIGEST
    bad = api.put(
        "/api/v1/notifications/preferences/",
        [{"kind": "grade_released", "delivery": "hourly"}],
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"


def test_the_header_shows_the_unread_count_and_the_centre_marks_read(client, student):
    note = _make(student)
    client.force_login(student)
    page = client.get("/notifications/").content.decode()
    assert "data-unread-count>1" in page
    assert "Your grade for Essay" in page
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/learn/"
    assert "data-unread-count" not in client.get("/notifications/").content.decode()


def test_preferences_page_saves_choices(client, student):
    client.force_login(student)
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post("/notifications/preferences/", {"kind-session_reminder": "off"})
    assert response.status_code == 302
    assert Preference.objects.get(user=student, kind="session_reminder").delivery == "off"
    assert (
        client.post("/notifications/preferences/", {"kind-session_reminder": "x"}).status_code
        == 400
    )
