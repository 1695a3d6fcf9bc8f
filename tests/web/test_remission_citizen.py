"""The citizen's remission pages: pre-check, wizard with save and resume, preliminary outcome,
state page, evidence upload and download; bad input and other people's applications."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from portal.services import remission_submission as submission
from portal.services import remission_wizard as wizard
from portal.services.audit import Actor
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.login import login_citizen
from tests.support.overview_documents import csrf_from_page
from tests.support.overview_documents import csrf_of
from tests.support.page_checks import assert_page_ok
from tests.support.remission import EXE
from tests.support.remission import NOW
from tests.support.remission import PDF
from tests.support.remission import PNG
from tests.support.remission import complete_draft
from tests.support.remission import evidence_in
from tests.support.remission import tax_debtor

WIZARD = {
    "household": {"adults": "1", "children_ages": "4, 9"},
    "income": {"net_income": "1.100"},
    "costs": {
        "rent": "600",
        "housing_allowance": "200",
        "health_premium": "140",
        "health_allowance": "100",
        "other_costs": "0",
    },
    "assets": {"bank_balance": "200,50", "car_value": "", "other_assets": "0"},
    "consent": {"consent": "y"},
}


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    freeze_today(monkeypatch)
    evidence_in(monkeypatch, tmp_path)


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _start(client: FlaskClient, claim_ids: list[int]) -> str:
    page = client.get("/remission")
    token = csrf_of(page)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert key
    response = client.post(
        "/remission",
        data={"csrf_token": token, "submission_key": key.group(1), "claims": claim_ids},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _step(client: FlaskClient, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_from_page(client, path), **data})


def test_the_precheck_shows_what_qualifies_and_why_other_bills_do_not(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    page = assert_page_ok(client.get("/remission"), lang="en")
    assert "Bills we can waive" in page.text
    assert "The rules do not allow us to waive this kind of bill." in page.text
    assert len(page.find_all("input", type="checkbox")) == 2


def test_a_business_sees_why_it_cannot_apply(client: FlaskClient, db_session: Session) -> None:
    data = tax_debtor(db_session, "Shop B.V.", kind="business")
    login_citizen(client, data.debtor.id)
    page = assert_page_ok(client.get("/remission"), lang="en")
    assert "Businesses cannot ask us to waive these bills" in page.text
    assert page.find("form", action="/remission") is None


def test_the_whole_wizard_gives_an_outcome_in_plain_words_and_a_decision(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    location = _start(client, [c.id for c in data.eligible])
    for step, values in WIZARD.items():
        assert location.endswith(f"/{step}"), location
        assert_page_ok(client.get(location), lang="en")
        response = _step(client, location, values)
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
    assert location.endswith("/evidence")
    response = _step(client, location, {})
    check_path = response.headers["Location"]
    assert check_path.endswith("/check")
    page = assert_page_ok(client.get(check_path), lang="en")
    assert "What you could pay each month" in page.text
    assert "We can waive" in page.text
    response = client.post(check_path, data={"csrf_token": csrf_from_page(client, check_path)})
    assert response.status_code == 302
    status = assert_page_ok(client.get(response.headers["Location"]), lang="en")
    assert status.find(**{"data-state": "granted"}) is not None
    assert "we waive these bills in full" in status.text
    db_session.expire_all()
    application = db_session.scalar(select(RemissionApplication))
    assert application is not None
    assert application.state == "granted"
    assert application.children == (4, 9)
    assert application.bank_balance == 20_050
    assert all(c.balance == 0 for c in data.eligible)


def test_a_draft_resumes_where_the_citizen_left_off(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    location = _start(client, [data.eligible[0].id])
    _step(client, location, WIZARD["household"])
    page = assert_page_ok(client.get("/remission"), lang="en")
    link = page.find("a", href=location.replace("household", "income"))
    assert link is not None
    again = assert_page_ok(client.get(location), lang="en")
    assert again.find("input", value="4, 9") is not None


@pytest.mark.parametrize(
    ("step", "values", "message"),
    [
        ("household", {"adults": "3", "children_ages": ""}, "live alone or with a partner"),
        ("household", {"adults": "1", "children_ages": "4, 25"}, "children under 18 only"),
        ("household", {"adults": "1", "children_ages": "four"}, "whole number"),
        ("income", {"net_income": "-1200"}, "without a minus sign"),
        ("income", {"net_income": "99999999999"}, "too large"),
        ("income", {"net_income": "12abc"}, "in numbers"),
    ],
)
def test_impossible_answers_get_a_message_and_nothing_is_saved(
    client: FlaskClient, db_session: Session, step: str, values: dict[str, str], message: str
) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    location = _start(client, [data.eligible[0].id])
    if step == "income":
        _step(client, location, WIZARD["household"])
    path = location.replace("household", step)
    response = _step(client, path, values)
    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert message in page.text
    assert page.find(role="alert") is not None
    db_session.expire_all()
    application = db_session.scalar(select(RemissionApplication))
    assert application is not None
    assert application.net_income is None
    if step == "household":
        assert application.adults is None


def test_rent_benefit_above_the_rent_is_refused(client: FlaskClient, db_session: Session) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    location = _start(client, [data.eligible[0].id])
    response = _step(
        client,
        location.replace("household", "costs"),
        {**WIZARD["costs"], "housing_allowance": "900"},
    )
    assert response.status_code == 400
    assert "cannot be more than your rent" in response.get_data(as_text=True)


def test_bills_of_someone_else_are_refused_and_nothing_is_stored(
    client: FlaskClient, db_session: Session
) -> None:
    mine = tax_debtor(db_session, "Mine")
    theirs = tax_debtor(db_session, "Theirs")
    login_citizen(client, mine.debtor.id)
    page = client.get("/remission")
    response = client.post(
        "/remission",
        data={
            "csrf_token": csrf_of(page),
            "submission_key": "k1",
            "claims": [theirs.eligible[0].id],
        },
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert _count(db_session, RemissionApplication) == 0


def test_a_double_start_gives_one_application(client: FlaskClient, db_session: Session) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    page = client.get("/remission")
    form = {
        "csrf_token": csrf_of(page),
        "submission_key": "same-key",
        "claims": [data.eligible[0].id],
    }
    first = client.post("/remission", data=form)
    second = client.post("/remission", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(db_session, RemissionApplication) == 1


def _draft_on_evidence_step(client: FlaskClient, db_session: Session) -> tuple[int, str]:
    data = tax_debtor(db_session)
    application = complete_draft(db_session, data.debtor.id, (data.eligible[0].id,))
    db_session.commit()
    login_citizen(client, data.debtor.id)
    return application.id, f"/remission/{application.id}/evidence"


def _upload(client: FlaskClient, page: str, application_id: int, content: bytes, name: str):  # type: ignore[no-untyped-def]
    token = csrf_from_page(client, page)
    return client.post(
        f"/remission/{application_id}/upload",
        data={"csrf_token": token, "document": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_pdf_is_uploaded_and_only_the_applicant_downloads_it(
    client: FlaskClient, db_session: Session
) -> None:
    application_id, page = _draft_on_evidence_step(client, db_session)
    response = _upload(client, page, application_id, PDF, "bank statement.pdf")
    assert response.status_code == 302
    db_session.expire_all()
    item = db_session.scalar(select(RemissionEvidence))
    assert item is not None
    download = client.get(f"/remission/{application_id}/evidence/{item.id}")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data == PDF
    other = tax_debtor(db_session, "Other Person")
    login_citizen(client, other.debtor.id)
    assert client.get(f"/remission/{application_id}/evidence/{item.id}").status_code == 404
    assert client.get(f"/remission/{application_id}").status_code == 404
    assert client.get(f"/remission/{application_id}/check").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXE, "invoice.pdf", "only accept PDF, JPG or PNG"),
        (b"", "empty.pdf", "Choose a file first"),
        (PNG + b"\x00" * (6 * 1024 * 1024), "huge.png", "too large"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, content: bytes, name: str, message: str
) -> None:
    application_id, page = _draft_on_evidence_step(client, db_session)
    response = _upload(client, page, application_id, content, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert_page_ok(response, lang="en")
    assert _count(db_session, RemissionEvidence) == 0


def test_a_letter_code_login_is_asked_to_use_eid(client: FlaskClient, db_session: Session) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id, scope=[data.eligible[0].id], method="login_code")
    page = assert_page_ok(client.get("/remission"), lang="en")
    assert "DigiD" in page.text


def test_a_partial_grant_links_into_the_plan_journey(
    client: FlaskClient, db_session: Session, app
) -> None:  # type: ignore[no-untyped-def]
    from portal.services import remission_decisions as decisions
    from tests.support.primitives import make_staff
    from tests.support.remission import POOR

    data = tax_debtor(db_session)
    rules = app.config["RULE_PACK"]
    ids = tuple(c.id for c in data.eligible)
    application = complete_draft(
        db_session, data.debtor.id, ids, {**POOR, "income": {"net_income": 146_500}}
    )
    submission.submit_application(
        db_session, rules, application, actor=Actor.citizen(data.debtor.id), now=NOW, as_of=TODAY
    )
    staff = make_staff(db_session)
    decisions.grant_partially(
        db_session,
        rules,
        application,
        staff_user_id=staff.id,
        expected_state="pending_review",
        note="Part of it.",
        total=10_000,
        now=NOW,
        as_of=TODAY,
    )
    db_session.commit()
    login_citizen(client, data.debtor.id)
    page = assert_page_ok(client.get(f"/remission/{application.id}"), lang="en")
    link = page.find("a", **{"data-plan-link": ""})
    assert link is not None
    expected = "/plan" if "citizen.plan_start" in app.view_functions else "/soon/plan"
    assert link.attrs["href"].startswith(expected)


@pytest.mark.parametrize("lang", ["da", "nl", "en"])
def test_every_remission_page_renders_in_each_language(
    client: FlaskClient, db_session: Session, lang: str
) -> None:
    data = tax_debtor(db_session)
    application = complete_draft(db_session, data.debtor.id, (data.eligible[0].id,))
    db_session.commit()
    login_citizen(client, data.debtor.id)
    headers = {"Accept-Language": lang}
    paths = ["/remission"] + [f"/remission/{application.id}/{s}" for s in wizard.STEPS]
    paths.append(f"/remission/{application.id}/check")
    for path in paths:
        assert_page_ok(client.get(path, headers=headers), lang=lang)
    client.post(
        f"/remission/{application.id}/check",
        data={"csrf_token": csrf_from_page(client, f"/remission/{application.id}/check")},
        headers=headers,
    )
    assert_page_ok(client.get(f"/remission/{application.id}", headers=headers), lang=lang)


def test_garbage_in_the_start_form_gets_a_message_and_nothing_is_stored(
    client: FlaskClient, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    login_citizen(client, data.debtor.id)
    page = client.get("/remission")
    response = client.post(
        "/remission", data={"csrf_token": csrf_of(page), "submission_key": "k", "claims": ["x"]}
    )
    assert response.status_code == 400
    assert "Choose at least one of the bills" in response.get_data(as_text=True)
    expired = client.post("/remission", data={"submission_key": "k", "claims": ["1"]})
    assert expired.status_code == 400
    assert "This form had expired" in expired.get_data(as_text=True)
    assert _count(db_session, RemissionApplication) == 0


def test_the_decision_letter_is_stored_and_delivered_after_an_automatic_grant(
    client: FlaskClient, db_session: Session
) -> None:
    from portal.models import Letter

    data = tax_debtor(db_session)
    application = complete_draft(db_session, data.debtor.id, (data.eligible[0].id,))
    db_session.commit()
    login_citizen(client, data.debtor.id)
    path = f"/remission/{application.id}/check"
    assert client.post(path, data={"csrf_token": csrf_from_page(client, path)}).status_code == 302
    db_session.expire_all()
    letter = db_session.scalar(select(Letter).where(Letter.kind == "remission_decision"))
    assert letter is not None
    assert letter.delivered_at is not None


def test_a_pending_application_shows_remission_requested_on_the_bill(
    client: FlaskClient, db_session: Session, app
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.remission import POOR

    data = tax_debtor(db_session)
    claim = data.eligible[0]
    application = complete_draft(
        db_session, data.debtor.id, (claim.id,), {**POOR, "income": {"net_income": 150_000}}
    )
    submission.submit_application(
        db_session,
        app.config["RULE_PACK"],
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    db_session.commit()
    assert application.state == "pending_review"
    login_citizen(client, data.debtor.id)
    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang="en")
    assert "We are looking at your application to have your debt waived." in page.text
    status = assert_page_ok(client.get(f"/remission/{application.id}"), lang="en")
    assert "We have your application and are looking at it." in status.text


def test_the_citizen_can_withdraw_a_pending_application(
    client: FlaskClient, db_session: Session, app
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.remission import POOR

    data = tax_debtor(db_session)
    claim = data.eligible[0]
    application = complete_draft(
        db_session, data.debtor.id, (claim.id,), {**POOR, "income": {"net_income": 150_000}}
    )
    submission.submit_application(
        db_session,
        app.config["RULE_PACK"],
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    db_session.commit()
    login_citizen(client, data.debtor.id)
    path = f"/remission/{application.id}"
    response = client.post(f"{path}/withdraw", data={"csrf_token": csrf_from_page(client, path)})
    assert response.status_code == 302
    db_session.expire_all()
    assert application.state == "withdrawn"
    page = assert_page_ok(client.get(path), lang="en")
    assert "You withdrew this application." in page.text
    again = client.post(f"{path}/withdraw", data={"csrf_token": csrf_from_page(client, path)})
    assert again.status_code == 302
