"""The early-signalling worklist: open signals oldest first, in plain words; recording a contact
closes the signal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ContactNote
from portal.models import Signal
from portal.services.signals import LARGE_DEBT_NO_CONTACT
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import close_signal
from portal.services.signals import raise_signal
from tests.support.factories import make_debtor
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html
from tests.support.primitives import NOW
from tests.support.workspace import logged_in_staff
from tests.support.workspace import post_with_token


def _listed(html: str) -> list[int]:
    page = parse_html(html)
    return [
        int(n.attrs["data-signal-id"]) for n in page.find_all("li") if "data-signal-id" in n.attrs
    ]


def test_open_signals_are_listed_oldest_first_in_plain_words(
    client: FlaskClient, db_session: Session
) -> None:
    newer = raise_signal(db_session, make_debtor(db_session, "Newer").id, SEVERAL_ARREARS, now=NOW)
    older = raise_signal(
        db_session,
        make_debtor(db_session, "Older").id,
        LARGE_DEBT_NO_CONTACT,
        now=NOW - timedelta(days=3),
    )
    closed = raise_signal(db_session, make_debtor(db_session).id, SEVERAL_ARREARS, now=NOW)
    close_signal(db_session, closed, outcome="reached", staff_user_id=None, now=NOW)
    logged_in_staff(client, db_session)

    response = client.get("/staff/signals")

    page = assert_page_ok(response, lang="en")
    assert _listed(response.get_data(as_text=True)) == [older.id, newer.id]
    assert "A large debt and no contact for a long time" in page.text
    assert "Several bills are past their due date" in page.text


def test_recording_a_contact_closes_the_signal(client: FlaskClient, db_session: Session) -> None:
    signal = raise_signal(db_session, make_debtor(db_session).id, SEVERAL_ARREARS, now=NOW)
    staff = logged_in_staff(client, db_session)

    response = post_with_token(
        client,
        f"/staff/signals/{signal.id}/contact",
        {"channel": "phone", "outcome": "unreachable", "note": "No answer, try Monday."},
        page="/staff/signals",
    )

    assert response.status_code == 302
    db_session.expire_all()
    closed = db_session.get(Signal, signal.id)
    assert (closed.state, closed.outcome, closed.closed_by_id) == (
        "closed",
        "unreachable",
        staff.id,
    )
    note = db_session.scalars(select(ContactNote)).one()
    assert (note.signal_id, note.channel) == (signal.id, "phone")
    assert _listed(client.get("/staff/signals").get_data(as_text=True)) == []


def test_bad_input_shows_the_errors_and_keeps_the_signal_open(
    client: FlaskClient, db_session: Session
) -> None:
    signal = raise_signal(db_session, make_debtor(db_session).id, SEVERAL_ARREARS, now=NOW)
    logged_in_staff(client, db_session)

    response = post_with_token(
        client,
        f"/staff/signals/{signal.id}/contact",
        {"channel": "phone", "outcome": "shouted"},
        page="/staff/signals",
    )

    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert page.find("div", class_="error-summary") is not None
    db_session.expire_all()
    assert db_session.get(Signal, signal.id).state == "open"


def test_a_signal_closed_meanwhile_is_reported_and_nothing_is_saved(
    client: FlaskClient, db_session: Session
) -> None:
    signal = raise_signal(db_session, make_debtor(db_session).id, SEVERAL_ARREARS, now=NOW)
    close_signal(db_session, signal, outcome="reached", staff_user_id=None, now=NOW)
    logged_in_staff(client, db_session)
    db_session.commit()  # the view rolls back its own changes only, as in production

    response = post_with_token(
        client,
        f"/staff/signals/{signal.id}/contact",
        {"channel": "phone", "outcome": "declined"},
    )

    assert response.status_code == 302
    assert "already closed" in client.get("/staff/signals").get_data(as_text=True)
    assert db_session.scalars(select(ContactNote)).all() == []


def test_a_missing_signal_is_404(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session)
    response = post_with_token(
        client, "/staff/signals/999999/contact", {"channel": "phone", "outcome": "reached"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["desk", "department_clerk", "admin"])
def test_only_roles_that_decide_work_see_the_worklist(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    logged_in_staff(client, db_session, role)
    assert client.get("/staff/signals").status_code == 403
