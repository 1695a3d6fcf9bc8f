"""The contact log: staff log calls and desk visits on the debtor page; a signal closes with the
outcome; bad input changes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import ContactNote
from portal.models import Signal
from portal.services import contact_log
from portal.services.signals import LARGE_DEBT_NO_CONTACT
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import close_signal
from portal.services.signals import raise_signal
from tests.support.factories import make_debtor
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import NOW
from tests.support.primitives import make_staff
from tests.support.workspace import logged_in_staff
from tests.support.workspace import post_with_token


def _notes(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ContactNote)) or 0)


def test_a_caseworker_logs_a_call_and_sees_it_on_the_debtor_page(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Called Person")
    staff = logged_in_staff(client, db_session)
    page = f"/staff/debtors/{debtor.id}"

    response = post_with_token(
        client,
        f"{page}/contact",
        {
            "contact_channel": "phone",
            "contact_outcome": "reached",
            "contact_note": "Will pay Friday.",
        },
        page=page,
    )

    assert response.status_code == 302
    shown = assert_page_ok(client.get(page), lang="en")
    assert "Phone call: Reached, we talked" in shown.text
    assert "Will pay Friday." in shown.text
    db_session.expire_all()
    note = db_session.scalars(select(ContactNote)).one()
    assert (note.debtor_id, note.staff_user_id, note.channel, note.outcome) == (
        debtor.id,
        staff.id,
        "phone",
        "reached",
    )
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contact.logged")
    ).one()
    assert event.details == {"channel": "phone", "outcome": "reached", "signal_id": None}


def test_logging_a_contact_for_a_signal_closes_it_with_that_outcome(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    signal = raise_signal(db_session, debtor.id, SEVERAL_ARREARS, now=NOW)
    other = raise_signal(db_session, debtor.id, LARGE_DEBT_NO_CONTACT, now=NOW)
    staff = logged_in_staff(client, db_session)
    page = f"/staff/debtors/{debtor.id}"

    post_with_token(
        client,
        f"{page}/contact",
        {"contact_channel": "desk", "contact_outcome": "plan_agreed", "contact_signal": signal.id},
        page=page,
    )

    db_session.expire_all()
    closed = db_session.get(Signal, signal.id)
    assert (closed.state, closed.outcome, closed.closed_by_id) == (
        "closed",
        "plan_agreed",
        staff.id,
    )
    assert db_session.get(Signal, other.id).state == "open"
    assert db_session.scalars(select(ContactNote)).one().signal_id == signal.id


@pytest.mark.parametrize(
    "data",
    [
        {"contact_channel": "pigeon", "contact_outcome": "reached"},
        {"contact_channel": "phone", "contact_outcome": "threatened"},
        {"contact_channel": "phone", "contact_outcome": "reached", "contact_note": "x" * 4001},
        {"contact_channel": "phone", "contact_outcome": "reached", "contact_signal": "999999"},
    ],
)
def test_bad_contact_input_is_a_400_with_the_form_and_saves_nothing(
    client: FlaskClient, db_session: Session, data: dict[str, str]
) -> None:
    debtor = make_debtor(db_session)
    logged_in_staff(client, db_session)
    page = f"/staff/debtors/{debtor.id}"

    response = post_with_token(client, f"{page}/contact", data, page=page)

    assert response.status_code == 400
    html = assert_page_ok(response, lang="en")
    assert html.find("div", class_="error-summary") is not None
    assert _notes(db_session) == 0


def test_a_signal_closed_meanwhile_gives_a_clear_message_and_saves_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    signal = raise_signal(db_session, debtor.id, SEVERAL_ARREARS, now=NOW)
    logged_in_staff(client, db_session)
    page = f"/staff/debtors/{debtor.id}"
    form_page = client.get(page)
    close_signal(db_session, signal, outcome="reached", staff_user_id=None, now=NOW)
    db_session.commit()
    token = form_page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]

    response = client.post(
        f"{page}/contact",
        data={
            "csrf_token": token,
            "contact_channel": "phone",
            "contact_outcome": "reached",
            "contact_signal": str(signal.id),
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "Someone has already closed this signal. Nothing was saved." in response.get_data(
        as_text=True
    )
    assert _notes(db_session) == 0


def test_the_service_refuses_a_signal_of_another_debtor(db_session: Session) -> None:
    mine, theirs = make_debtor(db_session), make_debtor(db_session)
    staff = make_staff(db_session)
    signal = raise_signal(db_session, theirs.id, SEVERAL_ARREARS, now=NOW)
    with pytest.raises(contact_log.InvalidContact, match="signal"):
        contact_log.log_contact(
            db_session,
            debtor_id=mine.id,
            staff_user_id=staff.id,
            channel="phone",
            outcome="reached",
            signal_id=signal.id,
            now=NOW,
        )
    assert db_session.get(Signal, signal.id).state == "open"


def test_the_service_says_when_a_signal_was_already_closed(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    staff = make_staff(db_session)
    signal = raise_signal(db_session, debtor.id, SEVERAL_ARREARS, now=NOW)
    close_signal(db_session, signal, outcome="reached", staff_user_id=None, now=NOW)
    with pytest.raises(contact_log.SignalNotOpen):
        contact_log.log_contact(
            db_session,
            debtor_id=debtor.id,
            staff_user_id=staff.id,
            channel="phone",
            outcome="declined",
            signal_id=signal.id,
            now=NOW,
        )


def test_last_contact_days_are_local_days_per_debtor(db_session: Session) -> None:
    from zoneinfo import ZoneInfo

    talked, silent = make_debtor(db_session), make_debtor(db_session)
    staff = make_staff(db_session)
    contact_log.log_contact(
        db_session,
        debtor_id=talked.id,
        staff_user_id=staff.id,
        channel="email",
        outcome="other",
        now=NOW,
    )
    days = contact_log.last_contact_days(
        db_session, [talked.id, silent.id], ZoneInfo("Europe/Amsterdam")
    )
    assert days == {talked.id: NOW.date()}
