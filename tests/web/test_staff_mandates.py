"""Direct debit pages (issue 8): the staff mandate page (state, last debits, failures with
the bank's reason code, revoke on the citizen's behalf with an audited reason) and the
citizen's sign-up of a claim type (e.g. the childcare fee), with its bad-input cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import ClaimType
from portal.models import Debtor
from portal.models import Mandate
from portal.models.base import utcnow
from portal.services import direct_debit as svc
from portal.services import direct_debit_returns as returns
from portal.services import direct_debit_types as types
from portal.services.audit import Actor
from tests.support.citizen_ui import freeze_today
from tests.support.direct_debit import BAD_CHECKSUM
from tests.support.direct_debit import GOOD_IBAN
from tests.support.direct_debit import NOT_SEPA
from tests.support.direct_debit import collections
from tests.support.direct_debit import run
from tests.support.direct_debit import signed_plan
from tests.support.direct_debit import use_folder
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.plans import rules
from tests.support.workspace import csrf_of
from tests.support.workspace import logged_in_staff

STAFF_PAGE = "/staff/debtors/{id}/mandates"
BILLS_PAGE = "/direct-debit/bills"
CHILDCARE = "childcare_contribution"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    freeze_today(monkeypatch)
    monkeypatch.setattr("portal.staff.mandates._today", lambda: TODAY)
    use_folder(monkeypatch, tmp_path / "direct_debit")


def _mandates(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Mandate)) or 0)


def _type_id(session: Session, code: str) -> int:
    found = session.scalar(select(ClaimType.id).where(ClaimType.code == code))
    assert found is not None
    return found


def _parent(session: Session, code: str = CHILDCARE) -> Debtor:
    debtor = make_debtor(session, "Daycare Parent")
    make_claim(
        session, debtor, 41_250, claim_type_code=code, issue_date=TODAY, due_date=date(2026, 12, 14)
    )
    return debtor


def _sign_type(session: Session, debtor: Debtor) -> Mandate:
    return types.sign_type_mandate(
        session,
        rules(),
        current_app.config["SALDO"],
        debtor_id=debtor.id,
        claim_type_id=_type_id(session, CHILDCARE),
        data=svc.MandateInput(iban=GOOD_IBAN, account_holder="Daycare Parent", consent=True),
        today=TODAY,
        actor=Actor.citizen(debtor.id),
    )


# -- staff ------------------------------------------------------------------------------------


def test_staff_see_the_mandates_with_last_debits_and_failure_codes(
    client: FlaskClient, db_session: Session
) -> None:
    plan, mandate = signed_plan(db_session)
    run(db_session, date(2026, 11, 30))
    (collection,) = collections(db_session)
    returns.reject_collection(
        db_session,
        rules(),
        collection.end_to_end_id,
        reason="AC04",
        on=date(2026, 12, 3),
        actor=Actor.system(),
        now=utcnow(),
    )
    db_session.commit()
    logged_in_staff(client, db_session, "caseworker")

    debtor_page = client.get(f"/staff/debtors/{plan.debtor_id}").get_data(as_text=True)
    response = client.get(STAFF_PAGE.format(id=plan.debtor_id))

    assert "data-mandates-link" in debtor_page
    assert response.status_code == 200
    assert_page_ok(response)
    html = response.get_data(as_text=True)
    assert f'data-mandate-id="{mandate.id}"' in html
    assert mandate.reference in html
    assert "ending in 4300" in html
    assert "NL91ABNA0417164300" not in html  # only the last four digits
    assert "<td data-reason-code>AC04</td>" in html
    assert "<dd data-failures>1</dd>" in html


def test_staff_revoke_a_mandate_for_the_citizen_with_an_audited_reason(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _parent(db_session)
    mandate = _sign_type(db_session, debtor)
    db_session.commit()
    staff = logged_in_staff(client, db_session, "desk")
    page = STAFF_PAGE.format(id=debtor.id)
    token = csrf_of(client.get(page))

    response = client.post(
        f"{page}/{mandate.id}/revoke",
        data={"csrf_token": token, "reason": "citizen_asked_by_phone"},
    )

    assert response.status_code == 302
    db_session.expire_all()
    revoked = db_session.get(Mandate, mandate.id)
    assert revoked is not None
    assert (revoked.state, revoked.end_reason) == ("revoked", "revoked")
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "direct_debit.mandate_revoked_for_citizen")
    )
    assert event is not None
    assert (event.staff_user_id, event.details["reason"]) == (staff.id, "citizen_asked_by_phone")
    assert 'data-state="revoked"' in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("reason", ["", "because"])
def test_a_revoke_without_a_valid_reason_changes_nothing(
    client: FlaskClient, db_session: Session, reason: str
) -> None:
    debtor = _parent(db_session)
    mandate = _sign_type(db_session, debtor)
    db_session.commit()
    logged_in_staff(client, db_session, "caseworker")
    page = STAFF_PAGE.format(id=debtor.id)
    token = csrf_of(client.get(page))

    response = client.post(
        f"{page}/{mandate.id}/revoke", data={"csrf_token": token, "reason": reason}
    )

    assert response.status_code == 400
    assert "Choose why the automatic payment stops." in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Mandate, mandate.id).state == "active"  # type: ignore[union-attr]


def test_staff_cannot_revoke_another_debtors_mandate_or_one_twice(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _parent(db_session)
    mandate = _sign_type(db_session, debtor)
    other = make_debtor(db_session, "Someone Else")
    logged_in_staff(client, db_session, "caseworker")
    db_session.commit()
    token = csrf_of(client.get(STAFF_PAGE.format(id=debtor.id)))
    data = {"csrf_token": token, "reason": "account_closed"}

    wrong = client.post(f"{STAFF_PAGE.format(id=other.id)}/{mandate.id}/revoke", data=data)
    first = client.post(f"{STAFF_PAGE.format(id=debtor.id)}/{mandate.id}/revoke", data=data)
    again = client.post(f"{STAFF_PAGE.format(id=debtor.id)}/{mandate.id}/revoke", data=data)

    assert (wrong.status_code, first.status_code, again.status_code) == (404, 302, 409)
    assert "already stopped" in again.get_data(as_text=True)


def test_a_role_without_the_permission_cannot_see_mandates(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _parent(db_session)
    db_session.commit()
    logged_in_staff(client, db_session, "finance")

    assert client.get(STAFF_PAGE.format(id=debtor.id)).status_code == 403


# -- the citizen signs up a claim type --------------------------------------------------------


def _sign_up(client: FlaskClient, **fields: Any) -> Any:
    token = csrf_of(client.get(BILLS_PAGE))
    data = {
        "csrf_token": token,
        "iban": GOOD_IBAN,
        "account_holder": "Daycare Parent",
        "consent": "y",
        **fields,
    }
    return client.post(BILLS_PAGE, data=data)


def test_a_citizen_signs_up_the_childcare_fee_and_the_overview_marks_the_bill(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _parent(db_session)
    db_session.commit()
    login_citizen(client, debtor.id)
    page = client.get(BILLS_PAGE)
    assert_page_ok(page, lang="en")
    assert "Childcare fee" in page.get_data(as_text=True)

    response = _sign_up(client, claim_type=str(_type_id(db_session, CHILDCARE)))

    assert response.status_code == 302
    assert _mandates(db_session) == 1
    html = client.get(BILLS_PAGE).get_data(as_text=True)
    assert "data-type-mandates" in html
    assert "ending in 4300" in html
    overview = client.get("/overview").get_data(as_text=True)
    assert "data-direct-debit-claim" in overview


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"iban": BAD_CHECKSUM}, "This IBAN is not right."),
        ({"iban": NOT_SEPA}, "in the SEPA area"),
        ({"consent": ""}, "Tick the box to agree"),
        ({"claim_type": ""}, "Choose the kind of bill"),
        ({"claim_type": "abc"}, "cannot be paid automatically"),
    ],
)
def test_bad_input_on_the_claim_type_sign_up_is_refused_and_stores_nothing(
    client: FlaskClient, db_session: Session, fields: dict[str, str], message: str
) -> None:
    debtor = _parent(db_session)
    db_session.commit()
    login_citizen(client, debtor.id)

    response = _sign_up(client, **{"claim_type": str(_type_id(db_session, CHILDCARE)), **fields})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'role="alert"' in html
    assert_page_ok(html)
    assert _mandates(db_session) == 0


def test_a_claim_type_of_someone_elses_bills_or_without_direct_debit_is_refused(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _parent(db_session, code="parking_assessment")
    other = make_debtor(db_session, "Other Parent")
    make_claim(db_session, other, 9_000, claim_type_code=CHILDCARE, issue_date=TODAY)
    db_session.commit()
    login_citizen(client, debtor.id)

    not_theirs = _sign_up(client, claim_type=str(_type_id(db_session, CHILDCARE)))
    not_allowed = _sign_up(client, claim_type=str(_type_id(db_session, "parking_assessment")))

    assert not_theirs.status_code == 400
    assert "You have no bills of this kind." in not_theirs.get_data(as_text=True)
    assert not_allowed.status_code == 400
    assert "cannot be paid automatically" in not_allowed.get_data(as_text=True)
    assert _mandates(db_session) == 0


def test_a_second_sign_up_of_the_same_type_says_it_is_already_done(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _parent(db_session)
    _sign_type(db_session, debtor)
    db_session.commit()
    login_citizen(client, debtor.id)

    response = client.post(
        BILLS_PAGE,
        data={
            "csrf_token": csrf_of(client.get(BILLS_PAGE)),
            "claim_type": str(_type_id(db_session, CHILDCARE)),
            "iban": GOOD_IBAN,
            "account_holder": "Daycare Parent",
            "consent": "y",
        },
        follow_redirects=True,
    )

    assert "already paid automatically" in response.get_data(as_text=True)
    assert _mandates(db_session) == 1


def test_a_citizen_stops_a_claim_type_mandate(client: FlaskClient, db_session: Session) -> None:
    debtor = _parent(db_session)
    mandate = _sign_type(db_session, debtor)
    db_session.commit()
    login_citizen(client, debtor.id)
    token = csrf_of(client.get(BILLS_PAGE))

    response = client.post(f"/direct-debit/{mandate.id}/revoke", data={"csrf_token": token})

    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Mandate, mandate.id).state == "revoked"  # type: ignore[union-attr]
    assert "data-direct-debit-claim" not in client.get("/overview").get_data(as_text=True)


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_the_claim_type_page_exists_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    debtor = _parent(db_session)
    db_session.commit()
    login_citizen(client, debtor.id)
    client.get(f"/language/{language}")

    assert_page_ok(client.get(BILLS_PAGE), lang=language)
    _sign_up(client, claim_type=str(_type_id(db_session, CHILDCARE)))
    assert_page_ok(client.get(BILLS_PAGE), lang=language)
