"""The citizen's direct debit page (issue 8): sign up, bad input, revoke, languages, DKK."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Mandate
from portal.models import Plan
from tests.support.citizen_ui import freeze_today
from tests.support.direct_debit import BAD_CHECKSUM
from tests.support.direct_debit import GOOD_IBAN
from tests.support.direct_debit import NOT_SEPA
from tests.support.direct_debit import active_plan
from tests.support.direct_debit import sign
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.workspace import csrf_of

PAGE = "/direct-debit"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)


def _checked(client: FlaskClient, path: str, lang: str | None = "en") -> str:
    """The page's HTML, after the shared page checks (one h1, labels, CSP, language)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert_page_ok(response, lang=lang)
    return str(response.get_data(as_text=True))


def _mandates(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Mandate)) or 0)


def _sign_up(client: FlaskClient, plan: Plan, **fields: Any) -> Any:
    token = csrf_of(client.get(PAGE))
    data = {
        "csrf_token": token,
        "plan_id": str(plan.id),
        "iban": GOOD_IBAN,
        "account_holder": "Debit Person",
        "consent": "y",
        **fields,
    }
    return client.post(PAGE, data=data)


def test_a_citizen_signs_up_their_plan_and_sees_the_mandate(
    client: FlaskClient, db_session: Session
) -> None:
    plan = active_plan(db_session)
    login_citizen(client, plan.debtor_id)
    assert "data-consent-text" in _checked(client, PAGE)

    response = _sign_up(client, plan)

    assert response.status_code == 302
    assert _mandates(db_session) == 1
    html = client.get(PAGE).get_data(as_text=True)
    assert 'data-direct-debit="active"' in html
    assert "ending in 4300" in html
    assert "NL91ABNA0417164300" not in html  # only the last four digits are shown
    assert "Paid automatically from your account" in client.get("/overview").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"iban": BAD_CHECKSUM}, "This IBAN is not right."),
        ({"iban": NOT_SEPA}, "in the SEPA area"),
        ({"iban": ""}, "This IBAN is not right."),
        ({"account_holder": ""}, "Fill in the name of the account holder"),
        ({"consent": ""}, "Tick the box to agree"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    client: FlaskClient, db_session: Session, fields: dict[str, str], message: str
) -> None:
    plan = active_plan(db_session)
    login_citizen(client, plan.debtor_id)

    response = _sign_up(client, plan, **fields)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'role="alert"' in html
    assert_page_ok(html)
    assert _mandates(db_session) == 0


def test_a_mandate_for_another_citizens_plan_is_not_found(
    client: FlaskClient, db_session: Session
) -> None:
    mine = active_plan(db_session)
    theirs = active_plan(db_session, name="Other Person")
    login_citizen(client, mine.debtor_id)

    assert _sign_up(client, theirs).status_code == 404
    assert _mandates(db_session) == 0


def test_a_second_sign_up_says_it_is_already_done(client: FlaskClient, db_session: Session) -> None:
    plan = active_plan(db_session)
    login_citizen(client, plan.debtor_id)
    _sign_up(client, plan)
    token = csrf_of(client.get("/overview"))

    response = client.post(
        PAGE,
        data={
            "csrf_token": token,
            "plan_id": str(plan.id),
            "iban": GOOD_IBAN,
            "account_holder": "Debit Person",
            "consent": "y",
        },
        follow_redirects=True,
    )

    assert "already paid automatically" in response.get_data(as_text=True)
    assert _mandates(db_session) == 1


def test_a_citizen_can_stop_automatic_payment(client: FlaskClient, db_session: Session) -> None:
    plan = active_plan(db_session)
    mandate = sign(db_session, plan)
    db_session.commit()
    login_citizen(client, plan.debtor_id)
    token = csrf_of(client.get(PAGE))

    response = client.post(f"{PAGE}/{mandate.id}/revoke", data={"csrf_token": token})

    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Mandate, mandate.id).state == "revoked"  # type: ignore[union-attr]
    assert "data-consent-text" in client.get(PAGE).get_data(as_text=True)


def test_nobody_can_stop_another_citizens_mandate(client: FlaskClient, db_session: Session) -> None:
    plan = active_plan(db_session)
    mandate = sign(db_session, plan)
    stranger = active_plan(db_session, name="Stranger")
    db_session.commit()
    login_citizen(client, stranger.debtor_id)
    token = csrf_of(client.get(PAGE))

    response = client.post(f"{PAGE}/{mandate.id}/revoke", data={"csrf_token": token})

    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(Mandate, mandate.id).state == "active"  # type: ignore[union-attr]


def test_without_a_running_plan_the_page_points_to_the_plan(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "No Plan")
    login_citizen(client, debtor.id)

    assert 'data-direct-debit="no-plan"' in _checked(client, PAGE)


def test_a_letter_code_login_is_asked_to_use_eid(client: FlaskClient, db_session: Session) -> None:
    plan = active_plan(db_session)
    login_citizen(client, plan.debtor_id, scope=[1], method="letter_code")

    assert "DigiD" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_the_direct_debit_pages_exist_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    plan = active_plan(db_session)
    login_citizen(client, plan.debtor_id)
    client.get(f"/language/{language}")
    assert_page_ok(client.get(PAGE), lang=language)
    _sign_up(client, plan)
    assert_page_ok(client.get(PAGE), lang=language)
    assert_page_ok(client.get("/plan"), lang=language)


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_a_danish_installation_shows_the_betalingsservice_numbers(
    make_app: Any, db_session: Session, language: str
) -> None:
    from portal.services.catalogue import sync_catalogue

    dk_app = make_app(rules="dk", payee_iban="DK5000400440116243", payee_bic="DABADKKK")
    with dk_app.app_context():
        sync_catalogue(db_session, dk_app.config["RULE_PACK"])
        debtor = make_debtor(db_session, "Mette Hansen")
        db_session.commit()
        client = dk_app.test_client()
        login_citizen(client, debtor.id)
        client.get(f"/language/{language}")
        html = _checked(client, PAGE, language)
        assert "data-pbs-number" in html
        assert dk_app.config["SALDO"].betalingsservice_pbs_number in html
        assert str(debtor.id).zfill(9) in html
