"""Remission eligibility: which bills may be part of an application, and who may apply.

The claim-type flag comes from the rule pack (`ClaimTypeSpec.remission_eligible`); whether
businesses are excluded is a setting of the remission policy ([UR] art. 28). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from portal.domain.rules.base import RulePack
from portal.domain.rules.base import UnknownClaimType
from portal.domain.rules.remission_norms import RemissionPolicy


class ClaimReason(StrEnum):
    """Why a bill cannot be part of an application (plain words on the pre-check page)."""

    TYPE_NOT_ELIGIBLE = "type_not_eligible"
    NOTHING_TO_PAY = "nothing_to_pay"
    WITH_COLLECTOR = "with_collector"
    ALREADY_APPLIED = "already_applied"


class ApplicantReason(StrEnum):
    """Why the citizen cannot apply at all."""

    BUSINESS = "business"
    NO_ELIGIBLE_BILLS = "no_eligible_bills"
    ALREADY_PENDING = "already_pending"


@dataclass(frozen=True)
class ClaimFacts:
    claim_id: int
    type_code: str
    balance: int
    handed_over: bool = False
    closed: bool = False
    #: part of another application that is still open
    in_open_application: bool = False


@dataclass(frozen=True)
class ClaimEligibility:
    claim_id: int
    eligible: bool
    reason: ClaimReason | None


@dataclass(frozen=True)
class Eligibility:
    applicant_reason: ApplicantReason | None
    claims: tuple[ClaimEligibility, ...]

    @property
    def can_apply(self) -> bool:
        return self.applicant_reason is None

    @property
    def eligible_ids(self) -> tuple[int, ...]:
        return tuple(c.claim_id for c in self.claims if c.eligible)


def _claim_reason(facts: ClaimFacts, rules: RulePack) -> ClaimReason | None:
    try:
        spec = rules.claim_type(facts.type_code)
    except UnknownClaimType:
        return ClaimReason.TYPE_NOT_ELIGIBLE
    if not spec.remission_eligible:
        return ClaimReason.TYPE_NOT_ELIGIBLE
    if facts.closed or facts.balance <= 0:
        return ClaimReason.NOTHING_TO_PAY
    if facts.handed_over and rules.collector_claims_read_only:
        return ClaimReason.WITH_COLLECTOR
    if facts.in_open_application:
        return ClaimReason.ALREADY_APPLIED
    return None


def check_eligibility(
    debtor_kind: str,
    claims: Sequence[ClaimFacts],
    rules: RulePack,
    policy: RemissionPolicy,
) -> Eligibility:
    """Which bills qualify (claim-type flag from the rule pack) and whether the citizen may
    apply: [UR] art. 28 leaves businesses only an agreement with all creditors."""
    results = tuple(
        ClaimEligibility(f.claim_id, (r := _claim_reason(f, rules)) is None, r) for f in claims
    )
    applicant: ApplicantReason | None = None
    if policy.businesses_excluded and debtor_kind == "business":
        applicant = ApplicantReason.BUSINESS
    elif not any(r.eligible for r in results):
        if any(r.reason is ClaimReason.ALREADY_APPLIED for r in results):
            applicant = ApplicantReason.ALREADY_PENDING
        else:
            applicant = ApplicantReason.NO_ELIGIBLE_BILLS
    if applicant is ApplicantReason.BUSINESS:
        results = tuple(ClaimEligibility(r.claim_id, False, r.reason) for r in results)
    return Eligibility(applicant, results)
