"""The citizen's debt overview pages, the shared page for a counsellor, and /verify."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.documents.render import render_document_html
from portal.models import AuditEvent
from portal.models import Debtor
from portal.models import OverviewDocument
from portal.models import ShareLink
from portal.models import ShareLinkView
from portal.services import overview_documents as svc
from tests.support.citizen_ui import debtor_with_six_bills
from tests.support.citizen_ui import freeze_today
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.overview_documents import csrf_from_page
from tests.support.overview_documents import csrf_of
from tests.support.overview_documents import laid_out_text
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SHARE_LINK = re.compile(r'value="(http://127\.0\.0\.1:5000/shared/[^"]+)"')


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)
    monkeypatch.setattr("portal.citizen.overview_document._now", lambda: NOW)


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _make_document(client: FlaskClient) -> str:
    """Two taps: open the page, press the button. Returns the document page's path."""
    token = csrf_from_page(client, "/debt-overview")
    response = client.post("/debt-overview", data={"csrf_token": token})
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert re.fullmatch(r"/debt-overview/\d+", location)
    return location


def _share(client: FlaskClient, path: str, consent: bool = True) -> tuple[int, str]:
    data = {"csrf_token": csrf_from_page(client, path)}
    if consent:
        data["consent"] = "y"
    response = client.post(f"{path}/share", data=data)
    return response.status_code, response.get_data(as_text=True)


def _shared_path(html: str) -> str:
    match = SHARE_LINK.search(html)
    assert match, "no share link on the page"
    return match.group(1).removeprefix("http://127.0.0.1:5000")


def test_a_citizen_makes_and_downloads_the_overview_in_two_taps(
    client: FlaskClient, db_session: Session
) -> None:
    bills = debtor_with_six_bills(db_session)
    login_citizen(client, bills.debtor.id)

    page = assert_page_ok(client.get("/debt-overview"), lang="en")
    assert "a summary of what you owe us, for yourself or a debt counsellor" in page.text
    path = _make_document(client)

    document_page = assert_page_ok(client.get(path), lang="en")
    assert "Download PDF" in document_page.text
    assert "Share with a debt counsellor" in document_page.text
    pdf = client.get(f"{path}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    assert pdf.data.startswith(b"%PDF")
    db_session.expire_all()
    assert db_session.scalars(select(OverviewDocument)).one().requested_by_kind == "citizen"
    assert (
        db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "overview_document.created")
        )
        .one()
        .debtor_id
        == bills.debtor.id
    )


