"""Claim-type mandates (issue 8): a citizen signs up e.g. the childcare fee; the batch
announces each claim 14 days ahead and collects it as it falls due. Also: return reason
codes from bank statements."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import BankEntry
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.models import DirectDebitNotice
from portal.models import Letter
from portal.models import Mandate
from portal.models import Signal
from portal.services import direct_debit as svc
from portal.services import direct_debit_types as types
from portal.services.audit import Actor
from portal.services.ledger import claims_with_cache_mismatch
from portal.services.pain008 import validate_pain008
from tests.support.bank import run_import
from tests.support.direct_debit import BAD_CHECKSUM
from tests.support.direct_debit import GOOD_IBAN
from tests.support.direct_debit import NOT_SEPA
from tests.support.direct_debit import collections
from tests.support.direct_debit import run
from tests.support.direct_debit import statement
from tests.support.direct_debit import use_folder
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.plans import rules

CHILDCARE = "childcare_contribution"  # NL: direct debit allowed
PARKING = "parking_assessment"  # NL: not allowed
#: a Monday 21 days after signing; the batch on the Monday before reaches it (5 bank days)
DUE = date(2026, 12, 14)
FILE_DAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "direct_debit"
    use_folder(monkeypatch, path)
    return path


def _type_id(session: Session, code: str) -> int:
    found = session.scalar(select(ClaimType.id).where(ClaimType.code == code))
    assert found is not None
    return found


def _parent(session: Session, *, due: date = DUE, code: str = CHILDCARE) -> tuple[Debtor, Claim]:
    debtor = make_debtor(session, "Daycare Parent")
    claim = make_claim(
        session, debtor, 41_250, claim_type_code=code, issue_date=TODAY, due_date=due
    )
    return debtor, claim


def _sign(
    session: Session, debtor: Debtor, *, code: str = CHILDCARE, iban: str = GOOD_IBAN
) -> Mandate:
    return types.sign_type_mandate(
        session,
        rules(),
        current_app.config["SALDO"],
        debtor_id=debtor.id,
        claim_type_id=_type_id(session, code),
        data=svc.MandateInput(iban=iban, account_holder="Daycare Parent", consent=True),
        today=TODAY,
        actor=Actor.citizen(debtor.id),
    )


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _prenotifications(session: Session, debtor_id: int) -> list[Letter]:
    return list(
        session.scalars(
            select(Letter).where(
                Letter.debtor_id == debtor_id, Letter.kind == "direct_debit_prenotification"
            )
        )
    )


def test_signing_a_claim_type_announces_its_claims_due_in_14_days_or_later(
    db_session: Session,
) -> None:
    debtor, claim = _parent(db_session)
    soon = make_claim(
        db_session,
        debtor,
        5_000,
        claim_type_code=CHILDCARE,
        issue_date=TODAY,
        due_date=TODAY + timedelta(days=10),
    )

    mandate = _sign(db_session, debtor)

    assert (mandate.plan_id, mandate.state) == (None, "active")
    assert mandate.reference.startswith("SALDO-MT-")
    notices = db_session.scalars(select(DirectDebitNotice)).all()
    assert [(n.claim_id, n.amount) for n in notices] == [(claim.id, 41_250)]
    assert soon.id not in types.claims_on_automatic_payment(db_session, debtor.id)
    assert types.claims_on_automatic_payment(db_session, debtor.id) == {claim.id}
    (letter,) = _prenotifications(db_session, debtor.id)
    assert mandate.prenotification_letter_id == letter.id


def test_the_batch_collects_an_announced_claim_once_and_books_it_on_the_due_day(
    db_session: Session, folder: Path
) -> None:
    debtor, claim = _parent(db_session)
    mandate = _sign(db_session, debtor)

    first = run(db_session, FILE_DAY)
    second = run(db_session, FILE_DAY)

    assert (first["collected"], first["files"]) == (1, 1)
    assert (second["collected"], second["files"]) == (0, 0)
    (collection,) = collections(db_session)
    assert (collection.claim_id, collection.installment_id) == (claim.id, None)
    assert (collection.amount, collection.collection_date) == (41_250, DUE)
    assert collection.end_to_end_id == f"SALDO-DD-{mandate.id}-C{claim.id}"
    (file,) = folder.glob("*.xml")
    validate_pain008(file.read_bytes())
    assert mandate.reference.encode() in file.read_bytes()

    run(db_session, DUE)

    db_session.expire_all()
    assert collections(db_session)[0].state == "booked"
    paid = db_session.get(Claim, claim.id)
    assert paid is not None
    assert paid.balance == 0
    assert claims_with_cache_mismatch(db_session) == []


def test_a_claim_issued_later_is_announced_by_the_batch_and_collected_14_days_on(
    db_session: Session,
) -> None:
    debtor, _claim = _parent(db_session)
    _sign(db_session, debtor)
    later = make_claim(
        db_session,
        debtor,
        30_000,
        claim_type_code=CHILDCARE,
        issue_date=TODAY,
        due_date=date(2026, 12, 21),
    )

    counts = run(db_session, date(2026, 12, 4))  # 17 days before it falls due

    assert counts["claims_announced"] == 1
    assert len(_prenotifications(db_session, debtor.id)) == 2
    notice = db_session.scalar(
        select(DirectDebitNotice).where(DirectDebitNotice.claim_id == later.id)
    )
    assert notice is not None
    assert notice.notified_on == date(2026, 12, 4)
    run(db_session, date(2026, 12, 14))
    assert later.id in {c.claim_id for c in collections(db_session)}


def test_a_claim_announced_too_late_is_not_collected(db_session: Session) -> None:
    debtor, _claim = _parent(db_session)
    _sign(db_session, debtor)
    make_claim(
        db_session,
        debtor,
        30_000,
        claim_type_code=CHILDCARE,
        issue_date=TODAY,
        due_date=date(2026, 12, 10),
    )

    run(db_session, date(2026, 12, 3))  # 7 days before: not announced, not collected

    assert _count(db_session, DirectDebitNotice) == 1
    assert [c.claim_id for c in collections(db_session)] == []


def test_a_second_sign_up_for_the_same_type_is_refused(db_session: Session) -> None:
    debtor, _claim = _parent(db_session)
    _sign(db_session, debtor)

    with pytest.raises(svc.MandateRefused) as refused:
        _sign(db_session, debtor)

    assert refused.value.code == "already_signed_up"
    assert _count(db_session, Mandate) == 1


def test_a_type_without_direct_debit_or_without_claims_of_the_citizen_is_refused(
    db_session: Session,
) -> None:
    debtor, _claim = _parent(db_session, code=PARKING)
    other = make_debtor(db_session, "Other Parent")
    make_claim(db_session, other, 9_000, claim_type_code=CHILDCARE, issue_date=TODAY)

    with pytest.raises(svc.MandateRefused) as not_allowed:
        _sign(db_session, debtor, code=PARKING)
    with pytest.raises(svc.MandateRefused) as not_theirs:
        _sign(db_session, debtor, code=CHILDCARE)

    assert not_allowed.value.code == "type_not_allowed"
    assert not_theirs.value.code == "no_claims_of_type"
    assert _count(db_session, Mandate) == 0
    assert _count(db_session, DirectDebitNotice) == 0


@pytest.mark.parametrize(("iban", "code"), [(BAD_CHECKSUM, "invalid_iban"), (NOT_SEPA, "not_sepa")])
def test_a_bad_or_non_sepa_iban_is_refused_for_a_claim_type(
    db_session: Session, iban: str, code: str
) -> None:
    debtor, _claim = _parent(db_session)

    with pytest.raises(svc.MandateRefused) as refused:
        _sign(db_session, debtor, iban=iban)

    assert refused.value.code == code
    assert _count(db_session, Mandate) == 0


def test_a_revoked_claim_type_mandate_collects_nothing(db_session: Session) -> None:
    debtor, _claim = _parent(db_session)
    mandate = _sign(db_session, debtor)

    svc.revoke_mandate(
        db_session,
        debtor_id=debtor.id,
        mandate_id=mandate.id,
        today=TODAY,
        actor=Actor.citizen(debtor.id),
    )

    assert run(db_session, FILE_DAY)["collected"] == 0
    assert types.claims_on_automatic_payment(db_session, debtor.id) == set()
    assert types.signable_claim_types(db_session, rules(), debtor.id)[0].code == CHILDCARE


def test_a_returned_claim_debit_reopens_the_claim_and_keeps_the_reason_code(
    db_session: Session,
) -> None:
    debtor, claim = _parent(db_session)
    mandate = _sign(db_session, debtor)
    run(db_session, FILE_DAY)
    run(db_session, DUE)
    (collection,) = collections(db_session)

    run_import(
        db_session,
        statement(
            collection.end_to_end_id,
            collection.amount,
            credit=False,
            booked_on=DUE + timedelta(days=3),
            return_reason="MD06",
        ),
    )

    db_session.expire_all()
    (collection,) = collections(db_session)
    assert (collection.state, collection.failure_reason) == ("returned", "MD06")
    entry = db_session.scalar(select(BankEntry).where(BankEntry.return_reason.is_not(None)))
    assert entry is not None
    assert (entry.return_reason, entry.state) == ("MD06", "reversal")
    reopened = db_session.get(Claim, claim.id)
    assert reopened is not None
    assert reopened.balance == 41_250
    assert claims_with_cache_mismatch(db_session) == []
    returned_letters = db_session.scalars(
        select(Letter).where(Letter.kind == "direct_debit_returned")
    ).all()
    assert len(returned_letters) == 1
    assert db_session.get(Mandate, mandate.id).failures == 1  # type: ignore[union-attr]


def test_two_failed_claim_debits_end_the_mandate_and_raise_a_signal(db_session: Session) -> None:
    debtor, _claim = _parent(db_session)
    make_claim(
        db_session, debtor, 20_000, claim_type_code=CHILDCARE, issue_date=TODAY, due_date=DUE
    )
    mandate = _sign(db_session, debtor)
    run(db_session, FILE_DAY)
    first, second = collections(db_session)

    for collection in (first, second):
        run_import(
            db_session,
            statement(
                collection.end_to_end_id,
                collection.amount,
                credit=False,
                booked_on=date(2026, 12, 9),
                return_reason="AM04",
            ),
        )

    db_session.expire_all()
    assert [c.state for c in collections(db_session)] == ["rejected", "rejected"]
    assert [c.failure_reason for c in collections(db_session)] == ["AM04", "AM04"]
    ended = db_session.get(Mandate, mandate.id)
    assert ended is not None
    assert (ended.state, ended.end_reason) == ("ended", "returns")
    signal = db_session.scalar(select(Signal).where(Signal.debtor_id == debtor.id))
    assert signal is not None
    assert signal.reason == "returned_debit"
