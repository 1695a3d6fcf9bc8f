"""Staff make and print a debtor's debt overview: permission "debtor.document", audited."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import OverviewDocument
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.overview_documents import csrf_of
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import make_staff


def _documents(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OverviewDocument)) or 0)


@pytest.mark.parametrize("role", ["caseworker", "desk", "supervisor"])
def test_staff_find_a_debtor_by_reference_and_print_the_overview(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    debtor = make_debtor(db_session, "Desk Visitor")
    claim = make_claim(db_session, debtor, 7_500)
    staff = make_staff(db_session, role)
    login_staff(client, staff.id)

    assert_page_ok(client.get("/staff/debt-overview"), lang="en")
    found = client.get("/staff/debt-overview", query_string={"reference": claim.reference})
    page = assert_page_ok(found, lang="en")
    assert "Desk Visitor" in page.text
    response = client.post(
        f"/staff/debtors/{debtor.id}/debt-overview", data={"csrf_token": csrf_of(found)}
    )

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    db_session.expire_all()
    document = db_session.scalars(select(OverviewDocument)).one()
    assert (document.requested_by_kind, document.requested_by_id) == ("staff", staff.id)
    assert document.total == 7_500
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "overview_document.created")
    ).one()
    assert (event.actor_kind, event.staff_user_id, event.debtor_id) == (
        "staff",
        staff.id,
        debtor.id,
    )


@pytest.mark.parametrize("role", ["department_clerk", "admin"])
def test_roles_without_the_permission_are_refused(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    debtor = make_debtor(db_session)
    staff = make_staff(db_session, role)
    login_staff(client, staff.id)

    assert client.get("/staff/debt-overview").status_code == 403
    token = csrf_of(client.get("/staff/"))  # the log-out form on staff home
    response = client.post(f"/staff/debtors/{debtor.id}/debt-overview", data={"csrf_token": token})
    assert response.status_code == 403
    assert _documents(db_session) == 0


def test_citizens_are_refused_and_anonymous_visitors_sent_to_staff_login(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    anonymous = client.get("/staff/debt-overview")
    assert anonymous.status_code == 302
    assert "/staff/login" in anonymous.headers["Location"]
    login_citizen(client, debtor.id)
    assert client.get("/staff/debt-overview").status_code == 403
    token = csrf_of(client.get("/overview"))  # the log-out form in the header
    response = client.post(f"/staff/debtors/{debtor.id}/debt-overview", data={"csrf_token": token})
    assert response.status_code == 403
    assert _documents(db_session) == 0


def test_an_unknown_reference_or_debtor_gives_a_clear_answer(
    client: FlaskClient, db_session: Session
) -> None:
    staff = make_staff(db_session, "desk")
    login_staff(client, staff.id)

    missing = client.get("/staff/debt-overview", query_string={"reference": "1234 5678"})
    assert missing.status_code == 404
    page = assert_page_ok(missing, lang="en")
    assert "No bill has this payment reference" in page.text
    token = csrf_of(client.get("/staff/"))
    response = client.post("/staff/debtors/999999/debt-overview", data={"csrf_token": token})
    assert response.status_code == 404
    assert client.post("/staff/debtors/999999/debt-overview", data={}).status_code == 400
    assert _documents(db_session) == 0
