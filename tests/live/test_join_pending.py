"""Before a session's room opens, Join is not a control: in its place the page says when
it opens, in the viewer's timezone."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.live.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db


def _join_markup(html: str) -> str:
    return html[html.index('class="actions session-actions"') :]


def test_before_the_room_opens_join_is_text_with_the_opening_time_not_a_button(
    client, cohort, enrolment
):
    enrolment.user.timezone = "Asia/Tokyo"
    enrolment.user.save()
    session = LiveSessionFactory(cohort=cohort)
    client.force_login(enrolment.user)
    opens = (session.starts_at - dt.timedelta(minutes=10)).astimezone(ZoneInfo("Asia/Tokyo"))

    for url in (f"/learn/sessions/{session.pk}/", f"/learn/{cohort.pk}/sessions/", "/calendar/"):
        with time_machine.travel(session.starts_at - dt.timedelta(hours=3)):
            html = _join_markup(client.get(url).content.decode())
        pending = re.search(r"<(\w+)[^>]*>\s*Join opens at ([0-9:]+), 10 minutes before", html)
        assert pending, url
        assert pending.group(1) == "p", "a paragraph, not a button or a link"
        assert pending.group(2) == opens.strftime("%H:%M")
        assert ">Join</button>" not in html
        assert f"/learn/sessions/{session.pk}/join/" not in html


def test_once_the_room_is_open_join_is_a_button_that_posts(client, cohort, enrolment):
    session = LiveSessionFactory(cohort=cohort)
    client.force_login(enrolment.user)
    with time_machine.travel(session.starts_at - dt.timedelta(minutes=5)):
        html = _join_markup(client.get(f"/learn/sessions/{session.pk}/").content.decode())
    assert f'action="/learn/sessions/{session.pk}/join/"' in html
    assert '<button type="submit">Join</button>' in html
    assert "Join opens at" not in html
