import pytest

from live import services
from live.models import SESSION_MACHINE, SessionStatus
from lms.errors import Conflict
from lms.statemachine import MACHINES, status_changed

pytestmark = pytest.mark.django_db


def test_the_session_machine_is_declared_with_the_contract():
    assert MACHINES["live_session"] is SESSION_MACHINE
    assert SESSION_MACHINE.allows(SessionStatus.SCHEDULED, SessionStatus.CANCELLED)
    assert not SESSION_MACHINE.allows(SessionStatus.CANCELLED, SessionStatus.SCHEDULED)


def test_cancelling_records_who_and_why_and_signals_on_commit(
    instructor, session, django_capture_on_commit_callbacks
):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs["machine"], kwargs["from_status"], kwargs["to_status"]))

    status_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.session_cancel(session=session, by=instructor, reason="Sick, sorry")
    finally:
        status_changed.disconnect(receiver)
    latest = session.history.latest()
    assert latest.status == SessionStatus.CANCELLED
    assert latest.history_user == instructor
    assert latest.history_change_reason == "Sick, sorry"
    assert seen == [("live_session", SessionStatus.SCHEDULED, SessionStatus.CANCELLED)]
    with pytest.raises(Conflict) as exc:
        services.session_cancel(session=session, by=instructor)
    assert exc.value.code == "session_cancelled"
