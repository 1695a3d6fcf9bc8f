"""Retention: anonymise the personal data of debtors whose claims are all closed (issue 9).

decisions.md: "Nothing is deleted from the ledger; personal data past its retention period
is anonymised". A debtor qualifies when every claim is closed (balance 0 or cancelled), no
credit is left on the debtor account (money we still owe them), and the last of these closed
more than the retention period ago. The period is set per record type; the defaults below
are an EXAMPLE, not law: the municipality sets its own (SALDO_RETENTION_YEARS, JSON, e.g.
{"debtor": 7}). Amounts, claims, payments and the append-only ledger, audit log and credit
account are never touched, so every total still adds up.

Each record type is cleared only where something is left to clear, so a second run changes
and counts nothing. The run's counts (never names) go to the batch report and one audit event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.remission import ASSET_FIELDS
from portal.domain.remission import MONTHLY_FIELDS
from portal.domain.rules.base import RulePack
from portal.models import BankEntry
from portal.models import CallbackRequest
from portal.models import Claim
from portal.models import ContactNote
from portal.models import Debtor
from portal.models import DebtorAccountEntry
from portal.models import Dispute
from portal.models import HouseholdStatementRecord
from portal.models import LedgerEntry
from portal.models import Letter
from portal.models import OverviewDocument
from portal.models import Payment
from portal.models import Plan
from portal.models import Refund
from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from portal.services import audit
from portal.services.audit import Actor

#: years after the debtor's last claim closed; an example — set by the municipality
DEFAULT_RETENTION_YEARS: Mapping[str, int] = {
    "debtor": 5,  # name, address, contact details, national id (hash, copy, last 4)
    "contact": 5,  # contact notes and call-back phone numbers
    "disputes": 5,  # the citizen's words, the decision note, the evidence file
    "remission": 5,  # household figures, notes, evidence files
    "plans": 5,  # household statements and decision notes
    "documents": 5,  # letters and debt overview PDFs (they print name and address)
    "payments": 7,  # payer name, IBAN and remittance text of bank entries; refund notes
}
RECORD_TYPES = tuple(DEFAULT_RETENTION_YEARS)
HOUSEHOLD_FIELDS = (
    "adults",
    "children_ages",
    "net_income",
    "housing_cost",
    "health_insurance",
    "childcare",
    "other_debt_payments",
    "other_fixed_costs",
)


def retention_years(raw: str) -> dict[str, int]:
    """The defaults with SALDO_RETENTION_YEARS (JSON object) over them."""
    years = dict(DEFAULT_RETENTION_YEARS)
    if raw:
        years.update({str(key): int(value) for key, value in json.loads(raw).items()})
    return years


def anonymise_expired(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Batch step: anonymise what is past its retention period on `as_of`."""
    config: Config = current_app.config["SALDO"]
    return anonymise(
        session,
        as_of=as_of,
        years=retention_years(config.retention_years),
        data_dir=config.effective_data_dir,
    )


def anonymise(
    session: Session, *, as_of: date, years: Mapping[str, int], data_dir: Path
) -> dict[str, int]:
    closed = closed_debtors(session)
    counts: dict[str, int] = {}
    for record_type in RECORD_TYPES:
        cutoff = years_before(as_of, years[record_type])
        ids = sorted(debtor for debtor, on in closed.items() if on <= cutoff)
        counts.update(_ANONYMISERS[record_type](session, ids, as_of, data_dir))
    session.flush()
    if any(counts.values()):
        audit.record(session, Actor.system(), "retention.anonymised", counts=dict(counts))
    return counts


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def closed_debtors(session: Session) -> dict[int, date]:
    """Debtor id -> the day the last of their claims closed, for debtors with claims who owe
    nothing (every claim paid off or cancelled) and are owed nothing (no credit left)."""
    open_claims = select(Claim.debtor_id).where(
        Claim.cancelled_on.is_(None),
        Claim.principal_due + Claim.fee_due + Claim.interest_due > 0,
    )
    with_credit = (
        select(DebtorAccountEntry.debtor_id)
        .group_by(DebtorAccountEntry.debtor_id)
        .having(func.sum(DebtorAccountEntry.amount) != 0)
    )
    cancelled: dict[int, date | None] = dict(
        session.execute(
            select(Claim.debtor_id, func.max(Claim.cancelled_on))
            .where(Claim.debtor_id.not_in(open_claims), Claim.debtor_id.not_in(with_credit))
            .group_by(Claim.debtor_id)
        ).all()
    )
    moved: dict[int, date | None] = dict(
        session.execute(
            select(Claim.debtor_id, func.max(LedgerEntry.effective_date))
            .join(LedgerEntry, LedgerEntry.claim_id == Claim.id)
            .where(Claim.debtor_id.in_(list(cancelled)))
            .group_by(Claim.debtor_id)
        ).all()
    )
    closed = {}
    for debtor_id, cancelled_on in cancelled.items():
        days = [day for day in (cancelled_on, moved.get(debtor_id)) if day is not None]
        if days:
            closed[debtor_id] = max(days)
    return closed


def _clear(rows: Iterable[Any], cleared: Mapping[str, Any]) -> int:
    """Set every field to its cleared value; count the rows that had something left."""
    changed = 0
    for row in rows:
        dirty = False
        for name, value in cleared.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                dirty = True
        changed += dirty
    return changed


