"""The claim page: one bill, its status in words, and a history that adds up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.services.holds import place_hold
from portal.services.ledger import append_entry
from tests.support.citizen_ui import freeze_today
from tests.support.citizen_ui import money_text
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)


def test_another_debtors_claim_is_not_found(client: FlaskClient, db_session: Session) -> None:
    me, someone_else = make_debtor(db_session, "Me"), make_debtor(db_session, "Someone Else")
    theirs = make_claim(db_session, someone_else)
    login_citizen(client, me.id)

    response = client.get(f"/claims/{theirs.id}")

    assert response.status_code == 404
    assert theirs.description not in response.get_data(as_text=True)


def test_a_claim_that_does_not_exist_is_not_found_the_same_way(
    client: FlaskClient, db_session: Session
) -> None:
    me = make_debtor(db_session)
    login_citizen(client, me.id)

    assert client.get("/claims/999999999").status_code == 404


def test_a_letter_code_session_cannot_open_a_claim_outside_its_letter(
    client: FlaskClient, db_session: Session
) -> None:
    me = make_debtor(db_session)
    in_letter, outside = make_claim(db_session, me), make_claim(db_session, me)
    login_citizen(client, me.id, scope=[in_letter.id], method="login_code")

    assert client.get(f"/claims/{in_letter.id}").status_code == 200
    assert client.get(f"/claims/{outside.id}").status_code == 404


def test_history_tells_what_happened_and_ends_at_the_balance_shown(
    client: FlaskClient, db_session: Session
) -> None:
    me = make_debtor(db_session)
    claim = make_claim(db_session, me, 10_000, issue_date=TODAY - timedelta(days=60))
    pay(db_session, me, 3_000, claim=claim, on=TODAY - timedelta(days=30))
    append_entry(
        db_session,
        claim,
        component="fee",
        amount=1_500,
        cause="reminder_fee",
        effective_date=TODAY - timedelta(days=10),
    )
    db_session.flush()
    login_citizen(client, me.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang="en")

    items = page.find_all("li", class_="history__item")
    assert [item.find(class_="history__what").text.split(": ", 1)[1] for item in items] == [  # type: ignore[union-attr]
        "Bill sent",
        "Payment received, thank you",
        "Reminder fee added",
    ]
    balances = [item.find(class_="history__balance").text for item in items]  # type: ignore[union-attr]
    assert balances[-1] == f"Left to pay after this: {money_text(8_500, 'en')}"
    amounts = page.find(class_="amount--large")
    assert amounts is not None
    assert amounts.text == money_text(8_500, "en")
    assert money_text(1_500, "en") in page.text  # the fee, shown on its own line


def test_claim_page_explains_the_status_and_offers_pay_and_plan(
    client: FlaskClient, db_session: Session
) -> None:
    me = make_debtor(db_session)
    claim = make_claim(db_session, me, 4_000)  # due 30 days ago: past the due date
    login_citizen(client, me.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang="en")

    assert "Past the due date" in page.text
    assert "If you cannot pay, contact us" in page.text
    assert page.find("a", href=f"/claims/{claim.id}/pay") is not None
    assert page.find("a", href="/plan") is not None  # the plan pages (issue 4)
    assert claim.reference is not None
    reference = page.find(class_="reference")
    assert reference is not None
    assert reference.text.replace(" ", "") == claim.reference


@pytest.mark.parametrize("locale", ["da", "nl", "en"])
def test_claim_page_is_in_the_chosen_language(
    client: FlaskClient, db_session: Session, locale: str
) -> None:
    me = make_debtor(db_session)
    claim = make_claim(db_session, me, 123_456)
    login_citizen(client, me.id)
    client.get(f"/language/{locale}?next=/overview")

    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang=locale)

    assert money_text(123_456, locale) in page.text


def test_a_paused_claim_says_why_it_is_paused(client: FlaskClient, db_session: Session) -> None:
    me = make_debtor(db_session)
    claim = make_claim(db_session, me, 4_000)
    place_hold(db_session, claim.id, "remission", starts_on=TODAY, source="remission:1")
    login_citizen(client, me.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang="en")

    assert "On hold" in page.text
    assert "We are looking at your application to have your debt waived." in page.text
    assert page.find("a", **{"data-action": "pay"}) is None


def test_a_claim_with_the_collector_names_who_to_contact_once(
    client: FlaskClient, db_session: Session
) -> None:
    me = make_debtor(db_session)
    claim = make_claim(db_session, me, 4_000)
    claim.handed_over_on = TODAY
    db_session.flush()
    login_citizen(client, me.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang="en")

    assert page.text.count("This bill is now with an external collector") == 1
    assert "bailiff" in page.text
    assert page.find("a", **{"data-action": "pay"}) is None
