"""Who may apply for remission and for which bills; the application's state machine."""

from __future__ import annotations

import pytest

from portal.domain.remission_eligibility import ApplicantReason
from portal.domain.remission_eligibility import ClaimFacts
from portal.domain.remission_eligibility import ClaimReason
from portal.domain.remission_eligibility import check_eligibility
from portal.domain.remission_states import IllegalRemissionTransition
from portal.domain.remission_states import RemissionState
from portal.domain.remission_states import transition
from portal.domain.rules import get_rule_pack
from portal.domain.rules.remission_norms import remission_policy

NL = get_rule_pack("nl")
POLICY = remission_policy("nl")


def _check(kind: str, *facts: ClaimFacts):  # type: ignore[no-untyped-def]
    return check_eligibility(kind, facts, NL, POLICY)


def test_municipal_taxes_on_the_list_qualify_and_other_bills_say_why_not() -> None:
    result = _check(
        "person",
        ClaimFacts(1, "waste_levy", 10_000),
        ClaimFacts(2, "parking_assessment", 5_000),
        ClaimFacts(3, "ozb_residential", 0),
        ClaimFacts(4, "sewerage_levy", 3_000, in_open_application=True),
        ClaimFacts(5, "no_such_type", 3_000),
    )
    assert result.can_apply
    assert result.eligible_ids == (1,)
    reasons = {c.claim_id: c.reason for c in result.claims}
    assert reasons == {
        1: None,
        2: ClaimReason.TYPE_NOT_ELIGIBLE,
        3: ClaimReason.NOTHING_TO_PAY,
        4: ClaimReason.ALREADY_APPLIED,
        5: ClaimReason.TYPE_NOT_ELIGIBLE,
    }


def test_a_business_cannot_apply_even_for_eligible_taxes() -> None:
    result = _check("business", ClaimFacts(1, "waste_levy", 10_000))
    assert result.applicant_reason is ApplicantReason.BUSINESS
    assert result.eligible_ids == ()


def test_without_eligible_bills_nobody_can_apply() -> None:
    result = _check("person", ClaimFacts(1, "dog_tax", 10_000))
    assert result.applicant_reason is ApplicantReason.NO_ELIGIBLE_BILLS
    pending = _check("person", ClaimFacts(1, "waste_levy", 10_000, in_open_application=True))
    assert pending.applicant_reason is ApplicantReason.ALREADY_PENDING


@pytest.mark.parametrize(
    ("pack", "expected"),
    [("dk", {"property_tax", "waste_fee"}), ("be", {"waste_charge", "living_wage_recovery"})],
)
def test_in_denmark_and_belgium_the_flagged_claim_types_qualify_and_no_others(
    pack: str, expected: set[str]
) -> None:
    rules = get_rule_pack(pack)
    facts = [ClaimFacts(i, spec.code, 1_000) for i, spec in enumerate(rules.claim_types)]
    result = check_eligibility("person", facts, rules, remission_policy(pack))
    assert result.applicant_reason is None
    assert {rules.claim_types[i].code for i in result.eligible_ids} == expected


S = RemissionState


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.SUBMITTED),
        (S.DRAFT, S.ABANDONED),
        (S.SUBMITTED, S.GRANTED),
        (S.SUBMITTED, S.PENDING_REVIEW),
        (S.PENDING_REVIEW, S.PARTIALLY_GRANTED),
        (S.PENDING_REVIEW, S.REJECTED),
        (S.PENDING_REVIEW, S.MORE_INFO_REQUESTED),
        (S.MORE_INFO_REQUESTED, S.PENDING_REVIEW),
        (S.MORE_INFO_REQUESTED, S.ABANDONED),
    ],
)
def test_allowed_transitions(current: RemissionState, target: RemissionState) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SUBMITTED, S.REJECTED),  # never rejected automatically
        (S.DRAFT, S.GRANTED),
        (S.GRANTED, S.REJECTED),
        (S.REJECTED, S.GRANTED),
        (S.ABANDONED, S.PENDING_REVIEW),
        (S.WITHDRAWN, S.SUBMITTED),
    ],
)
def test_forbidden_transitions_raise(current: RemissionState, target: RemissionState) -> None:
    with pytest.raises(IllegalRemissionTransition):
        transition(current, target)
