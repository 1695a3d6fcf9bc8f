"""Representatives' mandates (issue 9): registering, ending, finding, and letters."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Representation
from portal.services import letters
from portal.services.audit import Actor
from portal.services.representations import RepresentationRefused
from portal.services.representations import active_for_person
from portal.services.representations import active_representation
from portal.services.representations import end_representation
from portal.services.representations import letter_representative
from tests.support.factories import TODAY
from tests.support.factories import make_debtor
from tests.support.representatives import REPRESENTATIVE_BSN
from tests.support.representatives import make_representation
from tests.support.representatives import person_hash


def test_a_mandate_keeps_only_the_hash_and_last_digits_of_the_representative(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    representation = make_representation(db_session, debtor)
    assert representation.representative_id_hash == person_hash()
    assert representation.representative_id_last4 == REPRESENTATIVE_BSN[-4:]
    assert REPRESENTATIVE_BSN not in repr(vars(representation))
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "representation.registered")
    )
    assert event is not None
    assert event.debtor_id == debtor.id
    assert REPRESENTATIVE_BSN not in str(event.details)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"national_id": "123456789"}, "invalid_national_id"),
        ({"ends_on": TODAY - timedelta(days=1)}, "already_ended"),
        (
            {"starts_on": TODAY + timedelta(days=10), "ends_on": TODAY + timedelta(days=5)},
            "ends_before_start",
        ),
        ({"national_id": "111222333"}, "self"),
        ({"scope": "everything"}, "scope"),
    ],
)
def test_an_invalid_mandate_is_refused_and_nothing_is_stored(
    db_session: Session, changes: dict[str, Any], reason: str
) -> None:
    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    with pytest.raises(RepresentationRefused) as refused:
        make_representation(db_session, debtor, **changes)
    assert refused.value.reason == reason
    assert db_session.scalar(select(Representation.id)) is None


def test_a_person_finds_every_active_mandate_and_no_ended_one(db_session: Session) -> None:
    first = make_debtor(db_session, "Anna Aalbers", national_id="111222333")
    second = make_debtor(db_session, "Bert Bakker", national_id="123456782")
    third = make_debtor(db_session, "Cees Cornelis", national_id="100000022")
    make_representation(db_session, first)
    make_representation(db_session, second, scope="view")
    ended = make_representation(db_session, third)
    end_representation(db_session, ended.id, actor=Actor.system(), now=datetime.now(UTC))
    found = active_for_person(db_session, person_hash(), TODAY)
    assert [debtor.name for _, debtor in found] == ["Anna Aalbers", "Bert Bakker"]
    assert active_representation(db_session, ended.id, person_hash(), TODAY) is None


def test_a_mandate_holds_only_between_its_dates_and_only_for_its_representative(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    representation = make_representation(db_session, debtor, ends_on=TODAY + timedelta(days=3))
    assert active_representation(db_session, representation.id, person_hash(), TODAY)
    assert not active_representation(
        db_session, representation.id, person_hash(), TODAY + timedelta(days=4)
    )
    assert not active_representation(db_session, representation.id, person_hash("123456782"), TODAY)


def test_ending_a_mandate_twice_is_refused(db_session: Session) -> None:
    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    representation = make_representation(db_session, debtor)
    end_representation(db_session, representation.id, actor=Actor.system(), now=datetime.now(UTC))
    with pytest.raises(RepresentationRefused):
        end_representation(
            db_session, representation.id, actor=Actor.system(), now=datetime.now(UTC)
        )


def test_an_audit_event_records_the_mandate_of_the_person_who_acted(db_session: Session) -> None:
    from portal.services import audit

    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    representation = make_representation(db_session, debtor)
    event = audit.record(
        db_session, Actor.citizen(debtor.id, representation_id=representation.id), "test.action"
    )
    assert event.actor_kind == "citizen"
    assert event.debtor_id == debtor.id
    assert event.details == {"representation_id": representation.id}


class _Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def deliver(self, letter: Any, pdf: bytes, recipient: Any) -> None:
        self.sent.append(recipient)


@pytest.mark.parametrize(
    ("letters_to", "addressed_to", "sent_to"),
    [
        ("representative", "Bram Bewind", ["Bram Bewind"]),
        ("both", "Lotte Jansen", ["Lotte Jansen", "Bram Bewind"]),
        ("debtor", "Lotte Jansen", ["Lotte Jansen"]),
    ],
)
def test_letters_go_where_the_mandate_says(
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
    letters_to: str,
    addressed_to: str,
    sent_to: list[str],
) -> None:
    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    make_representation(db_session, debtor, letters_to=letters_to)
    captured: dict[str, Any] = {}

    def render(template: str, values: dict[str, Any], locale: str) -> bytes:
        captured.update(values)
        return b"%PDF-1.7 test"

    monkeypatch.setattr(letters, "render_document", render)
    letter = letters.create_letter(
        db_session,
        debtor_id=debtor.id,
        kind="test",
        template="login_code_letter.html",
        context={},
        locale="en",
        letter_date=TODAY,
    )
    recipient = captured["recipient"]
    assert recipient.name == addressed_to
    assert recipient.on_behalf_of == ("Lotte Jansen" if letters_to == "representative" else None)
    assert recipient.copy_to == ("Bram Bewind" if letters_to == "both" else None)
    adapter = _Recorder()
    letters.deliver_letter(db_session, letter, adapter, now=datetime.now(UTC))  # type: ignore[arg-type]
    assert [r.name for r in adapter.sent] == sent_to


def test_after_the_mandate_ends_letters_go_to_the_debtor_again(db_session: Session) -> None:
    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    representation = make_representation(db_session, debtor)
    assert letter_representative(db_session, debtor.id, TODAY) == representation
    end_representation(db_session, representation.id, actor=Actor.system(), now=datetime.now(UTC))
    assert letter_representative(db_session, debtor.id, TODAY) is None
    assert letters.addressee(db_session, debtor, TODAY).name == "Lotte Jansen"


def test_a_letter_to_a_representative_says_on_behalf_of_whom(db_session: Session) -> None:
    from portal.documents.render import render_document_html

    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    representation = make_representation(db_session, debtor)
    recipient = letters.addressee(db_session, debtor, TODAY)
    assert recipient.name == representation.representative_name
    html = render_document_html(
        "base_letter.html", {"recipient": recipient, "letter_date": TODAY}, "en"
    )
    assert "on behalf of Lotte Jansen" in html


@pytest.mark.parametrize(
    ("data", "outcome"),
    [
        (b"%PDF-1.7\n%test decision", "application/pdf"),
        (b"MZ this is a program", "file_wrong_type"),
        (b"%PDF" + b"0" * (5 * 1024 * 1024), "file_too_large"),
    ],
)
def test_an_evidence_scan_is_checked_by_its_content(
    db_session: Session, data: bytes, outcome: str
) -> None:
    from dataclasses import replace

    from flask import current_app

    from portal.services.representations import NewRepresentation
    from portal.services.representations import register_representation

    debtor = make_debtor(db_session, "Lotte Jansen", national_id="111222333")
    new = NewRepresentation(
        debtor_id=debtor.id,
        national_id=REPRESENTATIVE_BSN,
        name="Bram Bewind",
        kind="debt_counsellor",
        scope="view",
        evidence_kind="signed_consent",
        evidence_reference="Consent form of 1 November",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=90),
    )
    config, country = current_app.config["SALDO"], current_app.config["RULE_PACK"].country

    def register() -> Representation:
        return register_representation(
            db_session,
            config,
            country,
            replace(new, evidence_file=data),
            actor=Actor.system(),
            today=TODAY,
        )

    if outcome.startswith("file_"):
        with pytest.raises(RepresentationRefused) as refused:
            register()
        assert refused.value.reason == outcome
    else:
        assert register().evidence_content_type == outcome
