"""The citizen's payment plan pages (issue 4): scope, statement, proposal, confirm, answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import HouseholdStatementRecord
from portal.services.audit import Actor
from portal.services.plan_decisions import counter_propose
from portal.services.plans import default_plan
from tests.support.auth_helpers import csrf_from
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import make_staff
from tests.support.citizen_ui import debtor_with_six_bills
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.plans_ui import LARGE_DEBT
from tests.support.plans_ui import SMALL_DEBT
from tests.support.plans_ui import count_plans
from tests.support.plans_ui import debtor_owing
from tests.support.plans_ui import form_fields
from tests.support.plans_ui import newest_plan
from tests.support.plans_ui import post_page

pytestmark = pytest.mark.usefixtures("isolated_requests")

CONFIRM = "/plan/proposal/confirm"
#: a complete statement, typed as an English-speaking citizen would: a couple, two children
STATEMENT = {
    "adults": "2",
    "children_ages": "3, 7",
    "net_income": "2,400.00",
    "housing_cost": "850",
    "health_insurance": "280.50",
    "childcare": "0",
    "other_debt_payments": "50",
    "other_fixed_costs": "300",
}


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)


def _own_offer(client: FlaskClient, monthly: str) -> None:
    response = post_page(client, "/plan/afford", {"choice": "own_offer", "monthly": monthly})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/plan/proposal"


def _confirm(client: FlaskClient) -> str:
    fields = form_fields(client.get("/plan/proposal").get_data(as_text=True), CONFIRM)
    response = client.post(CONFIRM, data=fields)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def test_the_plan_page_puts_all_open_bills_in_one_plan_and_explains_the_rest(
    client: FlaskClient, db_session: Session
) -> None:
    bills = debtor_with_six_bills(db_session)
    login_citizen(client, bills.debtor.id)

    page = assert_page_ok(client.get("/plan"), lang="en")

    candidates = page.find("ul", **{"data-plan-candidates": ""})
    assert candidates is not None
    excluded = page.find("ul", **{"data-plan-excluded": ""})
    in_plan = {int(li.attrs["data-claim-id"]) for li in candidates.find_all("li")}
    left_out = (
        {int(li.attrs["data-claim-id"]) for li in excluded.find_all("li")} if excluded else set()
    )
    assert in_plan | left_out == {c.id for c in bills.claims}
    assert page.find("a", href="/plan/afford") is not None


def test_an_own_offer_within_policy_makes_an_active_plan_at_once(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "100")
    page = assert_page_ok(client.get("/plan/proposal"), lang="en")
    assert "If you confirm, your plan starts at once." in page.text

    location = _confirm(client)

    page = assert_page_ok(client.get(location), lang="en")
    assert page.find("h1").text == "Your plan is active"
    plan = newest_plan(db_session, debtor.id)
    assert plan.state == "active"
    assert plan.monthly_amount == 10_000
    assert len(plan.installments) == 6


def test_a_large_debt_waits_for_a_caseworker(client: FlaskClient, db_session: Session) -> None:
    debtor = debtor_owing(db_session, LARGE_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "700")
    location = _confirm(client)
    page = assert_page_ok(client.get(location), lang="en")
    assert page.find("h1").text == "We will look at your proposal"
    assert newest_plan(db_session, debtor.id).state == "pending_review"
    assert count_plans(db_session) == 1


def test_a_double_click_on_confirm_makes_one_plan(client: FlaskClient, db_session: Session) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "100")
    fields = form_fields(client.get("/plan/proposal").get_data(as_text=True), CONFIRM)

    first = client.post(CONFIRM, data=fields)
    second = client.post(CONFIRM, data=fields)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_plans(db_session) == 1


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_every_journey_page_renders_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    client.get(f"/language/{language}?next=/plan")
    for path in ("/plan", "/plan/afford", "/plan/statement"):
        assert_page_ok(client.get(path), lang=language)
    post_page(client, "/plan/afford", {"choice": "own_offer", "monthly": "100"})
    assert_page_ok(client.get("/plan/proposal"), lang=language)
    location = _confirm(client)
    assert_page_ok(client.get(location), lang=language)
    assert_page_ok(client.get("/plan"), lang=language)
    overview = assert_page_ok(client.get("/overview"), lang=language)
    assert overview.find(**{"data-plan-block": ""}) is not None


def test_a_draft_statement_is_saved_and_shown_again_in_the_citizens_language(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    data = {"adults": "1", "net_income": "1,850.50", "housing_cost": "700", "action": "save"}

    response = post_page(client, "/plan/statement", data)

    assert response.status_code == 302
    db_session.expire_all()
    record = db_session.scalars(select(HouseholdStatementRecord)).one()
    assert (record.state, record.net_income, record.housing_cost) == ("draft", 185_050, 70_000)
    assert record.health_insurance is None
    page = assert_page_ok(client.get("/plan/statement"), lang="en")
    assert page.find("input", id="net_income").attrs["value"] == "1,850.50"
    client.get("/language/nl?next=/plan/statement")
    page = assert_page_ok(client.get("/plan/statement"), lang="nl")
    assert page.find("input", id="net_income").attrs["value"] == "1.850,50"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("net_income", "-100", "Do not use a minus sign"),
        ("net_income", "lots", "Enter the amount in numbers"),
        ("housing_cost", "1,000,000.01", "too high for one month"),
        ("other_fixed_costs", "12.3456", "no more than two digits"),
        ("children_ages", "3, 19", "from 0 to 17"),
    ],
)
def test_bad_statement_input_gives_a_message_next_to_the_field_and_saves_nothing(
    client: FlaskClient, db_session: Session, field: str, value: str, message: str
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    data = {**STATEMENT, field: value, "action": "save"}

    response = post_page(client, "/plan/statement", data)

    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert page.find(role="alert") is not None
    error = page.find(id=f"{field}-error")
    assert error is not None
    assert message in error.text
    db_session.expire_all()
    assert db_session.scalars(select(HouseholdStatementRecord)).first() is None


def test_continuing_needs_every_answer(client: FlaskClient, db_session: Session) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    data = {**STATEMENT, "childcare": "", "action": "continue"}

    response = post_page(client, "/plan/statement", data)

    assert response.status_code == 400
    assert "Enter an amount, or 0 if you have none." in response.get_data(as_text=True)
    assert db_session.scalars(select(HouseholdStatementRecord)).first() is None


def test_the_proposal_explains_the_capacity_and_a_statement_plan_is_active_at_once(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)

    response = post_page(client, "/plan/statement", {**STATEMENT, "action": "continue"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/plan/proposal"
    page = assert_page_ok(client.get("/plan/proposal"), lang="en")
    why = page.find(id="why-heading")
    assert why is not None
    assert "Your income €2,400.00" in page.text
    location = _confirm(client)
    assert newest_plan(db_session, debtor.id).basis == "statement"
    assert "Your plan is active" in client.get(location).get_data(as_text=True)


def test_a_low_income_is_routed_kindly_to_remission_and_debt_help(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    low = {**STATEMENT, "adults": "1", "children_ages": "", "net_income": "900"}
    post_page(client, "/plan/statement", {**low, "action": "continue"})

    page = assert_page_ok(client.get("/plan/proposal"), lang="en")

    assert page.find(**{"data-no-fit": ""}) is not None
    assert "A payment plan does not fit your situation now." in page.text
    assert "remission" in page.text


def test_changing_the_monthly_amount_quotes_again_and_refuses_amounts_outside_the_policy(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "100")

    response = post_page(client, "/plan/proposal", {"monthly": "200"})
    assert response.status_code == 302
    page = assert_page_ok(client.get("/plan/proposal"), lang="en")
    assert page.find(**{"data-quote-monthly": "20000"}) is not None
    assert page.find(**{"data-quote-months": "3"}) is not None

    too_low = post_page(client, "/plan/proposal", {"monthly": "10"})
    assert too_low.status_code == 400
    assert "The lowest amount per month is €25.00" in too_low.get_data(as_text=True)
    too_long = post_page(client, "/plan/proposal", {"monthly": "25"})
    assert too_long.status_code == 400
    assert "A plan can last at most 12 months" in too_long.get_data(as_text=True)
    page = assert_page_ok(client.get("/plan/proposal"), lang="en")
    assert page.find(**{"data-quote-monthly": "20000"}) is not None
    assert count_plans(db_session) == 0


@pytest.mark.parametrize(
    "data",
    [{"choice": "own_offer", "monthly": ""}, {"choice": "own_offer", "monthly": "-3"}, {}],
)
def test_the_afford_page_refuses_bad_input(
    client: FlaskClient, db_session: Session, data: dict[str, str]
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    response = post_page(client, "/plan/afford", data)
    assert response.status_code == 400
    assert assert_page_ok(response, lang="en").find(role="alert") is not None


def test_posts_without_a_csrf_token_change_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "100")
    fields = form_fields(client.get("/plan/proposal").get_data(as_text=True), CONFIRM)
    del fields["csrf_token"]

    assert client.post(CONFIRM, data=fields).status_code == 400
    assert client.post("/plan/statement", data={**STATEMENT, "action": "save"}).status_code == 400
    assert client.post("/plan/afford", data={"choice": "statement"}).status_code == 400
    assert count_plans(db_session) == 0
    assert db_session.scalars(select(HouseholdStatementRecord)).first() is None


def test_another_citizens_plan_is_not_found(client: FlaskClient, db_session: Session) -> None:
    owner = debtor_owing(db_session, LARGE_DEBT, name="Owner")
    login_citizen(client, owner.id)
    _own_offer(client, "700")
    location = _confirm(client)
    plan = newest_plan(db_session, owner.id)

    other = debtor_owing(db_session, SMALL_DEBT, name="Someone Else")
    login_citizen(client, other.id)
    assert client.get(location).status_code == 404
    for action in ("accept", "decline", "cancel"):
        page = client.get("/plan/afford")
        response = client.post(f"/plan/{plan.id}/{action}", data={"csrf_token": csrf_from(page)})
        assert response.status_code == 404
    assert newest_plan(db_session, owner.id).state == "pending_review"


def test_a_pending_proposal_can_be_withdrawn(client: FlaskClient, db_session: Session) -> None:
    debtor = debtor_owing(db_session, LARGE_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "700")
    _confirm(client)
    page = assert_page_ok(client.get("/plan"), lang="en")
    assert "You will hear from us by" in page.text
    plan = newest_plan(db_session, debtor.id)

    fields = form_fields(client.get("/plan").get_data(as_text=True), f"/plan/{plan.id}/cancel")
    response = client.post(f"/plan/{plan.id}/cancel", data=fields)

    assert response.status_code == 302
    assert newest_plan(db_session, debtor.id).state == "cancelled"


def test_the_citizen_accepts_a_counter_proposal_with_one_click(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, LARGE_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "700")
    _confirm(client)
    plan = newest_plan(db_session, debtor.id)
    staff = make_staff(db_session)
    counter_propose(
        db_session,
        app.config["RULE_PACK"],
        plan.id,
        staff_user_id=staff.id,
        monthly=100_000,
        note="We think you can pay a little more.",
        expected_state="pending_review",
        as_of=TODAY,
    )
    db_session.flush()

    page = assert_page_ok(client.get("/plan"), lang="en")
    assert page.find(**{"data-counter-monthly": "100000"}) is not None
    assert "We think you can pay a little more." in page.text
    fields = form_fields(client.get("/plan").get_data(as_text=True), f"/plan/{plan.id}/accept")
    assert client.post(f"/plan/{plan.id}/accept", data=fields).status_code == 302

    accepted = newest_plan(db_session, debtor.id)
    assert (accepted.state, accepted.monthly_amount) == ("active", 100_000)
    overview = assert_page_ok(client.get("/overview"), lang="en")
    block = overview.find(**{"data-plan-block": ""})
    assert block is not None
    assert "left to pay" in block.text


def test_a_letter_code_login_is_asked_to_log_in_with_eid(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id, scope=[1], method="login_code")
    page = assert_page_ok(client.get("/plan"), lang="en")
    assert "log in again with DigiD" in page.text
    assert client.post("/plan/afford", data={"choice": "statement"}).status_code in (400, 403)


def test_the_overview_and_help_links_lead_to_the_plan_page(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    page = assert_page_ok(client.get("/overview"), lang="en")
    assert page.find("a", href="/plan") is not None


def test_an_active_plan_shows_progress_and_links_the_installment_page_only_when_it_exists(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "100")
    _confirm(client)

    page = assert_page_ok(client.get("/plan"), lang="en")

    progress = page.find(**{"data-plan-progress": ""})
    assert progress is not None
    assert progress.attrs["data-remaining"] == "60000"
    assert len(page.find_all("tr", **{"data-installment": ""})) == 6
    has_link = page.find("a", **{"data-action": "pay-installment"}) is not None
    assert has_link == ("payments.pay_installment" in app.view_functions)
    assert client.get("/plan/afford").status_code == 302  # no second plan while one runs


def test_a_defaulted_plan_offers_one_self_service_re_plan(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = debtor_owing(db_session, SMALL_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "100")
    _confirm(client)
    plan = newest_plan(db_session, debtor.id)
    default_plan(db_session, app.config["RULE_PACK"], plan, on=TODAY, actor=Actor.system())
    db_session.flush()

    page = assert_page_ok(client.get("/plan"), lang="en")

    assert page.find(**{"data-plan-state": "defaulted"}) is not None
    assert "You can make a new plan yourself, one time." in page.text
    assert page.find("a", href="/plan/afford") is not None
    _own_offer(client, "150")
    _confirm(client)
    replan = newest_plan(db_session, debtor.id)
    assert replan.id != plan.id
    assert replan.is_replan


def test_an_expired_counter_proposal_cannot_be_accepted(
    app: Flask, client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    debtor = debtor_owing(db_session, LARGE_DEBT)
    login_citizen(client, debtor.id)
    _own_offer(client, "700")
    _confirm(client)
    plan = newest_plan(db_session, debtor.id)
    staff = make_staff(db_session)
    counter_propose(
        db_session,
        app.config["RULE_PACK"],
        plan.id,
        staff_user_id=staff.id,
        monthly=100_000,
        note="",
        expected_state="pending_review",
        as_of=TODAY,
    )
    db_session.commit()  # as the staff view would; the citizen's failed accept rolls back
    fields = form_fields(client.get("/plan").get_data(as_text=True), f"/plan/{plan.id}/accept")
    freeze_today(monkeypatch, TODAY + timedelta(days=60))

    response = client.post(f"/plan/{plan.id}/accept", data=fields, follow_redirects=True)

    assert "This proposal has expired" in response.get_data(as_text=True)
    assert newest_plan(db_session, debtor.id).state == "counter_proposed"