def _delete_file(folder: Path, name: str | None) -> int:
    if not name:
        return 0
    path = folder / name
    if path.is_file():
        path.unlink()
        return 1
    return 0


def _debtors(session: Session, ids: Sequence[int], as_of: date, _: Path) -> dict[str, int]:
    changed = 0
    for chunk in _chunks(ids):
        for debtor in session.scalars(
            select(Debtor).where(Debtor.id.in_(chunk), Debtor.anonymised_on.is_(None))
        ):
            debtor.name = f"#{debtor.id}"
            for name in (
                "national_id_hash",
                "national_id_encrypted",
                "national_id_last4",
                "business_number",
                "email",
                "phone",
                "address",
            ):
                setattr(debtor, name, None)
            debtor.anonymised_on = as_of
            changed += 1
    return {"debtors": changed}


def _contact(session: Session, ids: Sequence[int], as_of: date, _: Path) -> dict[str, int]:
    notes = callbacks = 0
    for chunk in _chunks(ids):
        notes += _clear(
            session.scalars(select(ContactNote).where(ContactNote.debtor_id.in_(chunk))),
            {"note": ""},
        )
        callbacks += _clear(
            session.scalars(select(CallbackRequest).where(CallbackRequest.debtor_id.in_(chunk))),
            {"phone": ""},
        )
    return {"contact_notes": notes, "callback_requests": callbacks}


def _disputes(session: Session, ids: Sequence[int], as_of: date, data_dir: Path) -> dict[str, int]:
    changed = files = 0
    folder = data_dir / "dispute_evidence"
    for chunk in _chunks(ids):
        for dispute in session.scalars(select(Dispute).where(Dispute.debtor_id.in_(chunk))):
            files += _delete_file(folder, dispute.evidence_storage_name)
            changed += _clear(
                [dispute],
                {
                    "text": "",
                    "decision_note": None,
                    "evidence_storage_name": None,
                    "evidence_name": None,
                    "evidence_content_type": None,
                    "evidence_size": None,
                },
            )
    return {"disputes": changed, "dispute_files": files}


def _remission(session: Session, ids: Sequence[int], as_of: date, data_dir: Path) -> dict[str, int]:
    changed = evidence = files = 0
    folder = data_dir / "remission_evidence"
    cleared: dict[str, Any] = {
        "decision_note": None,
        "info_request_note": None,
        "children_ages": None,
        "calculation": None,
        **dict.fromkeys(MONTHLY_FIELDS + ASSET_FIELDS),
    }
    for chunk in _chunks(ids):
        applications = list(
            session.scalars(
                select(RemissionApplication).where(RemissionApplication.debtor_id.in_(chunk))
            )
        )
        changed += _clear(applications, cleared)
        for item in session.scalars(
            select(RemissionEvidence).where(
                RemissionEvidence.application_id.in_([a.id for a in applications])
            )
        ):
            files += _delete_file(folder, item.storage_name)
            evidence += _clear([item], {"original_filename": ""})
    return {
        "remission_applications": changed,
        "remission_evidence": evidence,
        "remission_files": files,
    }


def _plans(session: Session, ids: Sequence[int], as_of: date, _: Path) -> dict[str, int]:
    plans = statements = 0
    for chunk in _chunks(ids):
        plans += _clear(
            session.scalars(select(Plan).where(Plan.debtor_id.in_(chunk))),
            {"decision_note": None},
        )
        statements += _clear(
            session.scalars(
                select(HouseholdStatementRecord).where(
                    HouseholdStatementRecord.debtor_id.in_(chunk)
                )
            ),
            dict.fromkeys(HOUSEHOLD_FIELDS),
        )
    return {"plan_notes": plans, "household_statements": statements}


def _documents(session: Session, ids: Sequence[int], as_of: date, _: Path) -> dict[str, int]:
    letters = overviews = 0
    for chunk in _chunks(ids):
        letters += _rowcount(
            session.execute(
                update(Letter)
                .where(Letter.debtor_id.in_(chunk), func.length(Letter.pdf) > 0)
                .values(pdf=b"")
                .execution_options(synchronize_session=False)
            )
        )
        overviews += _rowcount(
            session.execute(
                update(OverviewDocument)
                .where(OverviewDocument.debtor_id.in_(chunk), func.length(OverviewDocument.pdf) > 0)
                .values(pdf=b"")
                .execution_options(synchronize_session=False)
            )
        )
    return {"letters": letters, "overview_documents": overviews}


def _payments(session: Session, ids: Sequence[int], as_of: date, _: Path) -> dict[str, int]:
    entries = refunds = 0
    for chunk in _chunks(ids):
        payments = select(Payment.id).where(Payment.debtor_id.in_(chunk))
        claims = select(Claim.id).where(Claim.debtor_id.in_(chunk))
        entries += _clear(
            session.scalars(
                select(BankEntry).where(
                    or_(BankEntry.payment_id.in_(payments), BankEntry.claim_id.in_(claims))
                )
            ),
            {"debtor_name": None, "debtor_iban": None, "remittance": ""},
        )
        refunds += _clear(
            session.scalars(select(Refund).where(Refund.debtor_id.in_(chunk))),
            {"note": None, "reject_reason": None, "account_holder": None},
        )
    return {"bank_entries": entries, "refunds": refunds}


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


_ANONYMISERS = {
    "debtor": _debtors,
    "contact": _contact,
    "disputes": _disputes,
    "remission": _remission,
    "plans": _plans,
    "documents": _documents,
    "payments": _payments,
}
