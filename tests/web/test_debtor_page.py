"""Debtor search and the debtor page: everything on one page, viewing audited, the national id
never shown beyond its last 4 digits and never in a URL."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.services import work
from portal.services.holds import LEGAL_WSNP
from portal.services.holds import place_hold
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import raise_signal
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html
from tests.support.primitives import NOW
from tests.support.workspace import logged_in_staff
from tests.support.workspace import post_with_token

BSN = "111222333"  # passes the Dutch eleven-test


def _search(client: FlaskClient, by: str, query: str) -> tuple[int, str]:
    response = post_with_token(client, "/staff/debtors", {"by": by, "query": query})
    return response.status_code, response.get_data(as_text=True)


def _found_ids(html: str) -> list[int]:
    page = parse_html(html)
    return [
        int(n.attrs["data-debtor-id"]) for n in page.find_all("li") if "data-debtor-id" in n.attrs
    ]


def test_search_finds_a_debtor_by_name_reference_claim_number_and_national_id(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Marieke de Vries", national_id=BSN)
    make_debtor(db_session, "Someone Else")
    claim = make_claim(db_session, debtor, 12_000)
    logged_in_staff(client, db_session)

    assert_page_ok(client.get("/staff/debtors"), lang="en")
    for by, query in (
        ("name", "marieke"),
        ("reference", claim.reference or ""),
        ("claim", str(claim.id)),
        ("national_id", BSN),
    ):
        status, html = _search(client, by, query)
        assert status == 200, (by, html)
        assert_page_ok(html, lang="en")
        assert _found_ids(html) == [debtor.id], by
    # The national id is not echoed back, not even in the search field.
    assert BSN not in html
    assert "ending in 2333" in html


def test_search_with_bad_input_is_a_clear_400(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session)

    status, html = _search(client, "national_id", "123")
    assert status == 400
    assert "This is not a valid national id number" in html
    assert_page_ok(html, lang="en")
    status, html = _search(client, "name", "a")
    assert (status, "Type at least 2 letters" in html) == (400, True)
    status, html = _search(client, "nonsense", "abc")
    assert status == 400
    status, html = _search(client, "name", "nobody-like-this")
    assert status == 200
    assert "Nobody matches" in html


def test_the_debtor_page_shows_everything_and_the_visit_is_audited(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Jan Janssen", national_id=BSN)
    claim = make_claim(db_session, debtor, 20_000, description="Waste levy 2026")
    pay(db_session, debtor, 5_000, claim=claim)
    place_hold(
        db_session,
        claim.id,
        LEGAL_WSNP,
        starts_on=date(2026, 1, 1),
        source="staff:1",
        reference="WSNP-2026-17",
    )
    raise_signal(db_session, debtor.id, SEVERAL_ARREARS, now=NOW)
    work.open_work_item(db_session, work.CALL_BACK, "debtor", debtor.id, debtor_id=debtor.id)
    staff = logged_in_staff(client, db_session)

    response = client.get(f"/staff/debtors/{debtor.id}")

    page = assert_page_ok(response, lang="en")
    text = page.text
    assert "Jan Janssen" in text
    assert "Waste levy 2026" in text
    assert "ending in 2333" in text
    assert BSN not in response.get_data(as_text=True)
    assert len(page.find_all("table", **{"data-ledger": ""})) == 1
    assert page.find("tr", **{"data-hold-reason": LEGAL_WSNP}) is not None
    assert "WSNP-2026-17" in text
    assert page.find("div", **{"data-open-signals": ""}) is not None
    assert "Several bills are past their due date" in text
    assert page.find("table", **{"data-payments": ""}) is not None
    assert "Call back" in text
    db_session.expire_all()
    viewed = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "debtor.viewed")
    ).all()
    assert [(e.staff_user_id, e.debtor_id) for e in viewed] == [(staff.id, debtor.id)]


def test_every_wide_table_scrolls_in_its_own_labelled_focusable_box(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    pay(db_session, debtor, 1_000, claim=make_claim(db_session, debtor, 3_000))
    logged_in_staff(client, db_session)

    page = parse_html(client.get(f"/staff/debtors/{debtor.id}").get_data(as_text=True))

    tables = page.find_all("table")
    assert tables
    for table in tables:
        box = table.parent
        assert box is not None
        assert "table-wrap" in box.classes
        assert box.attrs.get("tabindex") == "0"
        assert box.attrs.get("aria-label") or box.attrs.get("aria-labelledby")


def test_an_unknown_debtor_is_404(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session)
    assert client.get("/staff/debtors/999999").status_code == 404


@pytest.mark.parametrize("role", ["department_clerk", "admin"])
def test_roles_without_debtor_view_are_refused(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    debtor = make_debtor(db_session)
    logged_in_staff(client, db_session, role)
    assert client.get("/staff/debtors").status_code == 403
    assert client.get(f"/staff/debtors/{debtor.id}").status_code == 403


def test_the_national_id_never_reaches_a_log_line(
    client: FlaskClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    make_debtor(db_session, "Logged Person", national_id=BSN)
    logged_in_staff(client, db_session)
    with caplog.at_level(logging.DEBUG):
        _search(client, "national_id", BSN)
        _search(client, "national_id", "999999999")
    assert BSN not in caplog.text
    assert "999999999" not in caplog.text


def test_plans_and_remission_applications_show_with_links_to_their_decision_pages(
    client: FlaskClient, db_session: Session
) -> None:
    from portal.models import Plan
    from portal.models import RemissionApplication

    debtor = make_debtor(db_session)
    plan = Plan(
        debtor_id=debtor.id,
        currency="EUR",
        total=60_000,
        monthly_amount=10_000,
        months=6,
        first_due_date=date(2026, 12, 1),
        basis="own_offer",
        proposed_on=date(2026, 11, 20),
        submission_key="test-plan-1",
    )
    application = RemissionApplication(
        debtor_id=debtor.id, currency="EUR", submission_key="test-remission-1", submitted_at=NOW
    )
    db_session.add_all([plan, application])
    db_session.flush()
    logged_in_staff(client, db_session)

    page = assert_page_ok(client.get(f"/staff/debtors/{debtor.id}"), lang="en")

    plan_row = page.find("tr", **{"data-plan-id": str(plan.id)})
    remission_row = page.find("tr", **{"data-remission-id": str(application.id)})
    assert plan_row is not None
    assert "€" in plan_row.text
    assert remission_row is not None
    links = {a.attrs["href"] for a in page.find_all("a")}
    assert f"/staff/plans/{plan.id}" in links
    assert f"/staff/remission/{application.id}" in links
