"""The audit log viewer: supervisors filter by staff member, debtor, action and dates; pages."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.services import audit
from portal.services.audit import Actor
from tests.support.factories import make_debtor
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html
from tests.support.primitives import make_staff
from tests.support.workspace import logged_in_staff


def _event(session: Session, action: str, at: datetime, **kw: int | None) -> AuditEvent:
    event = audit.record(
        session,
        Actor.staff(kw.pop("staff")) if kw.get("staff") else Actor.system(),
        action,
        debtor_id=kw.get("debtor"),
    )
    event.at = at
    session.flush()
    return event


def _ids(html: str) -> list[int]:
    return [
        int(row.attrs["data-event-id"])
        for row in parse_html(html).find_all("tr")
        if "data-event-id" in row.attrs
    ]


def test_a_supervisor_filters_by_staff_debtor_action_and_dates(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Audited Person")
    clerk = make_staff(db_session, "caseworker")
    nov = datetime(2026, 11, 10, 12, tzinfo=UTC)
    oct_ = datetime(2026, 10, 10, 12, tzinfo=UTC)
    viewed = _event(db_session, "debtor.viewed", nov, staff=clerk.id, debtor=debtor.id)
    old = _event(db_session, "debtor.viewed", oct_, staff=clerk.id, debtor=debtor.id)
    other = _event(db_session, "claim.issued", nov, debtor=debtor.id)
    logged_in_staff(client, db_session, "supervisor")

    everything = client.get("/staff/audit")
    assert_page_ok(everything, lang="en")
    by_staff = client.get("/staff/audit", query_string={"staff": clerk.id})
    by_action = client.get(
        "/staff/audit", query_string={"debtor": debtor.id, "action": "claim.issued"}
    )
    by_dates = client.get(
        "/staff/audit",
        query_string={"staff": clerk.id, "date_from": "2026-11-01", "date_to": "2026-11-30"},
    )

    assert _ids(by_staff.get_data(as_text=True)) == [viewed.id, old.id]
    assert _ids(by_action.get_data(as_text=True)) == [other.id]
    assert _ids(by_dates.get_data(as_text=True)) == [viewed.id]
    assert "Audited Person" in parse_html(by_action.get_data(as_text=True)).text


def test_the_log_is_paginated_newest_first(client: FlaskClient, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    events = [
        _event(
            db_session, "test.paged", datetime(2026, 11, 1, 8, minute, tzinfo=UTC), debtor=debtor.id
        )
        for minute in range(55)
    ]
    logged_in_staff(client, db_session, "admin")

    first = client.get("/staff/audit", query_string={"action": "test.paged"})
    second = client.get("/staff/audit", query_string={"action": "test.paged", "page": 2})

    assert _ids(first.get_data(as_text=True)) == [e.id for e in reversed(events)][:50]
    assert _ids(second.get_data(as_text=True)) == [e.id for e in reversed(events)][50:]
    assert "Page 2 of 2" in second.get_data(as_text=True)
    older = parse_html(first.get_data(as_text=True)).find("a", rel="next")
    assert older is not None
    assert "page=2" in older.attrs["href"]
    assert "action=test.paged" in older.attrs["href"]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-11-30", "date_to": "2026-11-01"},
        {"date_from": "yesterday"},
        {"debtor": "abc"},
        {"page": "0"},
    ],
)
def test_bad_filters_are_a_clear_400(
    client: FlaskClient, db_session: Session, query: dict[str, str]
) -> None:
    logged_in_staff(client, db_session, "supervisor")
    response = client.get("/staff/audit", query_string=query)
    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert page.find("div", class_="error-summary") is not None


@pytest.mark.parametrize("role", ["caseworker", "desk", "department_clerk"])
def test_only_supervisors_and_admins_read_the_audit_log(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    logged_in_staff(client, db_session, role)
    assert client.get("/staff/audit").status_code == 403
