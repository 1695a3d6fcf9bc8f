"""The citizen overview page: everything owed on one page, in the citizen's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.services.holds import place_hold
from tests.support.citizen_ui import SIX_BILLS
from tests.support.citizen_ui import debtor_with_six_bills
from tests.support.citizen_ui import freeze_today
from tests.support.citizen_ui import money_text
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.login import login_citizen
from tests.support.page_checks import Node
from tests.support.page_checks import assert_page_ok


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)


def _card(page: Node, claim_id: int) -> Node:
    title = page.find(id=f"claim-{claim_id}-title")
    assert title is not None, f"no card for claim {claim_id}"
    article = next(a for a in title.ancestors() if a.tag == "article")
    return article


def _pay_links(node: Node) -> list[Node]:
    return node.find_all("a", **{"data-action": "pay"})


@pytest.mark.parametrize(
    ("locale", "department_name"),
    [("da", "Kommunale skatter"), ("nl", "Belastingen"), ("en", "Local taxes")],
)
def test_overview_shows_all_six_bills_with_amounts_in_the_chosen_language(
    client: FlaskClient, db_session: Session, locale: str, department_name: str
) -> None:
    data = debtor_with_six_bills(db_session)
    login_citizen(client, data.debtor.id)
    client.get(f"/language/{locale}?next=/overview")

    response = client.get("/overview")

    assert response.status_code == 200
    page = assert_page_ok(response, lang=locale)
    total = sum(amount for _, amount in SIX_BILLS)
    summary = page.find(class_="summary")
    assert summary is not None
    assert money_text(total, locale) in summary.text
    for claim, (_, amount) in zip(data.claims, SIX_BILLS, strict=True):
        card = _card(page, claim.id)
        assert money_text(amount, locale) in card.text
        assert claim.description in card.text
    headings = [h.text for h in page.find_all("h2")]
    assert department_name in headings
    # five departments, each its own section with a list of cards
    assert len(page.find_all("section", class_="department")) == 5
    assert len(page.find_all("article", class_="claim-card")) == 6


def test_summary_names_the_next_payment_and_its_bill(
    client: FlaskClient, db_session: Session
) -> None:
    data = debtor_with_six_bills(db_session)
    login_citizen(client, data.debtor.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get("/overview"), lang="en")

    summary = page.find(class_="summary")
    assert summary is not None
    first = data.claims[0]  # the earliest due date
    assert "Next payment due: " + money_text(123_456, "en") in summary.text
    assert summary.find("a", href=f"/claims/{first.id}") is not None


def test_help_comes_before_the_bills(client: FlaskClient, db_session: Session) -> None:
    data = debtor_with_six_bills(db_session)
    login_citizen(client, data.debtor.id)

    html = client.get("/overview").get_data(as_text=True)

    assert html.index('class="help-block"') < html.index('class="department"')
    assert 'href="/plan"' in html  # the plan pages (issue 4)
    assert 'href="/remission"' in html  # the remission pages (issue 5)
    assert 'href="/soon/debt-help"' in html
    assert 'href="/help"' in html


def test_anonymous_visitor_is_sent_to_the_login_page(client: FlaskClient) -> None:
    for path in ("/", "/overview", "/claims/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_home_sends_a_citizen_to_the_overview(client: FlaskClient, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    login_citizen(client, debtor.id)

    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/overview"


def test_a_letter_code_session_sees_only_its_bills_and_a_note(
    client: FlaskClient, db_session: Session
) -> None:
    data = debtor_with_six_bills(db_session)
    in_letter = data.claims[2]
    login_citizen(client, data.debtor.id, scope=[in_letter.id], method="login_code")
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get("/overview"), lang="en")

    cards = page.find_all("article", class_="claim-card")
    assert [c.find("h3").attrs["id"] for c in cards] == [f"claim-{in_letter.id}-title"]  # type: ignore[union-attr]
    assert "you see only the bills from that letter" in page.text
    assert "Log in with DigiD to see everything." in page.text


def test_a_bill_with_the_collector_is_read_only_with_who_to_contact(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    ours = make_claim(db_session, debtor, 5_000)
    with_collector = make_claim(db_session, debtor, 7_000)
    with_collector.handed_over_on = TODAY - timedelta(days=1)
    db_session.flush()
    login_citizen(client, debtor.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get("/overview"), lang="en")

    card = _card(page, with_collector.id)
    assert "This bill is now with an external collector: bailiff." in card.text
    assert "Contact them to pay or ask questions." in card.text
    assert "With an external collector" in card.text
    assert _pay_links(card) == []
    # the payments issue has landed, so "Pay" opens the claim's own pay page
    assert [a.attrs["href"] for a in _pay_links(_card(page, ours.id))] == [f"/claims/{ours.id}/pay"]


def test_paid_bills_are_in_the_collapsed_paid_section(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    paid = make_claim(db_session, debtor, 2_000)
    still_open = make_claim(db_session, debtor, 3_000)
    pay(db_session, debtor, 2_000, claim=paid)
    login_citizen(client, debtor.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get("/overview"), lang="en")

    details = page.find("details", class_="paid-bills")
    assert details is not None
    assert "open" not in details.attrs
    assert details.find(id=f"claim-{paid.id}-title") is not None
    assert details.find(id=f"claim-{still_open.id}-title") is None
    assert "Paid" in _card(page, paid.id).text
    assert _pay_links(_card(page, paid.id)) == []
    summary = page.find(class_="summary")
    assert summary is not None
    assert money_text(3_000, "en") in summary.text


def test_empty_overview_thanks_the_citizen(client: FlaskClient, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    login_citizen(client, debtor.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get("/overview"), lang="en")

    assert "You owe us nothing. Thank you!" in page.text
    assert page.find("article") is None


def test_a_paused_bill_has_no_pay_button_and_says_on_hold(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 5_000)
    place_hold(db_session, claim.id, "dispute", starts_on=TODAY, source="staff:1")
    login_citizen(client, debtor.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get("/overview"), lang="en")

    card = _card(page, claim.id)
    assert "On hold" in card.text
    assert _pay_links(card) == []
    assert card.find("a", href=f"/claims/{claim.id}") is not None


def test_credit_is_shown_on_the_full_overview(client: FlaskClient, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    make_claim(db_session, debtor, 1_000)
    pay(db_session, debtor, 3_500)
    login_citizen(client, debtor.id)
    client.get("/language/en?next=/overview")

    page = assert_page_ok(client.get("/overview"), lang="en")

    assert f"You have a credit of {money_text(2_500, 'en')}" in page.text


def test_the_header_offers_a_logout_form_with_csrf(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    login_citizen(client, debtor.id)

    page = assert_page_ok(client.get("/overview"))

    form = page.find("form", action="/logout")
    assert form is not None
    assert form.attrs["method"] == "post"
    assert form.find("input", name="csrf_token") is not None
