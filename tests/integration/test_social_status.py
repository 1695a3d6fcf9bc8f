"""Social status flags (issue 8): the service checks, stores and ends flags, lists them for
caseworkers, stops by itself after the end date, and keeps plans free of costs while active."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.personas import SITUATIONS
from portal.demo.seed import seed_demo
from portal.documents.delivery import Recipient
from portal.documents.render import render_document_html
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import DemoPersona
from portal.models.social_status import SocialStatus
from portal.services import holds
from portal.services import social_status as svc
from portal.services import social_status_offers as offers
from portal.services.audit import Actor
from portal.services.claim_checks import SubmissionInvalid
from portal.services.dunning_batch import run_dunning
from portal.services.letter_batch import TEMPLATE
from portal.services.letter_batch import reminder_letter_context
from tests.api.helpers import VALID_BSN
from tests.support.batch import DUE
from tests.support.batch import claim_of
from tests.support.batch import done
from tests.support.batch import fees_of
from tests.support.batch import pack
from tests.support.batch import reminders_of
from tests.support.batch import suppressed_of
from tests.support.factories import make_debtor
from tests.support.social_status import NOW
from tests.support.social_status import department
from tests.support.social_status import flag
from tests.support.social_status import grant

MakeApp = Callable[..., Flask]
AS_OF = date(2026, 11, 23)
ACTOR = Actor.system()


def _request(**changes: object) -> svc.FlagRequest:
    data: dict[str, object] = {
        "reference": "R-1",
        "debtor": {"national_id": VALID_BSN},
        "kind": "minimum_income",
        "valid_until": "2027-05-31",
    }
    data.update(changes)
    return svc.check_flag("NL", data, as_of=AS_OF)


def _flag(session: Session, request: svc.FlagRequest) -> svc.FlagResult:
    return svc.flag_social_status(
        session, current_app.config["SALDO"], department(session), request, actor=ACTOR, now=NOW
    )


def _flags(session: Session) -> int:
    return session.scalar(select(func.count(SocialStatus.id))) or 0


def test_a_flag_is_active_from_its_start_to_its_end_date_and_then_stops(
    db_session: Session,
) -> None:
    grant(db_session)
    debtor = make_debtor(db_session, "Flagged", national_id=VALID_BSN)
    result = _flag(db_session, _request(valid_from="2026-11-01"))
    assert result.created
    assert offers.active_social_status(db_session, debtor.id, date(2026, 10, 31)) is None
    assert offers.active_social_status(db_session, debtor.id, AS_OF) is result.status
    assert offers.active_social_status(db_session, debtor.id, date(2027, 5, 31)) is result.status
    assert offers.active_social_status(db_session, debtor.id, date(2027, 6, 1)) is None


def test_an_unknown_debtor_raises_and_nothing_is_stored(db_session: Session) -> None:
    grant(db_session)
    events = db_session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(svc.UnknownDebtor):
        _flag(db_session, _request())
    assert _flags(db_session) == 0
    assert db_session.scalar(select(func.count(AuditEvent.id))) == events


def test_a_department_without_the_right_cannot_flag(db_session: Session) -> None:
    make_debtor(db_session, "Flagged", national_id=VALID_BSN)
    with pytest.raises(svc.NoSocialStatusRight):
        _flag(db_session, _request())
    dept = grant(db_session)
    svc.revoke_right(db_session, dept, actor=ACTOR, now=NOW)
    with pytest.raises(svc.NoSocialStatusRight):
        _flag(db_session, _request())
    assert _flags(db_session) == 0


def test_a_missing_or_passed_end_date_is_refused_with_every_error_at_once() -> None:
    with pytest.raises(SubmissionInvalid) as missing:
        svc.check_flag("NL", {"reference": "R", "kind": "x", "debtor": {}}, as_of=AS_OF)
    codes = {e.field: e.code for e in missing.value.errors}
    assert codes == {
        "valid_until": "required",
        "kind": "invalid",
        "debtor.national_id": "one_identifier",
    }
    with pytest.raises(SubmissionInvalid) as passed:
        _request(valid_from="2026-01-01", valid_until="2026-06-30")
    assert [e.code for e in passed.value.errors] == ["in_past"]


def test_flags_and_ends_are_audited_and_ending_twice_changes_nothing(db_session: Session) -> None:
    grant(db_session)
    debtor = make_debtor(db_session, "Flagged", national_id=VALID_BSN)
    status = _flag(db_session, _request()).status
    svc.end_social_status(db_session, department(db_session), status, actor=ACTOR, now=NOW)
    svc.end_social_status(db_session, department(db_session), status, actor=ACTOR, now=NOW)
    actions = list(
        db_session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.debtor_id == debtor.id)
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["social_status.flagged", "social_status.ended"]
    assert offers.active_social_status(db_session, debtor.id, AS_OF) is None


def test_the_caseworker_list_shows_active_flags_only_one_row_per_debtor(
    db_session: Session,
) -> None:
    active = make_debtor(db_session, "Active Person")
    flag(db_session, active, reference="A1")
    flag(db_session, active, reference="A2", valid_until=AS_OF + timedelta(days=400))
    expired = make_debtor(db_session, "Expired Person")
    flag(
        db_session,
        expired,
        valid_from=AS_OF - timedelta(days=90),
        valid_until=AS_OF - timedelta(days=1),
    )
    ended = make_debtor(db_session, "Ended Person")
    flag(db_session, ended, ended=True)
    rows = offers.debtors_with_active_status(db_session, AS_OF)
    mine = [row for row in rows if row.debtor_id in {active.id, expired.id, ended.id}]
    assert [(row.debtor_id, row.valid_until) for row in mine] == [
        (active.id, AS_OF + timedelta(days=400))
    ]


def test_dismissing_the_offer_is_remembered_and_a_new_flag_offers_again(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session, "Offered")
    flag(db_session, debtor, reference="D1")
    assert offers.offer_for(db_session, debtor.id, AS_OF) is not None
    assert offers.dismiss_offer(db_session, debtor.id, as_of=AS_OF, actor=ACTOR, now=NOW)
    assert offers.offer_for(db_session, debtor.id, AS_OF) is None
    flag(db_session, debtor, reference="D2", valid_from=AS_OF)
    assert offers.offer_for(db_session, debtor.id, AS_OF) is not None


def test_a_plan_of_a_flagged_debtor_gets_no_reminder_fee_even_where_plans_carry_fees(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as pack_rules:
        rules = dataclasses.replace(pack_rules, fees_during_plan=True)
        first = DUE + timedelta(days=7)
        flagged = claim_of(db_session, "rent", 80_000, name="Flagged")
        flag(db_session, flagged.debtor, valid_from=DUE, valid_until=DUE + timedelta(days=90))
        other = claim_of(db_session, "rent", 80_000, name="Not flagged")
        for claim in (flagged, other):
            holds.place_hold(db_session, claim.id, holds.PLAN, starts_on=DUE, source="plan:1")

        counts = run_dunning(db_session, rules, as_of=first)

        assert done(counts) == {
            "reminders": 1,
            "fees_charged": 1,
            "fee_amount": 10_000,
            "fees_suppressed": 1,
        }
        assert fees_of(db_session, flagged) == []
        assert suppressed_of(db_session, flagged) == [("reminder:1", "social_status", 10_000)]
        assert fees_of(db_session, other) == [(first, 10_000)]


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_the_cli_records_the_right_and_imports_a_csv_with_a_dry_run_first(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    make_debtor(db_session, "Known", national_id=VALID_BSN)
    db_session.commit()
    until = (date.today() + timedelta(days=60)).isoformat()  # the command's today is real
    csv_file = tmp_path / "flags.csv"
    csv_file.write_text(
        "reference,national_id,kind,valid_until\n"
        f"C-1,{VALID_BSN},social_assistance,{until}\n"
        f"C-2,{VALID_BSN},poor,{until}\n",
        encoding="utf-8",
    )
    code, output = _cli(app, "import-social-status", str(csv_file), "--department", "social")
    assert code != 0
    assert "no right" in output
    code, output = _cli(
        app, "social-status-right", "--department", "social", "--legal-basis", "consent"
    )
    assert code == 0, output
    code, output = _cli(
        app, "import-social-status", str(csv_file), "--department", "social", "--dry-run"
    )
    assert code == 0, output
    assert "would_create 1" in output
    assert "line 3 C-2: rejected - kind" in output
    assert VALID_BSN not in output
    assert _flags(db_session) == 0
    code, output = _cli(app, "import-social-status", str(csv_file), "--department", "social")
    assert code == 0, output
    assert "created 1" in output
    db_session.expire_all()
    assert [
        (s.reference, s.recorded_via, s.legal_basis)
        for s in db_session.scalars(select(SocialStatus))
    ] == [("C-1", "cli", "consent")]


def _reminder_text(session: Session, claim: Claim) -> str:
    (record,) = reminders_of(session, claim)
    context = reminder_letter_context(
        session,
        current_app.config["SALDO"],
        current_app.config["RULE_PACK"],
        record,
        claim,
        locale="en",
        now=NOW,
    )
    html = render_document_html(
        TEMPLATE,
        {**context, "recipient": Recipient.of(claim.debtor), "letter_date": record.sent_on},
        "en",
    )
    return str(html)


def test_the_next_reminder_letter_mentions_the_offer_only_while_the_status_is_active(
    db_session: Session,
) -> None:
    first = DUE + timedelta(days=7)
    flagged = claim_of(db_session, "ozb_residential", 30_000, name="Flagged", preferred_locale="en")
    flag(db_session, flagged.debtor, valid_from=DUE, valid_until=DUE + timedelta(days=30))
    expired = claim_of(db_session, "ozb_residential", 30_000, name="Expired", preferred_locale="en")
    flag(db_session, expired.debtor, valid_from=DUE - timedelta(days=30), valid_until=DUE)
    run_dunning(db_session, current_app.config["RULE_PACK"], as_of=first)
    offer = "You may be able to get help with your bills"
    assert offer in _reminder_text(db_session, flagged)
    assert offer not in _reminder_text(db_session, expired)


def test_the_demo_low_income_persona_has_an_active_social_status(
    app: Flask, db_session: Session
) -> None:
    seed_demo(
        db_session,
        app.config["SALDO"],
        app.config["RULE_PACK"],
        debtors=len(SITUATIONS),
        today=AS_OF,
        now=NOW,
    )
    persona = db_session.scalar(
        select(DemoPersona.debtor_id).where(DemoPersona.situation == "low_income")
    )
    assert persona is not None
    assert offers.offer_for(db_session, persona, AS_OF) is not None
    assert svc.current_right(db_session, department(db_session).id) is not None
