"""Helpers for the remission tests: a debtor with tax bills, a complete draft, CSRF, files."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Debtor
from portal.models import RemissionApplication
from portal.services import remission_wizard as wizard
from portal.services.audit import Actor
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
_keys = itertools.count(1)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64

#: A household that gets everything waived under the NL norms (income below the norm).
POOR = {
    "household": {"adults": 1, "children_ages": ()},
    "income": {"net_income": 110_000},
    "costs": {
        "rent": 60_000,
        "housing_allowance": 20_000,
        "health_premium": 14_000,
        "health_allowance": 10_000,
        "other_costs": 0,
    },
    "assets": {"bank_balance": 20_000, "car_value": 0, "car_needed": False, "other_assets": 0},
}


@dataclass(frozen=True)
class TaxDebtor:
    debtor: Debtor
    eligible: tuple[Claim, ...]
    other: Claim


def tax_debtor(session: Session, name: str = "Low Income", *, kind: str = "person") -> TaxDebtor:
    """A debtor with two bills that qualify (waste, sewerage) and one that does not (parking)."""
    debtor = make_debtor(session, name, kind=kind)
    issue = TODAY - timedelta(days=40)
    waste = make_claim(session, debtor, 40_260, claim_type_code="waste_levy", issue_date=issue)
    sewer = make_claim(session, debtor, 18_745, claim_type_code="sewerage_levy", issue_date=issue)
    parking = make_claim(
        session, debtor, 7_260, claim_type_code="parking_assessment", issue_date=issue
    )
    return TaxDebtor(debtor, (waste, sewer), parking)


def key() -> str:
    return f"test-key-{next(_keys)}"


def complete_draft(
    session: Session,
    debtor_id: int,
    claim_ids: tuple[int, ...],
    steps: dict[str, dict[str, object]] = POOR,
) -> RemissionApplication:
    rules = current_app.config["RULE_PACK"]
    actor = Actor.citizen(debtor_id)
    application = wizard.start_application(
        session,
        rules,
        debtor_id=debtor_id,
        claim_ids=claim_ids,
        submission_key=key(),
        actor=actor,
        now=NOW,
        as_of=TODAY,
    )
    for step, values in steps.items():
        wizard.save_step(session, application, step, values, actor=actor, now=NOW)
    wizard.save_step(session, application, "consent", {"consent": True}, actor=actor, now=NOW)
    return application


def evidence_in(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Evidence files go to a temporary folder, not the repository's instance/."""
    monkeypatch.setattr("portal.services.remission_evidence.evidence_dir", lambda config: folder)
