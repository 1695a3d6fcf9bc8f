"""SQL and template injection strings, a script tag, format strings and 10,000 characters in
every free-text field of every form we can reach (statement, remission wizard, dispute text,
contact note, search boxes, decision notes, login fields...): never a 500, no template
evaluated, the script string escaped wherever it is shown.

The forms are read from the pages themselves (tests/support/security.forms_on), so a new text
field on these pages is tried without editing this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import ContactNote
from portal.services import remission_submission
from portal.services.audit import Actor
from portal.services.payment_links import create_payment_link
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.payments import count
from tests.support.plans import debtor_with_debt
from tests.support.plans import make_plan
from tests.support.primitives import make_staff
from tests.support.remission import POOR
from tests.support.remission import complete_draft
from tests.support.security import NOW
from tests.support.security import PAYLOADS
from tests.support.security import FormSpec
from tests.support.security import World
from tests.support.security import build_world
from tests.support.security import forms_on
from tests.support.security import hostile_problems
from tests.support.security import new_bsn

#: forms that end the session or only switch the language: posting them proves nothing here
SKIP_ACTIONS = ("/logout", "/staff/logout", "/language/", "/staff/desk/end")
#: an income the NL norms do not waive in full, so the application waits for a caseworker
SOME_CAPACITY = {**POOR, "income": {"net_income": 146_500}}


def _citizen_pages(session: Session, world: World) -> list[tuple[int, str]]:
    intruder, applicant = world.intruder.id, world.applicant.id
    starter = debtor_with_debt(session, 60_000, 30_000, name="Plan Starter").id
    session.commit()
    application = world.application.id
    return [
        (intruder, "/overview"),
        (intruder, f"/claims/{world.intruder_claim.id}/dispute"),
        (intruder, f"/claims/{world.intruder_claim.id}/pay"),
        (starter, "/plan"),
        (starter, "/plan/statement"),
        (starter, "/plan/afford"),
        (starter, "/plan/proposal"),
        (intruder, "/debt-overview"),
        (intruder, "/remission"),
        (applicant, f"/remission/{application}/household"),
        (applicant, f"/remission/{application}/income"),
        (applicant, f"/remission/{application}/costs"),
        (applicant, f"/remission/{application}/assets"),
        (applicant, f"/remission/{application}/consent"),
        (applicant, f"/remission/{application}/evidence"),
    ]


def _staff_pages(app: Flask, session: Session, world: World) -> list[str]:
    plan = make_plan(session, state="pending_review")
    remission_debtor = make_debtor(session, "Pending Person", national_id=new_bsn())
    bill = make_claim(session, remission_debtor, 40_260, claim_type_code="waste_levy")
    pending = complete_draft(session, remission_debtor.id, (bill.id,), SOME_CAPACITY)
    remission_submission.submit_application(
        session,
        app.config["RULE_PACK"],
        pending,
        actor=Actor.citizen(remission_debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    session.commit()
    owner = world.owner.id
    return [
        "/staff/",
        "/staff/queue",
        "/staff/debtors",
        "/staff/desk",
        f"/staff/desk/start/{owner}",
        f"/staff/debtors/{owner}",
        f"/staff/debtors/{owner}/legal-stops",
        "/staff/debt-overview",
        f"/staff/credits/{owner}",
        "/staff/credits",
        "/staff/refunds",
        "/staff/audit",
        "/staff/signals",
        "/staff/plans",
        f"/staff/plans/{plan.id}",
        "/staff/remission",
        f"/staff/remission/{pending.id}",
        "/staff/disputes",
        f"/staff/disputes/{world.dispute.id}",
        "/staff/write-offs",
        "/staff/reports",
        "/staff/bank/unmatched",
        "/staff/bank/import",
        "/staff/claims/import",
    ]


def _send(client: FlaskClient, form: FormSpec, field: str, payload: str):  # type: ignore[no-untyped-def]
    data = dict(form.fixed)
    for name in form.text_fields:
        data[name] = payload if name == field else data.get(name, "1")
    if form.method == "GET":
        return client.get(form.action, query_string=data)
    # followed: a stored string must also be safe on the page that shows it afterwards
    return client.post(form.action, data=data, follow_redirects=True)


def _attack(client: FlaskClient, page: str) -> Iterator[str]:
    """Every payload in every text field of every form on `page`, one field at a time."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    for form in forms_on(response.get_data(as_text=True), page):
        if any(form.action.startswith(skip) for skip in SKIP_ACTIONS):
            continue
        for field in form.text_fields:
            for payload in PAYLOADS:
                answer = _send(client, form, field, payload)
                for problem in hostile_problems(answer, payload):
                    yield f"{form.method} {form.action} [{field}] {payload[:20]!r}: {problem}"