def test_the_pdf_text_checks_out_against_the_overview_page(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    bills = debtor_with_six_bills(db_session)
    login_citizen(client, bills.debtor.id)
    overview_page = parse_html(client.get("/overview").get_data(as_text=True))
    total_node = overview_page.find("p", class_="summary__total")
    assert total_node is not None
    page_total = total_node.text
    page_references = {node.text for node in overview_page.find_all(class_="reference")}

    path = _make_document(client)
    db_session.expire_all()
    document = db_session.get(OverviewDocument, int(path.rsplit("/", 1)[1]))
    assert document is not None
    debtor = db_session.get(Debtor, bills.debtor.id)
    assert debtor is not None
    context = svc.document_context(
        db_session,
        app.config["RULE_PACK"],
        app.config["SALDO"],
        debtor=debtor,
        as_of=document.as_of,
        now=NOW,
        verification_code=document.verification_code,
    )
    text = laid_out_text(render_document_html(svc.TEMPLATE, context, document.locale))

    assert page_total in text
    assert len(page_references) == 6
    for reference in page_references:
        assert reference in text
    assert svc.display_code(document.verification_code) in text


def test_another_citizens_document_is_not_found(client: FlaskClient, db_session: Session) -> None:
    owner = make_debtor(db_session, "Owner")
    make_claim(db_session, owner, 5_000)
    login_citizen(client, owner.id)
    path = _make_document(client)

    other = make_debtor(db_session, "Someone Else")
    login_citizen(client, other.id)
    assert client.get(path).status_code == 404
    assert client.get(f"{path}.pdf").status_code == 404
    assert client.get("/debt-overview/999999.pdf").status_code == 404


def test_a_letter_code_login_is_asked_to_use_eid_and_gets_no_overview(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 5_000)
    login_citizen(client, debtor.id, scope=[claim.id], method="login_code")

    page = assert_page_ok(client.get("/debt-overview"), lang="en")
    assert "log in again with DigiD" in page.text
    assert "Make my debt overview" not in page.text
    token = csrf_of(client.get("/debt-overview"))
    assert client.post("/debt-overview", data={"csrf_token": token}).status_code == 403
    assert _count(db_session, OverviewDocument) == 0


def test_the_overview_needs_a_login_and_a_csrf_token(
    client: FlaskClient, db_session: Session
) -> None:
    response = client.get("/debt-overview")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    debtor = make_debtor(db_session)
    login_citizen(client, debtor.id)
    assert client.post("/debt-overview", data={}).status_code == 400
    assert _count(db_session, OverviewDocument) == 0


def test_sharing_without_consent_gives_a_clear_error_and_stores_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    make_claim(db_session, debtor, 5_000)
    login_citizen(client, debtor.id)
    path = _make_document(client)

    status, html = _share(client, path, consent=False)

    assert status == 400
    page = assert_page_ok(html, lang="en")
    assert page.find(role="alert") is not None
    assert "Tick the box to agree" in page.text
    assert _count(db_session, ShareLink) == 0


def test_a_counsellor_opens_the_shared_overview_and_every_view_is_logged(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    bills = debtor_with_six_bills(db_session)
    login_citizen(client, bills.debtor.id)
    path = _make_document(client)
    status, html = _share(client, path)
    assert status == 200
    shared = _shared_path(html)
    assert "I agree that the person with this link can see this overview for 14 days" in html

    counsellor = app.test_client()
    page = assert_page_ok(counsellor.get(shared), lang="en")
    assert "Shared by the citizen, valid until December 7, 2026" in page.text
    for claim in bills.claims:
        assert page.find("tr", **{"data-claim-id": str(claim.id)}) is not None
    pdf = counsellor.get(f"{shared}.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")

    assert _count(db_session, ShareLinkView) == 2
    document_page = assert_page_ok(client.get(path), lang="en")
    views = document_page.find(**{"data-share-views": "2"})
    assert views is not None
    assert "Opened 2 times" in views.text


def test_a_revoked_link_shows_a_friendly_gone_page(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    make_claim(db_session, debtor, 5_000)
    login_citizen(client, debtor.id)
    path = _make_document(client)
    shared = _shared_path(_share(client, path)[1])
    link_id = db_session.scalars(select(ShareLink.id)).one()

    token = csrf_from_page(client, path)
    response = client.post(f"{path}/links/{link_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302

    gone = app.test_client().get(shared)
    assert gone.status_code == 410
    assert "stopped sharing" in assert_page_ok(gone, lang="en").text
    assert app.test_client().get(f"{shared}.pdf").status_code == 410
    assert _count(db_session, ShareLinkView) == 0


def test_an_expired_link_is_gone_and_an_unknown_one_is_not_found(
    app: Flask, client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    debtor = make_debtor(db_session)
    make_claim(db_session, debtor, 5_000)
    login_citizen(client, debtor.id)
    path = _make_document(client)
    shared = _shared_path(_share(client, path)[1])
    counsellor = app.test_client()
    assert counsellor.get(shared).status_code == 200

    later = NOW + timedelta(days=14, seconds=1)
    monkeypatch.setattr("portal.citizen.overview_document._now", lambda: later)
    expired = counsellor.get(shared)
    assert expired.status_code == 410
    assert "has expired" in assert_page_ok(expired, lang="en").text
    assert counsellor.get("/shared/not-a-real-token").status_code == 404


def test_someone_elses_share_link_cannot_be_revoked(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    owner = make_debtor(db_session, "Owner")
    make_claim(db_session, owner, 5_000)
    login_citizen(client, owner.id)
    path = _make_document(client)
    _share(client, path)
    link_id = db_session.scalars(select(ShareLink.id)).one()

    other = make_debtor(db_session, "Other")
    make_claim(db_session, other, 5_000)
    login_citizen(client, other.id)
    own_path = _make_document(client)
    token = csrf_from_page(client, own_path)
    response = client.post(f"{own_path}/links/{link_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(ShareLink, link_id).revoked_at is None  # type: ignore[union-attr]


def test_verify_says_genuine_with_date_and_total_and_whether_it_changed(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Secret Name")
    make_claim(db_session, debtor, 5_000)
    login_citizen(client, debtor.id)
    _make_document(client)
    db_session.expire_all()
    document = db_session.scalars(select(OverviewDocument)).one()
    code = svc.display_code(document.verification_code)

    public = app.test_client()
    assert_page_ok(public.get("/verify"), lang="en")
    page = assert_page_ok(public.get(f"/verify?code={code.lower()}"), lang="en")
    assert page.find(**{"data-verify-result": "genuine"}) is not None
    assert page.find(**{"data-verify-changed": "no"}) is not None
    assert "November 23, 2026" in page.text
    assert "€50.00" in page.text
    assert "Secret Name" not in page.text

    make_claim(db_session, debtor, 1_000)
    changed = assert_page_ok(public.get(f"/verify?code={code}"), lang="en")
    assert changed.find(**{"data-verify-changed": "yes"}) is not None

    bad = public.get("/verify?code=AAAAA-AAAAA")
    assert bad.status_code == 404
    assert assert_page_ok(bad, lang="en").find(**{"data-verify-result": "unknown"}) is not None


def test_verify_is_throttled_by_ip(app: Flask, db_session: Session) -> None:
    public = app.test_client()
    statuses = [public.get("/verify?code=AAAAA-AAAAB").status_code for _ in range(21)]
    assert statuses[:20] == [404] * 20
    assert statuses[20] == 429


def test_the_help_page_links_to_the_real_debt_overview(
    client: FlaskClient, db_session: Session
) -> None:
    page = parse_html(client.get("/help").get_data(as_text=True))
    assert page.find("a", href="/debt-overview") is not None
