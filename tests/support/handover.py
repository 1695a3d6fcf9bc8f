"""Helpers for the hand-over tests (issue 8): a claim that is eligible for hand-over, approved
by a caseworker, and a run into a temporary folder."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.services import handover as svc
from portal.services.dunning_batch import run_dunning
from portal.services.letter_batch import run_reminder_letters
from portal.services.limitation_batch import run_limitation_checks
from tests.support.batch import claim_of
from tests.support.primitives import NOW

DUE = date(2026, 9, 1)
REMINDED_ON = date(2026, 9, 8)
#: the NL notice period (14 days) after the reminder has passed
READY_ON = date(2026, 10, 1)
BSN = "111222333"  # passes the Dutch eleven-test


def rules() -> RulePack:
    pack: RulePack = current_app.config["RULE_PACK"]
    return pack


def reminded_claim(session: Session, name: str = "Handover Person", **debtor: Any) -> Claim:
    """An NL claim with its reminder letter sent on REMINDED_ON."""
    claim = claim_of(session, "ozb_residential", 30_000, due=DUE, name=name, **debtor)
    run_dunning(session, rules(), as_of=REMINDED_ON)
    run_reminder_letters(session, rules(), as_of=REMINDED_ON)
    return claim


def checked(session: Session) -> None:
    """The batch's limitation step: opens the hand-over checks on READY_ON."""
    run_limitation_checks(session, rules(), as_of=READY_ON)


def approve(session: Session, claim: Claim, staff_user_id: int) -> None:
    svc.approve_handover(
        session, rules(), claim.id, staff_user_id=staff_user_id, as_of=READY_ON, now=NOW
    )


def config_in(folder: Path) -> Config:
    config: Config = current_app.config["SALDO"]
    return replace(config, data_dir=str(folder))
