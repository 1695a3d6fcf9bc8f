"""Remission at the desk: a staff member in desk mode fills in the citizen's application; the
application and every audit event name both people, and a download of evidence is audited."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from tests.support.citizen_ui import freeze_today
from tests.support.login import login_staff
from tests.support.overview_documents import csrf_from_page
from tests.support.overview_documents import csrf_of
from tests.support.primitives import make_staff
from tests.support.remission import PDF
from tests.support.remission import complete_draft
from tests.support.remission import evidence_in
from tests.support.remission import tax_debtor


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    freeze_today(monkeypatch)
    evidence_in(monkeypatch, tmp_path)


def _start_desk(client: FlaskClient, debtor_id: int) -> None:
    page = f"/staff/desk/start/{debtor_id}"
    data = {
        "csrf_token": csrf_from_page(client, page),
        "visit_reason": "question",
        "identity_check": "id_card",
    }
    assert client.post(page, data=data).status_code == 302


def _events(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("remission.%")).order_by(AuditEvent.id)
        )
    )


def test_an_application_made_at_the_desk_records_the_staff_member_and_the_citizen(
    client: FlaskClient, db_session: Session
) -> None:
    info = tax_debtor(db_session)
    staff = make_staff(db_session, "desk")
    login_staff(client, staff.id)
    _start_desk(client, info.debtor.id)

    page = client.get("/remission")
    assert page.status_code == 200
    submission_key = re.search(
        r'name="submission_key"[^>]*value="([^"]+)"', page.get_data(as_text=True)
    )
    assert submission_key
    started = client.post(
        "/remission",
        data={
            "csrf_token": csrf_of(page),
            "submission_key": submission_key.group(1),
            "claims": [c.id for c in info.eligible],
        },
    )
    assert started.status_code == 302
    household = started.headers["Location"]
    saved = client.post(
        household,
        data={
            "csrf_token": csrf_from_page(client, household),
            "adults": "1",
            "children_ages": "",
        },
    )
    assert saved.status_code == 302

    db_session.expire_all()
    application = db_session.scalars(
        select(RemissionApplication).where(RemissionApplication.debtor_id == info.debtor.id)
    ).one()
    assert application.entered_by_staff_id == staff.id
    assert application.adults == 1
    events = _events(db_session)
    assert [e.action for e in events] == ["remission.started", "remission.step_saved"]
    assert {(e.actor_kind, e.staff_user_id, e.debtor_id) for e in events} == {
        ("staff", staff.id, info.debtor.id)
    }


def test_evidence_uploaded_and_opened_at_the_desk_is_audited_with_the_staff_member(
    client: FlaskClient, db_session: Session
) -> None:
    info = tax_debtor(db_session)
    application = complete_draft(db_session, info.debtor.id, (info.eligible[0].id,))
    staff = make_staff(db_session, "desk")
    db_session.commit()
    login_staff(client, staff.id)
    _start_desk(client, info.debtor.id)

    step = f"/remission/{application.id}/evidence"
    uploaded = client.post(
        f"/remission/{application.id}/upload",
        data={
            "csrf_token": csrf_from_page(client, step),
            "document": (io.BytesIO(PDF), "payslip.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    db_session.expire_all()
    item = db_session.scalars(select(RemissionEvidence)).one()
    assert item.uploaded_by_staff_id == staff.id

    download = client.get(f"/remission/{application.id}/evidence/{item.id}")
    assert download.status_code == 200
    assert download.data == PDF
    [viewed] = [e for e in _events(db_session) if e.action == "remission.evidence_viewed"]
    assert (viewed.object_type, viewed.object_id) == ("remission_evidence", item.id)
    assert (viewed.staff_user_id, viewed.debtor_id) == (staff.id, info.debtor.id)
    assert "payslip" not in str(viewed.details)
