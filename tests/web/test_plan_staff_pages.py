"""Caseworker pages for payment plans: the queue, the decision page and its three decisions."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import Debtor
from portal.models import Plan
from portal.services import plans as plan_svc
from portal.services.audit import Actor
from portal.services.plan_decisions import REJECTION_REASONS
from portal.staff.plans import plan_decision_url
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import make_staff
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.factories import pay
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.plans_ui import LARGE_DEBT
from tests.support.plans_ui import VERY_LARGE_DEBT
from tests.support.plans_ui import debtor_owing
from tests.support.plans_ui import form_fields

pytestmark = pytest.mark.usefixtures("isolated_requests")

QUEUE = "/staff/plans"
_keys = iter(range(1, 10_000))


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)
    monkeypatch.setattr("portal.staff.plans._today", lambda: TODAY)


def _pending_plan(
    app: Flask, session: Session, amounts: tuple[int, ...] = LARGE_DEBT, name: str = "Mark Large"
) -> Plan:
    debtor = debtor_owing(session, amounts, name=name)
    plan = plan_svc.propose_plan(
        session,
        app.config["RULE_PACK"],
        debtor.id,
        monthly=max(70_000, -(-sum(amounts) // 12)),
        basis="own_offer",
        statement_id=None,
        submission_key=f"test-key-{next(_keys):06d}-plans-ui",
        as_of=TODAY,
        actor=Actor.citizen(debtor.id),
    )
    session.commit()  # as the citizen's view would (a view's rollback must not undo it)
    assert plan.state == "pending_review"
    return plan


def _caseworker(client: FlaskClient, session: Session, username: str = "anna") -> int:
    user = make_staff(session, username=username, display_name=f"{username.title()} Staff")
    login_staff(client, user.id)
    return user.id


def _decide(client: FlaskClient, plan_id: int, action: str, **data: str) -> int:
    page = client.get(f"/staff/plans/{plan_id}").get_data(as_text=True)
    fields = form_fields(page, f"/staff/plans/{plan_id}/{action}")
    response = client.post(f"/staff/plans/{plan_id}/{action}", data={**fields, **data})
    return response.status_code


def _state(session: Session, plan_id: int) -> str:
    session.expire_all()
    plan = session.get(Plan, plan_id)
    assert plan is not None
    return plan.state


def test_the_queue_lists_pending_plans_oldest_first_with_name_and_no_national_id(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    first = _pending_plan(app, db_session, name="First Person")
    second = _pending_plan(app, db_session, name="Second Person")
    debtor = db_session.get(Debtor, first.debtor_id)
    assert debtor is not None
    _caseworker(client, db_session)

    page = assert_page_ok(client.get(QUEUE), lang="en")

    rows = page.find_all("tr", **{"data-plan-id": str(first.id)}) + page.find_all(
        "tr", **{"data-plan-id": str(second.id)}
    )
    assert len(rows) == 2
    html = client.get(QUEUE).get_data(as_text=True)
    assert html.index("First Person") < html.index("Second Person")
    assert page.find("a", href=f"/staff/plans/{first.id}") is not None


def test_every_plan_page_renders_in_every_language(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    _caseworker(client, db_session)
    for language in ("da", "nl", "en"):
        client.get(f"/language/{language}?next=/staff/")
        assert_page_ok(client.get(QUEUE), lang=language)
        assert_page_ok(client.get(f"/staff/plans/{plan.id}"), lang=language)


def test_a_caseworker_approves_and_the_plan_becomes_active(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    _caseworker(client, db_session)

    assert _decide(client, plan.id, "approve") == 302

    assert _state(db_session, plan.id) == "active"
    assert len(db_session.get(Plan, plan.id).installments) > 0  # type: ignore[union-attr]


def test_approve_with_changes_sends_a_counter_proposal(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    _caseworker(client, db_session)

    status = _decide(client, plan.id, "counter", monthly="1.000,00", note="Please pay a bit more.")

    assert status == 302
    db_session.expire_all()
    changed = db_session.get(Plan, plan.id)
    assert changed is not None
    assert changed.state == "counter_proposed"
    assert changed.counter_monthly == 100_000
    assert changed.decision_note == "Please pay a bit more."


@pytest.mark.parametrize("monthly", ["", "abc", "-5", "0", "1,234,567.00"])
def test_a_bad_counter_amount_gives_a_message_and_changes_nothing(
    app: Flask, client: FlaskClient, db_session: Session, monthly: str
) -> None:
    plan = _pending_plan(app, db_session)
    _caseworker(client, db_session)
    page = client.get(f"/staff/plans/{plan.id}").get_data(as_text=True)
    fields = form_fields(page, f"/staff/plans/{plan.id}/counter")

    response = client.post(f"/staff/plans/{plan.id}/counter", data={**fields, "monthly": monthly})

    assert response.status_code == 400
    result = assert_page_ok(response, lang="en")
    assert result.find(role="alert") is not None
    assert _state(db_session, plan.id) == "pending_review"


def test_a_rejection_needs_a_reason_and_a_note_and_the_citizen_sees_them(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    _caseworker(client, db_session)

    assert _decide(client, plan.id, "reject", reason_code="", note="") == 400
    assert _decide(client, plan.id, "reject", reason_code="can_pay_more", note="  ") == 400
    assert _decide(client, plan.id, "reject", reason_code="no_such_code", note="Hi") == 400
    assert _state(db_session, plan.id) == "pending_review"

    note = "Please fill in your income and expenses, then propose again."
    assert _decide(client, plan.id, "reject", reason_code="can_pay_more", note=note) == 302
    assert _state(db_session, plan.id) == "rejected"

    citizen = app.test_client()
    login_citizen(citizen, plan.debtor_id)
    page = assert_page_ok(citizen.get("/plan"), lang="en")
    rejected = page.find(**{"data-rejected-plan": ""})
    assert rejected is not None
    assert note in rejected.text
    with app.test_request_context(headers={"Accept-Language": "en"}):
        reason = str(REJECTION_REASONS["can_pay_more"])
    assert reason in rejected.text
    assert page.find("a", href="/plan/afford") is not None


def test_a_stale_form_changes_nothing_and_says_so(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    _caseworker(client, db_session)
    page = client.get(f"/staff/plans/{plan.id}").get_data(as_text=True)
    stale = form_fields(page, f"/staff/plans/{plan.id}/approve")
    assert _decide(client, plan.id, "counter", monthly="800") == 302

    response = client.post(f"/staff/plans/{plan.id}/approve", data=stale, follow_redirects=True)

    assert "Someone else changed this plan" in response.get_data(as_text=True)
    assert _state(db_session, plan.id) == "counter_proposed"


def test_four_eyes_the_first_approver_cannot_approve_again(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session, VERY_LARGE_DEBT)
    _caseworker(client, db_session, "anna")
    assert _decide(client, plan.id, "approve") == 302
    assert _state(db_session, plan.id) == "awaiting_second_approval"

    page = assert_page_ok(client.get(f"/staff/plans/{plan.id}"), lang="en")
    assert page.find(**{"data-first-approver": ""}) is not None
    assert page.find("form", action=f"/staff/plans/{plan.id}/approve") is None

    _caseworker(client, db_session, "bram")
    assert _decide(client, plan.id, "approve") == 302
    assert _state(db_session, plan.id) == "active"


def test_the_decision_page_shows_the_difference_when_a_payment_arrived(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    debtor = db_session.get(Debtor, plan.debtor_id)
    assert debtor is not None
    pay(db_session, debtor, 10_000)
    _caseworker(client, db_session)

    page = assert_page_ok(client.get(f"/staff/plans/{plan.id}"), lang="en")

    difference = page.find(**{"data-total-difference": "-10000"})
    assert difference is not None


@pytest.mark.parametrize("role", ["desk", "department_clerk", "admin"])
def test_roles_without_work_decide_cannot_see_or_decide(
    app: Flask, client: FlaskClient, db_session: Session, role: str
) -> None:
    plan = _pending_plan(app, db_session)
    user = make_staff(db_session, role=role, username=f"user-{role}")
    login_staff(client, user.id)
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"/staff/plans/{plan.id}").status_code == 403
    response = client.post(f"/staff/plans/{plan.id}/approve", data={"expected_state": "x"})
    assert response.status_code in (400, 403)
    assert _state(db_session, plan.id) == "pending_review"


def test_a_citizen_session_cannot_reach_the_staff_pages(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    login_citizen(client, plan.debtor_id)
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"/staff/plans/{plan.id}").status_code == 403
    assert client.post(f"/staff/plans/{plan.id}/approve").status_code in (400, 403)
    assert _state(db_session, plan.id) == "pending_review"


def test_decisions_need_a_csrf_token_and_an_unknown_plan_is_not_found(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = _pending_plan(app, db_session)
    _caseworker(client, db_session)
    response = client.post(f"/staff/plans/{plan.id}/approve", data={"expected_state": plan.state})
    assert response.status_code == 400
    assert _state(db_session, plan.id) == "pending_review"
    assert client.get("/staff/plans/999999").status_code == 404


def test_plan_decision_url_names_the_decision_page(app: Flask) -> None:
    with app.test_request_context():
        assert plan_decision_url(42) == "/staff/plans/42"
