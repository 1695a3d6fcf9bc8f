"""Issue 8 (NL): the remission wizard prefilled from a department's social-status flag, and the
caseworker's view of the data used. Nothing is shown without an active status of one's own,
nor in desk mode (desk staff may not see a social status)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.domain.rules.remission_norms import remission_policy
from portal.services import remission_submission as submission
from portal.services.audit import Actor
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.overview_documents import csrf_from_page
from tests.support.overview_documents import csrf_of
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import make_staff
from tests.support.remission import NOW
from tests.support.remission import POOR
from tests.support.remission import complete_draft
from tests.support.remission import evidence_in
from tests.support.remission import tax_debtor
from tests.support.social_status import flag

KNOWN = "We already know from Work and income that you receive social assistance."
NO_INCOME_EVIDENCE = "You do not need to send documents about your income."
ASK_INCOME_EVIDENCE = "your last bank statements, your income statement"


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    freeze_today(monkeypatch)
    evidence_in(monkeypatch, tmp_path)
    monkeypatch.setattr("portal.staff.remission._today", lambda: TODAY)


def _start(client: FlaskClient, claim_ids: list[int]) -> str:
    """Start an application through the pre-check page; the wizard's base path."""
    page = client.get("/remission")
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert key
    response = client.post(
        "/remission",
        data={"csrf_token": csrf_of(page), "submission_key": key.group(1), "claims": claim_ids},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[0]


def _household(client: FlaskClient, base: str) -> None:
    path = f"{base}/household"
    data = {"csrf_token": csrf_from_page(client, path), "adults": "1", "children_ages": ""}
    assert client.post(path, data=data).status_code == 302


def _income_value(client: FlaskClient, base: str) -> str:
    page = assert_page_ok(client.get(f"{base}/income"), lang="en")
    field = page.find("input", name="net_income")
    assert field is not None
    return field.attrs.get("value", "")


def _walk_without_known_status(client: FlaskClient, base: str) -> None:
    household = client.get(f"{base}/household").get_data(as_text=True)
    assert "We already know" not in household
    assert "data-known-status" not in household
    _household(client, base)
    assert _income_value(client, base) == ""
    evidence = client.get(f"{base}/evidence").get_data(as_text=True)
    assert ASK_INCOME_EVIDENCE in evidence
    assert NO_INCOME_EVIDENCE not in evidence


def test_with_a_status_the_wizard_says_what_is_known_and_offers_the_norm_as_income(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    flag(db_session, data.debtor, valid_until=TODAY + timedelta(days=90))
    login_citizen(client, data.debtor.id)
    base = _start(client, [c.id for c in data.eligible])

    household = assert_page_ok(client.get(f"{base}/household"), lang="en")
    assert KNOWN in household.text
    _household(client, base)

    norm = remission_policy("nl").table_on(TODAY).single
    whole, cents = divmod(norm, 100)
    assert _income_value(client, base) == f"{whole},{cents:02d}"
    income = client.get(f"{base}/income").get_data(as_text=True)
    assert KNOWN in income
    assert "We filled in the standard amount of social assistance" in income
    assert NO_INCOME_EVIDENCE in income

    evidence = assert_page_ok(client.get(f"{base}/evidence"), lang="en")
    assert NO_INCOME_EVIDENCE in evidence.text
    assert ASK_INCOME_EVIDENCE not in evidence.text


def test_an_income_the_citizen_typed_is_kept_and_not_replaced_by_the_norm(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    flag(db_session, data.debtor)
    login_citizen(client, data.debtor.id)
    base = _start(client, [c.id for c in data.eligible])
    _household(client, base)
    path = f"{base}/income"
    sent = client.post(path, data={"csrf_token": csrf_from_page(client, path), "net_income": "950"})
    assert sent.status_code == 302
    assert _income_value(client, base) == "950"


def test_without_a_status_nothing_is_prefilled(client: FlaskClient, db_session: Session) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    _walk_without_known_status(client, _start(client, [c.id for c in data.eligible]))


def test_with_an_expired_status_nothing_is_prefilled(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    flag(
        db_session,
        data.debtor,
        valid_from=TODAY - timedelta(days=100),
        valid_until=TODAY - timedelta(days=1),
    )
    login_citizen(client, data.debtor.id)
    _walk_without_known_status(client, _start(client, [c.id for c in data.eligible]))


def test_another_citizens_status_never_shows(client: FlaskClient, db_session: Session) -> None:
    flagged = tax_debtor(db_session, "Flagged Person")
    flag(db_session, flagged.debtor)
    other = tax_debtor(db_session, "Other Person")
    login_citizen(client, other.debtor.id)
    _walk_without_known_status(client, _start(client, [c.id for c in other.eligible]))


def test_the_flagged_citizens_application_is_not_open_to_another_citizen(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    flagged = tax_debtor(db_session, "Flagged Person")
    flag(db_session, flagged.debtor)
    application = complete_draft(
        db_session, flagged.debtor.id, tuple(c.id for c in flagged.eligible)
    )
    db_session.commit()
    other = tax_debtor(db_session, "Other Person")
    login_citizen(client, other.debtor.id)
    for step in ("household", "income", "evidence"):
        response = client.get(f"/remission/{application.id}/{step}")
        assert response.status_code == 404
        assert "Work and income" not in response.get_data(as_text=True)


def test_desk_staff_do_not_see_the_status_in_the_wizard(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    flag(db_session, data.debtor)
    login_staff(client, make_staff(db_session, "desk").id)
    page = f"/staff/desk/start/{data.debtor.id}"
    desk = {
        "csrf_token": csrf_from_page(client, page),
        "visit_reason": "question",
        "identity_check": "id_card",
    }
    assert client.post(page, data=desk).status_code == 302
    _walk_without_known_status(client, _start(client, [c.id for c in data.eligible]))


def test_the_caseworker_sees_the_known_status_and_the_data_used(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    flag(db_session, data.debtor, valid_until=TODAY + timedelta(days=60))
    some_capacity = {**POOR, "income": {"net_income": 146_500}}
    application = complete_draft(
        db_session, data.debtor.id, tuple(c.id for c in data.eligible), some_capacity
    )
    submission.submit_application(
        db_session,
        app.config["RULE_PACK"],
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    db_session.commit()
    login_staff(client, make_staff(db_session, "caseworker").id)
    page = assert_page_ok(client.get(f"/staff/remission/{application.id}"), lang="en")
    known = page.find(**{"data-known-status": "social_assistance"})
    assert known is not None
    assert "Receives social assistance" in known.text
    assert "Work and income" in known.text
    checked = page.find(**{"data-income-checked": "yes"})
    assert checked is not None
    assert "Data used: social status from Work and income" in checked.text


def test_the_caseworker_sees_no_status_rows_for_an_application_without_one(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    application = complete_draft(
        db_session,
        data.debtor.id,
        tuple(c.id for c in data.eligible),
        {**POOR, "income": {"net_income": 146_500}},
    )
    submission.submit_application(
        db_session,
        app.config["RULE_PACK"],
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    db_session.commit()
    login_staff(client, make_staff(db_session, "caseworker").id)
    page = assert_page_ok(client.get(f"/staff/remission/{application.id}"), lang="en")
    marked = [n for n in page.iter() if {"data-known-status", "data-income-checked"} & set(n.attrs)]
    assert marked == []
