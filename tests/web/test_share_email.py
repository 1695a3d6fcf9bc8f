"""Issue 5: the citizen may give the debt counsellor's e-mail address when sharing the debt
overview; we send a plain e-mail with the link and its end date (console in demo and test
mode, SMTP otherwise), rate-limited, and keep the address nowhere: not stored, not logged."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import ShareLink
from portal.services import share_links
from tests.support.citizen_ui import freeze_today
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.mail_sink import MailSink
from tests.support.mail_sink import mail_sink
from tests.support.overview_documents import csrf_from_page
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ADDRESS = "Counsellor.Kind@Schuldhulp.Example"
STORED_ADDRESS = "Counsellor.Kind@schuldhulp.example"
LINK = re.compile(r"http://127\.0\.0\.1:5000/shared/[A-Za-z0-9_-]+")


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)
    monkeypatch.setattr("portal.citizen.overview_document._now", lambda: NOW)


@pytest.fixture(scope="module")
def sink() -> Iterator[MailSink]:
    with mail_sink() as running:
        yield running


@pytest.fixture
def smtp_client(make_app: Callable[..., Flask], sink: MailSink, db_session: Session) -> FlaskClient:
    app = make_app(
        mail_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_user="saldo-mail",
        smtp_password="not-a-real-password",  # noqa: S106 - the test sink accepts anything
        smtp_sender="invordering@voorbeeld.example",
    )
    return app.test_client()


def _links(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ShareLink)) or 0)


def _document_path(client: FlaskClient, session: Session) -> str:
    debtor = make_debtor(session, "Mail Test")
    make_claim(session, debtor, 12_500)
    login_citizen(client, debtor.id)
    token = csrf_from_page(client, "/debt-overview")
    response = client.post("/debt-overview", data={"csrf_token": token})
    assert response.status_code == 302
    return str(response.headers["Location"])


def _share(client: FlaskClient, path: str, email: str, *, consent: bool = True) -> tuple[int, str]:
    data = {"csrf_token": csrf_from_page(client, path), "email": email}
    if consent:
        data["consent"] = "y"
    response = client.post(f"{path}/share", data=data)
    return response.status_code, response.get_data(as_text=True)


def _no_address_anywhere(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    session.expire_all()
    for event in session.scalars(select(AuditEvent)):
        assert "schuldhulp" not in repr(event.details).lower()
    assert "schuldhulp" not in caplog.text.lower()


def test_the_form_offers_an_optional_address_field_with_a_label(
    client: FlaskClient, db_session: Session
) -> None:
    path = _document_path(client, db_session)
    page = assert_page_ok(client.get(path), lang="en")
    field = page.find("input", name="email")
    assert field is not None
    assert field.attrs.get("type") == "email"
    label = page.find("label", **{"for": field.attrs["id"]})
    assert label is not None
    assert "e-mail address (optional)" in label.text


def test_in_demo_and_test_mode_the_email_is_printed_to_the_console(
    client: FlaskClient,
    db_session: Session,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = _document_path(client, db_session)
    caplog.set_level(logging.DEBUG)

    status, html = _share(client, path, ADDRESS)

    assert status == 200
    assert f"We sent the link to {STORED_ADDRESS}" in html
    printed = capsys.readouterr().out
    assert f"To: {STORED_ADDRESS}" in printed
    assert "Subject: A debt overview was shared with you" in printed
    [url] = LINK.findall(printed)
    assert url in html  # the same link, also shown once to the citizen
    assert "The link works until December 7, 2026" in printed
    assert _links(db_session) == 1
    emailed = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "share_link.emailed")
    ).all()
    assert len(emailed) == 1
    _no_address_anywhere(db_session, caplog)


def test_through_smtp_the_counsellor_gets_a_plain_kind_email_with_the_link_and_its_end_date(
    smtp_client: FlaskClient,
    db_session: Session,
    sink: MailSink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = _document_path(smtp_client, db_session)
    caplog.set_level(logging.DEBUG)
    before = len(sink.messages)

    status, html = _share(smtp_client, path, ADDRESS)

    assert status == 200, html
    [mail] = sink.messages[before:]
    assert mail.recipients == [STORED_ADDRESS]
    assert mail.login == "saldo-mail"
    assert mail.message["Subject"] == "A debt overview was shared with you"
    assert mail.message["From"] == "invordering@voorbeeld.example"
    assert mail.message.get_content_type() == "text/plain"
    body = mail.body
    assert body.startswith("Hello,")
    [url] = LINK.findall(body)
    assert url in html
    assert "The link works until December 7, 2026" in body
    assert "Please do not forward this e-mail" in body
    counsellor = smtp_client.application.test_client()
    assert counsellor.get(url.removeprefix("http://127.0.0.1:5000")).status_code == 200
    _no_address_anywhere(db_session, caplog)


@pytest.mark.parametrize(
    "bad",
    [
        "not an address",
        "name@",
        "@example.org",
        "a@b",
        "x@example..org",
        "a@example.org\r\nBcc: b@c.de",
        "a" * 250 + "@example.org",
    ],
)
def test_an_invalid_address_gets_a_clear_message_and_nothing_is_stored_or_sent(
    smtp_client: FlaskClient, db_session: Session, sink: MailSink, bad: str
) -> None:
    path = _document_path(smtp_client, db_session)
    before = len(sink.messages)

    status, html = _share(smtp_client, path, bad)

    assert status == 400
    page = parse_html(html)
    summary = page.find(role="alert")
    assert summary is not None
    assert "Enter an e-mail address like name@example.org" in summary.text
    assert _links(db_session) == 0
    assert len(sink.messages) == before


def test_without_consent_nothing_is_sent_even_with_an_address(
    smtp_client: FlaskClient, db_session: Session, sink: MailSink
) -> None:
    path = _document_path(smtp_client, db_session)
    before = len(sink.messages)
    status, html = _share(smtp_client, path, ADDRESS, consent=False)
    assert status == 400
    assert "Tick the box to agree" in html
    assert _links(db_session) == 0
    assert len(sink.messages) == before


def test_sending_is_rate_limited_per_citizen_and_the_extra_link_is_not_kept(
    smtp_client: FlaskClient, db_session: Session, sink: MailSink
) -> None:
    path = _document_path(smtp_client, db_session)
    before = len(sink.messages)
    for _ in range(share_links.SHARE_MAIL_LIMIT):
        assert _share(smtp_client, path, ADDRESS)[0] == 200

    status, html = _share(smtp_client, path, ADDRESS)

    assert status == 429
    assert "try again tomorrow" in html
    assert len(sink.messages) == before + share_links.SHARE_MAIL_LIMIT
    assert _links(db_session) == share_links.SHARE_MAIL_LIMIT
    assert _share(smtp_client, path, "")[0] == 200  # a link to copy still works


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("setting", ["server_down", "starttls_not_offered"])
def test_when_the_mail_server_fails_nothing_is_shared_and_the_citizen_is_told(
    make_app: Callable[..., Flask],
    db_session: Session,
    sink: MailSink,
    caplog: pytest.LogCaptureFixture,
    setting: str,
) -> None:
    overrides = {
        "server_down": {"smtp_port": _closed_port()},
        "starttls_not_offered": {"smtp_port": sink.port, "smtp_starttls": True},
    }[setting]
    client = make_app(mail_transport="smtp", smtp_host="127.0.0.1", **overrides).test_client()
    path = _document_path(client, db_session)
    caplog.set_level(logging.DEBUG)

    status, html = _share(client, path, ADDRESS)

    assert status == 503
    assert "We could not send the e-mail just now. Nothing was shared." in html
    assert _links(db_session) == 0
    _no_address_anywhere(db_session, caplog)