def _count_fields(client: FlaskClient, pages: list[str]) -> int:
    total = 0
    for page in pages:
        forms = forms_on(client.get(page).get_data(as_text=True), page)
        total += sum(
            len(form.text_fields)
            for form in forms
            if not any(form.action.startswith(skip) for skip in SKIP_ACTIONS)
        )
    return total


@pytest.mark.parametrize("part", ["remission_wizard", "other"])
def test_hostile_strings_in_every_citizen_form_field(
    client: FlaskClient, db_session: Session, part: str
) -> None:
    world = build_world(db_session)
    problems = []
    fields = 0
    for debtor_id, page in _citizen_pages(db_session, world):
        if ("/remission/" in page) != (part == "remission_wizard"):
            continue
        login_citizen(client, debtor_id)
        fields += _count_fields(client, [page])
        problems.extend(_attack(client, page))
    assert fields >= 8, "too few text fields found: is the form reader broken?"
    assert problems == []


@pytest.mark.parametrize("role", ["supervisor", "desk"])
def test_hostile_strings_in_every_staff_form_field(
    app: Flask, client: FlaskClient, db_session: Session, role: str
) -> None:
    world = build_world(db_session)
    pages = _staff_pages(app, db_session, world)
    staff = make_staff(db_session, role)
    db_session.commit()
    login_staff(client, staff.id)
    reachable = [page for page in pages if client.get(page).status_code == 200]
    assert len(reachable) >= (18 if role == "supervisor" else 4)
    problems = [problem for page in reachable for problem in _attack(client, page)]
    assert _count_fields(client, reachable) >= 5
    assert problems == []


def test_hostile_strings_in_the_public_forms(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Link Person", national_id=new_bsn())
    claim = make_claim(db_session, debtor, 8_000)
    issued = create_payment_link(
        db_session, app.config["SALDO"], claim_id=claim.id, now=datetime.now(UTC)
    )
    admin = make_staff(db_session, "admin")
    db_session.commit()
    pages = ["/login/code", "/staff/login", "/verify", f"/p/{issued.token}"]
    problems = [problem for page in pages for problem in _attack(client, page)]
    login_staff(client, admin.id)
    problems += list(_attack(client, "/staff/api-tokens"))
    assert problems == []


def test_a_nul_character_in_a_form_is_a_400_and_nothing_is_stored(
    client: FlaskClient, db_session: Session
) -> None:
    """PostgreSQL cannot store NUL in text; it used to be a 500 at the flush (portal/security)."""
    debtor = make_debtor(db_session, "Nul Person", national_id=new_bsn())
    staff = make_staff(db_session, "caseworker")
    db_session.commit()
    login_staff(client, staff.id)
    page = f"/staff/debtors/{debtor.id}"
    form = next(
        form
        for form in forms_on(client.get(page).get_data(as_text=True), page)
        if form.action.endswith("/contact")
    )
    before = count(db_session, ContactNote)
    response = _send(client, form, "contact_note", "I called.\x00")
    assert response.status_code == 400
    assert "We could not understand that request" in response.get_data(as_text=True)
    assert count(db_session, ContactNote) == before
