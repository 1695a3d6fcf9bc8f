"""The nightly direct-debit step (issue 8): book what settled, write the next pain.008 file.

Run by the batch (portal/batch/steps.py) as `run_direct_debit_collection`. In order:

1. announce new claims of claim-type mandates (a pre-notification letter, 14 days ahead);
2. deliver the direct-debit letters stored (pre-notifications, returned debits);
3. end mandates whose plan is no longer active;
4. book every collection whose collection (settlement) date has come: a payment with
   provider "direct_debit" keyed on the EndToEndId, so it is booked once, whatever else
   (a bank statement, a second run) sees it later;
5. collect the installments and announced claims that fall due within
   `direct_debit_lead_days` bank business days: one DirectDebitCollection per (mandate,
   installment) or (mandate, claim) — the idempotency keys — and one pain.008 file
   (`direct_debit_format`) for all of them in <data_dir>/direct_debit/<MsgId>.xml.

EUR only: a DKK installation collects through Betalingsservice, whose delivery file (Nets)
is out of scope (docs/direct-debit.md).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.documents.delivery import DeliveryFailed
from portal.documents.delivery import get_delivery_adapter
from portal.domain.direct_debit import collection_date
from portal.domain.direct_debit import falls_in_window
from portal.domain.direct_debit import prenotified_in_time
from portal.domain.direct_debit import sequence_type
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import DirectDebitCollection
from portal.models import DirectDebitNotice
from portal.models import Letter
from portal.models import Mandate
from portal.models import Plan
from portal.models import PlanInstallment
from portal.models.base import utcnow
from portal.services import audit
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.direct_debit import end_mandate
from portal.services.direct_debit_types import announce_new_claims
from portal.services.holds import collection_paused
from portal.services.letters import deliver_letter
from portal.services.pain008 import Creditor
from portal.services.pain008 import Debit
from portal.services.pain008 import build_pain008

PROVIDER = "direct_debit"
END_TO_END_PREFIX = "SALDO-DD-"
#: the pain.008 MsgId (and file name): "SALDO-DDF-" and the UTC time to the microsecond
FILE_PREFIX = "SALDO-DDF-"
LETTER_KINDS = ("direct_debit_prenotification", "direct_debit_returned")


def collection_folder(config: Config) -> Path:
    return config.effective_data_dir / "direct_debit"


def run_direct_debit_collection(
    session: Session, rules: RulePack, *, as_of: date
) -> dict[str, int]:
    """The batch step; counts per action. Idempotent: a second run the same day books and
    collects nothing new (and writes no file)."""
    config: Config = current_app.config["SALDO"]
    counts: Counter[str] = Counter()
    if rules.currency == "EUR":
        # announced first, so the pre-notification letters go out in this same run
        counts["claims_announced"] = announce_new_claims(session, rules, as_of=as_of)
    counts["letters_delivered"] = _deliver_letters(session, config)
    if rules.currency != "EUR":
        return dict(counts)
    counts["mandates_ended"] = _end_mandates_of_ended_plans(session, as_of=as_of)
    counts["booked"] = _book_settled(session, rules, as_of=as_of)
    created = _collect_due(session, config, as_of=as_of)
    counts["collected"] = len(created)
    counts["files"] = 1 if created else 0
    return dict(counts)


def _deliver_letters(session: Session, config: Config) -> int:
    adapter = get_delivery_adapter(config)
    delivered = 0
    for letter in session.scalars(
        select(Letter)
        .where(Letter.kind.in_(LETTER_KINDS), Letter.delivered_at.is_(None))
        .order_by(Letter.id)
        .with_for_update(skip_locked=True)
    ).all():
        try:
            deliver_letter(session, letter, adapter, now=utcnow())
        except DeliveryFailed:
            continue  # stays undelivered; the next run tries again
        delivered += 1
    return delivered


def _end_mandates_of_ended_plans(session: Session, *, as_of: date) -> int:
    stale = session.scalars(
        select(Mandate)
        .join(Plan, Plan.id == Mandate.plan_id)
        .where(Mandate.state == "active", Plan.state != PlanState.ACTIVE.value)
        .order_by(Mandate.id)
    ).all()
    for mandate in stale:
        end_mandate(session, mandate, reason="plan_ended", on=as_of, actor=Actor.system())
    return len(stale)


def book_collection(
    session: Session, rules: RulePack, collection: DirectDebitCollection, *, on: date
) -> None:
    """Book a settled collection as an installment payment of its plan (once: the payment is
    keyed on the EndToEndId)."""
    mandate = session.get(Mandate, collection.mandate_id)
    if mandate is None:  # pragma: no cover - a foreign key
        raise LookupError(f"collection {collection.id} has no mandate")
    result = book_payment(
        session,
        rules,
        IncomingPayment(
            provider=PROVIDER,
            provider_reference=collection.end_to_end_id,
            amount=collection.amount,
            currency=collection.currency,
            method="direct_debit",
            debtor_id=mandate.debtor_id,
            received_on=on,
            plan_id=mandate.plan_id,
            earmarked_claim_id=collection.claim_id,
        ),
        actor=Actor.system(),
    )
    collection.payment_id = result.payment.id
    collection.state = "booked"


def _book_settled(session: Session, rules: RulePack, *, as_of: date) -> int:
    settled = session.scalars(
        select(DirectDebitCollection)
        .where(
            DirectDebitCollection.state == "submitted",
            DirectDebitCollection.collection_date <= as_of,
        )
        .order_by(DirectDebitCollection.id)
        .with_for_update(skip_locked=True)
    ).all()
    for collection in settled:
        book_collection(session, rules, collection, on=collection.collection_date)
    session.flush()
    return len(settled)


def _collect_due(session: Session, config: Config, *, as_of: date) -> list[DirectDebitCollection]:
    lead, target = config.direct_debit_lead_days, config.direct_debit_target_holidays
    rows = session.execute(
        select(Mandate, PlanInstallment)
        .join(Plan, Plan.id == Mandate.plan_id)
        .join(PlanInstallment, PlanInstallment.plan_id == Plan.id)
        .outerjoin(
            DirectDebitCollection,
            (DirectDebitCollection.mandate_id == Mandate.id)
            & (DirectDebitCollection.installment_id == PlanInstallment.id),
        )
        .where(
            Mandate.state == "active",
            Mandate.currency == "EUR",
            Plan.state == PlanState.ACTIVE.value,
            PlanInstallment.state == "due",
            PlanInstallment.paid_amount < PlanInstallment.amount,
            DirectDebitCollection.id.is_(None),
        )
        .order_by(Mandate.id, PlanInstallment.due_date, PlanInstallment.id)
    ).all()
    message_id = f"{FILE_PREFIX}{utcnow():%Y%m%d%H%M%S%f}"
    earlier = _earlier_collections(session)
    created: list[tuple[DirectDebitCollection, Mandate, str]] = []

    def add(mandate: Mandate, due: date, amount: int, remittance: str, **target_id: int) -> None:
        collection = DirectDebitCollection(
            mandate_id=mandate.id,
            amount=amount,
            currency=mandate.currency,
            end_to_end_id=f"{END_TO_END_PREFIX}{mandate.id}-{_target_key(**target_id)}",
            sequence_type=sequence_type(earlier[mandate.id]),
            collection_date=collection_date(due, as_of=as_of, lead_days=lead, target=target),
            message_id=message_id,
            state="submitted",
            **target_id,
        )
        earlier[mandate.id] += 1
        session.add(collection)
        created.append((collection, mandate, remittance))

    for mandate, installment in rows:
        due = installment.due_date
        if not falls_in_window(due, as_of=as_of, lead_days=lead, target=target):
            continue
        if not prenotified_in_time(due, prenotified_on=mandate.prenotified_on):
            continue
        add(
            mandate,
            due,
            installment.outstanding,
            f"{config.municipality_name} plan {mandate.plan_id} installment {installment.sequence}",
            installment_id=installment.id,
        )
    for mandate, claim, notice in _due_claims(session, as_of=as_of):
        if not falls_in_window(claim.due_date, as_of=as_of, lead_days=lead, target=target):
            continue
        if not prenotified_in_time(claim.due_date, prenotified_on=notice.notified_on):
            continue
        if collection_paused(session, claim.id, as_of):
            continue
        # never more than announced; the remittance names the bill, not its payment reference
        add(
            mandate,
            claim.due_date,
            min(claim.balance, notice.amount),
            f"{config.municipality_name} bill {claim.id} {claim.description}",
            claim_id=claim.id,
        )
    if not created:
        return []
    session.flush()
    xml = build_pain008(
        message_id=message_id,
        created_at=utcnow(),
        creditor=Creditor(
            name=config.payee_name,
            iban=config.payee_iban.replace(" ", ""),
            bic=config.payee_bic,
            creditor_id=config.sepa_creditor_id,
        ),
        debits=[
            Debit(
                end_to_end_id=collection.end_to_end_id,
                amount=collection.amount,
                currency=collection.currency,
                sequence_type=collection.sequence_type,
                collection_date=collection.collection_date,
                mandate_reference=mandate.reference,
                mandate_signed_on=mandate.signed_on,
                debtor_name=mandate.account_holder,
                debtor_iban=mandate.iban,
                debtor_bic=mandate.bic,
                remittance=remittance,
            )
            for collection, mandate, remittance in created
        ],
        version=config.direct_debit_format,
    )
    _write_file(collection_folder(config), message_id, xml)
    audit.record(
        session,
        Actor.system(),
        "direct_debit.file_written",
        object_type="direct_debit_collection",
        object_id=created[0][0].id,
        message_id=message_id,
        count=len(created),
        total=sum(c.amount for c, _m, _r in created),
    )
    return [collection for collection, _m, _r in created]


def _target_key(*, installment_id: int | None = None, claim_id: int | None = None) -> str:
    """The EndToEndId tail: the installment id for a plan, "C<claim id>" for a claim."""
    return str(installment_id) if installment_id is not None else f"C{claim_id}"


def _due_claims(session: Session, *, as_of: date) -> list[tuple[Mandate, Claim, DirectDebitNotice]]:
    """Announced, still open claims of active claim-type mandates, not collected yet."""
    rows = session.execute(
        select(Mandate, Claim, DirectDebitNotice)
        .join(DirectDebitNotice, DirectDebitNotice.mandate_id == Mandate.id)
        .join(Claim, Claim.id == DirectDebitNotice.claim_id)
        .outerjoin(
            DirectDebitCollection,
            (DirectDebitCollection.mandate_id == Mandate.id)
            & (DirectDebitCollection.claim_id == Claim.id),
        )
        .where(
            Mandate.state == "active",
            Mandate.currency == "EUR",
            Mandate.claim_type_id.is_not(None),
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
            DirectDebitCollection.id.is_(None),
        )
        .order_by(Mandate.id, Claim.due_date, Claim.id)
    ).all()
    return [(m, c, n) for m, c, n in rows]


def _earlier_collections(session: Session) -> Counter[int]:
    """Collections per mandate that went to the bank (a rejected first debit does not count:
    the next one is again FRST)."""
    rows = session.execute(
        select(DirectDebitCollection.mandate_id, func.count())
        .where(DirectDebitCollection.state != "rejected")
        .group_by(DirectDebitCollection.mandate_id)
    )
    return Counter({mandate_id: int(number) for mandate_id, number in rows})


def _write_file(folder: Path, message_id: str, xml: bytes) -> Path:
    """Write atomically (temporary name, then rename), so the bank upload never picks up
    half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{message_id}.xml"
    partial = folder / f".{message_id}.xml.part"
    partial.write_bytes(xml)
    os.replace(partial, target)
    return target


def collection_files(config: Config) -> list[Path]:
    folder = collection_folder(config)
    return sorted(folder.glob("*.xml")) if folder.is_dir() else []
