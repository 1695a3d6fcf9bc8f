"""Desk appointments on the web: book, change, cancel; the staff list and slot forms (issue 8)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Appointment
from portal.models import AppointmentSlot
from portal.models import Letter
from tests.support.appointments import count
from tests.support.appointments import csrf
from tests.support.appointments import day
from tests.support.appointments import freeze
from tests.support.appointments import make_slot
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.workspace import logged_in_staff

LANGUAGES = ("da", "nl", "en")


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch)


def _book(client: FlaskClient, slot_id: int, *, topic: str = "bills", **extra: str) -> object:
    token = csrf(client, "/appointments")
    return client.post(
        "/appointments", data={"csrf_token": token, "slot": str(slot_id), "topic": topic, **extra}
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_booking_page_works_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    debtor = make_debtor(db_session)
    make_slot(db_session, in_days=1)
    make_slot(db_session, in_days=3, capacity=3)
    login_citizen(client, debtor.id)
    client.get(f"/language/{language}")
    page = assert_page_ok(client.get("/appointments"), lang=language)
    assert len(page.find_all("fieldset")) == 3  # two days and the topic
    assert day(3).isoformat() in client.get("/appointments").get_data(as_text=True)


def test_a_citizen_books_changes_and_cancels(client: FlaskClient, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    one, two = make_slot(db_session, in_days=2), make_slot(db_session, in_days=3)
    login_citizen(client, debtor.id)
    client.get("/language/en")
    response = _book(client, one.id, topic="plan")
    assert response.status_code == 302
    page = client.get("/appointments").get_data(as_text=True)
    assert "Your appointment is booked" in page
    assert "Town hall, desk 3" in page
    db_session.expire_all()
    booked = db_session.scalars(select(Appointment)).all()
    assert [(a.slot_id, a.topic, a.state) for a in booked] == [(one.id, "plan", "booked")]
    letter = db_session.scalar(select(Letter).where(Letter.kind == "appointment_confirmation"))
    assert letter is not None
    assert letter.delivered_at is not None

    assert _book(client, two.id, rebook="1").status_code == 302
    db_session.expire_all()
    states = {a.slot_id: a.state for a in db_session.scalars(select(Appointment))}
    assert states == {one.id: "cancelled", two.id: "booked"}

    current = db_session.scalar(select(Appointment).where(Appointment.state == "booked"))
    assert current is not None
    token = csrf(client, "/appointments")
    response = client.post(f"/appointments/{current.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Your appointment is cancelled" in client.get("/appointments").get_data(as_text=True)
    db_session.expire_all()
    assert count(db_session, Appointment) == 2
    assert db_session.scalar(select(Appointment).where(Appointment.state == "booked")) is None


def test_a_full_slot_gives_a_clear_message_and_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    other, debtor = make_debtor(db_session, "Other"), make_debtor(db_session, "Late")
    slot = make_slot(db_session, in_days=2, capacity=1)
    login_citizen(client, debtor.id)
    client.get("/language/en")
    token = csrf(client, "/help")
    login_citizen(client, other.id)
    assert _book(client, slot.id).status_code == 302
    login_citizen(client, debtor.id)
    response = client.post(
        "/appointments", data={"csrf_token": token, "slot": str(slot.id), "topic": "bills"}
    )
    assert response.status_code == 409
    page = assert_page_ok(response, lang="en")
    assert "this time is now fully booked. Nothing was changed" in page.text
    db_session.expire_all()
    assert count(db_session, Appointment) == 1


@pytest.mark.parametrize(
    ("in_days", "data", "status", "message"),
    [
        (0, {"topic": "bills"}, 400, "can no longer be booked"),
        (2, {"topic": "bills", "slot": "abc"}, 400, "could not find this time"),
        (2, {"topic": "bills", "slot": "999999"}, 400, "could not find this time"),
        (2, {"slot": None}, 400, "Choose what you want to talk about"),
        (2, {"topic": "bills", "slot": ""}, 400, "Choose a time"),
    ],
)
def test_bad_bookings_give_a_clear_message_and_change_nothing(
    client: FlaskClient,
    db_session: Session,
    in_days: int,
    data: dict[str, str | None],
    status: int,
    message: str,
) -> None:
    debtor = make_debtor(db_session)
    slot = make_slot(db_session, in_days=in_days)
    login_citizen(client, debtor.id)
    client.get("/language/en")
    form = {"csrf_token": csrf(client, "/appointments"), "slot": str(slot.id), **data}
    response = client.post("/appointments", data={k: v for k, v in form.items() if v is not None})
    assert response.status_code == status
    assert message in assert_page_ok(response, lang="en").text
    db_session.expire_all()
    assert count(db_session, Appointment) == 0


def test_a_second_booking_from_an_old_page_is_refused(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    one, two = make_slot(db_session, in_days=2), make_slot(db_session, in_days=4)
    login_citizen(client, debtor.id)
    client.get("/language/en")
    assert _book(client, one.id).status_code == 302
    response = _book(client, two.id)  # no "rebook": the page was opened before the booking
    assert response.status_code == 409
    assert "You already have an appointment" in response.get_data(as_text=True)
    db_session.expire_all()
    assert [a.slot_id for a in db_session.scalars(select(Appointment))] == [one.id]


def test_the_booking_page_needs_a_login(client: FlaskClient, db_session: Session) -> None:
    response = client.get("/appointments")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_see_todays_appointments_with_the_debtor_one_click_away(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    debtor = make_debtor(db_session, "Visitor Example")
    slot = make_slot(db_session, in_days=2)
    db_session.add(Appointment(slot_id=slot.id, debtor_id=debtor.id, topic="plan"))
    db_session.flush()
    logged_in_staff(client, db_session, "desk")
    client.get(f"/language/{language}")
    page = assert_page_ok(client.get("/staff/appointments"), lang=language)
    links = [a.attrs.get("href") for a in page.find_all("a")]
    assert f"/staff/debtors/{debtor.id}" in links
    assert "Visitor Example" in page.text


def test_staff_add_one_slot_and_a_day_of_slots(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session, "desk")
    client.get("/language/en")
    token = csrf(client, "/staff/appointments")
    response = client.post(
        "/staff/appointments",
        data={
            "csrf_token": token,
            "day": day(2).isoformat(),
            "start": "09:30",
            "duration": "20",
            "place": "Desk 1",
            "capacity": "2",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/staff/appointments/day",
        data={
            "csrf_token": token,
            "bulk-day": day(3).isoformat(),
            "bulk-start": "09:00",
            "bulk-end": "10:00",
            "bulk-length": "15",
            "bulk-place": "Desk 2",
            "bulk-capacity": "1",
        },
    )
    assert response.status_code == 302
    assert "4 slots were added" in client.get("/staff/appointments").get_data(as_text=True)
    db_session.expire_all()
    assert count(db_session, AppointmentSlot) == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": day(-1).isoformat()}, "This day is in the past"),
        ({"capacity": "0"}, "Number must be between 1 and 50"),
        ({"day": "tomorrow"}, "Not a valid date value"),
        ({"place": ""}, "Fill in this field"),
    ],
)
def test_bad_slots_give_a_clear_message_and_add_nothing(
    client: FlaskClient, db_session: Session, data: dict[str, str], message: str
) -> None:
    logged_in_staff(client, db_session, "caseworker")
    client.get("/language/en")
    form = {
        "csrf_token": csrf(client, "/staff/appointments"),
        "day": day(2).isoformat(),
        "start": "09:30",
        "duration": "15",
        "place": "Desk",
        "capacity": "1",
        **data,
    }
    response = client.post("/staff/appointments", data=form)
    assert response.status_code == 400
    assert message in assert_page_ok(response, lang="en").text
    db_session.expire_all()
    assert count(db_session, AppointmentSlot) == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("desk", 200),
        ("caseworker", 200),
        ("supervisor", 200),
        ("department_clerk", 403),
        ("admin", 403),
    ],
)
def test_only_desk_caseworkers_and_supervisors_manage_appointments(
    client: FlaskClient, db_session: Session, role: str, status: int
) -> None:
    logged_in_staff(client, db_session, role)
    assert client.get("/staff/appointments").status_code == status
