"""Another citizen's objects by id: every citizen and payment route that takes an id is tried
with the ids of someone else's claim, dispute, plan, installment, payment, debt overview
document, share link, remission application and evidence. Each must be a 404 that shows none
of the owner's data, and a POST must change nothing.

The routes come from app.url_map, so a new route with an id is tried without editing this file
(it fails below until it is listed in EXPECTED_ID_ROUTES, a reminder to check it by hand).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Rule

from portal.models import AuditEvent
from portal.models import CheckoutAttempt
from portal.models import Department
from portal.models import LedgerEntry
from portal.models import ShareLink
from portal.models.dispute import Dispute
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.primitives import make_staff
from tests.support.security import World
from tests.support.security import build_url
from tests.support.security import build_world
from tests.support.security import rules_of
from tests.support.security import token_from

CITIZEN_BLUEPRINTS = ("citizen", "payments")
#: Routes with an id that belongs to a citizen. Token routes (/p/<token>, /shared/<token>,
#: /payments/return/<public_id>, the sandbox) are capabilities by design and tried in
#: test_links_and_webhooks; /soon/<feature> and /static take no object.
EXPECTED_ID_ROUTES = frozenset(
    {
        "citizen.claim",
        "citizen.claim_dispute",
        "citizen.debt_overview_document",
        "citizen.debt_overview_pdf",
        "citizen.plan_accept",
        "citizen.plan_cancel",
        "citizen.plan_confirmation",
        "citizen.plan_decline",
        "citizen.remission_check",
        "citizen.remission_evidence_file",
        "citizen.remission_status",
        "citizen.remission_step",
        "citizen.remission_upload",
        "citizen.remission_withdraw",
        "citizen.revoke_debt_overview_link",
        "citizen.share_debt_overview",
        "payments.claim_qr",
        "payments.installment_qr",
        "payments.pay_claim",
        "payments.pay_installment",
        "payments.receipt",
    }
)
ID_ARGUMENTS = frozenset(
    {"claim_id", "plan_id", "installment_id", "payment_id", "document_id", "application_id"}
)


def _id_rules(app: Flask, method: str) -> list[Rule]:
    return [
        rule
        for rule in rules_of(app, *CITIZEN_BLUEPRINTS, method=method)
        if rule.arguments & ID_ARGUMENTS
    ]


def _state(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (LedgerEntry, CheckoutAttempt, ShareLink, Dispute, AuditEvent)
    )


def _leaks(body: str, world: World) -> list[str]:
    return [secret for secret in world.secrets if secret in body]


def test_every_citizen_route_with_an_id_is_checked_here(app: Flask) -> None:
    found = {rule.endpoint for method in ("GET", "POST") for rule in _id_rules(app, method)}
    assert found == EXPECTED_ID_ROUTES


def test_the_rightful_owners_open_the_same_urls(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """The control for the test below: the ids are real, so its 404s mean refusal."""
    world = build_world(db_session)
    wrong = []
    for rule in _id_rules(app, "GET"):
        login_citizen(client, world.rightful_owner(rule.arguments).id)
        url = build_url(rule, world.ids())
        status = client.get(url).status_code
        if status not in (200, 302):
            wrong.append(f"GET {url}: {status}")
    assert wrong == []


def test_another_citizens_objects_are_not_found_by_id_and_show_nothing(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    world = build_world(db_session)
    login_citizen(client, world.intruder.id)
    wrong = []
    tried = 0
    for rule in _id_rules(app, "GET"):
        url = build_url(rule, world.ids())
        response = client.get(url)
        tried += 1
        if response.status_code != 404:
            wrong.append(f"GET {url}: {response.status_code}")
        if leaked := _leaks(response.get_data(as_text=True), world):
            wrong.append(f"GET {url} shows {leaked}")
    assert tried >= 12
    assert wrong == []


def test_posts_on_another_citizens_objects_are_not_found_and_change_nothing(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    world = build_world(db_session)
    login_citizen(client, world.intruder.id)
    token = token_from(client, "/overview")
    before = _state(db_session)
    wrong = []
    for rule in _id_rules(app, "POST"):
        url = build_url(rule, world.ids())
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "consent": "y",
                "reason": "already_paid",
                "text": "Trying someone else's bill.",
                "choice": "full",
                "amount": "10,00",
                "expected_state": world.plan.state,
            },
        )
        if response.status_code != 404:
            wrong.append(f"POST {url}: {response.status_code}")
        if leaked := _leaks(response.get_data(as_text=True), world):
            wrong.append(f"POST {url} shows {leaked}")
    assert wrong == []
    assert _state(db_session) == before


def test_own_document_with_someone_elses_share_link_id_is_not_found(
    client: FlaskClient, db_session: Session
) -> None:
    """The link id is checked against the document in the URL, not only the document."""
    world = build_world(db_session)
    login_citizen(client, world.intruder.id)
    token = token_from(client, "/debt-overview")
    made = client.post("/debt-overview", data={"csrf_token": token})
    assert made.status_code == 302
    own_document = made.headers["Location"]
    response = client.post(
        f"{own_document}/links/{world.share_link_id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(ShareLink, world.share_link_id).revoked_at is None  # type: ignore[union-attr]


def test_a_letter_code_session_reaches_only_the_letters_claims(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """A code login is scoped to one letter: the owner's own other claim is not found either."""
    world = build_world(db_session)
    login_citizen(client, world.intruder.id, scope=[world.intruder_claim.id], method="login_code")
    assert client.get(f"/claims/{world.intruder_claim.id}").status_code == 200
    for url in (f"/claims/{world.claim.id}", f"/claims/{world.claim.id}/pay"):
        assert client.get(url).status_code == 404, url


def test_a_clerk_of_another_department_gets_no_dispute_or_its_evidence(
    client: FlaskClient, db_session: Session
) -> None:
    world = build_world(db_session)
    clerk = make_staff(db_session, "department_clerk")
    clerk.department_id = db_session.scalar(
        select(Department.id).where(Department.id != world.claim.department_id).limit(1)
    )
    db_session.commit()
    assert clerk.department_id is not None
    login_staff(client, clerk.id)
    for url in (
        f"/staff/disputes/{world.dispute.id}",
        f"/staff/disputes/{world.dispute.id}/evidence",
    ):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert _leaks(response.get_data(as_text=True), world) == []


def _int_arguments(rule: Rule) -> list[str]:
    return [
        name
        for name in rule.arguments
        if isinstance(rule._converters[name], IntegerConverter)  # noqa: SLF001
    ]


@pytest.mark.parametrize("who", ["citizen", "staff"])
def test_an_id_too_large_for_the_database_is_not_found(
    app: Flask, client: FlaskClient, db_session: Session, who: str
) -> None:
    """/claims/<int:claim_id> takes any number of digits; PostgreSQL's INTEGER does not. It
    used to be a database error, a 500 (fixed in portal/security.py)."""
    world = build_world(db_session)
    staff = make_staff(db_session, "supervisor")
    db_session.commit()
    if who == "citizen":
        login_citizen(client, world.owner.id)
    else:
        login_staff(client, staff.id)
    wrong = []
    for rule in rules_of(app, "citizen", "payments", "staff", method="GET"):
        for name in _int_arguments(rule):
            values: dict[str, int | str] = {**world.ids(), name: 10**20}
            url = build_url(rule, values)
            status = client.get(url).status_code
            if status not in (403, 404):
                wrong.append(f"GET {url}: {status}")
    assert wrong == []
