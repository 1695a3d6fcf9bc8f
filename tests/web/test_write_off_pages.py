"""The write-off list (/staff/write-offs): supervisors only; write off or keep with a CSRF form;
a stale or bad form changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import WorkItem
from portal.services.limitation_batch import run_limitation_checks
from tests.support.batch import claim_of
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html
from tests.support.plans import rules as nl_rules
from tests.support.workspace import logged_in_staff
from tests.support.workspace import post_with_token

PAGE = "/staff/write-offs"


def _proposal(session: Session, name: str = "Barred Person") -> tuple[Claim, WorkItem]:
    claim = claim_of(session, "ozb_residential", 30_000, due=date(2021, 3, 1), name=name)
    run_limitation_checks(session, nl_rules(), as_of=date(2026, 11, 23))
    item = session.scalar(select(WorkItem).where(WorkItem.subject_id == claim.id))
    assert item is not None
    session.commit()
    return claim, item


def _listed(html: str) -> list[int]:
    page = parse_html(html)
    return [int(n.attrs["data-item-id"]) for n in page.find_all("li") if "data-item-id" in n.attrs]


def test_a_supervisor_sees_the_time_barred_claims_with_their_limitation_date(
    client: FlaskClient, db_session: Session
) -> None:
    claim, item = _proposal(db_session)
    logged_in_staff(client, db_session, "supervisor")

    response = client.get(PAGE)

    page = assert_page_ok(response, lang="en")
    assert _listed(response.get_data(as_text=True)) == [item.id]
    assert "Barred Person" in page.text
    assert claim.description in page.text
    assert "March 1, 2026" in page.text  # 5 years after the due date (NL)


@pytest.mark.parametrize("role", ["caseworker", "desk", "department_clerk", "admin"])
def test_other_roles_cannot_open_or_decide(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    _, item = _proposal(db_session)
    logged_in_staff(client, db_session, role)

    assert client.get(PAGE).status_code == 403
    response = post_with_token(client, f"{PAGE}/{item.id}", {"decision": "write_off"})
    assert response.status_code == 403


def test_a_citizen_cannot_reach_the_page(client: FlaskClient, db_session: Session) -> None:
    from tests.support.login import login_citizen

    claim, _ = _proposal(db_session)
    login_citizen(client, claim.debtor_id)

    assert client.get(PAGE).status_code == 403


def test_writing_off_clears_the_balance_and_removes_the_proposal(
    client: FlaskClient, db_session: Session
) -> None:
    claim, item = _proposal(db_session)
    staff = logged_in_staff(client, db_session, "supervisor")

    response = post_with_token(client, f"{PAGE}/{item.id}", {"decision": "write_off"}, page=PAGE)

    assert response.status_code == 302
    db_session.expire_all()
    assert claim.balance == 0
    assert (item.state, item.outcome, item.closed_by_id) == ("done", "written_off", staff.id)
    followed = client.get(PAGE)
    assert "The bill was written off" in followed.get_data(as_text=True)
    assert _listed(followed.get_data(as_text=True)) == []


def test_keeping_leaves_the_balance_and_closes_the_proposal(
    client: FlaskClient, db_session: Session
) -> None:
    claim, item = _proposal(db_session)
    logged_in_staff(client, db_session, "supervisor")

    response = post_with_token(client, f"{PAGE}/{item.id}", {"decision": "keep"}, page=PAGE)

    assert response.status_code == 302
    db_session.expire_all()
    assert claim.balance == 30_000
    assert (item.state, item.outcome) == ("done", "kept")


def test_a_second_decision_on_the_same_proposal_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    claim, item = _proposal(db_session)
    logged_in_staff(client, db_session, "supervisor")
    post_with_token(client, f"{PAGE}/{item.id}", {"decision": "keep"}, page=PAGE)

    response = post_with_token(client, f"{PAGE}/{item.id}", {"decision": "write_off"})

    assert response.status_code == 302
    assert "already decided" in client.get(PAGE).get_data(as_text=True)
    db_session.expire_all()
    assert claim.balance == 30_000
    assert item.outcome == "kept"


@pytest.mark.parametrize("decision", ["", "delete", "x" * 500])
def test_a_bad_decision_is_refused_with_a_message(
    client: FlaskClient, db_session: Session, decision: str
) -> None:
    claim, item = _proposal(db_session)
    logged_in_staff(client, db_session, "supervisor")

    response = post_with_token(client, f"{PAGE}/{item.id}", {"decision": decision}, page=PAGE)

    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert "Choose to write the bill off or to keep it" in page.text
    db_session.expire_all()
    assert item.state == "open"
    assert claim.balance == 30_000


def test_a_form_without_csrf_token_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    claim, item = _proposal(db_session)
    logged_in_staff(client, db_session, "supervisor")

    response = client.post(f"{PAGE}/{item.id}", data={"decision": "write_off"})

    assert response.status_code == 400
    db_session.expire_all()
    assert item.state == "open"
    entries = db_session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.claim_id == claim.id, LedgerEntry.cause == "write_off"
        )
    ).all()
    assert entries == []


def test_an_unknown_proposal_is_not_found(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session, "supervisor")

    response = post_with_token(client, f"{PAGE}/999999", {"decision": "keep"})

    assert response.status_code == 404
