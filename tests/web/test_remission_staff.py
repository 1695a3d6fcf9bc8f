"""The caseworker's remission pages: queue, decision page, the four decisions, stale forms,
evidence downloads, and who may see them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import LedgerEntry
from portal.models import Letter
from portal.models import RemissionApplication
from portal.services import remission_evidence as evidence
from portal.services import remission_submission as submission
from portal.services.audit import Actor
from tests.support.factories import TODAY
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import make_staff
from tests.support.remission import NOW
from tests.support.remission import PDF
from tests.support.remission import POOR
from tests.support.remission import complete_draft
from tests.support.remission import evidence_in
from tests.support.remission import tax_debtor

SOME_CAPACITY = {**POOR, "income": {"net_income": 146_500}}


@pytest.fixture(autouse=True)
def _files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    evidence_in(monkeypatch, tmp_path)
    monkeypatch.setattr("portal.staff.remission._today", lambda: TODAY)


def _pending(app: Flask, session: Session) -> RemissionApplication:
    data = tax_debtor(session)
    ids = tuple(c.id for c in data.eligible)
    application = complete_draft(session, data.debtor.id, ids, SOME_CAPACITY)
    submission.submit_application(
        session,
        app.config["RULE_PACK"],
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    session.commit()
    return application


def _token(client: FlaskClient, path: str, prefix: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(rf'id="{prefix}-csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no {prefix} token"
    return match.group(1)


def _post(
    client: FlaskClient, application: RemissionApplication, action: str, prefix: str, **data: str
):  # type: ignore[no-untyped-def]
    path = f"/staff/remission/{application.id}"
    form = {"csrf_token": _token(client, path, prefix), **data}
    form.setdefault("expected_state", application.state)
    return client.post(f"{path}/{action}", data=form)


@pytest.mark.parametrize("lang", ["da", "nl", "en"])
def test_the_queue_and_decision_page_render_in_each_language(
    app: Flask, client: FlaskClient, db_session: Session, lang: str
) -> None:
    application = _pending(app, db_session)
    login_staff(client, make_staff(db_session).id)
    db_session.commit()
    headers = {"Accept-Language": lang}
    queue = assert_page_ok(client.get("/staff/remission", headers=headers), lang=lang)
    assert queue.find("tr", **{"data-application": str(application.id)}) is not None
    assert_page_ok(client.get(f"/staff/remission/{application.id}", headers=headers), lang=lang)


def test_a_caseworker_grants_part_and_the_balances_follow(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    application = _pending(app, db_session)
    staff = make_staff(db_session)
    db_session.commit()
    login_staff(client, staff.id)
    first = application.claims[0].claim_id
    response = _post(
        client,
        application,
        "partial",
        "partial",
        note="You can pay some.",
        **{f"claim-{first}": "100"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    assert application.state == "partially_granted"
    assert application.granted_total == 10_000
    entries = db_session.scalars(select(LedgerEntry).where(LedgerEntry.cause == "remission")).all()
    assert [e.amount for e in entries] == [-10_000]
    assert db_session.scalar(select(Letter).where(Letter.kind == "remission_decision")) is not None


def test_a_rejection_without_a_note_is_refused_with_a_message(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    application = _pending(app, db_session)
    login_staff(client, make_staff(db_session).id)
    db_session.commit()
    response = _post(client, application, "reject", "reject", reason="capacity_to_pay", note="")
    assert response.status_code == 400
    assert "Write a short explanation" in response.get_data(as_text=True)
    assert_page_ok(response, lang="en")
    db_session.expire_all()
    assert application.state == "pending_review"
    response = _post(
        client, application, "reject", "reject", reason="capacity_to_pay", note="Income is enough."
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert application.state == "rejected"


def test_a_stale_form_gives_a_clear_message_and_changes_nothing(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    application = _pending(app, db_session)
    login_staff(client, make_staff(db_session).id)
    db_session.commit()
    response = _post(client, application, "grant", "grant", expected_state="more_info_requested")
    assert response.status_code == 409
    assert "Someone else changed this application" in response.get_data(as_text=True)
    db_session.expire_all()
    assert application.state == "pending_review"
    assert db_session.scalar(select(LedgerEntry).where(LedgerEntry.cause == "remission")) is None


def test_asking_for_evidence_gives_the_citizen_a_task_with_a_deadline(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    application = _pending(app, db_session)
    login_staff(client, make_staff(db_session).id)
    db_session.commit()
    response = _post(
        client,
        application,
        "more-info",
        "info",
        note="Send your rent contract.",
        deadline="2026-12-10",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    login_citizen(client, application.debtor_id)
    page = assert_page_ok(client.get(f"/remission/{application.id}"), lang="en")
    assert "Send your rent contract." in page.text
    assert "10 December 2026" in page.text or "December 10, 2026" in page.text


def test_a_grant_in_full_from_the_page(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    application = _pending(app, db_session)
    login_staff(client, make_staff(db_session).id)
    db_session.commit()
    assert _post(client, application, "grant", "grant", note="").status_code == 302
    db_session.expire_all()
    assert application.state == "granted"
    assert application.granted_total == sum(c.amount_at_application for c in application.claims)


def test_desk_staff_cannot_decide_and_citizens_cannot_reach_staff_pages(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    application = _pending(app, db_session)
    login_staff(client, make_staff(db_session, "desk").id)
    db_session.commit()
    assert client.get("/staff/remission").status_code == 403
    assert client.get(f"/staff/remission/{application.id}").status_code == 403
    assert client.post(f"/staff/remission/{application.id}/grant").status_code in (400, 403)
    login_citizen(client, application.debtor_id)
    assert client.get("/staff/remission").status_code == 403
    assert client.get(f"/staff/remission/{application.id}").status_code == 403


def test_staff_download_evidence_as_an_attachment_and_each_download_is_audited(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    application = _pending(app, db_session)
    item = evidence.store_evidence(
        db_session,
        app.config["SALDO"],
        application,
        data=PDF,
        filename="statement.pdf",
        actor=Actor.citizen(application.debtor_id),
        now=NOW,
    )
    staff = make_staff(db_session)
    login_staff(client, staff.id)
    db_session.commit()
    page = assert_page_ok(client.get(f"/staff/remission/{application.id}"), lang="en")
    assert page.find("a", href=f"/staff/remission/{application.id}/evidence/{item.id}") is not None
    response = client.get(f"/staff/remission/{application.id}/evidence/{item.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data == PDF
    assert (
        client.get(f"/staff/remission/{application.id}/evidence/{item.id + 999}").status_code == 404
    )
    db_session.expire_all()
    viewed = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "remission.evidence_viewed")
    ).all()
    assert [(e.object_type, e.object_id, e.staff_user_id) for e in viewed] == [
        ("remission_evidence", item.id, staff.id)
    ]
    assert "statement" not in str(viewed[0].details)
