"""Debt overview documents: the PDF, verification codes, share links and their views."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.documents.render import render_document_html
from portal.models import AuditEvent
from portal.models import OverviewDocument
from portal.models import ShareLink
from portal.models import ShareLinkView
from portal.services import overview_documents as svc
from portal.services import share_links
from portal.services.audit import Actor
from portal.services.overview import build_overview
from tests.support.citizen_ui import debtor_with_six_bills
from tests.support.citizen_ui import money_text
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.overview_documents import laid_out_text
from tests.support.primitives import NOW
from tests.support.primitives import make_staff


def _make(app: Flask, session: Session, debtor_id: int, **kw: object) -> OverviewDocument:
    values: dict[str, object] = {
        "requested_by": Actor.citizen(debtor_id),
        "locale": "en",
        "now": NOW,
        "as_of": TODAY,
    }
    values.update(kw)
    return svc.create_overview_document(
        session,
        app.config["RULE_PACK"],
        app.config["SALDO"],
        debtor_id=debtor_id,
        **values,  # type: ignore[arg-type]
    )


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_document_lists_every_open_bill_the_overview_shows(
    app: Flask, db_session: Session
) -> None:
    bills = debtor_with_six_bills(db_session)
    pay(db_session, bills.debtor, 1_000, claim=bills.claims[1])
    document = _make(app, db_session, bills.debtor.id)
    rules = app.config["RULE_PACK"]
    overview = build_overview(
        db_session, rules, debtor_id=bills.debtor.id, claim_scope=None, as_of=TODAY
    )

    context = svc.document_context(
        db_session,
        rules,
        app.config["SALDO"],
        debtor=bills.debtor,
        as_of=TODAY,
        now=NOW,
        verification_code=document.verification_code,
    )
    text = laid_out_text(render_document_html(svc.TEMPLATE, context, "en"))

    assert document.pdf.startswith(b"%PDF")
    assert document.total == overview.total_owed
    assert document.claim_count == overview.open_count == 6
    assert money_text(overview.total_owed, "en") in text
    for group in overview.groups:
        assert money_text(group.subtotal, "en") in text
        for card in group.cards:
            assert card.reference_display in text
            assert money_text(card.amount_due_now, "en") in text
    assert svc.display_code(document.verification_code) in text
    assert "http://127.0.0.1:5000/verify" in text
    assert "Six Bills" in text
    assert "NL91 ABNA 0417 1643 00" in text
    assert "Paid or reduced" in text
    assert money_text(1_000, "en") in text


def test_the_document_is_made_in_the_language_asked_for(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session, "Taal Test")
    make_claim(db_session, debtor, 12_345)
    context = svc.document_context(
        db_session,
        app.config["RULE_PACK"],
        app.config["SALDO"],
        debtor=debtor,
        as_of=TODAY,
        now=NOW,
        verification_code="ABCDEFGHJK",
    )
    html = render_document_html(svc.TEMPLATE, context, "nl")
    assert '<html lang="nl">' in html
    assert html.count("<h1>") == 1
    # the laid-out text folds the no-break space of "€ 123,45" into a plain space
    assert money_text(12_345, "nl").replace("\xa0", " ") in laid_out_text(html)


def test_a_verification_code_is_random_unique_and_checks_out(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    make_claim(db_session, debtor, 5_000)
    first = _make(app, db_session, debtor.id)
    second = _make(app, db_session, debtor.id)

    assert first.verification_code != second.verification_code
    for code in (first.verification_code, second.verification_code):
        assert len(code) == 10
        assert set(code) <= set(svc.CODE_ALPHABET)
    typed = svc.display_code(first.verification_code).lower().replace("-", " - ")
    assert svc.verify(db_session, typed) == first
    assert svc.verify(db_session, "AAAAA-AAAAA") is None
    assert svc.verify(db_session, "not a code") is None
    assert svc.verify(db_session, "") is None


def test_current_total_shows_whether_the_debt_changed_since(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 5_000)
    document = _make(app, db_session, debtor.id)
    rules = app.config["RULE_PACK"]

    assert svc.current_total(db_session, rules, debtor_id=debtor.id, as_of=TODAY) == 5_000
    pay(db_session, debtor, 2_000, claim=claim)
    assert document.total == 5_000
    assert svc.current_total(db_session, rules, debtor_id=debtor.id, as_of=TODAY) == 3_000


def test_making_a_document_is_audited_with_who_asked(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    make_claim(db_session, debtor, 5_000)
    staff = make_staff(db_session, "desk")
    document = _make(
        app, db_session, debtor.id, requested_by=Actor.staff(staff.id, on_behalf_of=debtor.id)
    )

    assert (document.requested_by_kind, document.requested_by_id) == ("staff", staff.id)
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "overview_document.created")
    ).one()
    assert (event.staff_user_id, event.debtor_id, event.object_id) == (
        staff.id,
        debtor.id,
        document.id,
    )


def test_an_unknown_debtor_or_locale_is_refused(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    with pytest.raises(svc.NoSuchDebtor):
        _make(app, db_session, 999_999)
    with pytest.raises(ValueError, match="locale"):
        _make(app, db_session, debtor.id, locale="de")
    assert _count(db_session, OverviewDocument) == 0


def test_a_share_link_needs_consent_and_stores_nothing_without_it(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    document = _make(app, db_session, debtor.id)
    with pytest.raises(share_links.ConsentRequired):
        share_links.create_share_link(
            db_session, app.config["SALDO"], document_id=document.id, consent=False, now=NOW
        )
    assert _count(db_session, ShareLink) == 0


def test_a_share_link_opens_the_document_logs_each_view_and_expires(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    document = _make(app, db_session, debtor.id)
    issued = share_links.create_share_link(
        db_session, app.config["SALDO"], document_id=document.id, consent=True, now=NOW
    )

    assert issued.link.token_hash == share_links.hash_token(issued.token)
    assert issued.token not in issued.link.token_hash
    assert issued.link.expires_at == NOW + timedelta(days=14)
    assert share_links.open_share_link(db_session, issued.token, now=NOW) == document
    assert (
        share_links.open_share_link(db_session, issued.token, now=NOW + timedelta(days=13))
        == document
    )
    assert share_links.view_count(db_session, issued.link.id) == 2
    assert _count(db_session, ShareLinkView) == 2
    [active] = share_links.active_share_links(db_session, document_id=document.id, now=NOW)
    assert active.views == 2

    with pytest.raises(share_links.ShareLinkExpired):
        share_links.open_share_link(db_session, issued.token, now=NOW + timedelta(days=14))
    with pytest.raises(share_links.ShareLinkUnknown):
        share_links.open_share_link(db_session, issued.token + "x", now=NOW)
    with pytest.raises(share_links.ShareLinkUnknown):
        share_links.open_share_link(db_session, "x" * 500, now=NOW)
    assert share_links.view_count(db_session, issued.link.id) == 2
    assert (
        share_links.active_share_links(db_session, document_id=document.id, now=NOW + timedelta(15))
        == []
    )


def test_a_revoked_share_link_stops_working_and_only_its_owner_can_revoke_it(
    app: Flask, db_session: Session
) -> None:
    debtor, other = make_debtor(db_session), make_debtor(db_session, "Other")
    document = _make(app, db_session, debtor.id)
    issued = share_links.create_share_link(
        db_session, app.config["SALDO"], document_id=document.id, consent=True, now=NOW
    )
    with pytest.raises(share_links.NoSuchShareLink):
        share_links.revoke_share_link(
            db_session,
            link_id=issued.link.id,
            debtor_id=other.id,
            now=NOW,
            actor=Actor.citizen(other.id),
        )
    share_links.open_share_link(db_session, issued.token, now=NOW)

    share_links.revoke_share_link(
        db_session,
        link_id=issued.link.id,
        debtor_id=debtor.id,
        now=NOW,
        actor=Actor.citizen(debtor.id),
    )

    with pytest.raises(share_links.ShareLinkRevoked):
        share_links.open_share_link(db_session, issued.token, now=NOW + timedelta(minutes=1))
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"share_link.created", "share_link.revoked"} <= actions


def test_median_generation_time_for_fifty_claims_is_measured(
    app: Flask, db_session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue asks for the figure; it is printed, not asserted (machines differ)."""
    debtor = make_debtor(db_session, "Fifty Bills")
    codes = [spec.code for spec in app.config["RULE_PACK"].claim_types]
    for number in range(50):
        make_claim(db_session, debtor, 1_000 + number, claim_type_code=codes[number % len(codes)])
    _make(app, db_session, debtor.id)  # warm: templates compiled, fonts loaded
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        document = _make(app, db_session, debtor.id)
        timings.append(time.perf_counter() - started)
    assert document.claim_count == 50
    with capsys.disabled():
        print(f"\ndebt overview, 50 claims: median {statistics.median(timings) * 1000:.0f} ms")
