"""The hand-over CSV for the external collector (fields documented in docs/handover.md).

One line per claim handed over (`action` = "handover") and one per claim recalled since the
last file (`action` = "recall"). UTF-8, comma-separated, header line, amounts in major units
with a dot ("1234.50"), dates as YYYY-MM-DD. This is the ONLY place the national id is
decrypted; it goes into the file and nowhere else (not in logs, not in the audit details).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.money import Money
from portal.domain.references import InvalidReference
from portal.domain.references import display
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.models import ReminderRecord
from portal.models.handover import HandoverRecord
from portal.services.identity import reveal_national_id

FIELDS = (
    "action",
    "claim_id",
    "payment_reference",
    "debtor_kind",
    "debtor_name",
    "national_id",
    "business_number",
    "address",
    "claim_type",
    "legal_basis",
    "description",
    "currency",
    "original_amount",
    "principal_due",
    "fee_due",
    "interest_due",
    "balance",
    "issue_date",
    "due_date",
    "reminders",
    "recall_reason",
)
#: a spreadsheet would run these as formulas (CSV injection); free text gets a leading quote
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FileLine:
    values: dict[str, str]
    #: the line carries a national id decrypted for this file (counted in the audit)
    decrypted_id: bool = False


def display_reference(rules: RulePack, claim: Claim) -> str:
    if not claim.reference:
        return ""
    try:
        return display(rules.reference_scheme, claim.reference)
    except InvalidReference:
        return claim.reference


def _text(value: str | None) -> str:
    text = (value or "").replace("\r", " ").replace("\n", " ").strip()
    return "'" + text if text.startswith(_FORMULA_START) else text


def _amount(minor: int, currency: str) -> str:
    return str(Money(minor, currency).to_decimal())


def _reminders(session: Session, claim_id: int) -> str:
    rows = session.execute(
        select(ReminderRecord.sequence, ReminderRecord.sent_on)
        .where(ReminderRecord.claim_id == claim_id)
        .order_by(ReminderRecord.sequence)
    ).all()
    return "|".join(f"{sequence}:{sent_on.isoformat()}" for sequence, sent_on in rows)


def claim_line(session: Session, config: Config, rules: RulePack, claim: Claim) -> FileLine:
    """The "handover" line of a claim, with the debtor's national id decrypted."""
    debtor = session.get(Debtor, claim.debtor_id)
    claim_type = session.get(ClaimType, claim.claim_type_id)
    if debtor is None or claim_type is None:  # pragma: no cover - foreign keys
        raise LookupError(f"claim {claim.id} has no debtor or claim type")
    national_id = ""
    if debtor.national_id_encrypted:
        national_id = reveal_national_id(config, debtor.national_id_encrypted)
    currency = claim.currency
    values = {
        "action": "handover",
        "claim_id": str(claim.id),
        "payment_reference": display_reference(rules, claim),
        "debtor_kind": debtor.kind,
        "debtor_name": _text(debtor.name),
        "national_id": national_id,
        "business_number": debtor.business_number or "",
        "address": _text(debtor.address),
        "claim_type": claim_type.code,
        "legal_basis": claim_type.legal_basis,
        "description": _text(claim.description),
        "currency": currency,
        "original_amount": _amount(claim.original_amount, currency),
        "principal_due": _amount(claim.principal_due, currency),
        "fee_due": _amount(claim.fee_due, currency),
        "interest_due": _amount(claim.interest_due, currency),
        "balance": _amount(claim.balance, currency),
        "issue_date": claim.issue_date.isoformat(),
        "due_date": claim.due_date.isoformat(),
        "reminders": _reminders(session, claim.id),
        "recall_reason": "",
    }
    return FileLine(values=values, decrypted_id=bool(national_id))


def recall_line(session: Session, rules: RulePack, record: HandoverRecord) -> FileLine:
    """The "recall" line: which claim to hand back and why (no personal data beyond the name)."""
    claim = session.get(Claim, record.claim_id)
    if claim is None:  # pragma: no cover - foreign key
        raise LookupError(f"no claim {record.claim_id}")
    debtor = session.get(Debtor, claim.debtor_id)
    values = dict.fromkeys(FIELDS, "")
    values.update(
        {
            "action": "recall",
            "claim_id": str(claim.id),
            "payment_reference": display_reference(rules, claim),
            "debtor_name": _text(debtor.name if debtor else ""),
            "currency": claim.currency,
            "recall_reason": _text(record.recall_reason),
        }
    )
    return FileLine(values=values)


def write_handover_file(path: Path, lines: Sequence[FileLine]) -> None:
    """Write the CSV atomically (temporary file, then rename), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for line in lines:
            writer.writerow(line.values)
    os.chmod(temporary, 0o600)
    temporary.replace(path)
