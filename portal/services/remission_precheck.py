"""The remission pre-check: which of a debtor's open bills qualify for remission, why the
others do not, and whether the debtor may apply at all (the rules are in
portal/domain/remission_eligibility.py; this gathers the facts from the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.remission_eligibility import ClaimFacts
from portal.domain.remission_eligibility import Eligibility
from portal.domain.remission_eligibility import check_eligibility
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.models import RemissionApplication
from portal.models import RemissionClaim
from portal.services.remission import OPEN_STATE_VALUES
from portal.services.remission import NoSuchApplication
from portal.services.remission import open_application
from portal.services.remission import policy_for


@dataclass(frozen=True)
class PreCheck:
    eligibility: Eligibility
    claims: tuple[Claim, ...]
    open_application: RemissionApplication | None

    @property
    def eligible_ids(self) -> tuple[int, ...]:
        return self.eligibility.eligible_ids

    def reason_for(self, claim_id: int) -> str | None:
        for item in self.eligibility.claims:
            if item.claim_id == claim_id:
                return item.reason.value if item.reason else None
        return None


def _claims_in_open_applications(session: Session, debtor_id: int) -> set[int]:
    rows = session.scalars(
        select(RemissionClaim.claim_id)
        .join(RemissionApplication)
        .where(
            RemissionApplication.debtor_id == debtor_id,
            RemissionApplication.state.in_(OPEN_STATE_VALUES),
        )
    )
    return set(rows)


def precheck(session: Session, rules: RulePack, *, debtor_id: int, as_of: date) -> PreCheck:
    """Which of the debtor's open bills qualify, and why the others do not."""
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NoSuchApplication(f"no debtor {debtor_id}")
    rows = session.execute(
        select(Claim, ClaimType.code)
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(Claim.debtor_id == debtor_id, Claim.cancelled_on.is_(None))
        .order_by(Claim.due_date, Claim.id)
    ).all()
    claims = tuple(claim for claim, _code in rows if claim.balance > 0)
    applied = _claims_in_open_applications(session, debtor_id)
    facts = [
        ClaimFacts(
            claim_id=claim.id,
            type_code=code,
            balance=claim.balance,
            handed_over=claim.handed_over_on is not None and claim.handed_over_on <= as_of,
            in_open_application=claim.id in applied,
        )
        for claim, code in rows
        if claim.balance > 0
    ]
    eligibility = check_eligibility(debtor.kind, facts, rules, policy_for(rules))
    return PreCheck(eligibility, claims, open_application(session, debtor_id))
