"""JSON shapes of the API (the OpenAPI document in `openapi.py` describes the same shapes)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from portal.domain.references import InvalidReference
from portal.domain.references import display
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import ClaimType
from portal.models import LedgerEntry
from portal.services.department_claims import PaymentLine
from portal.services.department_claims import claim_status


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _reference(rules: RulePack, claim: Claim) -> str | None:
    if not claim.reference:
        return None
    try:
        return display(rules.reference_scheme, claim.reference)
    except InvalidReference:
        return claim.reference


def claim_json(
    session: Session, rules: RulePack, claim: Claim, *, as_of: date, now: datetime
) -> dict[str, Any]:
    status = claim_status(session, claim, as_of=as_of, now=now)
    return {
        "id": claim.id,
        "external_id": claim.external_id,
        "reference": _reference(rules, claim),
        "claim_type": claim.claim_type.code,
        "description": claim.description,
        "status": str(status),
        "currency": claim.currency,
        "original_amount": claim.original_amount,
        "balance": claim.balance,
        "principal_due": claim.principal_due,
        "fee_due": claim.fee_due,
        "interest_due": claim.interest_due,
        "issue_date": claim.issue_date.isoformat(),
        "due_date": claim.due_date.isoformat(),
        "cancelled_on": _iso(claim.cancelled_on),
        "links": {
            "self": url_for("api.get_claim", claim_id=claim.id),
            "cancel": url_for("api.cancel_claim", claim_id=claim.id),
            "credit": url_for("api.credit_claim", claim_id=claim.id),
            "fees": url_for("api.add_claim_fee", claim_id=claim.id),
        },
    }


def claim_type_json(claim_type: ClaimType) -> dict[str, Any]:
    return {
        "code": claim_type.code,
        "names": dict(claim_type.names),
        "legal_basis": claim_type.legal_basis,
        "minimum_amount": claim_type.minimum_amount,
        "has_execution_right": claim_type.has_execution_right,
        "bears_interest": claim_type.bears_interest,
        "remission_eligible": claim_type.remission_eligible,
        "ongoing": claim_type.ongoing,
    }


def payment_json(line: PaymentLine) -> dict[str, Any]:
    return {
        "id": line.entry_id,
        "claim_id": line.claim_id,
        "external_id": line.external_id,
        "component": line.component,
        "amount": line.amount,
        "currency": line.currency,
        "effective_date": line.effective_date.isoformat(),
        "payment_id": line.payment_id,
    }


def fee_json(entry: LedgerEntry, *, fee_id: str, reason: str) -> dict[str, Any]:
    return {
        "fee_id": fee_id,
        "ledger_entry_id": entry.id,
        "amount": entry.amount,
        "currency": entry.currency,
        "reason": reason,
        "cause": entry.cause,
        "effective_date": entry.effective_date.isoformat(),
    }
